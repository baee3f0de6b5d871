import assert from "node:assert/strict";
import { test } from "node:test";
import { startVaultDouble } from "../../../test/support/vault-double.js";
import { createStoreClient, isReferentStore, type CredentialReader } from "./store-client.js";
import { StoreClients } from "./store-clients.js";
import type { SecretStore } from "./types.js";

/** Credentials held in memory: `namespace/name/key` → value; every read is recorded. */
function credentials(values: Record<string, string>, reads: string[] = []): CredentialReader {
  return {
    secretKey(namespace, name, key) {
      reads.push(`${namespace}/${name}/${key}`);
      const value = values[`${namespace}/${name}/${key}`];
      return value === undefined
        ? Promise.reject(new Error(`cannot get Secret "${namespace}/${name}": not found`))
        : Promise.resolve(Buffer.from(value));
    },
    configMapKey: () => Promise.reject(new Error("no ConfigMaps here")),
  };
}

function store(kind: SecretStore["kind"], provider: Record<string, unknown>): SecretStore {
  return {
    apiVersion: "external-secrets.io/v1",
    kind,
    metadata: {
      name: "vault",
      uid: "uid-1",
      generation: 1,
      ...(kind === "SecretStore" ? { namespace: "team-a" } : {}),
    },
    spec: { provider },
  };
}

test("createStoreClient() reads a Vault token from the Secret a SecretStore names", async (t) => {
  const vault = await startVaultDouble();
  t.after(() => vault.close());
  vault.mount("secret", 2);
  vault.writeKv("secret/app/db", { password: "from-vault" });
  const reads: string[] = [];
  const client = await createStoreClient(
    store("SecretStore", {
      vault: {
        server: vault.address,
        path: "secret",
        auth: { tokenSecretRef: { name: "vault-token", key: "token" } },
      },
    }),
    {
      credentials: credentials({ "team-a/vault-token/token": vault.rootToken }, reads),
      namespace: "team-a",
    },
  );
  t.after(() => client.close());
  const value = await client.provider.getSecret({ key: "app/db", property: "password" });
  assert.equal(Buffer.from(value ?? []).toString(), "from-vault");
  assert.deepEqual(reads, ["team-a/vault-token/token"]);
  assert.deepEqual(await client.provider.validate(), { status: "Ready" });
});

test("createStoreClient() logs in with AppRole once and reuses the token across reads", async (t) => {
  const vault = await startVaultDouble();
  t.after(() => vault.close());
  vault.mount("secret", 2);
  vault.writeKv("secret/app/db", { password: "from-vault" });
  vault.setPolicy("reader", { "secret/data/*": ["read"] });
  const { roleId, secretId } = vault.addAppRole("eso", { policies: ["reader"] });
  const client = await createStoreClient(
    store("ClusterSecretStore", {
      vault: {
        server: vault.address,
        path: "secret",
        auth: {
          appRole: {
            path: "approle",
            roleId,
            secretRef: { name: "approle", key: "secret-id", namespace: "eso" },
          },
        },
      },
    }),
    { credentials: credentials({ "eso/approle/secret-id": secretId }), namespace: "team-a" },
  );
  for (let i = 0; i < 3; i++) await client.provider.getSecret({ key: "app/db" });
  assert.equal(vault.count("PUT", "auth/approle/login"), 1);
  await client.close();
  assert.equal(vault.count("PUT", "auth/token/revoke-self"), 1);
});

test("createStoreClient() names the field of a store it cannot build a client for", async () => {
  const none = credentials({});
  await assert.rejects(
    createStoreClient(store("SecretStore", { aws: { service: "SecretsManager" } }), {
      credentials: none,
      namespace: "team-a",
    }),
    /provider "aws" is not supported by this controller/,
  );
  await assert.rejects(
    createStoreClient(store("SecretStore", { vault: { path: "secret" } }), {
      credentials: none,
      namespace: "team-a",
    }),
    /^Error: spec\.provider\.vault\.server: required$/,
  );
  await assert.rejects(
    createStoreClient(
      store("ClusterSecretStore", {
        vault: { server: "http://127.0.0.1:1", caProvider: { type: "Secret", name: "ca" } },
      }),
      { credentials: none, namespace: "team-a" },
    ),
    /missing namespace on caProvider secret/,
  );
});

test("isReferentStore() is true for a ClusterSecretStore whose credentials name no namespace", () => {
  const referent = store("ClusterSecretStore", {
    vault: { server: "http://v", auth: { tokenSecretRef: { name: "t", key: "token" } } },
  });
  const fixed = store("ClusterSecretStore", {
    vault: {
      server: "http://v",
      auth: { tokenSecretRef: { name: "t", key: "token", namespace: "eso" } },
    },
  });
  assert.equal(isReferentStore(referent), true);
  assert.equal(isReferentStore(fixed), false);
  assert.equal(isReferentStore({ ...referent, kind: "SecretStore" }), false);
});

test("StoreClients keeps one client per store, one per namespace for a referent store, and rebuilds on a spec change", async (t) => {
  const vault = await startVaultDouble();
  t.after(() => vault.close());
  const reads: string[] = [];
  const clients = new StoreClients({
    credentials: credentials(
      { "team-a/t/token": vault.rootToken, "team-b/t/token": vault.rootToken },
      reads,
    ),
  });
  t.after(() => clients.closeAll());
  const referent = store("ClusterSecretStore", {
    vault: { server: vault.address, auth: { tokenSecretRef: { name: "t", key: "token" } } },
  });
  const a1 = await clients.get(referent, "team-a");
  assert.equal(await clients.get(referent, "team-a"), a1);
  assert.notEqual(await clients.get(referent, "team-b"), a1);
  assert.deepEqual(reads, ["team-a/t/token", "team-b/t/token"]);
  const changed = { ...referent, metadata: { ...referent.metadata, generation: 2 } };
  assert.notEqual(await clients.get(changed, "team-a"), a1);
  assert.equal(clients.size, 2);
});

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { KubeClient, loadKubeConfig } from "../../kube/index.js";
import { startLocalCluster } from "../../localcluster/index.js";
import { startVaultDouble } from "../../../test/support/vault-double.js";
import { apiCredentialReader } from "./runtime.js";
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
    serviceAccountToken: () => Promise.reject(new Error("no TokenRequest here")),
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

test("createStoreClient() reaches another cluster for provider.kubernetes with the bearer token a Secret holds", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "eso-k8s-store-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  writeFileSync(join(dir, "tokens"), 'spoke-token,hub,uid-1,"system:masters"\n');
  const spoke = await startLocalCluster({ tokensFile: join(dir, "tokens") });
  t.after(() => spoke.close());
  const reads: string[] = [];
  const spec = (token: string) =>
    store("ClusterSecretStore", {
      kubernetes: {
        remoteNamespace: "default",
        server: { url: spoke.url },
        auth: { token: { bearerToken: { name: token, key: "token", namespace: "eso" } } },
      },
    });
  const values = { "eso/good/token": "spoke-token\n", "eso/bad/token": "wrong" };
  const client = await createStoreClient(spec("good"), {
    credentials: credentials(values, reads),
    namespace: "team-a",
  });
  await client.provider.pushSecret(
    { password: Buffer.from("pushed") },
    { secretKey: "password", remoteRef: { remoteKey: "app", property: "password" } },
  );
  const value = await client.provider.getSecret({ key: "app", property: "password" });
  assert.equal(Buffer.from(value ?? []).toString(), "pushed");
  assert.deepEqual(await client.provider.validate(), { status: "Ready" });
  assert.deepEqual(reads, ["eso/good/token"]);
  assert.equal(isReferentStore(spec("good")), false);
  const refused = await createStoreClient(spec("bad"), {
    credentials: credentials(values),
    namespace: "team-a",
  });
  assert.equal((await refused.provider.validate()).status, "Error");
  await assert.rejects(refused.provider.getSecret({ key: "app" }), /401/);
});

test("createStoreClient() names the field a provider.kubernetes store gets wrong", async () => {
  const none = credentials({});
  const attempt = (kubernetes: Record<string, unknown>) =>
    createStoreClient(store("SecretStore", { kubernetes }), {
      credentials: none,
      namespace: "team-a",
    });
  const token = { token: { bearerToken: { name: "t", key: "token" } } };
  await assert.rejects(
    attempt({ server: { url: "http://127.0.0.1:1" } }),
    /^Error: spec\.provider\.kubernetes\.auth: one of auth or authRef is required$/,
  );
  await assert.rejects(
    attempt({ auth: token, authRef: { name: "kubeconfig", key: "value" } }),
    /^Error: spec\.provider\.kubernetes: auth and authRef are mutually exclusive$/,
  );
  await assert.rejects(
    attempt({ auth: { ...token, cert: {} } }),
    /exactly one of token, serviceAccount or cert is required/,
  );
  await assert.rejects(
    attempt({ auth: { serviceAccount: { name: "reader" } } }),
    /^Error: spec\.provider\.kubernetes\.auth\.serviceAccount: no TokenRequest here$/,
  );
  await assert.rejects(
    attempt({ auth: { serviceAccount: {} } }),
    /^Error: spec\.provider\.kubernetes\.auth\.serviceAccount\.name: required$/,
  );
  await assert.rejects(
    attempt({ auth: { token: { bearerToken: { name: "t" } } } }),
    /^Error: spec\.provider\.kubernetes\.auth\.token\.bearerToken: name and key are required$/,
  );
  await assert.rejects(attempt({ auth: token }), /cannot get Secret "team-a\/t": not found/);
  assert.equal(isReferentStore(store("ClusterSecretStore", { kubernetes: { auth: token } })), true);
});

test("provider.kubernetes auth.serviceAccount: a token minted with TokenRequest reads the remote namespace, and the client is rebuilt before it expires", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "eso-k8s-sa-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  // One cluster, where unauthenticated requests fail: the controller's own token mints a token
  // for the store's service account, and the provider reads with that token alone.
  writeFileSync(join(dir, "tokens"), "controller-token,eso,uid-1\n");
  const cluster = await startLocalCluster({ tokensFile: join(dir, "tokens") });
  t.after(() => cluster.close());
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(kubeconfig, cluster.kubeconfig());
  const api = new KubeClient(loadKubeConfig({ kubeconfig, env: {} }));
  for (const name of ["remote", "eso"]) {
    await api.create({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
  }
  await api.create({
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: "reader", namespace: "eso" },
  });
  await api.create({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "db", namespace: "remote" },
    stringData: { password: "from-remote" },
  });
  const minted: string[] = [];
  const real = apiCredentialReader(api);
  const reader: CredentialReader = {
    ...real,
    async serviceAccountToken(namespace, name, audiences, seconds) {
      minted.push(`${namespace}/${name} ${audiences.join(",")} ${String(seconds)}`);
      return real.serviceAccountToken(namespace, name, audiences, seconds);
    },
  };
  let now = Date.now();
  const spec = store("ClusterSecretStore", {
    kubernetes: {
      remoteNamespace: "remote",
      server: { url: cluster.url },
      auth: { serviceAccount: { name: "reader", namespace: "eso" } },
    },
  });
  const clients = new StoreClients({ credentials: reader, now: () => now });
  t.after(() => clients.closeAll());
  const first = await clients.get(spec, "team-a");
  const value = await first.provider.getSecret({ key: "db", property: "password" });
  assert.equal(Buffer.from(value ?? []).toString(), "from-remote");
  assert.deepEqual(minted, ["eso/reader  600"], "ESO's 10 minutes, the API server's audience");
  assert.equal(await clients.get(spec, "team-a"), first, "cached while the token is fresh");
  now += 8 * 60_000 + 1_000; // past 80% of the token's life
  const second = await clients.get(spec, "team-a");
  assert.notEqual(second, first);
  assert.equal(minted.length, 2);
  assert.equal(
    Buffer.from(
      (await second.provider.getSecret({ key: "db", property: "password" })) ?? [],
    ).toString(),
    "from-remote",
  );
  await assert.rejects(
    createStoreClient(
      store("ClusterSecretStore", {
        kubernetes: {
          server: { url: cluster.url },
          auth: { serviceAccount: { name: "nobody", namespace: "eso" } },
        },
      }),
      { credentials: reader, namespace: "team-a" },
    ),
    /^Error: spec\.provider\.kubernetes\.auth\.serviceAccount: cannot create token for ServiceAccount "eso\/nobody": .*not found/,
  );
});

test("vault auth.kubernetes.serviceAccountRef and auth.jwt.kubernetesServiceAccountToken log in with a fresh TokenRequest token", async (t) => {
  const vault = await startVaultDouble();
  t.after(() => vault.close());
  vault.addKubernetesRole("app", {
    boundServiceAccountNames: ["vault-auth"],
    boundServiceAccountNamespaces: ["team-a"],
    policies: ["read"],
  });
  const minted: string[] = [];
  const reader: CredentialReader = {
    ...credentials({}),
    serviceAccountToken(namespace, name, audiences, seconds) {
      const token = `jwt-${String(minted.length)}`;
      minted.push(`${namespace}/${name} ${audiences.join(",")} ${String(seconds)}`);
      vault.acceptServiceAccountToken(token, { namespace, name });
      return Promise.resolve({ token, expiresAt: Date.now() + seconds * 1000 });
    },
  };
  const viaKubernetes = await createStoreClient(
    store("SecretStore", {
      vault: {
        server: vault.address,
        auth: {
          kubernetes: {
            role: "app",
            serviceAccountRef: { name: "vault-auth", audiences: ["vault"] },
          },
        },
      },
    }),
    { credentials: reader, namespace: "team-a" },
  );
  t.after(() => viaKubernetes.close());
  assert.deepEqual(await viaKubernetes.provider.validate(), { status: "Ready" });
  assert.deepEqual(minted, ["team-a/vault-auth vault 600"]);
  const viaJwt = await createStoreClient(
    store("SecretStore", {
      vault: {
        server: vault.address,
        auth: {
          jwt: {
            role: "app",
            kubernetesServiceAccountToken: {
              serviceAccountRef: { name: "vault-auth" },
              expirationSeconds: 900,
            },
          },
        },
      },
    }),
    { credentials: reader, namespace: "team-a" },
  );
  t.after(() => viaJwt.close());
  // The double has no JWT auth mount: the login fails, after the token was requested.
  assert.equal((await viaJwt.provider.validate()).status, "Error");
  assert.deepEqual(minted.at(-1), "team-a/vault-auth vault 900", "upstream's default audience");
});

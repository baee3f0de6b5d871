import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import type { KubeObject } from "../../src/kube/index.js";
import { haveKubectl } from "../interop/kubectl-support.js";
import { waitFor } from "../support/wait.js";
import {
  createNamespace,
  decoded,
  readyCondition,
  startEsoHarness,
  type EsoHarness,
} from "./eso-support.js";

const planted = "planted-vault-pa55word-91c4";
const rotated = "rotated-vault-pa55word-77ab";

// ESO's objectHash, computed here from its definition (SHA3-224 over Go's %+v), independently of
// src/controllers/externalsecrets' own helpers.
function goSha3(text: string): string {
  return createHash("sha3-224").update(text).digest("hex");
}

function goByteMapText(data: Record<string, string>): string {
  const keys = Object.keys(data).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const entries = keys.map((key) => `${key}:[${[...Buffer.from(data[key] ?? "")].join(" ")}]`);
  return `map[${entries.join(" ")}]`;
}

/** The seeds' example: a KV v2 mount `secret`, the key myapp/db and a reader token. */
async function seedVault(h: EsoHarness): Promise<void> {
  h.vault.mount("secret", 2);
  h.vault.writeKv("secret/myapp/db", { password: planted, username: "app" });
  h.vault.setPolicy("reader", { "secret/data/*": ["read"], "secret/metadata/*": ["read", "list"] });
  const token = h.vault.createToken({ policies: ["reader"], ttlSeconds: 3600 });
  await createNamespace(h.client, "external-secrets");
  await h.client.create({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { namespace: "external-secrets", name: "vault-token" },
    stringData: { token },
  });
}

function vaultBackend(h: EsoHarness, conditions?: unknown[]): KubeObject {
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "ClusterSecretStore",
    metadata: { name: "vault-backend" },
    spec: {
      provider: {
        vault: {
          server: h.vault.address,
          path: "secret",
          version: "v2",
          auth: {
            tokenSecretRef: { name: "vault-token", key: "token", namespace: "external-secrets" },
          },
        },
      },
      ...(conditions === undefined ? {} : { conditions }),
    },
  };
}

function dbCredentials(namespace: string): KubeObject {
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "ExternalSecret",
    metadata: { namespace, name: "db-credentials" },
    spec: {
      refreshInterval: "1h",
      secretStoreRef: { name: "vault-backend", kind: "ClusterSecretStore" },
      target: { name: "db-secret", creationPolicy: "Owner" },
      data: [
        { secretKey: "password", remoteRef: { key: "myapp/db", property: "password" } },
        { secretKey: "username", remoteRef: { key: "myapp/db", property: "username" } },
      ],
    },
  };
}

const secretRef = (namespace: string, name: string) =>
  ({ apiVersion: "v1", kind: "Secret", namespace, name }) as const;
const esRef = (namespace: string, name: string) =>
  ({ apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", namespace, name }) as const;

test("the seeds' example: ClusterSecretStore vault-backend and ExternalSecret db-credentials", async (t) => {
  if (!(await haveKubectl())) {
    t.skip("kubectl not available");
    return;
  }
  const h = await startEsoHarness(t);
  await seedVault(h);
  await createNamespace(h.client, "my-app");
  await h.client.create(vaultBackend(h));
  await h.client.create(dbCredentials("my-app"));

  const wait = await h.kube.kubectl([
    "wait",
    "--for=condition=Ready",
    "externalsecret/db-credentials",
    "-n",
    "my-app",
    "--timeout=60s",
  ]);
  assert.equal(wait.status, 0, wait.stderr);
  const secret = await h.client.get(secretRef("my-app", "db-secret"));
  assert.deepEqual(decoded(secret), { password: planted, username: "app" });

  await t.test("the Secret carries exactly what ESO writes for the same input", async () => {
    const meta = secret?.metadata;
    const es = await h.client.get(esRef("my-app", "db-credentials"));
    assert.deepEqual(meta?.labels, {
      "reconcile.external-secrets.io/managed": "true",
      "reconcile.external-secrets.io/created-by": goSha3("my-app/db-credentials"),
    });
    assert.deepEqual(meta.annotations, {
      "reconcile.external-secrets.io/data-hash": goSha3(
        goByteMapText({ password: planted, username: "app" }),
      ),
    });
    assert.deepEqual(meta.ownerReferences, [
      {
        apiVersion: "external-secrets.io/v1",
        kind: "ExternalSecret",
        name: "db-credentials",
        uid: es?.metadata?.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.equal((secret as { type?: string }).type, "Opaque");
    const managers = (meta.managedFields as { manager?: string; operation?: string }[]).map(
      (entry) => `${entry.manager ?? ""}:${entry.operation ?? ""}`,
    );
    assert.ok(
      managers.includes("externalsecrets.external-secrets.io/db-credentials:Update"),
      managers.join(", "),
    );
    const status = es?.status as { syncedResourceVersion?: string; binding?: { name: string } };
    assert.equal(
      status.syncedResourceVersion,
      `${String(es?.metadata?.generation)}-${goSha3("{annotations:map[] labels:map[]}")}`,
    );
    assert.deepEqual(status.binding, { name: "db-secret" });
    assert.deepEqual(readyCondition(es), {
      ...readyCondition(es),
      status: "True",
      reason: "SecretSynced",
      message: "secret synced",
    });
    assert.deepEqual(es?.metadata?.finalizers, [
      "externalsecrets.external-secrets.io/externalsecret-cleanup",
    ]);
  });

  await t.test("a value changed in Vault reaches the Secret on force-sync", async () => {
    h.vault.writeKv("secret/myapp/db", { password: rotated, username: "app" });
    const annotate = await h.kube.kubectl([
      "annotate",
      "-n",
      "my-app",
      "es",
      "db-credentials",
      "force-sync=1700000000",
      "--overwrite",
    ]);
    assert.equal(annotate.status, 0, annotate.stderr);
    await waitFor("the rotated password", async () => {
      const current = decoded(await h.client.get(secretRef("my-app", "db-secret")));
      return current.password === rotated;
    });
  });

  await t.test("with Vault down the Secret stays and the condition says why", async () => {
    const before = await h.client.get(secretRef("my-app", "db-secret"));
    h.vault.faults.push({ kind: "reset" });
    await h.kube.kubectl([
      "annotate",
      "-n",
      "my-app",
      "es",
      "db-credentials",
      "force-sync=1700000001",
      "--overwrite",
    ]);
    const failed = await waitFor("Ready=False", async () => {
      const es = await h.client.get(esRef("my-app", "db-credentials"));
      const ready = readyCondition(es);
      return ready?.status === "False" ? ready : undefined;
    });
    assert.equal(failed.reason, "SecretSyncedError");
    assert.match(failed.message ?? "", /^could not get secret data from provider: /);
    assert.match(failed.message ?? "", /cannot reach http:\/\/127\.0\.0\.1:\d+/);
    const after = await h.client.get(secretRef("my-app", "db-secret"));
    assert.equal(after?.metadata?.resourceVersion, before?.metadata?.resourceVersion);
    assert.deepEqual(decoded(after), { password: rotated, username: "app" });
    const events = await h.client.list({ apiVersion: "v1", kind: "Event", namespace: "my-app" });
    assert.ok(
      events.items.some((event) => event.reason === "UpdateFailed" && event.type === "Warning"),
    );
    // Recovery: the next retry (with backoff) succeeds once Vault answers again.
    h.vault.faults.length = 0;
    await waitFor(
      "Ready=True again",
      async () =>
        readyCondition(await h.client.get(esRef("my-app", "db-credentials")))?.status === "True",
      { timeoutMs: 30_000 },
    );
  });

  await t.test("no planted value reaches a log, event, status or metric", async () => {
    const text = await h.outputs();
    assert.ok(text.includes("db-credentials"), "the outputs were collected");
    assert.ok(!text.includes(planted), "the first password leaked");
    assert.ok(!text.includes(rotated), "the rotated password leaked");
    assert.match(
      text,
      /externalsecret_sync_calls_total\{name="db-credentials",namespace="my-app"\} \d+/,
    );
    assert.match(
      text,
      /externalsecret_status_condition\{name="db-credentials",namespace="my-app",condition="Ready",status="True"\} 1/,
    );
    assert.match(
      text,
      /externalsecret_provider_api_calls_count\{provider="HashiCorp\/Vault",call="ReadSecretData",status="success"\} \d+/,
    );
  });

  await t.test("deleting the ExternalSecret deletes the Secret it owns", async () => {
    const deleted = await h.kube.kubectl([
      "delete",
      "-n",
      "my-app",
      "es",
      "db-credentials",
      "--timeout=30s",
    ]);
    assert.equal(deleted.status, 0, deleted.stderr);
    await waitFor(
      "the Secret to go",
      async () => (await h.client.get(secretRef("my-app", "db-secret"))) === undefined,
    );
  });
});

test("a namespace a ClusterSecretStore's conditions exclude is refused with upstream's reason", async (t) => {
  if (!(await haveKubectl())) {
    t.skip("kubectl not available");
    return;
  }
  const h = await startEsoHarness(t);
  await seedVault(h);
  await createNamespace(h.client, "my-app", { team: "a" });
  await createNamespace(h.client, "other", { team: "b" });
  await h.client.create(vaultBackend(h, [{ namespaceSelector: { matchLabels: { team: "a" } } }]));
  await h.client.create(dbCredentials("my-app"));
  await h.client.create(dbCredentials("other"));
  const refused = await waitFor("the refusal", async () => {
    const ready = readyCondition(await h.client.get(esRef("other", "db-credentials")));
    return ready?.status === "False" ? ready : undefined;
  });
  assert.equal(refused.reason, "SecretSyncedError");
  assert.match(
    refused.message ?? "",
    /using cluster store "vault-backend" is not allowed from namespace "other": denied by spec\.condition/,
  );
  assert.equal(await h.client.get(secretRef("other", "db-secret")), undefined);
  await waitFor(
    "the allowed namespace's Secret",
    async () => decoded(await h.client.get(secretRef("my-app", "db-secret"))).password === planted,
  );
});

// The Sealed Secrets controller against a local cluster, through the Kubernetes API.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createPublicKey } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { KubeObject } from "../../src/kube/index.js";
import type { SealedSecret, Secret } from "../../src/sealing/index.js";
import { keySecret, sealedFor, testKey } from "../support/sealed-secrets.js";
import {
  startController,
  startSealedSecretsCluster,
  type SealedSecretsCluster,
} from "../support/sealed-secrets-cluster.js";
import { testdata } from "../support/paths.js";
import { waitFor } from "../support/wait.js";

const keyA = testKey("a");
const secretRef = (namespace: string, name: string) => ({
  apiVersion: "v1",
  kind: "Secret",
  namespace,
  name,
});
const sealedRef = (namespace: string, name: string) => ({
  apiVersion: "bitnami.com/v1alpha1",
  kind: "SealedSecret",
  namespace,
  name,
});

interface Harness {
  env: SealedSecretsCluster;
  dir: string;
}

async function harness(t: { after: (fn: () => Promise<void> | void) => void }): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), "ssctl-e2e-"));
  const env = await startSealedSecretsCluster(dir);
  t.after(async () => {
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await env.client.create(
    keySecret(keyA, { name: "sealed-secrets-keyaaaaa" }) as Secret & KubeObject,
  );
  return { env, dir };
}

async function createSealed(env: SealedSecretsCluster, sealed: SealedSecret): Promise<KubeObject> {
  return env.client.create(sealed as unknown as KubeObject);
}

function condition(obj: KubeObject | undefined): { status?: string; message?: string } | undefined {
  const status = obj?.status as
    { conditions?: { type: string; status?: string; message?: string }[] } | undefined;
  return status?.conditions?.find((c) => c.type === "Synced");
}

test("a SealedSecret becomes its Secret with the data, the owner and a Synced status", async (t) => {
  const { env } = await harness(t);
  const controller = await startController(env.cluster);
  t.after(() => controller.stop());
  const created = await createSealed(
    env,
    sealedFor(keyA, "default", "db", { password: "planted-value-1" }),
  );
  const secret = await waitFor("the Secret", () =>
    env.client.get<Secret & KubeObject>(secretRef("default", "db")),
  );
  assert.equal(Buffer.from(secret.data?.password ?? "", "base64").toString(), "planted-value-1");
  assert.deepEqual(secret.metadata.ownerReferences, [
    {
      apiVersion: "bitnami.com/v1alpha1",
      kind: "SealedSecret",
      name: "db",
      uid: created.metadata?.uid,
      controller: true,
    },
  ]);
  const synced = await waitFor("Synced=True", async () => {
    const obj = await env.client.get(sealedRef("default", "db"));
    return condition(obj)?.status === "True" ? obj : undefined;
  });
  assert.equal(
    (synced.status as { observedGeneration?: number }).observedGeneration,
    synced.metadata?.generation,
  );
});

async function events(
  env: SealedSecretsCluster,
  name: string,
): Promise<{ reason: string; message: string; type: string }[]> {
  const list = await env.client.list<
    KubeObject & { reason: string; message: string; type: string; involvedObject: { name: string } }
  >({ apiVersion: "v1", kind: "Event", namespace: "default" });
  return list.items.filter((e) => e.involvedObject.name === name);
}

test("a SealedSecret moved to another namespace, or tampered, fails alone with a condition and an event", async (t) => {
  const { env } = await harness(t);
  await env.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "other" } });
  const controller = await startController(env.cluster);
  t.after(() => controller.stop());
  const moved = sealedFor(keyA, "other", "db", { password: "x" });
  moved.metadata.namespace = "default";
  moved.metadata.name = "moved";
  await createSealed(env, moved);
  const tampered = sealedFor(keyA, "default", "tampered", { good: "g", bad: "b" });
  const blob = Buffer.from(tampered.spec.encryptedData.bad ?? "", "base64");
  blob[blob.length - 1] = (blob[blob.length - 1] ?? 0) ^ 1;
  tampered.spec.encryptedData.bad = blob.toString("base64");
  await createSealed(env, tampered);
  await createSealed(env, sealedFor(keyA, "default", "fine", { v: "ok" }));
  for (const [name, message] of [
    ["moved", "no key could decrypt secret (password)"],
    ["tampered", "no key could decrypt secret (bad)"],
  ] as const) {
    const obj = await waitFor(`Synced=False on ${name}`, async () => {
      const current = await env.client.get(sealedRef("default", name));
      return condition(current)?.status === "False" ? current : undefined;
    });
    assert.equal(condition(obj)?.message, message);
    assert.equal(
      await env.client.get(secretRef("default", name)),
      undefined,
      `no Secret for ${name}`,
    );
    const warning = await waitFor(`the ErrUnsealFailed event of ${name}`, async () =>
      (await events(env, name)).find((e) => e.reason === "ErrUnsealFailed"),
    );
    assert.equal(warning.message, `Failed to unseal: ${message}`);
    assert.equal(warning.type, "Warning");
  }
  await waitFor("the untouched SealedSecret's Secret", () =>
    env.client.get(secretRef("default", "fine")),
  );
});

test("deleting the SealedSecret deletes its Secret; deleting the Secret makes it again", async (t) => {
  const { env } = await harness(t);
  const controller = await startController(env.cluster);
  t.after(() => controller.stop());
  await createSealed(env, sealedFor(keyA, "default", "db", { v: "1" }));
  const first = await waitFor("the Secret", () => env.client.get(secretRef("default", "db")));
  await env.client.delete(secretRef("default", "db"));
  const again = await waitFor("the recreated Secret", async () => {
    const secret = await env.client.get(secretRef("default", "db"));
    return secret?.metadata?.uid !== first.metadata?.uid ? secret : undefined;
  });
  assert.equal((again as Secret & KubeObject).data?.v, Buffer.from("1").toString("base64"));
  await env.client.delete(sealedRef("default", "db"));
  await waitFor(
    "the Secret to be garbage-collected",
    async () => (await env.client.get(secretRef("default", "db"))) === undefined,
  );
});

test("an existing Secret the SealedSecret does not own is left alone, with ErrUpdateFailed", async (t) => {
  const { env } = await harness(t);
  await env.client.create({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { namespace: "default", name: "taken" },
    data: { v: "b3JpZ2luYWw=" },
  });
  const controller = await startController(env.cluster);
  t.after(() => controller.stop());
  await createSealed(env, sealedFor(keyA, "default", "taken", { v: "new" }));
  const obj = await waitFor("Synced=False", async () => {
    const current = await env.client.get(sealedRef("default", "taken"));
    return condition(current)?.status === "False" ? current : undefined;
  });
  assert.equal(
    condition(obj)?.message,
    'failed update: Resource "taken" already exists and is not managed by SealedSecret',
  );
  const secret = await env.client.get<Secret & KubeObject>(secretRef("default", "taken"));
  assert.equal(secret?.data?.v, "b3JpZ2luYWw=");
});

test("a Secret annotated managed is taken over; patch merges into it", async (t) => {
  const { env } = await harness(t);
  const annotated = (name: string, annotations: Record<string, string>) => ({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { namespace: "default", name, annotations },
    data: { mine: "bWluZQ==" },
  });
  await env.client.create(annotated("managed", { "sealedsecrets.bitnami.com/managed": "true" }));
  await env.client.create(annotated("patched", { "sealedsecrets.bitnami.com/patch": "true" }));
  const controller = await startController(env.cluster);
  t.after(() => controller.stop());
  await createSealed(env, sealedFor(keyA, "default", "managed", { v: "1" }));
  await createSealed(env, sealedFor(keyA, "default", "patched", { v: "2" }));
  const managed = await waitFor("the managed Secret updated", async () => {
    const s = await env.client.get<Secret & KubeObject>(secretRef("default", "managed"));
    return s?.data?.v === undefined ? undefined : s;
  });
  assert.deepEqual(Object.keys(managed.data ?? {}), ["v"]);
  assert.equal(managed.metadata.ownerReferences?.[0]?.kind, "SealedSecret");
  const patched = await waitFor("the patched Secret updated", async () => {
    const s = await env.client.get<Secret & KubeObject>(secretRef("default", "patched"));
    return s?.data?.v === undefined ? undefined : s;
  });
  assert.deepEqual(Object.keys(patched.data ?? {}).sort(), ["mine", "v"]);
  assert.equal(patched.metadata.ownerReferences, undefined);
});

test("spec.template shapes the Secret: type, labels, annotations and rendered template.data", async (t) => {
  const { env } = await harness(t);
  const controller = await startController(env.cluster);
  t.after(() => controller.stop());
  const sealed = sealedFor(keyA, "default", "app", { user: "admin", pass: "pw" });
  sealed.spec.template = {
    ...sealed.spec.template,
    type: "kubernetes.io/basic-auth",
    metadata: {
      ...sealed.spec.template?.metadata,
      labels: { team: "a" },
      annotations: { note: "n" },
    },
    data: { url: "https://{{ .user }}:{{ .pass | upper }}@db" },
  };
  sealed.spec.encryptedData = {
    username: sealed.spec.encryptedData.user ?? "",
    password: sealed.spec.encryptedData.pass ?? "",
  };
  // Item names are part of the data, not of the label: renaming them keeps the items decryptable.
  sealed.spec.template.data = { url: "https://{{ .username }}:{{ .password | upper }}@db" };
  await createSealed(env, sealed);
  const secret = await waitFor("the Secret", () =>
    env.client.get<Secret & KubeObject>(secretRef("default", "app")),
  );
  assert.equal(secret.type, "kubernetes.io/basic-auth");
  assert.equal(secret.metadata.labels?.team, "a");
  assert.equal(secret.metadata.annotations?.note, "n");
  assert.equal(Buffer.from(secret.data?.url ?? "", "base64").toString(), "https://admin:PW@db");
});

async function syncedTrue(
  env: SealedSecretsCluster,
  namespace: string,
  name: string,
): Promise<KubeObject> {
  return waitFor(`Synced=True on ${namespace}/${name}`, async () => {
    const current = await env.client.get(sealedRef(namespace, name));
    return condition(current)?.status === "True" ? current : undefined;
  });
}

test("a restarted controller proves every Secret in sync: no RSA operation, no write, no event", async (t) => {
  const { env } = await harness(t);
  const names = ["r1", "r2", "r3", "r4", "r5"];
  const first = await startController(env.cluster);
  for (const name of names)
    await createSealed(env, sealedFor(keyA, "default", name, { a: `${name}-a`, b: `${name}-b` }));
  for (const name of names) await syncedTrue(env, "default", name);
  await first.stop();
  const versions = async (): Promise<string[]> => {
    const secrets = await env.client.list({
      apiVersion: "v1",
      kind: "Secret",
      namespace: "default",
    });
    const sealed = await env.client.list({
      apiVersion: "bitnami.com/v1alpha1",
      kind: "SealedSecret",
      namespace: "default",
    });
    return [...secrets.items, ...sealed.items]
      .map((o) => `${o.metadata?.name ?? ""}@${o.metadata?.resourceVersion ?? ""}`)
      .sort();
  };
  const before = await versions();
  const eventsBefore = (
    await env.client.list({ apiVersion: "v1", kind: "Event", namespace: "default" })
  ).items.length;
  const second = await startController(env.cluster);
  t.after(() => second.stop());
  await waitFor(
    "the restart to reconcile everything",
    () => second.stats().reconciles >= names.length && second.queueLength() === 0,
  );
  const stats = second.stats();
  assert.deepEqual(
    {
      rsa: stats.rsaOperations,
      creates: stats.secretCreates,
      updates: stats.secretUpdates,
      status: stats.statusWrites,
    },
    { rsa: 0, creates: 0, updates: 0, status: 0 },
  );
  assert.deepEqual(await versions(), before, "no object was written");
  const eventsAfter = (
    await env.client.list({ apiVersion: "v1", kind: "Event", namespace: "default" })
  ).items.length;
  assert.equal(eventsAfter, eventsBefore, "no event was recorded");
  // A Secret edited behind the controller's back no longer proves itself: the next reconcile decrypts.
  await env.client.patch(secretRef("default", "r1"), { data: { a: "ZWRpdGVk" } }, "merge");
  await env.client.patch(
    sealedRef("default", "r1"),
    { spec: { template: { metadata: { labels: { touched: "yes" } } } } },
    "merge",
  );
  await waitFor("r1 restored", async () => {
    const s = await env.client.get<Secret & KubeObject>(secretRef("default", "r1"));
    return (
      s?.data?.a === Buffer.from("r1-a").toString("base64") && s.metadata.labels?.touched === "yes"
    );
  });
  assert.equal(second.stats().rsaOperations, 2, "one RSA operation per item of r1");
});

function kubectl(
  env: SealedSecretsCluster,
  args: string[],
  input?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      "kubectl",
      ["--kubeconfig", env.kubeconfigPath, ...args],
      { timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({
          code: error === null ? 0 : typeof error.code === "number" ? error.code : 1,
          stdout,
          stderr,
        });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

test("a BYO key made with openssl req, dropped in with kubectl, opens what was sealed with its certificate", async (t) => {
  const { env } = await harness(t);
  const controller = await startController(env.cluster);
  t.after(() => controller.stop());
  const byo = testKey("byo-4096");
  await createSealed(env, sealedFor(byo, "default", "offline", { token: "sealed-offline" }));
  await waitFor(
    "Synced=False before the key exists",
    async () =>
      condition(await env.client.get(sealedRef("default", "offline")))?.status === "False",
  );
  const cert = testdata("sealing", "byo-4096.crt");
  const key = testdata("sealing", "byo-4096.key");
  const created = await kubectl(env, [
    "-n",
    "kube-system",
    "create",
    "secret",
    "tls",
    "byo-key",
    `--cert=${cert}`,
    `--key=${key}`,
  ]);
  assert.equal(created.code, 0, created.stderr);
  const labelled = await kubectl(env, [
    "-n",
    "kube-system",
    "label",
    "secret",
    "byo-key",
    "sealedsecrets.bitnami.com/sealed-secrets-key=active",
  ]);
  assert.equal(labelled.code, 0, labelled.stderr);
  await syncedTrue(env, "default", "offline");
  const secret = await env.client.get<Secret & KubeObject>(secretRef("default", "offline"));
  assert.equal(Buffer.from(secret?.data?.token ?? "", "base64").toString(), "sealed-offline");
  // The newest certificate seals: key a's was made after the BYO one, so it still does.
  const pem = await (await fetch(`${controller.apiUrl ?? ""}/v1/cert.pem`)).text();
  assert.equal(pem, keyA.certificatePem);
  assert.notEqual(pem, readFileSync(cert, "utf8"));
});

test("keys: generated on first start, renewed on demand and on schedule; old SealedSecrets still open", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "ssctl-e2e-"));
  const env = await startSealedSecretsCluster(dir);
  t.after(async () => {
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const controller = await startController(env.cluster, { keySize: 2048, keyRenewPeriodMs: 0 });
  t.after(() => controller.stop());
  const keySecrets = async (): Promise<(Secret & KubeObject)[]> =>
    (
      await env.client.list<Secret & KubeObject>(
        { apiVersion: "v1", kind: "Secret", namespace: "kube-system" },
        { labelSelector: "sealedsecrets.bitnami.com/sealed-secrets-key=active" },
      )
    ).items;
  const [generated] = await waitFor("the first key Secret", async () => {
    const items = await keySecrets();
    return items.length === 1 ? items : undefined;
  });
  assert.match(generated?.metadata.name ?? "", /^sealed-secrets-key[a-z0-9]{5}$/);
  assert.equal(generated?.type, "kubernetes.io/tls");
  const certificate = async (): Promise<string> =>
    (await fetch(`${controller.apiUrl ?? ""}/v1/cert.pem`)).text();
  const firstPem = await certificate();
  const firstKey = { publicKey: createPublicKey(firstPem) };
  await createSealed(env, sealedFor({ ...keyA, ...firstKey }, "default", "before", { v: "old" }));
  await syncedTrue(env, "default", "before");
  const renewed = await controller.renewKey();
  assert.match(renewed ?? "", /^sealed-secrets-key/);
  assert.equal((await keySecrets()).length, 2);
  const secondPem = await certificate();
  assert.notEqual(secondPem, firstPem, "the new key seals");
  await createSealed(
    env,
    sealedFor({ ...keyA, publicKey: createPublicKey(secondPem) }, "default", "after", { v: "new" }),
  );
  await syncedTrue(env, "default", "after");
  // The old SealedSecret still opens: delete its Secret and watch it come back.
  await env.client.delete(secretRef("default", "before"));
  const back = await waitFor("the old SealedSecret's Secret again", () =>
    env.client.get<Secret & KubeObject>(secretRef("default", "before")),
  );
  assert.equal(Buffer.from(back.data?.v ?? "", "base64").toString(), "old");
});

test("key renewal runs on its period after the newest key's age", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "ssctl-e2e-"));
  const env = await startSealedSecretsCluster(dir);
  t.after(async () => {
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await env.client.create(
    keySecret(keyA, { name: "sealed-secrets-keyaaaaa" }) as Secret & KubeObject,
  );
  // key a's certificate is older than the period, so the first renewal is due at once.
  const controller = await startController(env.cluster, { keySize: 2048, keyRenewPeriodMs: 1000 });
  t.after(() => controller.stop());
  await waitFor("two renewals", () => controller.stats().keysGenerated >= 2, { timeoutMs: 60_000 });
  assert.ok(controller.ring.keys().length >= 3);
});

test("two replicas with leader election: one writes, the other takes over when it stops", async (t) => {
  const { env } = await harness(t);
  const lease = { leaseName: "sealed-secrets-controller" };
  const one = await startController(env.cluster, { leaderElection: { ...lease, identity: "one" } });
  const two = await startController(env.cluster, { leaderElection: { ...lease, identity: "two" } });
  t.after(() => Promise.all([one.stop(), two.stop()]));
  await waitFor("a leader", () => one.isLeader() || two.isLeader());
  const [leader, follower] = one.isLeader() ? [one, two] : [two, one];
  await createSealed(env, sealedFor(keyA, "default", "first", { v: "1" }));
  await syncedTrue(env, "default", "first");
  assert.equal(follower.stats().reconciles, 0, "the follower writes nothing");
  // Every replica serves the API.
  assert.equal((await fetch(`${follower.apiUrl ?? ""}/v1/cert.pem`)).status, 200);
  await leader.stop();
  await waitFor("the follower to lead", () => follower.isLeader(), { timeoutMs: 30_000 });
  await createSealed(env, sealedFor(keyA, "default", "second", { v: "2" }));
  await syncedTrue(env, "default", "second");
});

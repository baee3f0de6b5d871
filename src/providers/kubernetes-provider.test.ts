import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { KubeObject } from "../kube/index.js";
import { startLocalCluster, type LocalCluster } from "../localcluster/index.js";
import {
  createKubernetesProvider,
  kubeClientForCluster,
  kubeClientFromKubeconfig,
  ProviderError,
  type SecretsProvider,
} from "./index.js";

interface After {
  after: (fn: () => Promise<void> | void) => void;
}

const text = (bytes: Uint8Array | undefined): string | undefined =>
  bytes === undefined ? undefined : Buffer.from(bytes).toString("utf8");

async function cluster(t: After, options: { tokensFile?: string } = {}): Promise<LocalCluster> {
  const started = await startLocalCluster(options);
  t.after(() => started.close());
  return started;
}

async function seed(local: LocalCluster): Promise<SecretsProvider> {
  const client = kubeClientFromKubeconfig(local.kubeconfig());
  await client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "remote" } });
  const b64 = (value: string): string => Buffer.from(value).toString("base64");
  await client.create({
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: "db",
      namespace: "remote",
      labels: { team: "a" },
      annotations: { owner: "ops" },
    },
    data: { user: b64("app"), config: b64('{"host":"db","port":5432,"tls":{"on":true}}') },
  });
  await client.create({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "cache", namespace: "remote", labels: { team: "b" } },
    data: { password: b64("hunter2") },
  });
  return createKubernetesProvider({ client, remoteNamespace: "remote" });
}

test("kubernetes getSecret() reads a remote Secret: whole data as JSON, a key, or key.gjson", async (t) => {
  const provider = await seed(await cluster(t));
  assert.equal(
    text(await provider.getSecret({ key: "db" })),
    '{"config":"{\\"host\\":\\"db\\",\\"port\\":5432,\\"tls\\":{\\"on\\":true}}","user":"app"}',
  );
  assert.equal(text(await provider.getSecret({ key: "db", property: "user" })), "app");
  assert.equal(text(await provider.getSecret({ key: "db", property: "config.tls.on" })), "true");
  assert.equal(text(await provider.getSecret({ key: "db", property: "config.port" })), "5432");
  assert.equal(
    text(await provider.getSecret({ key: "db", metadataPolicy: "Fetch", property: "labels.team" })),
    "a",
  );
  assert.equal(
    text(await provider.getSecret({ key: "db", metadataPolicy: "Fetch" })),
    '{"annotations":{"owner":"ops"},"labels":{"team":"a"}}',
  );
  await assert.rejects(
    provider.getSecret({ key: "db", property: "nope" }),
    /property "nope" not found/,
  );
  await assert.rejects(provider.getSecret({ key: "none" }), (error: unknown) => {
    assert.ok(error instanceof ProviderError);
    assert.equal(error.status, 404);
    return true;
  });
});

test("kubernetes getSecretMap() returns the data, missing as undefined, and JSON-encoded values for a property", async (t) => {
  const provider = await seed(await cluster(t));
  const map = await provider.getSecretMap({ key: "db" });
  assert.deepEqual(Object.keys(map ?? {}).sort(), ["config", "user"]);
  assert.equal(await provider.getSecretMap({ key: "none" }), undefined);
  const nested = await provider.getSecretMap({ key: "db", property: "config" });
  assert.deepEqual(
    Object.fromEntries(Object.entries(nested ?? {}).map(([key, value]) => [key, text(value)])),
    { host: '"db"', port: "5432", tls: '{"on":true}' },
  );
});

test("kubernetes getAllSecrets() finds by name regexp or by labels", async (t) => {
  const provider = await seed(await cluster(t));
  assert.deepEqual(Object.keys((await provider.getAllSecrets({ name: { regexp: "^c" } })) ?? {}), [
    "cache",
  ]);
  assert.deepEqual(Object.keys((await provider.getAllSecrets({ tags: { team: "a" } })) ?? {}), [
    "db",
  ]);
  assert.equal(
    text((await provider.getAllSecrets({ tags: { team: "b" } }))?.cache),
    '{"password":"hunter2"}',
  );
});

test("kubernetes pushSecret() creates and updates a remote Secret; deleteSecret() removes a key or the Secret", async (t) => {
  const provider = await seed(await cluster(t));
  const source = { password: Buffer.from("s3cr3t"), user: Buffer.from("app") };
  await provider.pushSecret(source, { remoteRef: { remoteKey: "copy" } });
  assert.equal(
    text(await provider.getSecret({ key: "copy" })),
    '{"password":"s3cr3t","user":"app"}',
  );
  await provider.pushSecret(source, {
    secretKey: "password",
    remoteRef: { remoteKey: "copy", property: "pw" },
  });
  assert.equal(text(await provider.getSecret({ key: "copy", property: "pw" })), "s3cr3t");
  await provider.pushSecret(source, {
    remoteRef: { remoteKey: "bundle", property: "all" },
    metadata: {
      apiVersion: "kubernetes.external-secrets.io/v1alpha1",
      kind: "PushSecretMetadata",
      spec: { labels: { pushed: "yes" } },
    },
  });
  assert.equal(
    text(await provider.getSecret({ key: "bundle", property: "all" })),
    '{"password":"s3cr3t","user":"app"}',
  );
  assert.equal(
    text(
      await provider.getSecret({
        key: "bundle",
        metadataPolicy: "Fetch",
        property: "labels.pushed",
      }),
    ),
    "yes",
  );
  await assert.rejects(
    provider.pushSecret(source, { secretKey: "password", remoteRef: { remoteKey: "x" } }),
    /remoteRef.property is required/,
  );
  assert.equal(await provider.secretExists({ remoteKey: "copy", property: "pw" }), true);
  await provider.deleteSecret({ remoteKey: "copy", property: "pw" });
  assert.equal(await provider.secretExists({ remoteKey: "copy", property: "pw" }), false);
  await provider.deleteSecret({ remoteKey: "copy" });
  assert.equal(await provider.secretExists({ remoteKey: "copy" }), false);
  await provider.deleteSecret({ remoteKey: "never-was" });
});

test("kubernetes provider reaches another cluster by URL and bearer token; a wrong token is a 401 error", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "k8s-provider-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const tokens = join(dir, "tokens.csv");
  writeFileSync(tokens, 'hub-token,hub,uid-1,"system:masters"\n');
  const spoke = await cluster(t, { tokensFile: tokens });
  const good = createKubernetesProvider({
    client: kubeClientForCluster({
      server: spoke.url,
      token: "hub-token",
      insecureSkipVerify: true,
    }),
  });
  await good.pushSecret({ a: Buffer.from("1") }, { remoteRef: { remoteKey: "from-hub" } });
  assert.equal(text(await good.getSecret({ key: "from-hub", property: "a" })), "1");
  assert.deepEqual(await good.validate(), { status: "Ready" });
  const bad = createKubernetesProvider({
    client: kubeClientForCluster({ server: spoke.url, token: "wrong", insecureSkipVerify: true }),
  });
  await assert.rejects(
    bad.getSecret({ key: "from-hub" }),
    /^ProviderError: cannot get Secret "default\/from-hub": .*401/,
  );
  assert.equal((await bad.validate()).status, "Error");
});

test("kubernetes pushSecret(): PushSecretMetadata remoteNamespace sends a ClusterSecretStore's push elsewhere; a SecretStore's stays", async (t) => {
  const local = await cluster(t);
  const client = kubeClientFromKubeconfig(local.kubeconfig());
  for (const name of ["remote", "elsewhere"]) {
    await client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
  }
  const metadata = {
    apiVersion: "kubernetes.external-secrets.io/v1alpha1",
    kind: "PushSecretMetadata",
    spec: { remoteNamespace: "elsewhere", labels: { pushed: "yes" } },
  };
  const source = { token: Buffer.from("t0ken") };
  const push = { secretKey: "token", remoteRef: { remoteKey: "api", property: "token" }, metadata };
  const forClusterStore = createKubernetesProvider({
    client,
    remoteNamespace: "remote",
    allowNamespaceOverride: true,
  });
  await forClusterStore.pushSecret(source, push);
  const pushed = await client.get<KubeObject & { data?: Record<string, string> }>({
    apiVersion: "v1",
    kind: "Secret",
    namespace: "elsewhere",
    name: "api",
  });
  assert.equal(Buffer.from(pushed?.data?.token ?? "", "base64").toString(), "t0ken");
  assert.deepEqual(pushed?.metadata?.labels, { pushed: "yes" });
  assert.equal(
    await client.get({ apiVersion: "v1", kind: "Secret", namespace: "remote", name: "api" }),
    undefined,
  );
  const namespaced = createKubernetesProvider({ client, remoteNamespace: "remote" });
  await namespaced.pushSecret(source, push);
  assert.equal(text(await namespaced.getSecret({ key: "api", property: "token" })), "t0ken");
});

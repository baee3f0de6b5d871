// Hub → spoke through ESO's Kubernetes provider: two local clusters in one process. The hub runs
// the controllers; a SecretStore there names the spoke by URL and a bearer token kept in a hub
// Secret, and a PushSecret writes into the spoke. The spoke runs its own controllers and reads
// back from the hub with an ExternalSecret through a ClusterSecretStore.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import { Registry } from "prom-client";
import {
  setupExternalSecrets,
  type ExternalSecretsHandle,
} from "../../src/controllers/externalsecrets/index.js";
import { KubeClient, runController, type KubeObject } from "../../src/kube/index.js";
import { startLocalCluster } from "../../src/localcluster/index.js";
import { haveKubectl } from "../interop/kubectl-support.js";
import { waitFor } from "../support/wait.js";
import {
  createNamespace,
  decoded,
  installCrds,
  readyCondition,
  startEsoHarness,
} from "./eso-support.js";

const spokeToken = "planted-spoke-token-5d1c";
const password = "planted-app-password-81fa";
const rotated = "planted-app-password-rotated-27b0";

const secretRef = (namespace: string, name: string) =>
  ({ apiVersion: "v1", kind: "Secret", namespace, name }) as const;
const pushSecretRef = {
  apiVersion: "external-secrets.io/v1alpha1",
  kind: "PushSecret",
  namespace: "fleet",
  name: "app-to-spoke",
} as const;

test("Hub → spoke: a PushSecret on a hub local cluster writes a Secret into a spoke local cluster through the Kubernetes provider", async (t) => {
  if (!(await haveKubectl())) {
    t.skip("kubectl not available");
    return;
  }
  const hub = await startEsoHarness(t);
  // The spoke only lets in requests carrying its token, as a real API server would.
  const dir = mkdtempSync(join(tmpdir(), "eso-spoke-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const tokens = join(dir, "tokens.csv");
  writeFileSync(tokens, `${spokeToken},hub-pusher,uid-hub,"system:masters"\n`);
  const spokeCluster = await startLocalCluster({ tokensFile: tokens, name: "spoke" });
  t.after(() => spokeCluster.close());
  const spokeConfig = new KubeConfig();
  spokeConfig.loadFromString(spokeCluster.kubeconfig());
  const spoke = new KubeClient(spokeConfig);
  await createNamespace(spoke, "apps");

  await createNamespace(hub.client, "fleet");
  await hub.client.create({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { namespace: "fleet", name: "spoke-credentials" },
    stringData: { token: spokeToken },
  });
  await hub.client.create({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { namespace: "fleet", name: "app-credentials" },
    stringData: { password, username: "app" },
  });
  await hub.client.create({
    apiVersion: "external-secrets.io/v1",
    kind: "SecretStore",
    metadata: { namespace: "fleet", name: "spoke" },
    spec: {
      provider: {
        kubernetes: {
          remoteNamespace: "apps",
          server: { url: spokeCluster.url },
          auth: { token: { bearerToken: { name: "spoke-credentials", key: "token" } } },
        },
      },
    },
  });

  await t.test("the SecretStore for the spoke validates against the spoke", async () => {
    const store = await waitFor("the spoke store to be Ready", async () => {
      const found = await hub.client.get({
        apiVersion: "external-secrets.io/v1",
        kind: "SecretStore",
        namespace: "fleet",
        name: "spoke",
      });
      return readyCondition(found)?.status === "True" ? found : undefined;
    });
    assert.equal(readyCondition(store)?.reason, "Valid");
    assert.equal((store.status as { capabilities?: string }).capabilities, "ReadWrite");
  });

  await t.test(
    "the PushSecret writes the Secret into the spoke and follows a rotation",
    async () => {
      await hub.client.create({
        apiVersion: "external-secrets.io/v1alpha1",
        kind: "PushSecret",
        metadata: { namespace: "fleet", name: "app-to-spoke" },
        spec: {
          refreshInterval: "1h",
          deletionPolicy: "Delete",
          secretStoreRefs: [{ name: "spoke", kind: "SecretStore" }],
          selector: { secret: { name: "app-credentials" } },
          data: [
            {
              match: {
                secretKey: "password",
                remoteRef: { remoteKey: "app-credentials", property: "password" },
              },
            },
            {
              match: {
                secretKey: "username",
                remoteRef: { remoteKey: "app-credentials", property: "user" },
              },
            },
          ],
        },
      });
      // Each data entry is one push (as upstream): wait for both.
      const written = await waitFor("the Secret on the spoke with both keys", async () => {
        const found = decoded(await spoke.get(secretRef("apps", "app-credentials")));
        return Object.keys(found).length === 2 ? found : undefined;
      });
      assert.deepEqual(written, { password, user: "app" });
      const ps = await waitFor("the PushSecret to be Ready", async () => {
        const found = await hub.client.get(pushSecretRef);
        return readyCondition(found)?.status === "True" ? found : undefined;
      });
      assert.equal(readyCondition(ps)?.reason, "Synced");
      // The source changes on the hub: the spoke follows without waiting for refreshInterval.
      await hub.client.patch(
        secretRef("fleet", "app-credentials"),
        { stringData: { password: rotated } },
        "merge",
      );
      await waitFor(
        "the rotated value on the spoke",
        async () =>
          decoded(await spoke.get(secretRef("apps", "app-credentials"))).password === rotated,
      );
    },
  );

  await t.test("an ExternalSecret on the spoke reads back from the hub", async () => {
    // The spoke runs its own controllers; its ClusterSecretStore names the hub.
    await installCrds(spoke);
    const stop = new AbortController();
    let handle: ExternalSecretsHandle | undefined;
    const running = runController(
      { client: spoke, registry: new Registry(), handleSignals: false, signal: stop.signal },
      (manager) => {
        handle = setupExternalSecrets(manager, { backoff: { baseMs: 100, maxMs: 2000 } });
      },
    );
    t.after(async () => {
      stop.abort();
      await running;
      await handle?.close();
    });
    await createNamespace(spoke, "external-secrets");
    await spoke.create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { namespace: "external-secrets", name: "hub-credentials" },
      stringData: { token: "hub-reader-token" },
    });
    await spoke.create({
      apiVersion: "external-secrets.io/v1",
      kind: "ClusterSecretStore",
      metadata: { name: "hub" },
      spec: {
        provider: {
          kubernetes: {
            remoteNamespace: "fleet",
            server: { url: hub.kube.cluster.url },
            auth: {
              token: {
                bearerToken: {
                  name: "hub-credentials",
                  key: "token",
                  namespace: "external-secrets",
                },
              },
            },
          },
        },
      },
    });
    await spoke.create({
      apiVersion: "external-secrets.io/v1",
      kind: "ExternalSecret",
      metadata: { namespace: "apps", name: "from-hub" },
      spec: {
        refreshInterval: "1h",
        secretStoreRef: { name: "hub", kind: "ClusterSecretStore" },
        target: { name: "from-hub" },
        data: [{ secretKey: "pw", remoteRef: { key: "app-credentials", property: "password" } }],
        dataFrom: [{ extract: { key: "app-credentials" } }],
      },
    });
    const secret = await waitFor("the Secret read from the hub", () =>
      spoke.get(secretRef("apps", "from-hub")),
    );
    assert.deepEqual(decoded(secret), { pw: rotated, password: rotated, username: "app" });
    const es: KubeObject | undefined = await spoke.get({
      apiVersion: "external-secrets.io/v1",
      kind: "ExternalSecret",
      namespace: "apps",
      name: "from-hub",
    });
    assert.equal(readyCondition(es)?.reason, "SecretSynced");
  });

  await t.test(
    "deleting the PushSecret (deletionPolicy Delete) removes the spoke's Secret",
    async () => {
      await hub.client.delete(pushSecretRef);
      await waitFor(
        "the spoke's Secret to go",
        async () => (await spoke.get(secretRef("apps", "app-credentials"))) === undefined,
      );
      await waitFor(
        "the PushSecret to go",
        async () => (await hub.client.get(pushSecretRef)) === undefined,
      );
      const outputs = await hub.outputs();
      for (const value of [spokeToken, password, rotated])
        assert.ok(!outputs.includes(value), `${value} leaked`);
    },
  );
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { readClusterSecret, secretToCluster } from "../../src/argocd/index.js";
import type { KubeObject } from "../../src/kube/index.js";
import { haveKubectl } from "../interop/kubectl-support.js";
import { waitFor } from "../support/wait.js";
import { createNamespace, decoded, readyCondition, startEsoHarness } from "./eso-support.js";

const spokeToken = "planted-spoke-bearer-token-3e9d";
const spokeCa = "-----BEGIN CERTIFICATE-----\nMIIBplanted\n-----END CERTIFICATE-----\n";

const secretRef = (namespace: string, name: string) =>
  ({ apiVersion: "v1", kind: "Secret", namespace, name }) as const;

test("ExternalSecrets from one Vault: an Argo CD cluster Secret, a ClusterExternalSecret fan-out, v1beta1, PushSecret ownership", async (t) => {
  if (!(await haveKubectl())) {
    t.skip("kubectl not available");
    return;
  }
  const h = await startEsoHarness(t, { clusterName: "hub-eu" });
  h.vault.mount("secret", 2);
  h.vault.writeKv("secret/clusters/spoke-1", { token: spokeToken, ca: spokeCa });
  h.vault.writeKv("secret/shared/registry", { auth: "registry-auth-value" });
  await createNamespace(h.client, "external-secrets");
  await h.client.create({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { namespace: "external-secrets", name: "vault-token" },
    stringData: { token: h.vault.rootToken },
  });
  await h.client.create({
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
    },
  });

  await t.test("an Argo CD cluster Secret templated from Vault: no token in Git", async () => {
    await createNamespace(h.client, "argocd");
    // What sits in Git: the ExternalSecret; the token only ever lives in Vault and the Secret.
    const inGit: KubeObject = {
      apiVersion: "external-secrets.io/v1",
      kind: "ExternalSecret",
      metadata: { namespace: "argocd", name: "spoke-1" },
      spec: {
        refreshInterval: "1h",
        secretStoreRef: { name: "vault-backend", kind: "ClusterSecretStore" },
        target: {
          name: "spoke-1-cluster",
          template: {
            metadata: { labels: { "argocd.argoproj.io/secret-type": "cluster" } },
            data: {
              name: "spoke-1",
              server: "https://spoke-1.example:6443",
              config:
                '{"bearerToken":"{{ .token }}","tlsClientConfig":{"insecure":false,"caData":"{{ .ca | b64enc }}"}}',
            },
          },
        },
        data: [
          { secretKey: "token", remoteRef: { key: "clusters/spoke-1", property: "token" } },
          { secretKey: "ca", remoteRef: { key: "clusters/spoke-1", property: "ca" } },
        ],
      },
    };
    assert.ok(!JSON.stringify(inGit).includes(spokeToken));
    await h.client.create(inGit);
    const secret = await waitFor("the cluster Secret", () =>
      h.client.get(secretRef("argocd", "spoke-1-cluster")),
    );
    const labels = secret.metadata?.labels ?? {};
    assert.equal(labels["argocd.argoproj.io/secret-type"], "cluster");
    assert.equal(labels["reconcile.external-secrets.io/managed"], "true");
    // Argo CD's own reading of a cluster Secret (src/argocd) sees the spoke and its credentials.
    const cluster = secretToCluster(readClusterSecret(secret, "argocd/spoke-1-cluster"));
    assert.equal(cluster.name, "spoke-1");
    assert.equal(cluster.server, "https://spoke-1.example:6443");
    assert.equal(cluster.config.bearerToken, spokeToken);
    assert.equal(cluster.config.tlsClientConfig.insecure, false);
    assert.equal(
      Buffer.from(cluster.config.tlsClientConfig.caData ?? "", "base64").toString(),
      spokeCa,
    );
    assert.deepEqual(Object.keys(decoded(secret)).sort(), ["config", "name", "server"]);
  });

  await t.test("a ClusterExternalSecret provisions the namespaces it selects", async () => {
    await createNamespace(h.client, "team-a", { registry: "yes" });
    await createNamespace(h.client, "team-b", { registry: "yes" });
    await createNamespace(h.client, "team-c");
    await h.client.create({
      apiVersion: "external-secrets.io/v1",
      kind: "ClusterExternalSecret",
      metadata: { name: "registry" },
      spec: {
        namespaceSelectors: [{ matchLabels: { registry: "yes" } }],
        externalSecretSpec: {
          secretStoreRef: { name: "vault-backend", kind: "ClusterSecretStore" },
          target: { name: "registry-auth" },
          data: [{ secretKey: "auth", remoteRef: { key: "shared/registry", property: "auth" } }],
        },
      },
    });
    for (const namespace of ["team-a", "team-b"]) {
      await waitFor(`the Secret in ${namespace}`, async () => {
        const secret = await h.client.get(secretRef(namespace, "registry-auth"));
        return decoded(secret).auth === "registry-auth-value";
      });
    }
    const ces = await waitFor("the CES status", async () => {
      const found = await h.client.get({
        apiVersion: "external-secrets.io/v1",
        kind: "ClusterExternalSecret",
        name: "registry",
      });
      const status = found?.status as { provisionedNamespaces?: string[] } | undefined;
      return status?.provisionedNamespaces?.length === 2 ? status : undefined;
    });
    assert.deepEqual(ces.provisionedNamespaces, ["team-a", "team-b"]);
    assert.equal(await h.client.get(secretRef("team-c", "registry-auth")), undefined);
    // A namespace that stops matching loses its ExternalSecret (and, as Owner, its Secret).
    await h.client.patch(
      { apiVersion: "v1", kind: "Namespace", name: "team-b" },
      { metadata: { labels: { registry: null } } },
      "merge",
    );
    await waitFor(
      "team-b's ExternalSecret to go",
      async () =>
        (await h.client.get({
          apiVersion: "external-secrets.io/v1",
          kind: "ExternalSecret",
          namespace: "team-b",
          name: "registry",
        })) === undefined,
    );
  });

  await t.test(
    "renaming an Owner target deletes the old Secret; Merge never creates one",
    async () => {
      const esRef = {
        apiVersion: "external-secrets.io/v1",
        kind: "ExternalSecret",
        namespace: "argocd",
        name: "spoke-1",
      } as const;
      await h.client.patch(esRef, { spec: { target: { name: "spoke-1-renamed" } } }, "merge");
      await waitFor("the renamed Secret", () =>
        h.client.get(secretRef("argocd", "spoke-1-renamed")),
      );
      await waitFor(
        "the old Secret to go",
        async () => (await h.client.get(secretRef("argocd", "spoke-1-cluster"))) === undefined,
      );
      await h.client.create({
        apiVersion: "external-secrets.io/v1",
        kind: "ExternalSecret",
        metadata: { namespace: "argocd", name: "merge-into" },
        spec: {
          secretStoreRef: { name: "vault-backend", kind: "ClusterSecretStore" },
          target: { name: "not-there-yet", creationPolicy: "Merge" },
          data: [{ secretKey: "auth", remoteRef: { key: "shared/registry", property: "auth" } }],
        },
      });
      const missing = await waitFor("SecretMissing", async () => {
        const ready = readyCondition(await h.client.get({ ...esRef, name: "merge-into" }));
        return ready?.reason === "SecretMissing" ? ready : undefined;
      });
      assert.equal(missing.status, "True");
      assert.equal(missing.message, "secret will not be created due to CreationPolicy=Merge");
      assert.equal(await h.client.get(secretRef("argocd", "not-there-yet")), undefined);
    },
  );

  await t.test(
    "an external-secrets.io/v1beta1 ExternalSecret is still served and synced",
    async () => {
      await h.client.create({
        apiVersion: "external-secrets.io/v1beta1",
        kind: "ExternalSecret",
        metadata: { namespace: "team-a", name: "legacy" },
        spec: {
          secretStoreRef: { name: "vault-backend", kind: "ClusterSecretStore" },
          data: [{ secretKey: "auth", remoteRef: { key: "shared/registry", property: "auth" } }],
        },
      });
      await waitFor(
        "the legacy Secret",
        async () =>
          decoded(await h.client.get(secretRef("team-a", "legacy"))).auth === "registry-auth-value",
      );
    },
  );

  await t.test(
    "PushSecrets: a push to Vault carries its owner; another owner is refused",
    async () => {
      await createNamespace(h.client, "payments");
      await createNamespace(h.client, "billing");
      for (const namespace of ["payments", "billing"]) {
        await h.client.create({
          apiVersion: "v1",
          kind: "Secret",
          metadata: { namespace, name: "api-key" },
          stringData: { key: `${namespace}-api-key-value` },
        });
      }
      const pushSecret = (namespace: string): KubeObject => ({
        apiVersion: "external-secrets.io/v1alpha1",
        kind: "PushSecret",
        metadata: { namespace, name: "push-api-key" },
        spec: {
          refreshInterval: "1h",
          deletionPolicy: "Delete",
          secretStoreRefs: [{ name: "vault-backend", kind: "ClusterSecretStore" }],
          selector: { secret: { name: "api-key" } },
          data: [
            {
              match: { secretKey: "key", remoteRef: { remoteKey: "pushed/api", property: "key" } },
            },
          ],
        },
      });
      await h.client.create(pushSecret("payments"));
      const pushed = await waitFor("the pushed value", () => {
        const found = h.vault.requests.some(
          (r) => r.method === "PUT" && r.path === "secret/data/pushed/api",
        );
        return found;
      });
      assert.ok(pushed);
      const ps = await waitFor("the PushSecret to be Ready", async () => {
        const found = await h.client.get({
          apiVersion: "external-secrets.io/v1alpha1",
          kind: "PushSecret",
          namespace: "payments",
          name: "push-api-key",
        });
        return readyCondition(found)?.status === "True" ? found : undefined;
      });
      assert.equal(readyCondition(ps)?.reason, "Synced");
      assert.deepEqual(ps.metadata?.finalizers, ["pushsecret.externalsecrets.io/finalizer"]);
      // A rotated source reaches Vault at once (ESO waits for refreshInterval).
      await h.client.patch(
        secretRef("payments", "api-key"),
        { stringData: { key: "payments-api-key-rotated" } },
        "merge",
      );
      await waitFor("the rotated push", async () => {
        const response = await fetch(`${h.vault.address}/v1/secret/data/pushed/api`, {
          headers: { "X-Vault-Token": h.vault.rootToken },
        });
        const body = (await response.json()) as { data?: { data?: { key?: string } } };
        return body.data?.data?.key === "payments-api-key-rotated";
      });
      // The same remote path from another PushSecret: refused, not overwritten.
      await h.client.create(pushSecret("billing"));
      const refused = await waitFor("the refusal", async () => {
        const found = await h.client.get({
          apiVersion: "external-secrets.io/v1alpha1",
          kind: "PushSecret",
          namespace: "billing",
          name: "push-api-key",
        });
        const ready = readyCondition(found);
        return ready?.status === "False" ? ready : undefined;
      });
      assert.equal(refused.reason, "Errored");
      assert.match(refused.message ?? "", /owned by "hub-eu\/payments\/push-api-key"/);
      const metadata = await fetch(`${h.vault.address}/v1/secret/metadata/pushed/api`, {
        headers: { "X-Vault-Token": h.vault.rootToken },
      });
      const custom = (
        (await metadata.json()) as { data: { custom_metadata: Record<string, string> } }
      ).data.custom_metadata;
      assert.equal(custom["managed-by"], "external-secrets");
      assert.equal(custom["secretfleet.io/owner"], "hub-eu/payments/push-api-key");
      const outputs = await h.outputs();
      for (const value of [spokeToken, "payments-api-key-value", "payments-api-key-rotated"])
        assert.ok(!outputs.includes(value), `${value} leaked`);
    },
  );
});

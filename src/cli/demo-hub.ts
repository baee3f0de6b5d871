// The hub's steps of `secretfleet demo`: Argo CD's cluster Secrets for the spokes, the seeds'
// ApplicationSet with a clusters generator and the ApplicationSet controller (one Application per
// spoke), and the seeds' ExternalSecret synced by the External Secrets controllers from a Fake store.
import type { KubeObject } from "../kube/index.js";
import {
  clientFor,
  createNamespace,
  deployObjects,
  fileLogger,
  installCrds,
  observe,
  runManager,
} from "./demo-fleet.js";
import {
  conditionOf,
  described,
  hub,
  samplePassword,
  spokes,
  type Demo,
  type Spoke,
} from "./demo-session.js";

/** The seeds' labels on each spoke's Argo CD cluster Secret. */
const spokeLabels: Record<Spoke, Record<string, string>> = {
  prod: { env: "production", region: "ap-northeast-2" },
  stage: { env: "staging", region: "ap-northeast-2" },
};

/** The seeds' ApplicationSet, with its clusters generator selecting both spokes' labels. */
function fleetAppSet(): KubeObject {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "ApplicationSet",
    metadata: { name: "my-app", namespace: "argocd" },
    spec: {
      generators: [
        {
          clusters: {
            selector: {
              matchExpressions: [{ key: "env", operator: "In", values: ["production", "staging"] }],
            },
          },
        },
      ],
      template: {
        metadata: { name: "my-app-{{name}}" },
        spec: {
          project: "default",
          sources: [
            {
              repoURL: "https://github.com/org/my-app",
              targetRevision: "HEAD",
              helm: { valueFiles: ["$values/clusters/{{name}}/values.yaml"] },
            },
            {
              repoURL: "https://github.com/org/gitops-repo",
              targetRevision: "HEAD",
              ref: "values",
            },
          ],
          destination: { server: "{{server}}", namespace: "my-app" },
          syncPolicy: { automated: { prune: true, selfHeal: true } },
        },
      },
    },
  };
}

/** Step 6: cluster Secrets, the ApplicationSet and its controller → one Application per spoke. */
export async function hubApplications(demo: Demo): Promise<void> {
  const argocd = await import("../argocd/index.js");
  const { addApplicationSetController } = await import("../controllers/applicationset/index.js");
  const client = demo.client(hub);
  await installCrds(client, await deployObjects("argocd", "crds"));
  await createNamespace(client, "argocd");
  await client.create({
    apiVersion: "argoproj.io/v1alpha1",
    kind: "AppProject",
    metadata: { name: "default", namespace: "argocd" },
    spec: { sourceRepos: ["*"], destinations: [{ server: "*", namespace: "*" }] },
  });
  const servers = new Map<string, Spoke>();
  for (const spoke of spokes) {
    const server = demo.fleet.cluster(spoke).url;
    servers.set(server, spoke);
    const secret = argocd.clusterToSecret(
      {
        name: spoke,
        server,
        namespaces: [],
        clusterResources: false,
        project: "",
        config: { tlsClientConfig: { insecure: false } },
        labels: spokeLabels[spoke],
        annotations: {},
      },
      { namespace: "argocd" },
    ) as KubeObject;
    await client.create(secret);
    const path = await demo.writeManifest(secret, "clusters", `${spoke}.yaml`);
    demo.out(`   cluster Secret argocd/${secret.metadata?.name ?? ""} (${spoke}) → ${path}`);
  }
  const appSet = fleetAppSet();
  await client.create(appSet);
  demo.out(`   ApplicationSet argocd/my-app → ${await demo.writeManifest(appSet, "my-app.yaml")}`);
  await runManager(
    demo.fleet,
    clientFor(demo.fleet.cluster(hub), "argocd-applicationset-controller"),
    fileLogger(demo.fleet, demo.path("logs", "hub-applicationset.log"), "applicationset"),
    (manager) => {
      addApplicationSetController(manager, {
        namespace: "argocd",
        policy: { policy: "sync", enablePolicyOverride: true },
        repositories: new Map(),
        validateProjects: true,
      });
      return undefined;
    },
  );
  const apps = await observe(
    client,
    { apiVersion: "argoproj.io/v1alpha1", kind: "Application", namespace: "argocd" },
    "one Application per spoke",
    (objects) => (objects.length === spokes.length ? objects : undefined),
  );
  for (const app of [...apps].sort((a, b) =>
    (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""),
  )) {
    const destination = (app.spec as { destination?: { server?: string; namespace?: string } })
      .destination;
    const server = destination?.server ?? "";
    demo.out(
      `   Application ${app.metadata?.name ?? ""} → ${servers.get(server) ?? "?"} (${server}), namespace ${destination?.namespace ?? ""}`,
    );
  }
}

function fakeStore(): KubeObject {
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "ClusterSecretStore",
    metadata: { name: "fake-backend" },
    spec: {
      provider: {
        fake: {
          data: [
            {
              key: "myapp/db",
              value: JSON.stringify({ username: "billing", password: samplePassword }),
            },
          ],
        },
      },
    },
  };
}

/** The seeds' ExternalSecret, reading the Fake store instead of Vault. */
function externalSecret(): KubeObject {
  const item = (property: string): unknown => ({
    secretKey: property,
    remoteRef: { key: "myapp/db", property },
  });
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "ExternalSecret",
    metadata: { name: "db-credentials", namespace: "my-app" },
    spec: {
      refreshInterval: "1h",
      secretStoreRef: { name: "fake-backend", kind: "ClusterSecretStore" },
      target: { name: "db-secret", creationPolicy: "Owner" },
      data: [item("password"), item("username")],
    },
  };
}

/** Step 7: a Fake ClusterSecretStore, an ExternalSecret and the ESO controllers → a synced Secret. */
export async function hubExternalSecret(demo: Demo): Promise<void> {
  const eso = await import("../controllers/externalsecrets/index.js");
  const client = demo.client(hub);
  await installCrds(client, eso.externalSecretsCrds());
  await createNamespace(client, "my-app");
  await client.create(fakeStore());
  const external = externalSecret();
  await client.create(external);
  demo.out(
    `   ClusterSecretStore fake-backend (Fake provider), ExternalSecret my-app/db-credentials → ${await demo.writeManifest(external, "external-secret.yaml")}`,
  );
  const logger = fileLogger(demo.fleet, demo.path("logs", "hub-external-secrets.log"), "eso");
  await runManager(
    demo.fleet,
    clientFor(demo.fleet.cluster(hub), "external-secrets"),
    logger,
    (manager) => {
      const handle = eso.setupExternalSecrets(manager, { logger });
      return () => handle.close();
    },
  );
  const ready = await observe(
    client,
    { apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", namespace: "my-app" },
    "Ready=True on ExternalSecret my-app/db-credentials",
    (objects) => {
      const condition = conditionOf(objects[0], "Ready");
      return condition?.status === "True" ? condition : undefined;
    },
  );
  const items = await demo.secretItems(hub, "my-app", "db-secret");
  demo.out(
    `   ExternalSecret my-app/db-credentials ${described(ready)} → Secret my-app/db-secret with ${items}`,
  );
}

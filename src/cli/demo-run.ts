// The running half of `secretfleet demo`, loaded only when it runs: the seeds' fleet (a hub running
// Argo CD's ApplicationSet controller and External Secrets, two spokes with a Sealed Secrets
// controller and a key each) on local control planes in this process, one step at a time, each
// printing what it started and what it produced. Secret values are never printed.
import { mkdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { parse, stringify } from "yaml";
import type { KubeClient, KubeObject } from "../kube/index.js";
import { CliError } from "./errors.js";
import {
  Fleet,
  clientFor,
  createNamespace,
  deployObjects,
  fileLogger,
  fleetKubeconfig,
  installCrds,
  observe,
  runManager,
  startSealedSecrets,
} from "./demo-fleet.js";
import { stopSignal } from "./dev.js";
import { writeFileAtomic } from "./io.js";
import { buildProgram } from "./main.js";

/** What `secretfleet demo` was asked to do. */
export interface DemoSettings {
  readonly dir: string;
  readonly keySize: number;
  readonly keepRunning: boolean;
}

const hub = "hub";
const spokes = ["prod", "stage"] as const;
type Spoke = (typeof spokes)[number];
/** The seeds' labels on each spoke's Argo CD cluster Secret. */
const spokeLabels: Record<Spoke, Record<string, string>> = {
  prod: { env: "production", region: "ap-northeast-2" },
  stage: { env: "staging", region: "ap-northeast-2" },
};

const sample = { namespace: "team-a", name: "db-credentials" };
// The value the demo must never print (its test searches every output for it).
const samplePassword = "demo-only-not-a-real-password";
const sampleSecret = `apiVersion: v1
kind: Secret
metadata:
  name: ${sample.name}
  namespace: ${sample.namespace}
  labels:
    app: billing
type: Opaque
stringData:
  username: billing
  password: ${samplePassword}
`;

const sealedRef = {
  apiVersion: "bitnami.com/v1alpha1",
  kind: "SealedSecret",
  namespace: sample.namespace,
  name: sample.name,
} as const;

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

function conditionOf(object: KubeObject | undefined, type: string): Condition | undefined {
  const status = object?.status as { conditions?: Condition[] } | undefined;
  return status?.conditions?.find((condition) => condition.type === type);
}

/** The Synced condition of the SealedSecret's current generation, once the controller wrote it. */
function currentSynced(object: KubeObject | undefined): Condition | undefined {
  const observed = (object?.status as { observedGeneration?: number } | undefined)
    ?.observedGeneration;
  if (object === undefined || observed !== object.metadata?.generation) return undefined;
  return conditionOf(object, "Synced");
}

/** A Secret's item names (never the values). */
function itemNames(secret: KubeObject | undefined): string {
  return Object.keys((secret as { data?: Record<string, string> } | undefined)?.data ?? {})
    .sort()
    .join(", ");
}

function described(condition: Condition): string {
  const reason = condition.reason ?? "";
  const message = condition.message ?? "";
  const detail = [reason, message].filter((part) => part !== "").join(": ");
  return `${condition.type}=${condition.status}${detail === "" ? "" : ` (${detail})`}`;
}

/** The demo's state between steps. */
class Demo {
  readonly fleet = new Fleet();
  readonly settings: DemoSettings;
  readonly clients = new Map<string, KubeClient>();
  #step = 0;

  constructor(settings: DemoSettings) {
    this.settings = settings;
  }

  path(...parts: string[]): string {
    return join(this.settings.dir, ...parts);
  }

  get kubeconfig(): string {
    return this.path("kubeconfig");
  }

  client(name: string): KubeClient {
    const client = this.clients.get(name);
    if (client === undefined) throw new Error(`no client for cluster "${name}"`);
    return client;
  }

  out(line = ""): void {
    process.stdout.write(`${line}\n`);
  }

  /** Runs one step: prints its title, then what it produced; a failure names the step. */
  async step(name: string, title: string, run: () => Promise<void>): Promise<void> {
    const number = ++this.#step;
    this.out(`${number}. ${title}…`);
    try {
      await run();
    } catch (error) {
      throw new CliError(`step ${number} (${name}) failed: ${(error as Error).message}`, 1, {
        cause: error,
      });
    }
  }

  /** `secretfleet ARGS`, run in this process exactly as the command line runs it. */
  async secretfleet(args: readonly string[]): Promise<void> {
    const program = await buildProgram(args);
    await program.parseAsync([...args], { from: "user" });
  }
}

async function startControlPlanes(demo: Demo): Promise<void> {
  await demo.fleet.startClusters([hub, ...spokes]);
  for (const [name, cluster] of demo.fleet.clusters)
    demo.clients.set(name, clientFor(cluster, "secretfleet-demo"));
  await writeFileAtomic(demo.kubeconfig, fleetKubeconfig(demo.fleet.clusters), 0o600);
  for (const [name, cluster] of demo.fleet.clusters)
    demo.out(`   ${name.padEnd(5)} ${cluster.url}`);
  demo.out(
    `   kubeconfig ${demo.kubeconfig} (contexts ${[...demo.fleet.clusters.keys()].join(", ")})`,
  );
}

async function startSpokeControllers(demo: Demo): Promise<void> {
  const crds = await deployObjects("sealed-secrets", "crd.yaml");
  const started = Date.now();
  await Promise.all(
    spokes.map(async (spoke) => {
      await installCrds(demo.client(spoke), crds);
      const { keySecret, fingerprint } = await startSealedSecrets(demo.fleet, spoke, {
        keySize: demo.settings.keySize,
        logger: fileLogger(demo.fleet, demo.path("logs", `${spoke}-sealed-secrets.log`), spoke),
      });
      demo.out(
        `   ${spoke.padEnd(5)} key Secret kube-system/${keySecret} (fingerprint ${fingerprint})`,
      );
    }),
  );
  demo.out(
    `   both controllers ready with their keys in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  await mkdir(demo.path("certs"), { recursive: true });
  for (const spoke of spokes) {
    // kubeseal's way: the controller's /v1/cert.pem through the API server's service proxy.
    const args = [
      "seal",
      "--fetch-cert",
      "--kubeconfig",
      demo.kubeconfig,
      "--context",
      spoke,
      "-w",
      demo.path("certs", `${spoke}.pem`),
    ];
    await demo.secretfleet(args);
    demo.out(`   $ secretfleet ${args.join(" ")}`);
  }
}

async function sealForSpokes(demo: Demo): Promise<void> {
  await writeFileAtomic(demo.path("secret.yaml"), sampleSecret, 0o600);
  const pattern = demo.path("gitops", "clusters", "{name}", `${sample.name}.yaml`);
  const args = [
    "seal",
    ...spokes.flatMap((spoke) => ["--cert", `${spoke}=${demo.path("certs", `${spoke}.pem`)}`]),
    "-f",
    demo.path("secret.yaml"),
    "-w",
    pattern,
  ];
  await demo.secretfleet(args);
  demo.out(
    `   $ secretfleet ${args.map((arg) => (arg.includes("{") ? `'${arg}'` : arg)).join(" ")}`,
  );
  for (const spoke of spokes)
    demo.out(`   ${spoke.padEnd(5)} ${pattern.replace("{name}", spoke)} (safe to commit)`);
}

async function readSealed(demo: Demo, spoke: Spoke): Promise<KubeObject> {
  return parse(
    await readFile(demo.path("gitops", "clusters", spoke, `${sample.name}.yaml`), "utf8"),
  ) as KubeObject;
}

/** Waits until the SealedSecret's current generation is Synced with `status`. */
function waitSynced(demo: Demo, cluster: string, status: string): Promise<Condition> {
  return observe(
    demo.client(cluster),
    { apiVersion: sealedRef.apiVersion, kind: sealedRef.kind, namespace: sample.namespace },
    `Synced=${status} on ${cluster}'s SealedSecret ${sample.namespace}/${sample.name}`,
    (objects) => {
      const synced = currentSynced(objects.find((o) => o.metadata?.name === sample.name));
      return synced?.status === status ? synced : undefined;
    },
  );
}

async function secretItems(demo: Demo, cluster: string, namespace: string, name: string) {
  const secret = await demo
    .client(cluster)
    .get({ apiVersion: "v1", kind: "Secret", namespace, name });
  if (secret === undefined) throw new Error(`no Secret ${namespace}/${name} on ${cluster}`);
  return itemNames(secret);
}

async function unsealOnSpokes(demo: Demo): Promise<void> {
  await Promise.all(
    spokes.map(async (spoke) => {
      const client = demo.client(spoke);
      await createNamespace(client, sample.namespace);
      await client.create(await readSealed(demo, spoke));
      const synced = await waitSynced(demo, spoke, "True");
      const items = await secretItems(demo, spoke, sample.namespace, sample.name);
      demo.out(
        `   ${spoke.padEnd(5)} SealedSecret ${sample.namespace}/${sample.name} ${described(synced)} → Secret with ${items}`,
      );
    }),
  );
}

/** Replaces stage's SealedSecret spec with `spec` (same name and namespace, a new generation). */
async function replaceSpec(demo: Demo, spec: unknown): Promise<void> {
  const client = demo.client("stage");
  const live = await client.get(sealedRef);
  if (live === undefined) throw new Error(`stage has no SealedSecret ${sample.name}`);
  await client.replace({ ...live, spec });
}

async function crossCluster(demo: Demo): Promise<void> {
  const prods = await readSealed(demo, "prod");
  await replaceSpec(demo, prods.spec);
  const refused = await waitSynced(demo, "stage", "False");
  demo.out(`   stage SealedSecret ${sample.namespace}/${sample.name} ${described(refused)}`);
  const items = await secretItems(demo, "stage", sample.namespace, sample.name);
  demo.out(`   stage's Secret keeps its last good items (${items}): nothing is lost`);
  await replaceSpec(demo, (await readSealed(demo, "stage")).spec);
  const restored = await waitSynced(demo, "stage", "True");
  demo.out(`   stage's own file applied again: ${described(restored)}`);
}

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

async function writeManifest(demo: Demo, object: KubeObject, ...parts: string[]): Promise<string> {
  const path = demo.path("gitops", "hub", ...parts);
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, stringify(object));
  return path;
}

async function hubApplications(demo: Demo): Promise<void> {
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
    const path = await writeManifest(demo, secret, "clusters", `${spoke}.yaml`);
    demo.out(`   cluster Secret argocd/${secret.metadata?.name ?? ""} (${spoke}) → ${path}`);
  }
  const appSet = fleetAppSet();
  await client.create(appSet);
  demo.out(`   ApplicationSet argocd/my-app → ${await writeManifest(demo, appSet, "my-app.yaml")}`);
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

async function hubExternalSecret(demo: Demo): Promise<void> {
  const eso = await import("../controllers/externalsecrets/index.js");
  const client = demo.client(hub);
  await installCrds(client, eso.externalSecretsCrds());
  await createNamespace(client, "my-app");
  await client.create(fakeStore());
  const external = externalSecret();
  await client.create(external);
  demo.out(
    `   ClusterSecretStore fake-backend (Fake provider), ExternalSecret my-app/db-credentials → ${await writeManifest(demo, external, "external-secret.yaml")}`,
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
  const items = await secretItems(demo, hub, "my-app", "db-secret");
  demo.out(
    `   ExternalSecret my-app/db-credentials ${described(ready)} → Secret my-app/db-secret with ${items}`,
  );
}

function whereToLook(demo: Demo): void {
  const kubectl = (context: string, rest: string): string =>
    `   kubectl --kubeconfig ${demo.kubeconfig} --context ${context} ${rest}`;
  demo.out();
  demo.out("Where to look:");
  demo.out(`   ${demo.kubeconfig}  kubeconfig, contexts ${[hub, ...spokes].join(", ")}`);
  demo.out(
    `   ${demo.path("gitops")}  what goes to Git: clusters/*/ sealed per spoke, hub/ manifests`,
  );
  demo.out(`   ${demo.path("certs")}  each spoke's sealing certificate`);
  demo.out(`   ${demo.path("logs")}  the controllers' logs`);
  demo.out(
    demo.settings.keepRunning
      ? "While it runs:"
      : "Run `secretfleet demo --keep-running` to keep the clusters up and try:",
  );
  for (const spoke of spokes)
    demo.out(kubectl(spoke, `get sealedsecrets,secrets -n ${sample.namespace}`));
  demo.out(kubectl(hub, "get applicationsets,applications -n argocd"));
  demo.out(kubectl(hub, "get clustersecretstores,externalsecrets -A"));
  demo.out(`   npx secretfleet seal --fetch-cert --kubeconfig ${demo.kubeconfig} --context stage`);
}

async function runSteps(demo: Demo): Promise<void> {
  const { keySize } = demo.settings;
  const secret = `${sample.namespace}/${sample.name}`;
  const steps: [string, string, (demo: Demo) => Promise<void>][] = [
    [
      "control planes",
      "Starting three local control planes (hub, prod, stage) on 127.0.0.1",
      startControlPlanes,
    ],
    [
      "sealed secrets controllers",
      `Running a Sealed Secrets controller on each spoke; each makes its own ${keySize}-bit key`,
      startSpokeControllers,
    ],
    [
      "seal for both spokes",
      `Sealing ${secret} for both spokes in one call, each with its own certificate`,
      sealForSpokes,
    ],
    ["unseal on the spokes", "Applying each spoke's SealedSecret to its spoke", unsealOnSpokes],
    [
      "keys per cluster",
      "Applying prod's SealedSecret to stage (same name and namespace)",
      crossCluster,
    ],
    [
      "applicationset",
      "On the hub: Argo CD cluster Secrets for prod and stage, the seeds' ApplicationSet " +
        "(clusters generator), the ApplicationSet controller",
      hubApplications,
    ],
    [
      "external secrets",
      "On the hub: a ClusterSecretStore with the Fake provider, the seeds' ExternalSecret, " +
        "the External Secrets controllers",
      hubExternalSecret,
    ],
  ];
  for (const [name, title, run] of steps) await demo.step(name, title, () => run(demo));
}

/**
 * Runs the demo in `settings.dir`; stops everything it started before returning or throwing.
 * @throws CliError naming the step that failed
 */
export async function runDemo(settings: DemoSettings): Promise<void> {
  const demo = new Demo(settings);
  const started = Date.now();
  demo.out(`secretfleet demo: a hub and two spokes on local control planes, in ${settings.dir}\n`);
  let failure: Error | undefined;
  try {
    await runSteps(demo);
    whereToLook(demo);
    if (settings.keepRunning) {
      demo.out("\nEverything keeps running; press Ctrl-C to stop.");
      await stopSignal();
    }
  } catch (error) {
    failure = error as Error;
  }
  const stopping = Date.now();
  try {
    await demo.fleet.stop();
  } catch (error) {
    // A failed step is the news; a failed stop after it is only reported.
    if (failure === undefined)
      failure = new CliError((error as Error).message, 1, { cause: error });
    else process.stderr.write(`warning: ${(error as Error).message}\n`);
  }
  const seconds = (ms: number): string => (ms / 1000).toFixed(1);
  demo.out(
    `\nStopped the controllers and clusters in ${seconds(Date.now() - stopping)} s (ran ${seconds(stopping - started)} s); the folder stays: rm -r ${settings.dir}`,
  );
  if (failure !== undefined) throw failure;
}

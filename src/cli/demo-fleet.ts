// The running parts of `secretfleet demo`: local control planes, the CRDs the controllers need
// (deploy/ as users apply them), the controllers started in-process through the same entry points
// as their commands, and waits on what they write (a watch, bounded in time). Everything started
// is registered with the Fleet, which stops it in reverse order.
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { Registry } from "prom-client";
import { parse, parseAllDocuments, stringify } from "yaml";
import { SealedSecretsController, defaultConfig } from "../controllers/sealedsecrets/index.js";
import {
  Informer,
  KubeClient,
  createLogger,
  listerWatcher,
  runController,
  type KubeObject,
  type Logger,
  type Manager,
  type Selection,
} from "../kube/index.js";
import { startLocalCluster, type LocalCluster } from "../localcluster/index.js";
import { packagePath } from "./version.js";

/** How long a wait on a controller's work may take before the demo gives up (a loaded CI box). */
export const waitTimeoutMs = 60_000;

/** Everything the demo started, stopped in reverse order by `stop()`. */
export class Fleet {
  readonly #closers: (() => Promise<void>)[] = [];
  readonly #clusters = new Map<string, LocalCluster>();
  #stopped: Promise<void> | undefined;

  /** Registers something to stop. */
  defer(close: () => Promise<void>): void {
    this.#closers.push(close);
  }

  /** The running clusters, by name, in start order. */
  get clusters(): ReadonlyMap<string, LocalCluster> {
    return this.#clusters;
  }

  /** A started cluster. @throws Error for a name that was not started */
  cluster(name: string): LocalCluster {
    const cluster = this.#clusters.get(name);
    if (cluster === undefined) throw new Error(`cluster "${name}" is not running`);
    return cluster;
  }

  /** Starts one local control plane per name on 127.0.0.1, port 0. */
  async startClusters(names: readonly string[]): Promise<void> {
    for (const name of names) {
      const cluster = await startLocalCluster({ name });
      this.#clusters.set(name, cluster);
      this.defer(() => cluster.close());
    }
  }

  /**
   * Stops everything once (later calls wait for the first); a failing closer does not keep the
   * others from running.
   * @throws Error naming the first failure, after every closer ran
   */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      const failures: unknown[] = [];
      for (const close of this.#closers.splice(0).reverse()) {
        try {
          await close();
        } catch (error) {
          failures.push(error);
        }
      }
      if (failures.length > 0)
        throw new Error(`cannot stop cleanly: ${(failures[0] as Error).message}`, {
          cause: failures[0],
        });
    })();
    return this.#stopped;
  }
}

/** One kubeconfig with a context per cluster (named as the cluster), the first one current. */
export function fleetKubeconfig(clusters: ReadonlyMap<string, LocalCluster>): string {
  const merged = {
    apiVersion: "v1",
    kind: "Config",
    preferences: {},
    clusters: [] as unknown[],
    users: [] as unknown[],
    contexts: [] as unknown[],
    "current-context": [...clusters.keys()][0] ?? "",
  };
  for (const [name, cluster] of clusters) {
    const one = parse(cluster.kubeconfig(name)) as Pick<
      typeof merged,
      "clusters" | "users" | "contexts"
    >;
    merged.clusters.push(...one.clusters);
    merged.users.push(...one.users);
    merged.contexts.push(...one.contexts);
  }
  return stringify(merged);
}

/** A client for a local cluster, writing as `fieldManager`. */
export function clientFor(cluster: LocalCluster, fieldManager: string): KubeClient {
  const kc = new KubeConfig();
  kc.loadFromString(cluster.kubeconfig());
  return new KubeClient(kc, { fieldManager });
}

/** A JSON logger (secrets redacted) writing to `path`, closed when the fleet stops. */
export function fileLogger(fleet: Fleet, path: string, name: string): Logger {
  const destination = pino.destination({ dest: path, sync: true, mkdir: true });
  fleet.defer(() => {
    destination.flushSync();
    destination.end();
    return Promise.resolve();
  });
  return createLogger({ level: "info", name, destination });
}

/**
 * Watches the objects of `selection` until `test` returns a value: event-driven (an informer),
 * bounded by `timeoutMs`. The kind need not be served yet: the informer retries its list.
 * @returns test's first value other than undefined
 * @throws Error `timed out after N s waiting for WHAT`, or what `test` throws
 */
export async function observe<R>(
  client: KubeClient,
  selection: Selection,
  what: string,
  test: (objects: readonly KubeObject[]) => R | undefined,
  timeoutMs = waitTimeoutMs,
): Promise<R> {
  const informer = new Informer(listerWatcher(client, selection), { name: what });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<R>((resolve, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`));
      }, timeoutMs);
      const check = (): void => {
        if (!informer.hasSynced()) return;
        try {
          const found = test(informer.cache.list());
          if (found !== undefined) resolve(found);
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      };
      informer.addHandlers({ onAdd: check, onUpdate: check, onDelete: check });
      informer.start();
      void informer.waitForSync().then(check);
    });
  } finally {
    clearTimeout(timer);
    await informer.stop();
  }
}

/**
 * The objects of deploy/<parts> (a YAML file, or a folder of them), as `kubectl apply -f` reads
 * them: the CRDs users install before the controllers.
 * @throws Error naming the file that does not parse
 */
export async function deployObjects(...parts: string[]): Promise<KubeObject[]> {
  const path = packagePath("deploy", ...parts);
  if (path === undefined) throw new Error("cannot find the package's deploy/ folder");
  const files = parts.at(-1)?.endsWith(".yaml") === true ? [path] : await yamlFiles(path);
  const objects: KubeObject[] = [];
  for (const file of files) {
    for (const document of parseAllDocuments(await readFile(file, "utf8"))) {
      if (document.errors.length > 0)
        throw new Error(`"${file}": ${document.errors[0]?.message ?? "invalid YAML"}`);
      const object = document.toJS() as KubeObject | null;
      if (object !== null) objects.push(object);
    }
  }
  return objects;
}

async function yamlFiles(dir: string): Promise<string[]> {
  return (await readdir(dir))
    .filter((name) => name.endsWith(".yaml"))
    .sort()
    .map((name) => join(dir, name));
}

/**
 * Creates CRDs and waits until each kind is served (its list answers), as `kubectl wait
 * --for=condition=Established` would before anything of that kind is applied.
 */
export async function installCrds(client: KubeClient, crds: readonly KubeObject[]): Promise<void> {
  for (const crd of crds) await client.create(crd);
  await Promise.all(
    crds.map((crd) => {
      const spec = crd.spec as {
        group: string;
        names: { kind: string };
        versions: { name: string; storage?: boolean }[];
      };
      const version = spec.versions.find((v) => v.storage === true) ?? spec.versions[0];
      return observe(
        client,
        { apiVersion: `${spec.group}/${version?.name ?? ""}`, kind: spec.names.kind },
        `${spec.names.kind} to be served`,
        () => true,
      );
    }),
  );
}

/** Creates a namespace. */
export async function createNamespace(client: KubeClient, name: string): Promise<void> {
  await client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
}

/** The Service kubeseal proxies to (upstream's manifests: kube-system/sealed-secrets-controller:8080). */
export const sealedSecretsService = { namespace: "kube-system", name: "sealed-secrets-controller" };

/**
 * Runs a Sealed Secrets controller on `cluster` (upstream's defaults but for loopback ports and
 * `keySize`), exposes its HTTP API behind upstream's Service so that `seal --fetch-cert` reaches it
 * through the API server's proxy, and waits until it holds a key (it makes its own at start).
 * @returns the controller, the name of the key Secret it created and the key's fingerprint
 */
export async function startSealedSecrets(
  fleet: Fleet,
  clusterName: string,
  options: { keySize: number; logger: Logger },
): Promise<{ controller: SealedSecretsController; keySecret: string; fingerprint: string }> {
  const cluster = fleet.cluster(clusterName);
  const client = clientFor(cluster, "sealed-secrets-controller");
  const controller = new SealedSecretsController({
    client,
    config: defaultConfig({
      listenAddr: { host: "127.0.0.1", port: 0 },
      listenMetricsAddr: { host: "127.0.0.1", port: 0 },
      keySize: options.keySize,
      // Two controllers share this process and unseal a handful of Secrets: no worker threads.
      unsealWorkers: 0,
      concurrency: 4,
    }),
    logger: options.logger,
    processMetrics: false,
  });
  fleet.defer(async () => {
    await controller.stop();
  });
  await controller.start();
  const { namespace, name } = sealedSecretsService;
  await client.create({
    apiVersion: "v1",
    kind: "Service",
    metadata: { namespace, name },
    spec: { ports: [{ port: 8080, targetPort: 8080 }], selector: { name } },
  });
  cluster.registerServiceEndpoint(namespace, name, 8080, controller.apiUrl ?? "");
  // Key generation: 4096-bit RSA can take tens of seconds on a busy small machine.
  const key = await newestKey(
    controller,
    `the key of ${clusterName}'s controller`,
    5 * waitTimeoutMs,
  );
  return { controller, keySecret: key.name, fingerprint: key.fingerprint };
}

/** Resolves with the controller's newest key once it has one (it loads them from its watch). */
function newestKey(
  controller: SealedSecretsController,
  what: string,
  timeoutMs: number,
): Promise<{ name: string; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const key = controller.ring.latest();
      if (key === undefined) return;
      off();
      clearTimeout(timer);
      resolve({ name: key.name, fingerprint: key.fingerprint });
    };
    const off = controller.ring.onChange(check);
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`));
    }, timeoutMs);
    check();
  });
}

/**
 * Runs controllers on a Manager (as `secretfleet controller …` does, without signal handling or
 * servers) until the fleet stops; `setup` adds the controllers and may return what to close after
 * the manager stopped. A run that ends with an error makes the fleet's stop() fail.
 */
export async function runManager(
  fleet: Fleet,
  client: KubeClient,
  logger: Logger,
  setup: (manager: Manager) => (() => Promise<void>) | undefined,
): Promise<void> {
  const stop = new AbortController();
  let close: (() => Promise<void>) | undefined;
  let ready: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (ready = resolve));
  const run = runController(
    { client, registry: new Registry(), logger, handleSignals: false, signal: stop.signal },
    (manager) => {
      close = setup(manager);
      ready();
    },
  );
  fleet.defer(async () => {
    stop.abort();
    try {
      await run;
    } finally {
      await close?.();
    }
  });
  const ended = run.then(() => {
    throw new Error("the controller manager stopped before it started");
  });
  // Observed here, or by the race below; the run itself is awaited by stop().
  ended.catch(() => undefined);
  await Promise.race([started, ended]);
}

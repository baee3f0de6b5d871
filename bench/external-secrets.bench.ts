// `npm run bench -- external-secrets [--scale=F] [--phases=P,…]`: N ExternalSecrets (10,000 × F;
// default the 10,000; `--scale=0.1` for a quick run) × 5 keys on one ClusterSecretStore
// against the Vault double (AppRole login), on a local cluster, all in this process on loopback.
// Every ExternalSecret reads 5 properties of one Vault path; 5 ExternalSecrets share each path, so
// there are N/5 distinct remote keys. `--phases` picks among uncapped, restart, alone, due, limit
// and capped (default all); the uncapped run sets the world up for the next four, so it runs
// whenever one of them does. Beside each rate: the CPU time of this process per item, steadier
// than a rate on a shared machine. `ES_BENCH_MARKS=1` prints phase marks (µs on the clock of
// `node --cpu-prof`) to stderr, to cut a profile into phases. `--api-server=thread` runs the local
// cluster in a worker thread (as in production, where the API server is another process) and adds
// the main thread's CPU time per item: the reconcilers, informers, client and Vault double alone.
//
// 1. Uncapped, from controller start: ExternalSecrets synced per second and reconciles per second
//    end to end, and Vault GETs per distinct remote key (goal 1; ESO reads each key once per
//    ExternalSecret and entry: 25 per path here, plus a login, a lookup and a revoke per
//    reconcile). End to end is bounded by the in-process API server, measured at the end (5).
// 2. Restart with every refresh due (the clock moved 2 h on, run fast when the machine keeps up):
//    requests per minute while the overdue refreshes catch up, busiest minute over the mean
//    (goal <= 2). The same with jitter off shows what ESO does.
// 3. The reconcilers alone (goal >= 2000 reconciles/s): a restart with every refresh due at once,
//    reads from the cluster and Vault as usual, writes acknowledged in memory.
// 4. The same with the writes sent to the API server as in production (each status; the Secret
//    only where it differs, here nowhere): reconciles/s end to end.
// 5. The physical limit of (1): the same three writes per ExternalSecret sent straight to the API
//    server at the same concurrency, no controller.
// 6. Client capped at --client-qps 50 (burst 100), fresh cluster: time to all synced beside the
//    floor the cap implies (3 requests per new ExternalSecret: finalizer, Secret, status; goal
//    <= 1.1×).
import { Worker } from "node:worker_threads";
import { KubeConfig } from "@kubernetes/client-node";
import { Registry } from "prom-client";
import {
  defaultJitter,
  setupExternalSecrets,
  type ApiClient,
  type ExternalSecretsOptions,
} from "../src/controllers/externalsecrets/index.js";
import {
  Informer,
  KubeClient,
  listerWatcher,
  runController,
  type ApplyOptions,
  type Clock,
  type KubeObject,
  type ObjectRef,
  type PatchType,
} from "../src/kube/index.js";
import { startLocalCluster, type LocalCluster } from "../src/localcluster/index.js";
import { installCrds } from "../test/e2e/eso-support.js";
import { startVaultDouble, type VaultDouble } from "../test/support/vault-double.js";
import { ratioLine } from "./limits.js";

const keysPerSecret = 5;
const secretsPerPath = 5;
const namespaces = 10;

/** A clock `factor` times faster than the wall clock, starting `offsetMs` ahead of it. */
class FastClock implements Clock {
  readonly #start = Date.now();
  readonly #offsetMs: number;
  readonly #factor: number;

  constructor(offsetMs: number, factor: number) {
    this.#offsetMs = offsetMs;
    this.#factor = factor;
  }

  now(): number {
    return this.#start + this.#offsetMs + (Date.now() - this.#start) * this.#factor;
  }

  setTimer(callback: () => void, ms: number): () => void {
    const handle = setTimeout(callback, Math.max(0, ms) / this.#factor);
    return () => {
      clearTimeout(handle);
    };
  }
}

interface World {
  readonly cluster: Pick<LocalCluster, "close">;
  readonly client: KubeClient;
  readonly vault: VaultDouble;
  readonly count: number;
  readonly apiServerThread: boolean;
}

async function pool<T>(
  items: readonly T[],
  width: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const item = items[next++];
        if (item !== undefined) await fn(item);
      }
    }),
  );
}

/** The local cluster in a worker thread: its kubeconfig, and how to close it. */
async function clusterInThread(): Promise<{ kubeconfig: string; close: () => Promise<void> }> {
  const worker = new Worker(new URL("./local-cluster-thread.js", import.meta.url));
  const ready = await new Promise<{ kubeconfig: string }>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  return {
    kubeconfig: ready.kubeconfig,
    close: async () => {
      const closed = new Promise((resolve) => worker.once("message", resolve));
      worker.postMessage("close");
      await closed;
      await worker.terminate();
    },
  };
}

async function createWorld(count: number, apiServerThread: boolean): Promise<World> {
  const cluster = apiServerThread
    ? await clusterInThread()
    : await startLocalCluster().then((local) => ({
        kubeconfig: local.kubeconfig(),
        close: () => local.close(),
      }));
  const kc = new KubeConfig();
  kc.loadFromString(cluster.kubeconfig);
  const client = new KubeClient(kc);
  await installCrds(client);
  const vault = await startVaultDouble();
  vault.mount("secret", 2);
  vault.setPolicy("reader", { "secret/data/*": ["read"] });
  const { roleId, secretId } = vault.addAppRole("eso", {
    policies: ["reader"],
    ttlSeconds: 86_400,
  });
  for (let path = 0; path < count / secretsPerPath; path++) {
    vault.writeKv(
      `secret/apps/app-${path}`,
      Object.fromEntries(
        Array.from({ length: keysPerSecret }, (_, k) => [`key${k}`, `value-${path}-${k}`]),
      ),
    );
  }
  await client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "eso" } });
  await client.create({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { namespace: "eso", name: "approle" },
    stringData: { "secret-id": secretId },
  });
  await client.create({
    apiVersion: "external-secrets.io/v1",
    kind: "ClusterSecretStore",
    metadata: { name: "vault" },
    spec: {
      provider: {
        vault: {
          server: vault.address,
          path: "secret",
          version: "v2",
          auth: {
            appRole: { roleId, secretRef: { name: "approle", key: "secret-id", namespace: "eso" } },
          },
        },
      },
    },
  });
  for (let n = 0; n < namespaces; n++)
    await client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: `team-${n}` } });
  const indexes = Array.from({ length: count }, (_, i) => i);
  await pool(indexes, 16, async (i) => {
    const path = i % (count / secretsPerPath);
    await client.create({
      apiVersion: "external-secrets.io/v1",
      kind: "ExternalSecret",
      metadata: { namespace: `team-${i % namespaces}`, name: `es-${i}` },
      spec: {
        refreshInterval: "1h",
        secretStoreRef: { name: "vault", kind: "ClusterSecretStore" },
        data: Array.from({ length: keysPerSecret }, (_, k) => ({
          secretKey: `key${k}`,
          remoteRef: { key: `apps/app-${path}`, property: `key${k}` },
        })),
      },
    });
  });
  return { cluster, client, vault, count, apiServerThread };
}

async function closeWorld(world: World): Promise<void> {
  await world.vault.close();
  await world.cluster.close();
}

/** Watches ExternalSecrets; `reached` resolves once `until(n)` holds for n synced after `since`. */
function watchSynced(
  world: World,
  since: number,
  until: (synced: number) => boolean,
): { stop: () => Promise<void>; reached: Promise<void> } {
  const informer = new Informer<KubeObject>(
    listerWatcher(world.client, { apiVersion: "external-secrets.io/v1", kind: "ExternalSecret" }),
  );
  const synced = new Set<string>();
  let resolve: () => void = () => undefined;
  const reached = new Promise<void>((r) => (resolve = r));
  const check = (obj: KubeObject): void => {
    const status = obj.status as
      { refreshTime?: string; conditions?: { status: string }[] } | undefined;
    const ready = status?.conditions?.some((c) => c.status === "True") === true;
    if (ready && Date.parse(status.refreshTime ?? "") >= since) {
      synced.add(`${obj.metadata?.namespace ?? ""}/${obj.metadata?.name ?? ""}`);
      if (until(synced.size)) resolve();
    }
  };
  informer.addHandlers({
    onAdd: check,
    onUpdate: (_old, obj) => {
      check(obj);
    },
  });
  informer.start();
  return { stop: () => informer.stop(), reached };
}

/** Runs the controllers until `stopWhen` resolves; returns the API requests they made. */
async function runControllers(
  world: World,
  options: ExternalSecretsOptions,
  stopWhen: (started: number) => Promise<void>,
  clock?: Clock,
): Promise<{ requests: number; elapsedMs: number; reconciles: number }> {
  const stop = new AbortController();
  let requests = 0;
  let handle: ReturnType<typeof setupExternalSecrets> | undefined;
  const started = Date.now();
  const registry = new Registry();
  const running = runController(
    {
      client: world.client,
      registry,
      handleSignals: false,
      signal: stop.signal,
      ...(clock === undefined ? {} : { clock }),
    },
    (manager) => {
      handle = setupExternalSecrets(manager, {
        enablePushSecretReconciler: false,
        onApiRequest: () => {
          requests++;
        },
        ...(clock === undefined ? {} : { clock }),
        ...options,
      });
    },
  );
  await stopWhen(started);
  const elapsedMs = Date.now() - started;
  stop.abort();
  await running;
  await handle?.close();
  const reconciles = (
    await registry.getSingleMetric("controller_runtime_reconcile_total")?.get()
  )?.values
    .filter((v) => v.labels.controller === "externalsecret")
    .reduce((sum, v) => sum + v.value, 0);
  return { requests, elapsedMs, reconciles: reconciles ?? 0 };
}

/**
 * The physical limit of the uncapped run: the same three writes a new ExternalSecret costs
 * (finalizer patch, Secret create, status patch), sent straight to the same in-process API server
 * at the same concurrency with informers watching, no controller. Returns ExternalSecrets/s.
 */
async function apiServerLimit(world: World, count: number): Promise<number> {
  await world.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "probe" } });
  const indexes = Array.from({ length: count }, (_, i) => i);
  await pool(indexes, 16, async (i) => {
    await world.client.create({
      apiVersion: "external-secrets.io/v1",
      kind: "ExternalSecret",
      metadata: { namespace: "probe", name: `probe-${i}` },
      spec: { secretStoreRef: { name: "none", kind: "SecretStore" }, data: [] },
    });
  });
  const watchers = [
    listerWatcher(world.client, { apiVersion: "external-secrets.io/v1", kind: "ExternalSecret" }),
    listerWatcher(world.client, { apiVersion: "v1", kind: "Secret" }),
  ].map((lw) => new Informer<KubeObject>(lw));
  for (const informer of watchers) informer.start();
  const started = Date.now();
  await pool(indexes, 64, async (i) => {
    const ref = {
      apiVersion: "external-secrets.io/v1",
      kind: "ExternalSecret",
      namespace: "probe",
      name: `probe-${i}`,
    } as const;
    await world.client.patch(ref, { metadata: { finalizers: ["probe/finalizer"] } }, "merge");
    await world.client.create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { namespace: "probe", name: `probe-${i}`, labels: { probe: "true" } },
      data: Object.fromEntries(
        Array.from({ length: keysPerSecret }, (_, k) => [`key${k}`, "dmFsdWU="]),
      ),
    });
    await world.client.patchStatus(
      ref,
      { status: { refreshTime: new Date().toISOString(), conditions: [] } },
      "merge",
    );
  });
  const elapsedMs = Date.now() - started;
  await Promise.all(watchers.map((informer) => informer.stop()));
  return count / (elapsedMs / 1000);
}

/**
 * A client whose reads go to the cluster and whose writes are acknowledged in memory, so the
 * reconcilers run at their own speed, not the in-process API server's. `onStatus` sees each
 * ExternalSecret whose status was written.
 */
function inMemoryWrites(onStatus: (key: string) => void): (client: ApiClient) => ApiClient {
  let version = 1_000_000;
  const acknowledged = <T extends KubeObject>(obj: T): T => ({
    ...obj,
    metadata: { ...obj.metadata, resourceVersion: String(++version) },
  });
  return (client) => ({
    get: (ref, options) => client.get(ref, options),
    list: (resource, options) => client.list(resource, options),
    create: (obj) => Promise.resolve(acknowledged(obj)),
    createSubresource: (ref, subresource, body, options) =>
      client.createSubresource(ref, subresource, body, options),
    replace: (obj) => Promise.resolve(acknowledged(obj)),
    patch: <T extends KubeObject = KubeObject>() => Promise.resolve(acknowledged({}) as T),
    patchStatus: <T extends KubeObject = KubeObject>(ref: {
      kind: string;
      namespace?: string;
      name: string;
    }) => {
      if (ref.kind === "ExternalSecret") onStatus(`${ref.namespace ?? ""}/${ref.name}`);
      return Promise.resolve(acknowledged({}) as T);
    },
    delete: () => Promise.resolve(true),
  });
}

/** A client that passes every call through and tells `onStatus` of each ExternalSecret status written. */
function observedWrites(onStatus: (key: string) => void): (client: ApiClient) => ApiClient {
  return (client) => ({
    get: (ref, options) => client.get(ref, options),
    list: (resource, options) => client.list(resource, options),
    create: (obj, options) => client.create(obj, options),
    createSubresource: (ref, subresource, body, options) =>
      client.createSubresource(ref, subresource, body, options),
    replace: (obj, options) => client.replace(obj, options),
    patch: (ref, patch, type, options) => client.patch(ref, patch, type, options),
    patchStatus: async <T extends KubeObject = KubeObject>(
      ref: ObjectRef,
      patch: unknown,
      type: PatchType,
      options?: ApplyOptions,
    ): Promise<T> => {
      const written = await client.patchStatus<T>(ref, patch, type, options);
      if (ref.kind === "ExternalSecret") onStatus(`${ref.namespace ?? ""}/${ref.name}`);
      return written;
    },
    delete: (ref, options) => client.delete(ref, options),
  });
}

/**
 * Reconciles/s of the ExternalSecret reconcilers: a restart with the clock `offsetMs` on and no
 * catch-up window, so every ExternalSecret refreshes at once (parse, store checks, shared Vault
 * reads over loopback, desired Secret and hash compared with the cached one, status). With
 * `inMemory` the writes are acknowledged in memory (the reconcilers alone); without, they go to
 * the API server as in production (the status of each, the Secret when it differs), and a
 * reconcile counts once its status write was answered. Returns reconciles/s.
 */
async function everyRefreshDue(world: World, inMemory: boolean, offsetMs: number): Promise<number> {
  const vaultBefore = world.vault.requests.length;
  const synced = new Set<string>();
  let resolve: () => void = () => undefined;
  const reached = new Promise<void>((r) => (resolve = r));
  // Timed from the first status write, so the informers' initial list is not counted.
  let first = 0;
  let cpuBefore: NodeJS.CpuUsage | undefined;
  let threadBefore: NodeJS.CpuUsage | undefined;
  let cpu: NodeJS.CpuUsage = { user: 0, system: 0 };
  let thread: NodeJS.CpuUsage = { user: 0, system: 0 };
  const onStatus = (key: string): void => {
    if (first === 0) {
      first = Date.now();
      cpuBefore = process.cpuUsage();
      threadBefore = process.threadCpuUsage();
      mark("first-status");
    }
    synced.add(key);
    if (synced.size >= world.count) {
      cpu = process.cpuUsage(cpuBefore);
      thread = process.threadCpuUsage(threadBefore);
      mark("all-status");
      resolve();
    }
  };
  const { reconciles } = await runControllers(
    world,
    {
      concurrent: 64,
      clientRateLimit: { qps: 1e9, burst: 1e9 },
      jitter: { ...defaultJitter, catchUpWindowMs: 0 },
      wrapApiClient: inMemory ? inMemoryWrites(onStatus) : observedWrites(onStatus),
    },
    () => reached,
    new FastClock(offsetMs, 1),
  );
  const elapsedMs = Math.max(1, Date.now() - first);
  const rate = synced.size / (elapsedMs / 1000);
  const label = inMemory
    ? "reconcilers alone (every refresh due, writes acknowledged in memory)"
    : "every refresh due, writes to the API server";
  process.stdout.write(
    `${label}: ${synced.size} ExternalSecrets ` +
      `in ${(elapsedMs / 1000).toFixed(1)} s, ${reconciles} reconciles = ${rate.toFixed(0)} reconciles/s ` +
      `(goal >= 2000: ${rate >= 2000 ? "met" : "NOT met"}); ${world.vault.requests.length - vaultBefore} Vault requests; ` +
      `${cpuMsEach(cpu, synced.size)} ms CPU each (this whole process: reconcilers, informers, API server, Vault double)` +
      (world.apiServerThread
        ? `, ${cpuMsEach(thread, synced.size)} ms on the main thread (all but the API server) = ` +
          `${(synced.size / ((thread.user + thread.system) / 1e6)).toFixed(0)} reconciles per CPU-second of the controller side\n`
        : "\n"),
  );
  return rate;
}

/** CPU time (user + system) per item in ms, to 3 digits: steadier than rates on a shared machine. */
function cpuMsEach(cpu: NodeJS.CpuUsage, items: number): string {
  return ((cpu.user + cpu.system) / 1000 / Math.max(1, items)).toFixed(3);
}

async function uncapped(world: World): Promise<number> {
  const watcher = watchSynced(world, 0, (n) => n >= world.count);
  const before = world.vault.requests.length;
  const cpuBefore = process.cpuUsage();
  const { elapsedMs, requests, reconciles } = await runControllers(
    world,
    { concurrent: 64, clientRateLimit: { qps: 1e9, burst: 1e9 } },
    () => watcher.reached,
  );
  const cpu = process.cpuUsage(cpuBefore);
  await watcher.stop();
  const log = world.vault.requests.slice(before);
  const gets = log.filter(
    (r) => r.method === "GET" && r.path.startsWith("secret/data/apps/"),
  ).length;
  const logins = log.filter((r) => r.path === "auth/approle/login").length;
  const distinct = world.count / secretsPerPath;
  const rate = world.count / (elapsedMs / 1000);
  process.stdout.write(
    `uncapped: ${world.count} ExternalSecrets synced in ${(elapsedMs / 1000).toFixed(1)} s = ${rate.toFixed(0)} ExternalSecrets/s ` +
      `(bounded by the in-process API server, see below); ${reconciles} reconciles = ${(reconciles / (elapsedMs / 1000)).toFixed(0)} reconciles/s; ` +
      `${(requests / world.count).toFixed(2)} API requests each; ${cpuMsEach(cpu, world.count)} ms CPU each (this whole process)\n`,
  );
  process.stdout.write(
    ratioLine("Vault GETs per distinct remote key", gets / distinct, 1, "GETs") +
      ` (ESO: ${keysPerSecret * secretsPerPath} plus login/lookup/revoke per reconcile); Vault logins: ${logins}\n`,
  );
  return rate;
}

function spread(label: string, perMinute: readonly number[], goal: boolean): string {
  const total = perMinute.reduce((a, b) => a + b, 0);
  const busiest = Math.max(...perMinute);
  const mean = total / Math.max(1, perMinute.length);
  return (
    `${label} per minute: ${perMinute.join(" ")}\n` +
    ratioLine(`${label}: busiest minute over the mean`, busiest, mean, "requests/min") +
    (goal ? ` (goal <= 2: ${busiest / mean <= 2 ? "met" : "NOT met"})` : "") +
    "\n"
  );
}

/** Requests per simulated minute while the overdue refreshes catch up after a restart. */
async function restart(
  world: World,
  rate: number,
  jitter: boolean,
  offsetMs: number,
): Promise<void> {
  // Fast enough to be quick, slow enough that the machine keeps up with the refresh rate asked.
  const windowMs = 10 * 60_000;
  const factor = Math.max(
    1,
    Math.min(60, Math.floor((rate * windowMs) / 1000 / (world.count * 2))),
  );
  const clock = new FastClock(offsetMs, factor);
  const since = clock.now();
  const vaultPerMinute: number[] = [];
  const apiPerMinute: number[] = [];
  const watcher = watchSynced(world, since, (n) => n >= world.count);
  let apiRequests = 0;
  let seen = { vault: world.vault.requests.length, api: 0 };
  const sample = (): void => {
    const minute = Math.floor((clock.now() - since) / 60_000);
    while (vaultPerMinute.length <= minute) vaultPerMinute.push(0);
    while (apiPerMinute.length <= minute) apiPerMinute.push(0);
    vaultPerMinute[minute] =
      (vaultPerMinute[minute] ?? 0) + world.vault.requests.length - seen.vault;
    apiPerMinute[minute] = (apiPerMinute[minute] ?? 0) + apiRequests - seen.api;
    seen = { vault: world.vault.requests.length, api: apiRequests };
  };
  const sampler = setInterval(sample, 20);
  await runControllers(
    world,
    {
      concurrent: 64,
      clientRateLimit: { qps: 1e9, burst: 1e9 },
      onApiRequest: () => {
        apiRequests++;
      },
      ...(jitter ? {} : { jitter: { earlyFraction: 0, catchUpWindowMs: 0 } }),
    },
    () => watcher.reached,
    clock,
  );
  clearInterval(sampler);
  sample();
  await watcher.stop();
  process.stdout.write(
    `restart with every refresh due, jitter ${jitter ? "on" : "off, as ESO"} (clock ×${factor}): ` +
      `${apiPerMinute.length} minute(s) to refresh ${world.count}; ` +
      `${(apiRequests / world.count).toFixed(2)} API requests per ExternalSecret\n`,
  );
  process.stdout.write(spread("Kubernetes API requests", apiPerMinute, jitter));
  process.stdout.write(spread("Vault requests", vaultPerMinute, false));
}

async function capped(count: number): Promise<void> {
  const world = await createWorld(count, false);
  try {
    const qps = 50;
    const burst = 100;
    const watcher = watchSynced(world, 0, (n) => n >= world.count);
    const { elapsedMs, requests } = await runControllers(
      world,
      { concurrent: 64, clientRateLimit: { qps, burst } },
      () => watcher.reached,
    );
    await watcher.stop();
    // The floor: the 3 requests each new ExternalSecret needs, less the burst, at the cap.
    const floorMs = ((3 * world.count + 2 - burst) / qps) * 1000;
    process.stdout.write(
      `capped at ${qps} requests/s (burst ${burst}): ${world.count} synced in ${(elapsedMs / 1000).toFixed(1)} s ` +
        `with ${requests} requests (${(requests / world.count).toFixed(2)} each)\n`,
    );
    process.stdout.write(
      ratioLine("time to all synced over the cap's floor", elapsedMs / 1000, floorMs / 1000, "s") +
        ` (goal <= 1.1: ${elapsedMs / floorMs <= 1.1 ? "met" : "NOT met"})\n`,
    );
  } finally {
    await closeWorld(world);
  }
}

const phaseNames = ["uncapped", "restart", "alone", "due", "limit", "capped"] as const;
type Phase = (typeof phaseNames)[number];

/**
 * `--phases=a,b` (default all): which phases run. The uncapped run also sets the world up for
 * the restart, reconcilers-alone and limit phases, so it runs whenever one of them is asked for.
 */
function phasesFrom(argv: readonly string[]): ReadonlySet<Phase> {
  const flag = argv.find((arg) => arg.startsWith("--phases="));
  if (flag === undefined) return new Set(phaseNames);
  const asked = flag.slice("--phases=".length).split(",");
  const unknown = asked.filter((name) => !(phaseNames as readonly string[]).includes(name));
  if (unknown.length > 0)
    throw new Error(
      `--phases: unknown phase ${unknown.join(", ")}; known: ${phaseNames.join(", ")}`,
    );
  return new Set(asked as Phase[]);
}

function mark(label: string): void {
  if (process.env.ES_BENCH_MARKS !== undefined)
    process.stderr.write(`MARK ${label} ${String(process.hrtime.bigint() / 1000n)}\n`);
}

export async function run(): Promise<void> {
  const flag = process.argv.find((arg) => arg.startsWith("--scale="));
  const scale = flag === undefined ? 1 : Number(flag.slice("--scale=".length));
  const count = Math.round((10_000 * scale) / secretsPerPath) * secretsPerPath;
  if (!Number.isFinite(scale) || count < secretsPerPath)
    throw new Error(`--scale must be a number giving at least ${secretsPerPath} ExternalSecrets`);
  const phases = phasesFrom(process.argv);
  process.stdout.write(
    `${count} ExternalSecrets × ${keysPerSecret} keys, ${count / secretsPerPath} Vault paths, one ClusterSecretStore (AppRole)\n`,
  );
  if (
    ["uncapped", "restart", "alone", "due", "limit"].some((phase) => phases.has(phase as Phase))
  ) {
    mark("setup");
    const world = await createWorld(count, process.argv.includes("--api-server=thread"));
    try {
      mark("uncapped");
      const rate = await uncapped(world);
      mark("restart");
      if (phases.has("restart")) {
        await restart(world, rate, true, 2 * 3_600_000);
        await restart(world, rate, false, 4 * 3_600_000);
      }
      mark("alone");
      if (phases.has("alone")) await everyRefreshDue(world, true, 6 * 3_600_000);
      mark("due");
      if (phases.has("due")) await everyRefreshDue(world, false, 8 * 3_600_000);
      mark("limit");
      if (phases.has("limit")) {
        const limit = await apiServerLimit(world, Math.min(world.count, 2000));
        process.stdout.write(
          ratioLine(
            "uncapped ExternalSecrets/s over what the in-process API server allows (its 3 writes each, no controller)",
            rate,
            limit,
            "ExternalSecrets/s",
          ) + "\n",
        );
      }
    } finally {
      await closeWorld(world);
    }
  }
  if (phases.has("capped")) await capped(count);
}

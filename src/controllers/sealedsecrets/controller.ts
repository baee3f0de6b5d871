// The Sealed Secrets controller process (§7): keys loaded from (and renewed into) the controller
// namespace, SealedSecrets and Secrets watched, a prioritised work queue reconciled by a few
// concurrent loops whose RSA runs on worker threads, the HTTP API and the metrics server. With
// leader election several replicas run: all serve the API, only the leader writes.
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { Registry } from "prom-client";
import { certificateToPem, type Secret } from "../../sealing/index.js";
import {
  Backoff,
  EventRecorder,
  Informer,
  LeaderElector,
  Priority,
  WorkQueue,
  defaultControllerRateLimiter,
  leaseLock,
  listerWatcher,
  objectKey,
  silentLogger,
  sleep,
  startHealthServer,
  systemClock,
  type Clock,
  type HealthServer,
  type KubeClient,
  type KubeObject,
  type Logger,
  type Selection,
} from "../../kube/index.js";
import { apiBackend } from "./api-backend.js";
import { watchedNamespaces, type ControllerConfig } from "./config.js";
import { startApiServer, type ApiServer } from "./http-api.js";
import {
  KeyRing,
  firstRenewalDelay,
  generateKey,
  isKeySecret,
  needsKeyAtStart,
  newKeySecret,
  type KeyGenerationOptions,
} from "./keys.js";
import { ControllerMetrics } from "./metrics.js";
import {
  Reconciler,
  ReconcileError,
  type EventSink,
  type SealedSecretObject,
} from "./reconciler.js";
import { isControlledBy, managedAnnotation } from "./secret-plan.js";
import { inlineUnsealer, WorkerPoolUnsealer, type Unsealer } from "./unseal-pool.js";

/** Settings of a controller process besides its configuration. */
export interface SealedSecretsControllerOptions {
  readonly client: KubeClient;
  readonly config: ControllerConfig;
  readonly logger?: Logger;
  /** Where the metrics go; default a new registry. */
  readonly registry?: Registry;
  /** Register prom-client's process collectors (default true; off when several run in a test). */
  readonly processMetrics?: boolean;
  readonly clock?: Clock;
  /** Version shown by the build_info metric. */
  readonly version?: string;
  /** Serve the HTTP API and the metrics on the configured addresses (default true). */
  readonly serve?: boolean;
  /** Where events go; default a kube EventRecorder with source component `sealed-secrets`. */
  readonly events?: EventSink;
}

/** How a controller run ended: stopped on request, or leadership lost (exit non-zero then). */
export type ControllerEnd = "stopped" | "lost";

/** Counters of a running controller, for tests and the benchmark. */
export interface ControllerStats {
  reconciles: number;
  failures: number;
  rsaOperations: number;
  secretCreates: number;
  secretUpdates: number;
  statusWrites: number;
  keysGenerated: number;
}

type SecretObject = Secret & KubeObject;

/**
 * One controller process. `start()` resolves once keys are loaded and the servers listen;
 * `done` resolves when it stops. See §7 for the behaviour and the ADR for what goes beyond it.
 */
export class SealedSecretsController {
  readonly metrics: ControllerMetrics;
  readonly ring: KeyRing;
  readonly #client: KubeClient;
  readonly #config: ControllerConfig;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #unsealer: Unsealer;
  readonly #queue: WorkQueue<string>;
  readonly #events: EventSink;
  readonly #reconciler: Reconciler;
  readonly #stop = new AbortController();
  readonly #keyInformer: Informer<SecretObject>;
  readonly #sealedInformers = new Map<string, Informer<SealedSecretObject>>();
  readonly #secretInformers = new Map<string, Informer<SecretObject>>();
  readonly #failed = new Set<string>();
  readonly #stats: ControllerStats = {
    reconciles: 0,
    failures: 0,
    rsaOperations: 0,
    secretCreates: 0,
    secretUpdates: 0,
    statusWrites: 0,
    keysGenerated: 0,
  };
  readonly #serve: boolean;
  #api: ApiServer | undefined;
  #metricsServer: HealthServer | undefined;
  #elector: LeaderElector | undefined;
  #running: Promise<ControllerEnd> | undefined;
  #stopped: Promise<ControllerEnd> | undefined;
  #leading = false;
  #generating: Promise<void> | undefined;

  constructor(options: SealedSecretsControllerOptions) {
    const config = options.config;
    this.#client = options.client;
    this.#config = config;
    this.#log = options.logger ?? silentLogger;
    this.#clock = options.clock ?? systemClock;
    this.#serve = options.serve ?? true;
    this.metrics = new ControllerMetrics(
      options.registry ?? new Registry(),
      options.version ?? "",
      options.processMetrics ?? true,
    );
    this.ring = new KeyRing(config.keyOrderPriority, this.#log);
    this.#unsealer =
      config.unsealWorkers > 0
        ? new WorkerPoolUnsealer(config.unsealWorkers, this.#log)
        : inlineUnsealer();
    this.#queue = new WorkQueue<string>({
      clock: this.#clock,
      rateLimiter: defaultControllerRateLimiter<string>(this.#clock),
    });
    this.#events =
      options.events ??
      new EventRecorder(this.#client, {
        component: "sealed-secrets",
        host: hostname(),
        clock: this.#clock,
        logger: this.#log,
      });
    this.#keyInformer = this.#informer<SecretObject>({
      apiVersion: "v1",
      kind: "Secret",
      namespace: config.controllerNamespace,
    });
    this.#reconciler = new Reconciler({
      client: this.#client,
      config,
      ring: this.ring,
      unsealer: this.#unsealer,
      events: this.#events,
      metrics: this.metrics,
      clock: this.#clock,
      logger: this.#log,
      sealedSecret: (key) => this.#sealedInformerFor(key)?.cache.get(key),
      secret: (namespace, name, signal) => this.#readSecret(namespace, name, signal),
    });
  }

  /** Counters since start. */
  stats(): ControllerStats {
    return { ...this.#stats, rsaOperations: this.#reconciler.rsaOperations };
  }

  /** Base URL of the HTTP API (undefined until started, or when not serving). */
  get apiUrl(): string | undefined {
    return this.#api?.url;
  }

  /** Base URL of the metrics server. */
  get metricsUrl(): string | undefined {
    return this.#metricsServer?.url;
  }

  /** True while this replica leads (always, once started, without leader election). */
  isLeader(): boolean {
    return this.#leading;
  }

  /** Number of keys waiting in the work queue. */
  queueLength(): number {
    return this.#queue.len();
  }

  /**
   * Starts everything: loads the keys (waiting for the key watch to sync), watches SealedSecrets
   * and Secrets, starts the servers, and runs the loop (at once, or once leading).
   * @throws Error when a server cannot listen, or a listed namespace cannot be checked
   */
  async start(): Promise<void> {
    if (this.#running !== undefined) return;
    const signal = this.#stop.signal;
    this.#keyInformer.addHandlers({
      onAdd: () => {
        this.#reloadKeys();
      },
      onUpdate: () => {
        this.#reloadKeys();
      },
      onDelete: () => {
        this.#reloadKeys();
      },
    });
    this.ring.onChange(() => {
      const newestFirst = [...this.ring.keys()].sort((a, b) => b.orderingTime - a.orderingTime);
      this.#unsealer.setKeys(
        newestFirst.map((key) => ({ fingerprint: key.fingerprint, privateKey: key.privateKey })),
      );
      // A key that appeared may open what failed before (a BYO key dropped in).
      for (const key of this.#failed) this.#queue.add(key, Priority.Normal);
    });
    this.#keyInformer.start();
    await this.#keyInformer.waitForSync(signal);
    this.#reloadKeys();
    await this.#watchSealedSecrets(signal);
    if (this.#serve) await this.#startServers();
    this.#running = this.#run(signal);
  }

  /** Resolves with how the run ended ("lost": leadership lost, exit non-zero). */
  done(): Promise<ControllerEnd> {
    return this.#running ?? Promise.resolve("stopped");
  }

  /** Stops the loop, the watches, the servers and the workers; resolves when all have ended. */
  stop(): Promise<ControllerEnd> {
    this.#stopped ??= (async () => {
      this.#stop.abort();
      this.#queue.shutDown();
      const end = (await this.#running) ?? "stopped";
      await this.#shutdown();
      return end;
    })();
    return this.#stopped;
  }

  /**
   * Generates a key now (SIGUSR1, or the renewal timer) if this replica leads.
   * @returns the new key Secret's name, or undefined when not leading
   * @throws Error when the key cannot be written
   */
  async renewKey(): Promise<string | undefined> {
    if (!this.#leading) {
      this.#log.warn("not the leader: the leader renews keys");
      return undefined;
    }
    return this.#generate();
  }

  #informer<T extends KubeObject>(selection: Selection): Informer<T> {
    return new Informer<T>(listerWatcher<T>(this.#client, selection), {
      clock: this.#clock,
      logger: this.#log,
      name: `${selection.kind}${selection.namespace === undefined ? "" : `/${selection.namespace}`}`,
    });
  }

  #reloadKeys(): void {
    const prefix = this.#config.keyPrefix;
    this.ring.replace(
      this.#keyInformer.cache.list().filter((secret) => isKeySecret(secret, prefix)),
    );
  }

  async #watchSealedSecrets(signal: AbortSignal): Promise<void> {
    const listed = watchedNamespaces(this.#config);
    const namespaces: (string | undefined)[] = [];
    if (listed === undefined) namespaces.push(undefined);
    else {
      for (const namespace of listed) {
        const found = await this.#client.get(
          { apiVersion: "v1", kind: "Namespace", name: namespace },
          { signal },
        );
        if (found === undefined) this.#log.error({ namespace }, "namespace doesn't exist");
        else namespaces.push(namespace);
      }
    }
    const labelSelector =
      this.#config.labelSelector === "" ? {} : { labelSelector: this.#config.labelSelector };
    for (const namespace of namespaces) {
      const where = namespace === undefined ? {} : { namespace };
      const sealed = this.#informer<SealedSecretObject>({
        apiVersion: "bitnami.com/v1alpha1",
        kind: "SealedSecret",
        ...where,
        ...labelSelector,
      });
      this.#watchSealed(sealed);
      this.#sealedInformers.set(namespace ?? "", sealed);
      if (!this.#config.skipRecreate) {
        const secrets = this.#informer<SecretObject>({
          apiVersion: "v1",
          kind: "Secret",
          ...where,
          ...labelSelector,
        });
        this.#watchSecrets(secrets);
        this.#secretInformers.set(namespace ?? "", secrets);
      }
    }
    for (const informer of [...this.#sealedInformers.values(), ...this.#secretInformers.values()])
      informer.start();
  }

  /** SealedSecret events (§7.7): what the first list shows waits behind anything new or changed. */
  #watchSealed(informer: Informer<SealedSecretObject>): void {
    informer.addHandlers({
      onAdd: (obj) => {
        this.#queue.add(objectKey(obj), informer.hasSynced() ? Priority.High : Priority.Normal);
      },
      onUpdate: (old, current) => {
        if (!isDeepStrictEqual(old.spec, current.spec))
          this.#queue.add(objectKey(current), Priority.High);
      },
      onDelete: (obj) => {
        this.metrics.forgetCondition(obj.metadata ?? {}, obj.status);
        this.#reconciler.forget(obj.metadata?.uid ?? "");
        this.#failed.delete(objectKey(obj));
        this.#queue.add(objectKey(obj), Priority.High);
      },
    });
  }

  /** A deleted Secret that its SealedSecret controls (or `managed`) is made again (§7.7). */
  #watchSecrets(informer: Informer<SecretObject>): void {
    informer.addHandlers({
      onDelete: (secret) => {
        const key = objectKey(secret);
        const owner = this.#sealedInformerFor(key)?.cache.get(key);
        if (owner === undefined) return;
        const managed = secret.metadata.annotations?.[managedAnnotation] === "true";
        if (managed || isControlledBy(secret, owner.metadata?.uid ?? ""))
          this.#queue.add(key, Priority.High);
      },
    });
  }

  #sealedInformerFor(key: string): Informer<SealedSecretObject> | undefined {
    return (
      this.#sealedInformers.get("") ?? this.#sealedInformers.get(key.slice(0, key.indexOf("/")))
    );
  }

  async #readSecret(
    namespace: string,
    name: string,
    signal: AbortSignal,
  ): Promise<Secret | undefined> {
    const informer = this.#secretInformers.get("") ?? this.#secretInformers.get(namespace);
    if (informer !== undefined) return informer.cache.get(`${namespace}/${name}`);
    return this.#client.get<SecretObject>(
      { apiVersion: "v1", kind: "Secret", namespace, name },
      { signal },
    );
  }

  async #startServers(): Promise<void> {
    const config = this.#config;
    this.#api = await startApiServer({
      backend: apiBackend(this.ring, this.#unsealer, config.acceptV1Data),
      host: listenHost(config.listenAddr.host),
      port: config.listenAddr.port,
      rateLimit: config.rateLimit,
      rateLimitBurst: config.rateLimitBurst,
      readTimeoutMs: config.readTimeoutMs,
      writeTimeoutMs: config.writeTimeoutMs,
      metrics: this.metrics,
      logger: this.#log,
    });
    this.#metricsServer = await startHealthServer({
      host: listenHost(config.listenMetricsAddr.host),
      port: config.listenMetricsAddr.port,
      registry: this.metrics.registry,
      healthz: { ping: () => true },
      readyz: { keys: () => this.ring.latest() !== undefined },
    });
    this.#log.info(
      { api: this.#api.url, metrics: this.#metricsServer.url },
      "HTTP servers listening",
    );
  }

  async #run(signal: AbortSignal): Promise<ControllerEnd> {
    const election = this.#config.leaderElection;
    if (election === undefined) {
      await this.#lead(signal);
      return "stopped";
    }
    let leading: Promise<void> = Promise.resolve();
    this.#elector = new LeaderElector({
      lock: leaseLock(this.#client, this.#config.controllerNamespace, election.leaseName),
      identity: election.identity ?? `${hostname()}_${randomBytes(4).toString("hex")}`,
      clock: this.#clock,
      logger: this.#log,
      callbacks: {
        onStartedLeading: (term) => {
          leading = this.#lead(term);
        },
      },
    });
    const end = await this.#elector.run(signal);
    // Leadership lost: stop writing at once; the process should exit and restart (client-go's way).
    this.#queue.shutDown();
    await leading;
    return end;
  }

  /** The leader's work: a key if needed, the renewal timer, then the reconcile loops. */
  async #lead(signal: AbortSignal): Promise<void> {
    this.#leading = true;
    try {
      await this.#ensureKey(signal);
      const cancelRenewal = this.#scheduleRenewal(signal);
      try {
        for (const informer of this.#sealedInformers.values()) await informer.waitForSync(signal);
        for (const informer of this.#secretInformers.values()) await informer.waitForSync(signal);
        if (signal.aborted) return;
        const loops = Math.max(1, this.#config.concurrency);
        await Promise.all(Array.from({ length: loops }, () => this.#loop(signal)));
      } finally {
        cancelRenewal();
      }
    } finally {
      this.#leading = false;
    }
  }

  async #ensureKey(signal: AbortSignal): Promise<void> {
    const backoff = new Backoff({ initialMs: 1000, maxMs: 60_000 });
    while (
      !signal.aborted &&
      needsKeyAtStart(this.ring.latest()?.orderingTime, this.#config.keyCutoffTime)
    ) {
      try {
        await this.#generate();
        return;
      } catch (error) {
        const delay = backoff.next();
        this.#log.error(
          { err: error, retryInMs: Math.round(delay) },
          "cannot generate a sealing key",
        );
        await sleep(this.#clock, delay, signal);
      }
    }
  }

  #scheduleRenewal(signal: AbortSignal): () => void {
    const period = this.#config.keyRenewPeriodMs;
    const delay = firstRenewalDelay(period, this.ring.latest()?.orderingTime, this.#clock.now());
    if (delay === undefined) return () => undefined;
    let cancel: () => void = () => undefined;
    const arm = (ms: number): void => {
      cancel = setLongTimer(
        this.#clock,
        () => {
          if (signal.aborted) return;
          this.#generate().catch((error: unknown) => {
            this.#log.error({ err: error }, "failed to generate new key");
          });
          arm(period);
        },
        ms,
      );
    };
    arm(delay);
    return () => {
      cancel();
    };
  }

  /** Generates, writes and loads one key (one at a time). */
  #generate(): Promise<string> {
    const run = async (): Promise<string> => {
      const options = this.#keyOptions();
      const key = await generateKey(options, this.#clock.now());
      const created = await this.#client.create<SecretObject>(
        newKeySecret(key, options) as SecretObject,
      );
      const name = created.metadata.name ?? "";
      this.ring.addGenerated(name, key, this.#clock.now());
      this.#stats.keysGenerated++;
      this.#log.info({ namespace: options.namespace, name }, "New key written");
      this.#log.info({ certificate: certificateToPem(key.certificate) }, "Certificate generated");
      return name;
    };
    const previous = this.#generating ?? Promise.resolve();
    const next = previous.then(run, run);
    this.#generating = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  #keyOptions(): KeyGenerationOptions {
    const config = this.#config;
    return {
      namespace: config.controllerNamespace,
      keyPrefix: config.keyPrefix,
      keySize: config.keySize,
      keyTtlMs: config.keyTtlMs,
      commonName: config.myCn,
      labels: config.privateKeyLabels,
      annotations: config.privateKeyAnnotations,
    };
  }

  async #loop(signal: AbortSignal): Promise<void> {
    for (;;) {
      const key = await this.#queue.get();
      if (key === undefined) return;
      if (signal.aborted) {
        this.#queue.done(key);
        return;
      }
      try {
        await this.#process(key, signal);
      } finally {
        this.#queue.done(key);
      }
    }
  }

  async #process(key: string, signal: AbortSignal): Promise<void> {
    this.#stats.reconciles++;
    try {
      const report = await this.#reconciler.reconcile(key, signal);
      this.#failed.delete(key);
      this.#queue.forget(key);
      if (report.secretWrite === "create") this.#stats.secretCreates++;
      if (report.secretWrite === "update") this.#stats.secretUpdates++;
      if (report.statusWritten) this.#stats.statusWrites++;
    } catch (error) {
      if (signal.aborted) return;
      this.#stats.failures++;
      this.#failed.add(key);
      const retries = this.#queue.numRequeues(key);
      const retry = !(error instanceof ReconcileError) || error.retry;
      if (retry && retries < this.#config.maxUnsealRetries) {
        this.#log.error({ err: error, key, retries }, "Error updating, will retry");
        this.#queue.addRateLimited(key);
      } else {
        this.#log.error({ err: error, key, retries }, "Error updating, giving up");
        this.#queue.forget(key);
      }
    }
  }

  async #shutdown(): Promise<void> {
    const informers = [
      this.#keyInformer,
      ...this.#sealedInformers.values(),
      ...this.#secretInformers.values(),
    ];
    await Promise.all(informers.map((informer) => informer.stop()));
    await this.#api?.close();
    await this.#metricsServer?.close();
    await this.#unsealer.close();
    if (this.#events instanceof EventRecorder) await this.#events.flush();
  }
}

/** Go's ":8080" listens on every interface; node needs an address for that. */
function listenHost(host: string): string {
  return host === "" ? "0.0.0.0" : host;
}

/** node's timers fire at once beyond 2^31 − 1 ms (24.8 days); a 30-day period needs a chain. */
const maxTimerMs = 2 ** 31 - 1;

/** Like clock.setTimer, for any delay: waits in steps of at most maxTimerMs. */
export function setLongTimer(clock: Clock, callback: () => void, ms: number): () => void {
  let cancel: () => void = () => undefined;
  const step = (remaining: number): void => {
    const wait = Math.min(remaining, maxTimerMs);
    cancel = clock.setTimer(() => {
      if (remaining > wait) step(remaining - wait);
      else callback();
    }, wait);
  };
  step(Math.max(0, ms));
  return () => {
    cancel();
  };
}

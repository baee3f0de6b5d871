import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { Registry } from "prom-client";
import type { KubeClient } from "./client.js";
import type { Clock } from "./clock.js";
import { systemClock } from "./clock.js";
import type { ControllerOptions, KeyMapper } from "./controller.js";
import { Controller } from "./controller.js";
import { EventRecorder } from "./events.js";
import type { HealthServer } from "./health-server.js";
import { startHealthServer } from "./health-server.js";
import type { Informer, InformerOptions, Selection } from "./informer.js";
import { Informer as InformerClass, listerWatcher } from "./informer.js";
import type { LeaderElectionEnd } from "./leader-election.js";
import { LeaderElector } from "./leader-election.js";
import { leaseLock } from "./lease-lock.js";
import type { Logger } from "./logger.js";
import { silentLogger } from "./logger.js";
import { setLeaderStatus } from "./metrics.js";
import type { KubeObject } from "./types.js";

/** Leader election settings of a Manager. */
export interface ManagerLeaderElection {
  /** Namespace and name of the coordination.k8s.io/v1 Lease. */
  readonly namespace: string;
  readonly name: string;
  /** This replica's identity; default `<hostname>_<random>` (as controller-runtime). */
  readonly identity?: string;
  /** Defaults 15 s / 10 s / 2 s (client-go's). */
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  /** Give the lease up on a clean stop so another replica takes over at once. Default true. */
  readonly releaseOnCancel?: boolean;
}

/** Settings of a Manager. */
export interface ManagerOptions {
  readonly client: KubeClient;
  /** Metrics registry served at /metrics; default a new one. */
  readonly registry?: Registry;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Run controllers only while holding this lease; off when absent (single replica). */
  readonly leaderElection?: ManagerLeaderElection;
  /** Serve /metrics, /healthz and /readyz here; no server when absent. */
  readonly health?: { readonly host?: string; readonly port?: number };
  /** How long stop() waits for running reconciles. Default 30 s (controller-runtime's). */
  readonly gracefulShutdownMs?: number;
}

/** How a Manager's run ended: stopped on request, or leadership lost (exit non-zero then). */
export type ManagerEnd = "stopped" | "lost";

/**
 * A controller definition for Manager.addController and runController: a reconcile function,
 * the informers it watches and which keys each informer's events map to.
 */
export interface ControllerDefinition extends Omit<
  ControllerOptions,
  "registry" | "clock" | "logger"
> {
  /** The informers to watch; `map` defaults to the object's own key. */
  readonly watches: readonly WatchSpec[];
}

/** One watched informer and how its objects map to reconcile keys. */
export interface WatchSpec {
  readonly informer: Informer<KubeObject>;
  readonly map?: KeyMapper<KubeObject>;
}

/**
 * Runs controllers with what they share: one informer per watched collection (shared between
 * controllers), leader election, an event recorder, the metrics and probes server, and an
 * orderly stop. Informers run on every replica (warm caches); controllers only on the leader.
 */
export class Manager {
  readonly client: KubeClient;
  readonly registry: Registry;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #options: ManagerOptions;
  readonly #informers = new Map<string, Informer<KubeObject>>();
  readonly #controllers: Controller[] = [];
  readonly #recorders: EventRecorder[] = [];
  readonly #stop = new AbortController();
  #health: HealthServer | undefined;
  #elector: LeaderElector | undefined;
  #started = false;

  constructor(options: ManagerOptions) {
    this.client = options.client;
    this.registry = options.registry ?? new Registry();
    this.#log = options.logger ?? silentLogger;
    this.#clock = options.clock ?? systemClock;
    this.#options = options;
  }

  /**
   * The shared informer of a collection (created on first request; later requests with the same
   * selection get the same one, and ignore `options`).
   */
  informer<T extends KubeObject = KubeObject>(
    selection: Selection,
    options: InformerOptions<T> = {},
  ): Informer<T> {
    const key = JSON.stringify([
      selection.apiVersion,
      selection.kind,
      selection.namespace ?? "",
      selection.labelSelector ?? "",
      selection.fieldSelector ?? "",
    ]);
    const existing = this.#informers.get(key);
    if (existing !== undefined) return existing as unknown as Informer<T>;
    const informer = new InformerClass<T>(listerWatcher<T>(this.client, selection), {
      clock: this.#clock,
      logger: this.#log,
      name: selection.kind,
      ...options,
    });
    this.#informers.set(key, informer as unknown as Informer<KubeObject>);
    if (this.#started) informer.start();
    return informer;
  }

  /** A recorder of core/v1 Events from `component`. */
  eventRecorder(component: string): EventRecorder {
    const recorder = new EventRecorder(this.client, {
      component,
      host: hostname(),
      clock: this.#clock,
      logger: this.#log,
    });
    this.#recorders.push(recorder);
    return recorder;
  }

  /** Adds a controller; it starts when the manager runs and leads. @throws after run() */
  addController(definition: ControllerDefinition): Controller {
    if (this.#started)
      throw new Error(`cannot add controller "${definition.name}" to a running manager`);
    const controller = new Controller({
      ...definition,
      registry: this.registry,
      clock: this.#clock,
      logger: this.#log,
    });
    for (const watch of definition.watches) controller.watch(watch.informer, watch.map);
    this.#controllers.push(controller);
    return controller;
  }

  /** Base URL of the metrics and probes server, once running. */
  get healthUrl(): string | undefined {
    return this.#health?.url;
  }

  /** True while this replica leads (always true without leader election, once running). */
  isLeader(): boolean {
    return this.#elector === undefined ? this.#started : this.#elector.isLeader();
  }

  /**
   * Starts the probes server and informers, waits for leadership if configured, runs the
   * controllers until `stop()` or `signal`, then stops everything in order (controllers, lease,
   * informers, server).
   * @returns "lost" if the lease was lost (the process should exit non-zero), else "stopped"
   * @throws if the probes server cannot listen
   */
  async run(signal?: AbortSignal): Promise<ManagerEnd> {
    if (this.#started) throw new Error("manager is already running");
    this.#started = true;
    signal?.addEventListener(
      "abort",
      () => {
        this.#stop.abort();
      },
      { once: true },
    );
    if (signal?.aborted === true) this.#stop.abort();
    try {
      await this.#startHealth();
      for (const informer of this.#informers.values()) informer.start();
      return await this.#lead();
    } finally {
      await this.#shutdown();
    }
  }

  /** Asks run() to stop; resolves at once (await run() for the end). */
  stop(): void {
    this.#stop.abort();
  }

  async #lead(): Promise<ManagerEnd> {
    const election = this.#options.leaderElection;
    if (election === undefined) {
      await this.#runControllers(this.#stop.signal);
      return "stopped";
    }
    const identity = election.identity ?? `${hostname()}_${randomBytes(4).toString("hex")}`;
    let controllersDone: Promise<void> = Promise.resolve();
    const elector = new LeaderElector({
      lock: leaseLock(this.client, election.namespace, election.name),
      identity,
      ...(election.leaseDurationMs === undefined
        ? {}
        : { leaseDurationMs: election.leaseDurationMs }),
      ...(election.renewDeadlineMs === undefined
        ? {}
        : { renewDeadlineMs: election.renewDeadlineMs }),
      ...(election.retryPeriodMs === undefined ? {} : { retryPeriodMs: election.retryPeriodMs }),
      ...(election.releaseOnCancel === undefined
        ? {}
        : { releaseOnCancel: election.releaseOnCancel }),
      clock: this.#clock,
      logger: this.#log,
      callbacks: {
        onStartedLeading: (leading) => {
          setLeaderStatus(this.registry, election.name, true);
          controllersDone = this.#runControllers(leading);
        },
        onStoppedLeading: () => {
          setLeaderStatus(this.registry, election.name, false);
        },
        onNewLeader: (leader) => {
          this.#log.info({ leader, identity }, "new leader observed");
        },
      },
    });
    this.#elector = elector;
    setLeaderStatus(this.registry, election.name, false);
    const end: LeaderElectionEnd = await elector.run(this.#stop.signal);
    await controllersDone;
    return end;
  }

  /** Runs every controller until `signal` aborts, then stops them within the grace period. */
  async #runControllers(signal: AbortSignal): Promise<void> {
    const running = this.#controllers.map((c) => c.start());
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else {
        signal.addEventListener(
          "abort",
          () => {
            resolve();
          },
          { once: true },
        );
      }
    });
    const stopped = Promise.all([...this.#controllers.map((c) => c.stop()), ...running]).then(
      () => true,
    );
    const grace = this.#options.gracefulShutdownMs ?? 30_000;
    let cancel: () => void = () => undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      cancel = this.#clock.setTimer(() => {
        resolve(false);
      }, grace);
    });
    const clean = await Promise.race([stopped, timedOut]);
    cancel();
    if (!clean)
      this.#log.warn({ graceMs: grace }, "reconciles still running after the grace period");
  }

  async #startHealth(): Promise<void> {
    const health = this.#options.health;
    if (health === undefined) return;
    this.#health = await startHealthServer({
      ...health,
      registry: this.registry,
      healthz: { ping: () => true },
      readyz: {
        "informers-synced": () => [...this.#informers.values()].every((i) => i.hasSynced()),
      },
    });
    this.#log.info({ url: this.#health.url }, "serving metrics and probes");
  }

  async #shutdown(): Promise<void> {
    // Events recorded by the last reconciles are still on their way: give them a moment.
    let cancel: () => void = () => undefined;
    await Promise.race([
      Promise.all(this.#recorders.map((r) => r.flush())),
      new Promise<void>((resolve) => {
        cancel = this.#clock.setTimer(resolve, 5000);
      }),
    ]);
    cancel();
    await Promise.all([...this.#informers.values()].map((i) => i.stop()));
    await this.#health?.close();
    this.#health = undefined;
  }
}

/** Options of runController: a Manager's, plus whether to stop on SIGTERM/SIGINT. */
export interface RunControllerOptions extends ManagerOptions {
  /** Stop cleanly on SIGTERM and SIGINT. Default true. */
  readonly handleSignals?: boolean;
  /** Stops the run when aborted. */
  readonly signal?: AbortSignal;
}

/**
 * The one-call entry point for a controller process: builds a Manager, lets `setup` create
 * informers and add controllers, and runs until SIGTERM/SIGINT (or `options.signal`), then
 * shuts down in order. Returns how it ended; exit non-zero on "lost".
 *
 * @example
 * const end = await runController({ client, health: { port: 8080 } }, (mgr) => {
 *   const cms = mgr.informer({ apiVersion: "v1", kind: "ConfigMap" });
 *   mgr.addController({ name: "copy", watches: [{ informer: cms }], reconcile: async (key) => {} });
 * });
 * process.exitCode = end === "lost" ? 1 : 0;
 */
export async function runController(
  options: RunControllerOptions,
  setup: (manager: Manager) => void | Promise<void>,
): Promise<ManagerEnd> {
  const manager = new Manager(options);
  await setup(manager);
  const onSignal = (): void => {
    manager.stop();
  };
  const handle = options.handleSignals ?? true;
  if (handle) {
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
  }
  try {
    return await manager.run(options.signal);
  } finally {
    if (handle) {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
    }
  }
}

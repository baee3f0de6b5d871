import type { Registry } from "prom-client";
import type { Clock } from "./clock.js";
import { systemClock } from "./clock.js";
import type { Informer } from "./informer.js";
import type { Logger } from "./logger.js";
import { silentLogger } from "./logger.js";
import type { ReconcileMetrics, ReconcileResult } from "./metrics.js";
import { createReconcileMetrics, createWorkQueueMetrics } from "./metrics.js";
import type { RateLimiter } from "./rate-limiter.js";
import type { KubeObject } from "./types.js";
import { objectKey, splitKey } from "./types.js";
import { Priority, WorkQueue } from "./work-queue.js";

/** What a reconcile asks for next. Returning nothing means "done until something changes". */
export interface ReconcileOutcome {
  /** Reconcile this key again after this many milliseconds (e.g. to refresh from a provider). */
  readonly requeueAfter?: number;
  /** Reconcile again soon, with the per-item backoff, without counting it as an error. */
  readonly requeue?: boolean;
}

/** What a reconcile function gets besides its key. */
export interface ReconcileContext {
  /** The key being reconciled: `namespace/name`, or `name` for cluster-scoped objects. */
  readonly key: string;
  readonly namespace: string | undefined;
  readonly name: string;
  /** Aborts when the controller stops (shutdown, lost leadership): pass it to API calls. */
  readonly signal: AbortSignal;
  /** A logger bound to the controller and key. */
  readonly log: Logger;
  /** How many times this key was retried after failures since its last success. */
  readonly retries: number;
}

/**
 * A reconcile function: make the world match the desired state of `key`, idempotently. Read
 * objects from informer caches; a key whose object is gone means "clean up". Throwing requeues
 * the key with backoff (the error is logged and counted, never propagated).
 */
export type Reconciler = (
  key: string,
  context: ReconcileContext,
  // `void` in the union lets a reconciler that returns nothing (`async (key) => {}`) type-check.
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type
) => Promise<ReconcileOutcome | void>;

/** Maps an event's object to the keys to reconcile; default: the object's own key. */
export type KeyMapper<T extends KubeObject> = (obj: T) => readonly string[];

/** Settings of a Controller. */
export interface ControllerOptions {
  /** Names the controller in logs, metrics (`controller` label) and the work queue (`name`). */
  readonly name: string;
  readonly reconcile: Reconciler;
  /** Concurrent reconciles (never two for the same key). Default 1. */
  readonly workers?: number;
  /** Retry delays; default controller-runtime's (5 ms → 1000 s per item, 10 qps / 100 burst). */
  readonly rateLimiter?: RateLimiter<string>;
  /** Where the controller-runtime metrics go; none if absent. */
  readonly registry?: Registry;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

/**
 * A reconcile loop: informer events become keys in a prioritised, rate-limited work queue, and
 * `workers` loops reconcile them. New and changed objects, and keys never reconciled yet, go
 * ahead of retries, resyncs and scheduled requeues.
 */
export class Controller {
  readonly name: string;
  readonly #reconcile: Reconciler;
  readonly #workers: number;
  readonly #queue: WorkQueue<string>;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #metrics: ReconcileMetrics | undefined;
  readonly #informers = new Set<Informer<KubeObject>>();
  /** Keys reconciled successfully at least once (they lose their priority on resync). */
  readonly #reconciled = new Set<string>();
  readonly #stop = new AbortController();
  #active = 0;
  #running: Promise<void> | undefined;

  constructor(options: ControllerOptions) {
    this.name = options.name;
    this.#reconcile = options.reconcile;
    this.#workers = Math.max(1, options.workers ?? 1);
    this.#clock = options.clock ?? systemClock;
    this.#log = (options.logger ?? silentLogger).child({ controller: options.name });
    const registry = options.registry;
    this.#queue = new WorkQueue<string>({
      clock: this.#clock,
      ...(options.rateLimiter === undefined ? {} : { rateLimiter: options.rateLimiter }),
      ...(registry === undefined
        ? {}
        : { metrics: createWorkQueueMetrics(registry, options.name, this.#clock) }),
    });
    this.#metrics =
      registry === undefined
        ? undefined
        : createReconcileMetrics(registry, options.name, this.#workers);
  }

  /**
   * Reconciles keys for the events of `informer`: each added, changed, deleted or resynced
   * object is mapped to keys by `map` (default: its own key; see `ownerKeys` for owned objects).
   * Call before start().
   */
  watch<T extends KubeObject>(informer: Informer<T>, map?: KeyMapper<T>): this {
    const keys = map ?? ((obj: T) => [objectKey(obj)]);
    const enqueue = (obj: T, changed: boolean): void => {
      for (const key of keys(obj)) this.#enqueue(key, changed);
    };
    informer.addHandlers({
      onAdd: (obj) => {
        enqueue(obj, true);
      },
      onUpdate: (old, current) => {
        enqueue(current, old !== current);
        // An object that moved (e.g. a changed owner or label) may also concern its old keys.
        if (map !== undefined && old !== current) enqueue(old, true);
      },
      onDelete: (obj) => {
        for (const key of keys(obj)) this.#reconciled.delete(key);
        enqueue(obj, true);
      },
    });
    this.#informers.add(informer as unknown as Informer<KubeObject>);
    return this;
  }

  /**
   * Queues `key` for reconciliation now (e.g. from a timer or an external trigger), by default
   * ahead of retries and requeues; `Priority.Normal` queues it behind what is urgent (e.g. an
   * object a reconciler knows to be in sync, seen again at start-up).
   */
  enqueue(key: string, priority: number = Priority.High): void {
    this.#queue.add(key, priority);
  }

  /** Number of keys waiting. */
  queueLength(): number {
    return this.#queue.len();
  }

  /**
   * Waits for the watched informers to sync, then runs the workers until stop(). Resolves when
   * every worker has finished its current key. Starting twice returns the same promise.
   */
  start(): Promise<void> {
    this.#running ??= this.#run();
    return this.#running;
  }

  /**
   * Stops taking keys, aborts the context signal of running reconciles and waits for them to
   * return; keys still queued are dropped (the next leader lists everything again).
   */
  async stop(): Promise<void> {
    this.#stop.abort();
    // Workers see the abort and mark the remaining keys done without reconciling them.
    this.#queue.shutDown();
    await this.#running;
  }

  #enqueue(key: string, changed: boolean): void {
    const urgent = changed || !this.#reconciled.has(key);
    this.#queue.add(key, urgent ? Priority.High : Priority.Normal);
  }

  async #run(): Promise<void> {
    for (const informer of this.#informers) {
      if (!(await informer.waitForSync(this.#stop.signal))) return;
    }
    this.#log.info({ workers: this.#workers }, "starting workers");
    await Promise.all(Array.from({ length: this.#workers }, () => this.#worker()));
    this.#log.info("workers stopped");
  }

  async #worker(): Promise<void> {
    for (;;) {
      const key = await this.#queue.get();
      if (key === undefined) return;
      if (this.#stop.signal.aborted) {
        this.#queue.done(key);
        continue;
      }
      this.#metrics?.setActiveWorkers(++this.#active);
      try {
        await this.#process(key);
      } finally {
        this.#queue.done(key);
        this.#metrics?.setActiveWorkers(--this.#active);
      }
    }
  }

  async #process(key: string): Promise<void> {
    const started = this.#clock.now();
    const log = this.#log.child({ key });
    const { namespace, name } = splitKey(key);
    let result: ReconcileResult;
    try {
      const outcome = await this.#reconcile(key, {
        key,
        namespace,
        name,
        signal: this.#stop.signal,
        log,
        retries: this.#queue.numRequeues(key),
      });
      this.#reconciled.add(key);
      if (outcome?.requeueAfter !== undefined && outcome.requeueAfter > 0) {
        this.#queue.forget(key);
        this.#queue.addAfter(key, outcome.requeueAfter);
        result = "requeue_after";
      } else if (outcome?.requeue === true) {
        this.#queue.addRateLimited(key);
        result = "requeue";
      } else {
        this.#queue.forget(key);
        result = "success";
      }
    } catch (error) {
      result = "error";
      if (!this.#stop.signal.aborted) {
        log.error({ err: error, retries: this.#queue.numRequeues(key) }, "reconcile failed");
        this.#queue.addRateLimited(key);
      }
    }
    this.#metrics?.observe(result, (this.#clock.now() - started) / 1000);
  }
}

/**
 * A KeyMapper for owned objects: the keys of the object's owners of `kind` (in its namespace),
 * e.g. `ownerKeys("SealedSecret")` maps a Secret to the SealedSecret that made it.
 * @param controllerOnly only the owner reference marked `controller: true` (default true)
 */
export function ownerKeys<T extends KubeObject>(kind: string, controllerOnly = true): KeyMapper<T> {
  return (obj) => {
    const namespace = obj.metadata?.namespace;
    return (obj.metadata?.ownerReferences ?? [])
      .filter((ref) => ref.kind === kind && (!controllerOnly || ref.controller === true))
      .map((ref) =>
        namespace === undefined || namespace === "" ? ref.name : `${namespace}/${ref.name}`,
      );
  };
}

import type { Clock } from "./clock.js";
import { systemClock } from "./clock.js";
import type { RateLimiter } from "./rate-limiter.js";
import { defaultControllerRateLimiter } from "./rate-limiter.js";

/**
 * Queue priorities. New or changed objects go in at `High` so they jump ahead of a backlog of
 * retries, resyncs and scheduled requeues, which go in at `Normal`. Any integer works; higher
 * goes first, first-in first-out within one priority.
 */
export const Priority = { Normal: 0, High: 1 } as const;

/** What a WorkQueue reports to its metrics (see createWorkQueueMetrics). */
export interface WorkQueueMetricsSink {
  /** An item became pending (it was not pending already). */
  added(): void;
  /** The number of queued items of `priority` changed by `delta`. */
  depthChanged(priority: number, delta: number): void;
  /** An item was handed to a worker after waiting `waitedMs` since it became pending. */
  dequeued(waitedMs: number): void;
  /** A worker finished an item after `workedMs`. */
  finished(workedMs: number): void;
  /** An item was requeued through the rate limiter. */
  retried(): void;
  /** Gives the sink a view of when the items now being processed were started (ms epoch). */
  observeInFlight(startTimes: () => Iterable<number>): void;
}

/** Options of a WorkQueue. */
export interface WorkQueueOptions<T> {
  /** Retry delays for `addRateLimited`; default: controller-runtime's (5 ms → 1000 s, 10 qps / 100). */
  readonly rateLimiter?: RateLimiter<T>;
  /** Time source for `addAfter` and the metrics. */
  readonly clock?: Clock;
  readonly metrics?: WorkQueueMetricsSink;
}

interface Pending {
  priority: number;
  since: number;
}

/**
 * A de-duplicating, prioritised, rate-limited work queue with client-go's semantics:
 * - an item is queued at most once; adding it again while queued only raises its priority;
 * - an item added while a worker processes it is queued once more after `done` (never processed
 *   by two workers at once);
 * - `addAfter` schedules an add; `addRateLimited` schedules it after the rate limiter's delay;
 * - after `shutDown`, adds are ignored and `get` hands out what is left, then `undefined`.
 */
export class WorkQueue<T> {
  readonly #clock: Clock;
  readonly #limiter: RateLimiter<T>;
  readonly #metrics: WorkQueueMetricsSink | undefined;
  /** Items waiting to be processed (queued, or processing and to be requeued after). */
  readonly #dirty = new Map<T, Pending>();
  /** Items handed to a worker and not yet done, with the time they were handed out. */
  readonly #processing = new Map<T, number>();
  /** FIFO per priority; may hold stale entries of items whose priority was raised. */
  readonly #buckets = new Map<number, Fifo<T>>();
  /** Items actually in a bucket, with the priority of their live entry. */
  readonly #queued = new Map<T, number>();
  readonly #waiting = new Map<T, { readyAt: number; priority: number; cancel: () => void }>();
  readonly #getters: ((item: T | undefined) => void)[] = [];
  readonly #drainers: (() => void)[] = [];
  #shuttingDown = false;

  constructor(options: WorkQueueOptions<T> = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#limiter = options.rateLimiter ?? defaultControllerRateLimiter<T>(this.#clock);
    this.#metrics = options.metrics;
    this.#metrics?.observeInFlight(() => this.#processing.values());
  }

  /** Queues `item` now (or raises its priority if it is already queued). Ignored after shutDown. */
  add(item: T, priority: number = Priority.Normal): void {
    if (this.#shuttingDown) return;
    const pending = this.#dirty.get(item);
    if (pending !== undefined) {
      if (priority > pending.priority) {
        pending.priority = priority;
        if (this.#queued.has(item)) this.#push(item, priority);
      }
      return;
    }
    this.#dirty.set(item, { priority, since: this.#clock.now() });
    this.#metrics?.added();
    if (!this.#processing.has(item)) this.#push(item, priority);
  }

  /**
   * Queues `item` after `ms` milliseconds. If it is already scheduled, the earlier time wins
   * (as in client-go), at the higher of the two priorities.
   */
  addAfter(item: T, ms: number, priority: number = Priority.Normal): void {
    if (this.#shuttingDown) return;
    if (ms <= 0) {
      this.add(item, priority);
      return;
    }
    const readyAt = this.#clock.now() + ms;
    const existing = this.#waiting.get(item);
    if (existing !== undefined) {
      existing.priority = Math.max(existing.priority, priority);
      if (existing.readyAt <= readyAt) return;
      existing.cancel();
    }
    const entry = {
      readyAt,
      priority: Math.max(priority, existing?.priority ?? priority),
      cancel: (): void => undefined,
    };
    entry.cancel = this.#clock.setTimer(() => {
      this.#waiting.delete(item);
      this.add(item, entry.priority);
    }, ms);
    this.#waiting.set(item, entry);
  }

  /** Queues `item` after the rate limiter's delay for it, counting one retry. */
  addRateLimited(item: T, priority: number = Priority.Normal): void {
    if (this.#shuttingDown) return;
    this.#metrics?.retried();
    this.addAfter(item, this.#limiter.when(item), priority);
  }

  /** Clears `item`'s retry history (call after it was processed successfully). */
  forget(item: T): void {
    this.#limiter.forget(item);
  }

  /** How many times `item` went through `addRateLimited` since it was last forgotten. */
  numRequeues(item: T): number {
    return this.#limiter.numRequeues(item);
  }

  /**
   * Waits for the next item (highest priority first) and marks it as being processed; the caller
   * must call `done(item)` afterwards. Resolves `undefined` once shut down and empty.
   */
  get(): Promise<T | undefined> {
    const item = this.#pop();
    if (item !== undefined || this.#shuttingDown) return Promise.resolve(item);
    return new Promise((resolve) => this.#getters.push(resolve));
  }

  /** Marks `item` as processed; if it was added meanwhile, it is queued again now. */
  done(item: T): void {
    const started = this.#processing.get(item);
    if (started === undefined) return;
    this.#processing.delete(item);
    this.#metrics?.finished(this.#clock.now() - started);
    const pending = this.#dirty.get(item);
    if (pending !== undefined) {
      // Added again while being processed: process it once more, unless we are stopping.
      if (this.#shuttingDown) this.#dirty.delete(item);
      else this.#push(item, pending.priority);
    }
    this.#checkDrained();
  }

  /** Number of items queued (not counting scheduled or in-flight ones). */
  len(): number {
    return this.#queued.size;
  }

  /** Number of items being processed. */
  inFlight(): number {
    return this.#processing.size;
  }

  /** True after shutDown. */
  shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Stops accepting items and drops scheduled ones; waiting `get` calls resolve `undefined`. */
  shutDown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    for (const entry of this.#waiting.values()) entry.cancel();
    this.#waiting.clear();
    if (this.#queued.size === 0) {
      for (const resolve of this.#getters.splice(0)) resolve(undefined);
    }
    this.#checkDrained();
  }

  /**
   * Shuts down, then resolves when every queued item has been handed out and every item handed
   * out is done (workers must keep calling `get` until it returns undefined).
   */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    return new Promise((resolve) => {
      this.#drainers.push(resolve);
      this.#checkDrained();
    });
  }

  #push(item: T, priority: number): void {
    const previous = this.#queued.get(item);
    if (previous !== undefined) this.#metrics?.depthChanged(previous, -1);
    this.#queued.set(item, priority);
    this.#metrics?.depthChanged(priority, 1);
    let bucket = this.#buckets.get(priority);
    if (bucket === undefined) {
      bucket = new Fifo<T>();
      this.#buckets.set(priority, bucket);
    }
    bucket.push(item);
    const getter = this.#getters.shift();
    if (getter !== undefined) getter(this.#pop());
  }

  #pop(): T | undefined {
    if (this.#queued.size === 0) return undefined;
    const priorities = [...this.#buckets.keys()].sort((a, b) => b - a);
    for (const priority of priorities) {
      const bucket = this.#buckets.get(priority);
      for (let item = bucket?.shift(); item !== undefined; item = bucket?.shift()) {
        // Skip stale entries: the item's priority was raised and it sits in a higher bucket.
        if (this.#queued.get(item.value) === priority) return this.#start(item.value, priority);
      }
      this.#buckets.delete(priority);
    }
    return undefined;
  }

  #start(item: T, priority: number): T {
    this.#queued.delete(item);
    this.#metrics?.depthChanged(priority, -1);
    const now = this.#clock.now();
    const pending = this.#dirty.get(item);
    this.#dirty.delete(item);
    this.#metrics?.dequeued(now - (pending?.since ?? now));
    this.#processing.set(item, now);
    return item;
  }

  #checkDrained(): void {
    if (!this.#shuttingDown || this.#processing.size > 0 || this.#queued.size > 0) return;
    for (const resolve of this.#drainers.splice(0)) resolve();
  }
}

/** A first-in first-out list with O(1) shift (Array#shift copies the array). */
class Fifo<T> {
  #items: T[] = [];
  #head = 0;

  push(item: T): void {
    this.#items.push(item);
  }

  /** The oldest item, wrapped so that `undefined` items stay distinguishable from "empty". */
  shift(): { value: T } | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const value = this.#items[this.#head] as T;
    this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return { value };
  }
}

import { ApiError, isGone } from "./api-error.js";
import { Backoff } from "./backoff.js";
import type { CacheReader, IndexFunc } from "./cache.js";
import { Cache } from "./cache.js";
import type { KubeClient, ObjectList, WatchEvent, WatchHandle, WatchOptions } from "./client.js";
import type { Clock } from "./clock.js";
import { sleep, systemClock } from "./clock.js";
import type { Logger } from "./logger.js";
import { silentLogger } from "./logger.js";
import type { KubeObject, ResourceRef } from "./types.js";
import { objectKey } from "./types.js";

/** The two calls an informer needs; KubeClient provides them through `listerWatcher`. */
export interface ListerWatcher<T extends KubeObject> {
  /** A consistent list of the whole collection. */
  list(signal: AbortSignal): Promise<ObjectList<T>>;
  /** A watch from `options.resourceVersion`. */
  watch(options: WatchOptions, onEvent: (event: WatchEvent) => void): Promise<WatchHandle>;
}

/** Which objects a ListerWatcher covers. */
export interface Selection extends ResourceRef {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

/**
 * The ListerWatcher of a collection through `client`: pages of `pageSize` (a continue token
 * that expires between pages falls back to one unpaged list, as client-go's reflector does).
 */
export function listerWatcher<T extends KubeObject>(
  client: KubeClient,
  selection: Selection,
  pageSize = 500,
): ListerWatcher<T> {
  const selectors = {
    ...(selection.labelSelector === undefined ? {} : { labelSelector: selection.labelSelector }),
    ...(selection.fieldSelector === undefined ? {} : { fieldSelector: selection.fieldSelector }),
  };
  return {
    async list(signal) {
      try {
        return await client.listAll<T>(selection, { ...selectors, limit: pageSize, signal });
      } catch (error) {
        if (!isGone(error)) throw error;
        return client.list<T>(selection, { ...selectors, signal });
      }
    },
    watch(options, onEvent) {
      return client.watch(selection, { ...selectors, ...options }, onEvent);
    },
  };
}

/** Event handlers; exceptions they throw are logged and do not stop the informer. */
export interface InformerHandlers<T extends KubeObject> {
  /** A new object, or every object of the first list. */
  onAdd?(obj: T): void;
  /** A changed object; on a periodic resync `old === current`. */
  onUpdate?(old: T, current: T): void;
  /** A deleted object, in its last known state. */
  onDelete?(obj: T): void;
}

/** Settings of an Informer. */
export interface InformerOptions<T extends KubeObject> {
  /** Custom indexes of the cache (besides `namespace`). */
  readonly indexers?: Readonly<Record<string, IndexFunc<T>>>;
  /** Replay every cached object to onUpdate this often; off by default. */
  readonly resyncPeriodMs?: number;
  /**
   * Restart a watch that delivered nothing (not even a bookmark) for this long: catches a
   * connection that died without a FIN. Default 5 min.
   */
  readonly inactivityTimeoutMs?: number;
  /** Ask the server to end each watch after a random time in [min, 2 × min]. Default 300 s. */
  readonly minWatchTimeoutSeconds?: number;
  /** Retry delays after failures: jittered exponential, capped. Default 800 ms → 30 s. */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly logger?: Logger;
  /** Names the informer in logs, e.g. "ConfigMap". */
  readonly name?: string;
}

/** Counters of what an informer did, for tests and diagnostics. */
export interface InformerStats {
  lists: number;
  watches: number;
  /** Relists forced by a 410 (watch resourceVersion too old). */
  expired: number;
  /** Failed lists or watches (each followed by a backoff). */
  errors: number;
  /** Watch events applied (ADDED/MODIFIED/DELETED; not bookmarks). */
  events: number;
}

type WatchEnd = "ended" | "expired" | "inactive";

/** A watch that ended this quickly without delivering anything counts as a failure. */
const minHealthyWatchMs = 1000;

/**
 * A list + watch cache of one collection (our own reflector; see docs/adr/kube-informer.md):
 * lists, then watches from the list's resourceVersion with bookmarks; re-watches from the last
 * seen version after a clean end or an inactivity timeout; relists after 410 Gone or an HTTP
 * error; backs off (jittered, capped) after every failure; and tells handlers only real changes,
 * so a reconnect or relist neither misses nor repeats an event.
 */
export class Informer<T extends KubeObject> {
  readonly #source: ListerWatcher<T>;
  readonly #cache: Cache<T>;
  readonly #handlers: InformerHandlers<T>[] = [];
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #log: Logger;
  readonly #backoff: Backoff;
  readonly #resyncMs: number | undefined;
  readonly #inactivityMs: number;
  readonly #minWatchSeconds: number;
  readonly #stop = new AbortController();
  readonly #syncWaiters: (() => void)[] = [];
  readonly #stats: InformerStats = { lists: 0, watches: 0, expired: 0, errors: 0, events: 0 };
  #resourceVersion = "";
  #synced = false;
  #running: Promise<void> | undefined;
  #cancelResync: (() => void) | undefined;

  constructor(source: ListerWatcher<T>, options: InformerOptions<T> = {}) {
    this.#source = source;
    this.#cache = new Cache<T>(options.indexers);
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#log = (options.logger ?? silentLogger).child({ informer: options.name ?? "informer" });
    this.#backoff = new Backoff({
      initialMs: options.backoff?.initialMs ?? 800,
      maxMs: options.backoff?.maxMs ?? 30_000,
      random: this.#random,
    });
    this.#resyncMs = options.resyncPeriodMs;
    this.#inactivityMs = options.inactivityTimeoutMs ?? 300_000;
    this.#minWatchSeconds = options.minWatchTimeoutSeconds ?? 300;
  }

  /** The cache (read-only); complete once hasSynced() is true. */
  get cache(): CacheReader<T> {
    return this.#cache;
  }

  /**
   * Adds handlers. Added after the first sync, they get onAdd for every cached object first (as
   * client-go does), so late subscribers see the same world as early ones.
   */
  addHandlers(handlers: InformerHandlers<T>): void {
    this.#handlers.push(handlers);
    if (this.#synced) for (const obj of this.#cache.list()) this.#call(() => handlers.onAdd?.(obj));
  }

  /** Starts listing and watching in the background; calling it again does nothing. */
  start(): void {
    this.#running ??= this.#run();
  }

  /** Stops the watch and timers; resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.#stop.abort();
    this.#cancelResync?.();
    for (const resolve of this.#syncWaiters.splice(0)) resolve();
    await this.#running;
  }

  /** True once the first list has been applied to the cache. */
  hasSynced(): boolean {
    return this.#synced;
  }

  /** Resolves true once synced, or false if the informer (or `signal`) stops first. */
  async waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.#synced) return true;
    if (this.#stop.signal.aborted || signal?.aborted === true) return false;
    await new Promise<void>((resolve) => {
      this.#syncWaiters.push(resolve);
      signal?.addEventListener(
        "abort",
        () => {
          resolve();
        },
        { once: true },
      );
    });
    return this.#synced;
  }

  /** The resourceVersion the cache is at (of the last list, event or bookmark). */
  resourceVersion(): string {
    return this.#resourceVersion;
  }

  /** A copy of the informer's counters. */
  stats(): InformerStats {
    return { ...this.#stats };
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    let needList = true;
    let expiredInARow = 0;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.#list(signal);
          needList = false;
        }
        const started = this.#clock.now();
        const eventsBefore = this.#stats.events;
        const end = await this.#watch(signal);
        if (end === "expired") {
          this.#stats.expired++;
          needList = true;
          // Relist at once the first time; a server that keeps answering 410 gets backed off.
          if (++expiredInARow > 1) await sleep(this.#clock, this.#backoff.next(), signal);
          continue;
        }
        expiredInARow = 0;
        const quick =
          this.#clock.now() - started < minHealthyWatchMs && this.#stats.events === eventsBefore;
        if (end === "ended" && quick) await sleep(this.#clock, this.#backoff.next(), signal);
        else this.#backoff.reset();
      } catch (error) {
        if (this.#stop.signal.aborted) break;
        this.#stats.errors++;
        // An HTTP error (403, 500, 504 "too large resource version" after a server lost its
        // state) means our version may be meaningless: relist. A transport error (refused,
        // reset) keeps the version: the server may come back with its history.
        if (error instanceof ApiError) needList = true;
        const delay = this.#backoff.next();
        this.#log.warn(
          { err: error, retryInMs: Math.round(delay), relist: needList },
          "list/watch failed",
        );
        await sleep(this.#clock, delay, signal);
      }
    }
  }

  async #list(signal: AbortSignal): Promise<void> {
    this.#stats.lists++;
    const list = await this.#source.list(signal);
    if (signal.aborted) return;
    const diff = this.#cache.replace(list.items);
    this.#resourceVersion = list.resourceVersion;
    for (const obj of diff.added) this.#emit((h) => h.onAdd?.(obj));
    for (const { old, current } of diff.updated) this.#emit((h) => h.onUpdate?.(old, current));
    for (const obj of diff.deleted) this.#emit((h) => h.onDelete?.(obj));
    if (!this.#synced) {
      this.#synced = true;
      this.#log.debug(
        { objects: this.#cache.size(), resourceVersion: list.resourceVersion },
        "synced",
      );
      for (const resolve of this.#syncWaiters.splice(0)) resolve();
      this.#scheduleResync();
    }
  }

  #watch(signal: AbortSignal): Promise<WatchEnd> {
    this.#stats.watches++;
    const timeoutSeconds = Math.floor(this.#minWatchSeconds * (1 + this.#random()));
    return new Promise<WatchEnd>((resolve, reject) => {
      let handle: WatchHandle | undefined;
      let finished = false;
      let cancelTimer: () => void = () => undefined;
      const finish = (end: WatchEnd | Error): void => {
        if (finished) return;
        finished = true;
        cancelTimer();
        signal.removeEventListener("abort", onAbort);
        handle?.stop();
        if (end instanceof Error) reject(end);
        else resolve(end);
      };
      const armTimer = (): void => {
        cancelTimer();
        cancelTimer = this.#clock.setTimer(() => {
          this.#log.info({ afterMs: this.#inactivityMs }, "watch inactive, restarting it");
          finish("inactive");
        }, this.#inactivityMs);
      };
      const onAbort = (): void => {
        finish("ended");
      };
      signal.addEventListener("abort", onAbort, { once: true });
      armTimer();
      const onEvent = (event: WatchEvent): void => {
        if (finished) return;
        armTimer();
        const end = this.#apply(event);
        if (end !== undefined) finish(end);
      };
      this.#source
        .watch(
          { resourceVersion: this.#resourceVersion, allowWatchBookmarks: true, timeoutSeconds },
          onEvent,
        )
        .then((started) => {
          handle = started;
          if (finished) started.stop();
          started.done.then(
            () => {
              finish("ended");
            },
            (error: unknown) => {
              finish(isGone(error) ? "expired" : toError(error));
            },
          );
        })
        .catch((error: unknown) => {
          finish(toError(error));
        });
    });
  }

  /** Applies one watch event; returns how the watch must end, if it must. */
  #apply(event: WatchEvent): WatchEnd | Error | undefined {
    const obj = event.object as T;
    const rv = obj.metadata?.resourceVersion;
    switch (event.type) {
      case "ADDED":
      case "MODIFIED": {
        this.#stats.events++;
        const old = this.#cache.upsert(obj);
        if (old === undefined) this.#emit((h) => h.onAdd?.(obj));
        else if (old.metadata?.resourceVersion !== rv) this.#emit((h) => h.onUpdate?.(old, obj));
        break;
      }
      case "DELETED": {
        this.#stats.events++;
        if (this.#cache.delete(objectKey(obj)) !== undefined) this.#emit((h) => h.onDelete?.(obj));
        break;
      }
      case "BOOKMARK":
        break;
      case "ERROR": {
        const status = event.object as { code?: unknown; reason?: unknown; message?: unknown };
        if (status.code === 410) return "expired";
        return new ApiError(`watch failed: ${String(status.message)}`, {
          code: typeof status.code === "number" ? status.code : 500,
          reason: typeof status.reason === "string" ? status.reason : "",
          serverMessage: String(status.message),
        });
      }
      default:
        return undefined;
    }
    if (rv !== undefined && rv !== "") this.#resourceVersion = rv;
    return undefined;
  }

  #scheduleResync(): void {
    const period = this.#resyncMs;
    if (period === undefined || period <= 0 || this.#stop.signal.aborted) return;
    this.#cancelResync = this.#clock.setTimer(() => {
      for (const obj of this.#cache.list()) this.#emit((h) => h.onUpdate?.(obj, obj));
      this.#scheduleResync();
    }, period);
  }

  #emit(deliver: (handlers: InformerHandlers<T>) => void): void {
    for (const handlers of this.#handlers) {
      this.#call(() => {
        deliver(handlers);
      });
    }
  }

  #call(callback: () => void): void {
    try {
      callback();
    } catch (error) {
      this.#log.error({ err: error }, "informer event handler failed");
    }
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

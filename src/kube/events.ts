import { ApiError } from "./api-error.js";
import type { KubeClient } from "./client.js";
import type { Clock } from "./clock.js";
import { systemClock } from "./clock.js";
import type { Logger } from "./logger.js";
import { silentLogger } from "./logger.js";
import type { KubeObject } from "./types.js";

/** Event types, as the API defines them. */
export type EventType = "Normal" | "Warning";

/** Settings of an EventRecorder. */
export interface EventRecorderOptions {
  /** `source.component` / `reportingComponent`, e.g. "sealed-secrets-controller". */
  readonly component: string;
  /** `source.host` / `reportingInstance`, e.g. the pod name. Default "". */
  readonly host?: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** How many distinct events to remember for count aggregation. Default 4096 (client-go's). */
  readonly cacheSize?: number;
  /**
   * Spam filter, as client-go's: events about one object from this source may come `burst` at
   * once, then one per `refillMs`; the rest are dropped. Default 25 and 5 minutes (client-go's).
   */
  readonly spam?: { readonly burst: number; readonly refillMs: number };
}

/** The subset of core/v1 Event the recorder writes. */
interface EventObject extends KubeObject {
  involvedObject: Record<string, string>;
  reason: string;
  message: string;
  type: EventType;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
}

/** One token bucket of the spam filter. */
interface Bucket {
  tokens: number;
  last: number;
}

interface Seen {
  readonly namespace: string;
  readonly name: string;
  count: number;
}

/** client-go truncates event messages to 1 KiB. */
const maxMessageLength = 1024;

/**
 * Records core/v1 Events about objects, as client-go's recorder does: an identical event
 * (same object, type, reason, message and source) seen again bumps `count` and
 * `lastTimestamp` on the existing Event instead of creating another. Writes happen in the
 * background, one at a time; failures are logged, never thrown, because an event must not fail
 * a reconcile. Like client-go's, it drops events about an object that come faster than the spam
 * filter allows (25 at once, then one per 5 minutes), so a controller stuck in a failing loop
 * cannot flood the API server. Never put secret values in `message`.
 */
export class EventRecorder {
  readonly #client: KubeClient;
  readonly #component: string;
  readonly #host: string;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #cacheSize: number;
  /** Aggregation key → the Event written for it (Map order = least recently used first). */
  readonly #seen = new Map<string, Seen>();
  /** Spam key (source and object) → its bucket, least recently used first. */
  readonly #buckets = new Map<string, Bucket>();
  readonly #spam: { readonly burst: number; readonly refillMs: number };
  #tail: Promise<void> = Promise.resolve();
  #pending = 0;

  constructor(client: KubeClient, options: EventRecorderOptions) {
    this.#client = client;
    this.#component = options.component;
    this.#host = options.host ?? "";
    this.#clock = options.clock ?? systemClock;
    this.#log = (options.logger ?? silentLogger).child({ component: options.component });
    this.#cacheSize = options.cacheSize ?? 4096;
    this.#spam = options.spam ?? { burst: 25, refillMs: 300_000 };
  }

  /**
   * Records an event about `object` (which needs apiVersion, kind and metadata.name).
   * Returns at once; `flush()` waits for the write.
   */
  event(object: KubeObject, type: EventType, reason: string, message: string): void {
    const involved = involvedObject(object);
    if (involved === undefined) {
      this.#log.warn(
        { reason },
        "cannot record an event for an object without apiVersion, kind and name",
      );
      return;
    }
    const text =
      message.length > maxMessageLength ? `${message.slice(0, maxMessageLength - 3)}...` : message;
    // client-go's keys: the object's resourceVersion changes with every write, so it is no
    // part of either (an event repeated across status updates still counts up one Event).
    const reference = { ...involved };
    delete reference.resourceVersion;
    const source = [reference, this.#component, this.#host];
    if (!this.#allow(JSON.stringify(source))) {
      this.#log.debug({ reason }, "event dropped by the spam filter");
      return;
    }
    const key = JSON.stringify([...source, type, reason, text]);
    if (this.#pending >= 1000) {
      this.#log.warn({ reason }, "too many events waiting to be written; dropping one");
      return;
    }
    this.#pending++;
    const when = this.#clock.now();
    this.#tail = this.#tail
      .then(() => this.#write(key, involved, type, reason, text, when))
      .catch((error: unknown) => {
        this.#log.warn({ err: error, reason }, "cannot record event");
      })
      .finally(() => {
        this.#pending--;
      });
  }

  /** Resolves when every event recorded so far has been written (or has failed). */
  flush(): Promise<void> {
    return this.#tail;
  }

  async #write(
    key: string,
    involved: Record<string, string>,
    type: EventType,
    reason: string,
    message: string,
    when: number,
  ): Promise<void> {
    const timestamp = new Date(when).toISOString().replace(/\.\d{3}Z$/, "Z");
    const seen = this.#seen.get(key);
    if (seen !== undefined) {
      this.#touch(key, seen);
      try {
        await this.#client.patch(
          { apiVersion: "v1", kind: "Event", namespace: seen.namespace, name: seen.name },
          { count: seen.count + 1, lastTimestamp: timestamp },
          "merge",
        );
        seen.count++;
        return;
      } catch (error) {
        // The Event expired (the API server deletes them after an hour): start a new one.
        if (!(error instanceof ApiError && error.code === 404)) throw error;
        this.#seen.delete(key);
      }
    }
    const namespace = involved.namespace ?? "default";
    const name = `${involved.name ?? "object"}.${(BigInt(when) * 1_000_000n).toString(16)}`;
    const event: EventObject = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace },
      involvedObject: involved,
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: timestamp,
      lastTimestamp: timestamp,
      source: { component: this.#component, ...(this.#host === "" ? {} : { host: this.#host }) },
      reportingComponent: this.#component,
      reportingInstance: this.#host,
    };
    await this.#client.create(event);
    this.#touch(key, { namespace, name, count: 1 });
  }

  /** Takes a token from the spam key's bucket; false when it is empty. */
  #allow(spamKey: string): boolean {
    const now = this.#clock.now();
    const { burst, refillMs } = this.#spam;
    const bucket = this.#buckets.get(spamKey) ?? { tokens: burst, last: now };
    bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.last) / refillMs);
    bucket.last = now;
    this.#buckets.delete(spamKey);
    this.#buckets.set(spamKey, bucket);
    if (this.#buckets.size > this.#cacheSize) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest !== undefined) this.#buckets.delete(oldest);
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  #touch(key: string, seen: Seen): void {
    this.#seen.delete(key);
    this.#seen.set(key, seen);
    if (this.#seen.size > this.#cacheSize) {
      const oldest = this.#seen.keys().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
  }
}

function involvedObject(object: KubeObject): Record<string, string> | undefined {
  const { apiVersion, kind } = object;
  const meta = object.metadata ?? {};
  if (apiVersion === undefined || kind === undefined || meta.name === undefined) return undefined;
  const ref: Record<string, string> = { apiVersion, kind, name: meta.name };
  if (meta.namespace !== undefined) ref.namespace = meta.namespace;
  if (meta.uid !== undefined) ref.uid = meta.uid;
  if (meta.resourceVersion !== undefined) ref.resourceVersion = meta.resourceVersion;
  return ref;
}

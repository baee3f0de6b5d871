import type { Clock } from "./clock.js";
import { systemClock } from "./clock.js";

/**
 * Decides how long an item waits before it is retried (client-go's `workqueue.RateLimiter`).
 * `when` is called once per retry and counts it; `forget` clears the item's history after success.
 */
export interface RateLimiter<T> {
  /** Milliseconds to wait before retrying `item`; records one more retry. */
  when(item: T): number;
  /** Clears the retry history of `item`. */
  forget(item: T): void;
  /** How many times `item` has been retried since it was last forgotten. */
  numRequeues(item: T): number;
}

/**
 * Per-item exponential backoff: base × 2^failures, capped (client-go's
 * ItemExponentialFailureRateLimiter; controller-runtime's default is 5 ms → 1000 s).
 */
export class ItemExponentialRateLimiter<T> implements RateLimiter<T> {
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #failures = new Map<T, number>();

  constructor(baseMs = 5, maxMs = 1_000_000) {
    this.#baseMs = baseMs;
    this.#maxMs = maxMs;
  }

  when(item: T): number {
    const failures = this.#failures.get(item) ?? 0;
    this.#failures.set(item, failures + 1);
    // 2^failures overflows to Infinity long after the cap, and Math.min handles Infinity.
    return Math.min(this.#maxMs, this.#baseMs * 2 ** failures);
  }

  forget(item: T): void {
    this.#failures.delete(item);
  }

  numRequeues(item: T): number {
    return this.#failures.get(item) ?? 0;
  }
}

/**
 * An overall token bucket shared by all items (client-go's BucketRateLimiter over
 * golang.org/x/time/rate): `burst` retries may go at once, then `qps` per second. Each `when`
 * reserves a token, so a backlog of retries is spread out instead of hammering the API server.
 */
export class TokenBucketRateLimiter<T> implements RateLimiter<T> {
  readonly #qps: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;

  constructor(qps = 10, burst = 100, clock: Clock = systemClock) {
    if (!(qps > 0) || !(burst >= 1)) {
      throw new RangeError(`invalid token bucket: qps ${qps} must be > 0 and burst ${burst} >= 1`);
    }
    this.#qps = qps;
    this.#burst = burst;
    this.#clock = clock;
    this.#tokens = burst;
    this.#last = clock.now();
  }

  when(_item: T): number {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) * this.#qps) / 1000);
    this.#last = now;
    // Reserve a token now even if it is only available later (the bucket may go negative).
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens * 1000) / this.#qps;
  }

  forget(_item: T): void {
    // The bucket is shared: one item's success does not return tokens.
  }

  numRequeues(_item: T): number {
    return 0;
  }
}

/** The longest wait of several limiters (client-go's MaxOfRateLimiter). */
export class MaxOfRateLimiter<T> implements RateLimiter<T> {
  readonly #limiters: readonly RateLimiter<T>[];

  constructor(...limiters: RateLimiter<T>[]) {
    this.#limiters = limiters;
  }

  when(item: T): number {
    // Every limiter must count the retry, so do not short-circuit.
    return this.#limiters.reduce((longest, limiter) => Math.max(longest, limiter.when(item)), 0);
  }

  forget(item: T): void {
    for (const limiter of this.#limiters) limiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.#limiters.reduce((most, limiter) => Math.max(most, limiter.numRequeues(item)), 0);
  }
}

/**
 * controller-runtime's default: per-item 5 ms → 1000 s exponential backoff, and an overall
 * bucket of 10 qps with a burst of 100, whichever is longer.
 */
export function defaultControllerRateLimiter<T>(clock: Clock = systemClock): RateLimiter<T> {
  return new MaxOfRateLimiter<T>(
    new ItemExponentialRateLimiter<T>(5, 1_000_000),
    new TokenBucketRateLimiter<T>(10, 100, clock),
  );
}

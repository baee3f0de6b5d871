// The /v1/verify rate limit (§7.12): the generic cell rate algorithm as the throttled library
// implements it (upstream's choice), with its X-RateLimit-* numbers. Times are integer
// nanoseconds (BigInt), as Go's time.Duration, so the header values match to the unit.

/** The outcome of one request against the limiter. */
export interface RateLimitResult {
  readonly limited: boolean;
  /** burst + 1: how many requests an idle client may make back to back. */
  readonly limit: number;
  readonly remaining: number;
  /** Milliseconds until the client's bucket is full again. */
  readonly resetAfterMs: number;
  /** Milliseconds until a request would be allowed; only set when limited. */
  readonly retryAfterMs?: number;
}

const nsPerMs = 1_000_000n;

/**
 * A GCRA limiter keyed by client: one request per `1 s / ratePerSecond` sustained, and up to
 * `burst + 1` back to back from an idle client. State per key is one "theoretical arrival time";
 * keys whose time has passed are forgotten, so memory stays bounded by the active clients.
 */
export class GcraLimiter {
  readonly #emission: bigint;
  readonly #tolerance: bigint;
  readonly #limit: number;
  readonly #now: () => number;
  readonly #tat = new Map<string, bigint>();

  /**
   * @param ratePerSecond requests per second, a positive integer (`--rate-limit`)
   * @param burst extra requests allowed back to back (`--rate-limit-burst`)
   * @param now the clock, milliseconds since the epoch
   * @throws RangeError when the rate is not a positive integer or the burst is negative
   */
  constructor(ratePerSecond: number, burst: number, now: () => number = Date.now) {
    if (!Number.isInteger(ratePerSecond) || ratePerSecond <= 0)
      throw new RangeError(`rate limit must be a positive integer, got ${ratePerSecond}`);
    if (!Number.isInteger(burst) || burst < 0)
      throw new RangeError(`rate limit burst must be a non-negative integer, got ${burst}`);
    this.#emission = 1_000_000_000n / BigInt(ratePerSecond);
    this.#tolerance = this.#emission * BigInt(burst + 1);
    this.#limit = burst + 1;
    this.#now = now;
  }

  /** Counts one request of `key` and says whether it is over the limit. */
  take(key: string): RateLimitResult {
    const now = BigInt(Math.round(this.#now())) * nsPerMs;
    this.#forgetExpired(now);
    const stored = this.#tat.get(key) ?? now;
    const newTat = (stored > now ? stored : now) + this.#emission;
    const allowAt = newTat - this.#tolerance;
    const limited = now < allowAt;
    const ttl = limited ? stored - now : newTat - now;
    if (!limited) this.#tat.set(key, newTat);
    const next = this.#tolerance - ttl;
    const remaining = next > -this.#emission ? Number(next / this.#emission) : 0;
    return {
      limited,
      limit: this.#limit,
      remaining,
      resetAfterMs: Number(ttl) / 1e6,
      ...(limited ? { retryAfterMs: Number(allowAt - now) / 1e6 } : {}),
    };
  }

  #forgetExpired(now: bigint): void {
    if (this.#tat.size < 1024) return;
    for (const [key, tat] of this.#tat) if (tat <= now) this.#tat.delete(key);
  }
}

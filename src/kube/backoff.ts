/** Settings of a jittered, capped exponential backoff. */
export interface BackoffOptions {
  /** First delay in milliseconds. */
  readonly initialMs: number;
  /** Largest delay in milliseconds (the cap applies before jitter, and jitter only shortens). */
  readonly maxMs: number;
  /** Growth per failure; 2 doubles. Default 2. */
  readonly factor?: number;
  /**
   * Fraction of the delay that is randomised, 0..1: the delay is drawn from
   * [base × (1 − jitter), base]. Default 0.5. Spreads reconnects of many replicas apart.
   */
  readonly jitter?: number;
  /** Source of randomness in [0, 1); injected for tests. Default Math.random. */
  readonly random?: () => number;
}

/**
 * Delays for retrying a failing operation: each `next()` returns a longer delay up to the cap,
 * `reset()` starts over after a success.
 */
export class Backoff {
  readonly #initial: number;
  readonly #max: number;
  readonly #factor: number;
  readonly #jitter: number;
  readonly #random: () => number;
  #failures = 0;

  constructor(options: BackoffOptions) {
    if (!(options.initialMs > 0) || !(options.maxMs >= options.initialMs)) {
      throw new RangeError(
        `invalid backoff: initial ${options.initialMs} ms must be > 0 and <= max ${options.maxMs} ms`,
      );
    }
    this.#initial = options.initialMs;
    this.#max = options.maxMs;
    this.#factor = options.factor ?? 2;
    this.#jitter = Math.min(1, Math.max(0, options.jitter ?? 0.5));
    this.#random = options.random ?? Math.random;
  }

  /** The delay before the next attempt, in milliseconds. */
  next(): number {
    const base = Math.min(this.#max, this.#initial * this.#factor ** this.#failures);
    // Stop growing the exponent once capped, so it never overflows to Infinity.
    if (base < this.#max) this.#failures++;
    return base * (1 - this.#jitter * this.#random());
  }

  /** Forgets past failures. */
  reset(): void {
    this.#failures = 0;
  }
}

import type { Clock } from "./clock.js";
import { sleep, systemClock } from "./clock.js";
import type { Logger } from "./logger.js";
import { silentLogger } from "./logger.js";

/** The fields of a coordination.k8s.io/v1 Lease's spec that leader election uses. */
export interface LeaseRecord {
  /** "" when nobody holds the lease (it was released). */
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  /** MicroTime strings (RFC 3339 with microseconds), as the API server stores them. */
  readonly acquireTime: string;
  readonly renewTime: string;
  readonly leaseTransitions: number;
}

/** Where the lease lives: a Lease object, or an in-memory stand-in in unit tests. */
export interface LeaseLock {
  /** The current record and its version (resourceVersion), or undefined if there is no lease. */
  get(): Promise<{ record: LeaseRecord; version: string } | undefined>;
  /** Creates the lease. @throws if it exists already (another candidate was faster) */
  create(record: LeaseRecord): Promise<void>;
  /** Replaces the record if it is still at `version`. @throws on a conflict */
  update(record: LeaseRecord, version: string): Promise<void>;
  /** Names the lock in logs, e.g. `kube-system/secretfleet-controller`. */
  describe(): string;
}

/** Callbacks of a LeaderElector; exceptions they throw are logged, never propagated. */
export interface LeaderCallbacks {
  /** Called once this candidate leads; `leading` aborts when leadership ends. */
  onStartedLeading?(leading: AbortSignal): void;
  /** Called when this candidate stops leading (lease lost, or released on shutdown). */
  onStoppedLeading?(): void;
  /** Called whenever a different holder is observed (including this candidate). */
  onNewLeader?(identity: string): void;
}

/** Settings of a LeaderElector. Durations default to client-go's 15 s / 10 s / 2 s. */
export interface LeaderElectionOptions {
  readonly lock: LeaseLock;
  /** This candidate's identity, unique among the replicas (e.g. pod name + random suffix). */
  readonly identity: string;
  /** How long a lease is valid after its last renewal, as non-leaders observe it. */
  readonly leaseDurationMs?: number;
  /** How long the leader keeps trying to renew before it gives leadership up. */
  readonly renewDeadlineMs?: number;
  /** Wait between attempts to acquire or renew. */
  readonly retryPeriodMs?: number;
  /** Give the lease up on a clean stop, so that another replica takes over at once. Default true. */
  readonly releaseOnCancel?: boolean;
  readonly callbacks?: LeaderCallbacks;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly logger?: Logger;
}

/** client-go's wait.JitterUntil factor for the acquire loop. */
const jitterFactor = 1.2;

/** How a LeaderElector's run ended. */
export type LeaderElectionEnd = "stopped" | "lost";

/**
 * Leader election on a lease with client-go's algorithm: a candidate takes the lease when it is
 * free or has not changed for its lease duration (measured on the local clock, so clock skew
 * between replicas does not matter), renews it every retry period, and gives up leadership when
 * it cannot renew within the renew deadline.
 */
export class LeaderElector {
  readonly #lock: LeaseLock;
  readonly #identity: string;
  readonly #leaseMs: number;
  readonly #renewDeadlineMs: number;
  readonly #retryMs: number;
  readonly #release: boolean;
  readonly #callbacks: LeaderCallbacks;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #log: Logger;
  /** The last record seen, as JSON, and when (local time) it was first seen in that state. */
  #observed: { raw: string; record: LeaseRecord; at: number } | undefined;
  #reportedLeader = "";
  #leading = false;

  /** @throws RangeError unless lease duration > renew deadline > 1.2 × retry period > 0 */
  constructor(options: LeaderElectionOptions) {
    this.#lock = options.lock;
    this.#identity = options.identity;
    this.#leaseMs = options.leaseDurationMs ?? 15_000;
    this.#renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.#retryMs = options.retryPeriodMs ?? 2_000;
    if (
      !(this.#retryMs > 0) ||
      !(this.#renewDeadlineMs > jitterFactor * this.#retryMs) ||
      !(this.#leaseMs > this.#renewDeadlineMs)
    ) {
      throw new RangeError(
        `invalid leader election timing: need lease duration (${this.#leaseMs} ms) > renew ` +
          `deadline (${this.#renewDeadlineMs} ms) > 1.2 × retry period (${this.#retryMs} ms) > 0`,
      );
    }
    if (this.#identity === "") throw new RangeError("leader election identity must not be empty");
    this.#release = options.releaseOnCancel ?? true;
    this.#callbacks = options.callbacks ?? {};
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#log = (options.logger ?? silentLogger).child({ lease: this.#lock.describe() });
  }

  /** True while this candidate holds the lease. */
  isLeader(): boolean {
    return this.#leading;
  }

  /** The holder last observed, or undefined if none was seen yet or the lease was released. */
  leader(): string | undefined {
    const holder = this.#observed?.record.holderIdentity;
    return holder === undefined || holder === "" ? undefined : holder;
  }

  /**
   * Campaigns until leading, leads until `signal` aborts ("stopped", and the lease is released
   * unless releaseOnCancel is false) or the lease cannot be renewed in time ("lost"; the caller
   * should then stop its work, as client-go's users exit).
   */
  async run(signal: AbortSignal): Promise<LeaderElectionEnd> {
    if (!(await this.#acquire(signal))) return "stopped";
    this.#leading = true;
    this.#log.info({ identity: this.#identity }, "became leader");
    const leading = new AbortController();
    this.#call(() => this.#callbacks.onStartedLeading?.(leading.signal));
    const end = await this.#renewLoop(signal);
    this.#leading = false;
    leading.abort();
    if (end === "lost") this.#log.warn({ identity: this.#identity }, "leader election lost");
    else if (this.#release) await this.#releaseLease();
    this.#call(() => this.#callbacks.onStoppedLeading?.());
    return end;
  }

  async #acquire(signal: AbortSignal): Promise<boolean> {
    this.#log.info({ identity: this.#identity }, "attempting to acquire leader lease");
    while (!signal.aborted) {
      if (await this.#tryAcquireOrRenew()) return true;
      await sleep(this.#clock, this.#retryMs * (1 + jitterFactor * this.#random()), signal);
    }
    return false;
  }

  async #renewLoop(signal: AbortSignal): Promise<LeaderElectionEnd> {
    let lastRenew = this.#clock.now();
    for (;;) {
      await sleep(this.#clock, this.#retryMs, signal);
      if (signal.aborted) return "stopped";
      const remaining = lastRenew + this.#renewDeadlineMs - this.#clock.now();
      // An attempt that hangs past the deadline counts as failed (client-go's timeout context).
      const renewed = await this.#withTimeout(this.#tryAcquireOrRenew(), remaining);
      if (renewed) lastRenew = this.#clock.now();
      else if (this.#clock.now() - lastRenew >= this.#renewDeadlineMs) return "lost";
    }
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const now = this.#clock.now();
    const desired = {
      holderIdentity: this.#identity,
      leaseDurationSeconds: Math.max(1, Math.ceil(this.#leaseMs / 1000)),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    try {
      const current = await this.#lock.get();
      if (current === undefined) {
        await this.#lock.create(desired);
        this.#observe(desired);
        return true;
      }
      this.#observe(current.record);
      const old = current.record;
      const observedAt = this.#observed?.at ?? now;
      const valid = observedAt + old.leaseDurationSeconds * 1000 > now;
      if (old.holderIdentity !== "" && old.holderIdentity !== this.#identity && valid) return false;
      const record =
        old.holderIdentity === this.#identity
          ? { ...desired, acquireTime: old.acquireTime, leaseTransitions: old.leaseTransitions }
          : { ...desired, leaseTransitions: old.leaseTransitions + 1 };
      await this.#lock.update(record, current.version);
      this.#observe(record);
      return true;
    } catch (error) {
      this.#log.debug({ err: error }, "cannot acquire or renew lease");
      return false;
    }
  }

  async #releaseLease(): Promise<void> {
    try {
      const current = await this.#lock.get();
      if (current?.record.holderIdentity !== this.#identity) return;
      const now = microTime(this.#clock.now());
      await this.#lock.update(
        {
          holderIdentity: "",
          leaseDurationSeconds: 1,
          acquireTime: now,
          renewTime: now,
          leaseTransitions: current.record.leaseTransitions,
        },
        current.version,
      );
      this.#log.info({ identity: this.#identity }, "released leader lease");
    } catch (error) {
      this.#log.warn({ err: error }, "cannot release lease");
    }
  }

  #observe(record: LeaseRecord): void {
    const raw = JSON.stringify(record);
    if (this.#observed?.raw !== raw) this.#observed = { raw, record, at: this.#clock.now() };
    const holder = record.holderIdentity;
    if (holder !== "" && holder !== this.#reportedLeader) {
      this.#reportedLeader = holder;
      this.#call(() => this.#callbacks.onNewLeader?.(holder));
    }
  }

  #withTimeout(attempt: Promise<boolean>, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const cancel = this.#clock.setTimer(() => {
        resolve(false);
      }, ms);
      void attempt.then((ok) => {
        cancel();
        resolve(ok);
      });
    });
  }

  #call(callback: () => void): void {
    try {
      callback();
    } catch (error) {
      this.#log.error({ err: error }, "leader election callback failed");
    }
  }
}

/** A Kubernetes MicroTime: RFC 3339 in UTC with microseconds. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

import { AsyncLocalStorage } from "node:async_hooks";
import { VaultClient, type VaultClientOptions, type VaultResponse } from "../../providers/index.js";

/**
 * How old a shared read may be for the work running inside {@link withReadFreshness}. Outside of
 * it (pushes, deletes, store validation) every read goes to Vault.
 */
export interface ReadFreshness {
  /** Accept a result whose request started at most this many ms ago (0: only a fresh read). */
  readonly maxAgeMs: number;
}

const freshness = new AsyncLocalStorage<ReadFreshness>();

/**
 * Runs `work` with a read freshness: Vault reads made inside it (through a
 * {@link SharedReadVaultClient}) may be answered from a read of the same path started at most
 * `maxAgeMs` ago, or join one in flight.
 */
export function withReadFreshness<T>(policy: ReadFreshness, work: () => Promise<T>): Promise<T> {
  return freshness.run(policy, work);
}

interface Entry<T> {
  readonly startedAt: number;
  readonly result: Promise<T>;
}

/** Counts what reaches Vault, by ESO's call names (`ReadSecretData`, `ListSecrets`, ...). */
export type VaultCallObserver = (call: string, ok: boolean) => void;

/** Options of a {@link SharedReadVaultClient} beyond the client's own. */
export interface SharedReadOptions {
  readonly now?: () => number;
  readonly observe?: VaultCallObserver;
  /** Forget entries older than this (ms); they can no longer satisfy any freshness. Default 10 min. */
  readonly retainMs?: number;
}

/**
 * A VaultClient whose reads and lists are shared (beyond ESO): while a reconcile allows it (see
 * {@link withReadFreshness}), a GET of a path that another ExternalSecret read recently, or is
 * reading right now, costs no second request. N ExternalSecrets on one Vault path within a
 * refresh cost one GET. Failed reads are never shared after they settle, so an outage is seen
 * by the next attempt.
 */
export class SharedReadVaultClient extends VaultClient {
  readonly #now: () => number;
  readonly #observe: VaultCallObserver | undefined;
  readonly #retainMs: number;
  readonly #reads = new Map<string, Entry<VaultResponse | undefined>>();
  readonly #lists = new Map<string, Entry<string[] | undefined>>();
  #lastSweep = 0;

  constructor(options: VaultClientOptions, shared: SharedReadOptions = {}) {
    super(options);
    this.#now = shared.now ?? Date.now;
    this.#observe = shared.observe;
    this.#retainMs = shared.retainMs ?? 10 * 60_000;
  }

  override read(
    path: string,
    query?: Readonly<Record<string, string>>,
  ): Promise<VaultResponse | undefined> {
    const key = query === undefined ? path : `${path}?${new URLSearchParams(query).toString()}`;
    return this.#shared(this.#reads, key, () =>
      this.#count("ReadSecretData", super.read(path, query)),
    );
  }

  override list(path: string): Promise<string[] | undefined> {
    return this.#shared(this.#lists, path, () => this.#count("ListSecrets", super.list(path)));
  }

  override write(
    path: string,
    body: Parameters<VaultClient["write"]>[1],
  ): Promise<VaultResponse | undefined> {
    // A write makes what was read of that path stale for everyone.
    this.#reads.delete(path);
    return this.#count("WriteSecretData", super.write(path, body));
  }

  override delete(path: string): Promise<void> {
    this.#reads.delete(path);
    return this.#count("DeleteSecret", super.delete(path));
  }

  override login(): ReturnType<VaultClient["login"]> {
    return this.#count("Login", super.login());
  }

  override lookupSelf(): ReturnType<VaultClient["lookupSelf"]> {
    return this.#count("LookupSelf", super.lookupSelf());
  }

  /** How many read results are remembered (for tests and metrics). */
  get sharedEntries(): number {
    return this.#reads.size + this.#lists.size;
  }

  #shared<T>(entries: Map<string, Entry<T>>, key: string, fetch: () => Promise<T>): Promise<T> {
    const policy = freshness.getStore();
    const now = this.#now();
    this.#sweep(now);
    if (policy !== undefined && policy.maxAgeMs > 0) {
      const found = entries.get(key);
      if (found !== undefined && now - found.startedAt <= policy.maxAgeMs) return found.result;
    }
    const result = fetch();
    const entry = { startedAt: now, result };
    entries.set(key, entry);
    // A failure is only shared with those already waiting; the next read tries again.
    result.catch(() => {
      if (entries.get(key) === entry) entries.delete(key);
    });
    return result;
  }

  #sweep(now: number): void {
    if (now - this.#lastSweep < this.#retainMs) return;
    this.#lastSweep = now;
    for (const entries of [this.#reads, this.#lists] as Map<string, Entry<unknown>>[]) {
      for (const [key, entry] of entries) {
        if (now - entry.startedAt > this.#retainMs) entries.delete(key);
      }
    }
  }

  #count<T>(call: string, result: Promise<T>): Promise<T> {
    const observe = this.#observe;
    if (observe === undefined) return result;
    result.then(
      () => {
        observe(call, true);
      },
      () => {
        observe(call, false);
      },
    );
    return result;
  }
}

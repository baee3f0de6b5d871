import { ProviderError } from "../../providers/index.js";
import {
  createStoreClient,
  isReferentStore,
  type StoreClient,
  type StoreClientOptions,
} from "./store-client.js";
import type { SecretStore } from "./types.js";

interface Entry {
  /** The store's uid and generation the client was built for: a spec change builds a new one. */
  readonly identity: string;
  readonly client: Promise<StoreClient>;
  /** The built client's renewAfter (a minted token that expires). */
  renewAfter?: number;
}

/**
 * Provider clients cached per store across reconciles (beyond ESO, which logs in and revokes on
 * every reconcile): one per SecretStore / ClusterSecretStore, and one per namespace for a
 * referent ClusterSecretStore. A client is rebuilt when the store's spec changes (generation),
 * and dropped when the backend refuses its credentials, so a rotated credential Secret is read
 * again on the next attempt.
 */
export class StoreClients {
  readonly #options: Omit<StoreClientOptions, "namespace">;
  readonly #entries = new Map<string, Entry>();

  constructor(options: Omit<StoreClientOptions, "namespace">) {
    this.#options = options;
  }

  /**
   * The client for `store` as used from `namespace` (which matters only for referent stores).
   * @throws Error when the client cannot be built (unsupported provider, unreadable credential)
   */
  async get(store: SecretStore, namespace: string): Promise<StoreClient> {
    const key = cacheKey(store, namespace);
    const identity = `${store.metadata.uid ?? ""}/${String(store.metadata.generation ?? 0)}`;
    const found = this.#entries.get(key);
    const now = this.#options.now?.() ?? Date.now();
    const fresh = found?.renewAfter === undefined || now < found.renewAfter;
    if (found?.identity === identity && fresh) return found.client;
    if (found !== undefined) this.#close(found);
    const client = createStoreClient(store, { ...this.#options, namespace });
    const entry: Entry = { identity, client };
    this.#entries.set(key, entry);
    // Kept on the entry so that `get` decides freshness without awaiting on every reconcile.
    void client.then(
      (built) => {
        if (built.renewAfter !== undefined) entry.renewAfter = built.renewAfter;
      },
      () => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
      },
    );
    return client;
  }

  /**
   * Drops the cached client of `store` if `error` says the backend refused its credentials (401,
   * 403), so that the next attempt reads them again and logs in afresh.
   */
  forgetOnAuthError(store: SecretStore, namespace: string, error: unknown): void {
    if (!(error instanceof ProviderError) || (error.status !== 401 && error.status !== 403)) return;
    this.forget(store, namespace);
  }

  /** Closes and drops the client of `store` (deleted store, or one whose credentials failed). */
  forget(store: SecretStore, namespace: string): void {
    const key = cacheKey(store, namespace);
    const found = this.#entries.get(key);
    if (found === undefined) return;
    this.#entries.delete(key);
    this.#close(found);
  }

  /** Closes every client (controller shutdown): login tokens are revoked. */
  async closeAll(): Promise<void> {
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.all(
      entries.map(async (entry) => {
        await (await entry.client.catch(() => undefined))?.close().catch(() => undefined);
      }),
    );
  }

  /** How many clients are cached. */
  get size(): number {
    return this.#entries.size;
  }

  #close(entry: Entry): void {
    void entry.client.then(
      (client) => client.close().catch(() => undefined),
      () => undefined,
    );
  }
}

function cacheKey(store: SecretStore, namespace: string): string {
  const id = `${store.kind}/${store.metadata.namespace ?? ""}/${store.metadata.name}`;
  return isReferentStore(store) ? `${id}@${namespace}` : id;
}

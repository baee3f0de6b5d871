import type { KubeObject } from "./types.js";
import { objectKey } from "./types.js";

/** Maps an object to the index values it is found under (client-go's IndexFunc). */
export type IndexFunc<T> = (obj: T) => readonly string[];

/** The index every Cache has: objects by metadata.namespace ("" for cluster-scoped). */
export const namespaceIndex = "namespace";

/** How a `replace` changed the cache: what a relist must tell the event handlers. */
export interface ReplaceDiff<T> {
  readonly added: readonly T[];
  readonly updated: readonly { readonly old: T; readonly current: T }[];
  readonly deleted: readonly T[];
}

/**
 * A read-only view of an informer's cache. Objects are shared with the informer: treat them as
 * immutable (copy with structuredClone before changing one).
 */
export interface CacheReader<T extends KubeObject> {
  /** The object with key `namespace/name` (or `name`), or undefined. */
  get(key: string): T | undefined;
  /** Every cached object. */
  list(): T[];
  /** Every key. */
  keys(): string[];
  /** Objects whose index `indexName` yields `value`; [] for an unknown value. @throws for an unknown index */
  byIndex(indexName: string, value: string): T[];
  /** Objects in `namespace`. */
  byNamespace(namespace: string): T[];
  /** Number of objects. */
  size(): number;
}

/**
 * An indexed store of objects by key (client-go's thread-safe store plus indexer). The informer
 * writes it; controllers read it through CacheReader.
 */
export class Cache<T extends KubeObject> implements CacheReader<T> {
  readonly #items = new Map<string, T>();
  readonly #indexers: ReadonlyMap<string, IndexFunc<T>>;
  /** index name → index value → keys */
  readonly #indexes = new Map<string, Map<string, Set<string>>>();

  /** @param indexers custom indexes by name, besides the built-in `namespace` index */
  constructor(indexers: Readonly<Record<string, IndexFunc<T>>> = {}) {
    const all = new Map<string, IndexFunc<T>>([
      [namespaceIndex, (obj: T) => [obj.metadata?.namespace ?? ""]],
    ]);
    for (const [name, fn] of Object.entries(indexers)) {
      if (name === namespaceIndex) throw new Error(`index "${name}" is built in`);
      all.set(name, fn);
    }
    this.#indexers = all;
    for (const name of all.keys()) this.#indexes.set(name, new Map());
  }

  get(key: string): T | undefined {
    return this.#items.get(key);
  }

  list(): T[] {
    return [...this.#items.values()];
  }

  keys(): string[] {
    return [...this.#items.keys()];
  }

  size(): number {
    return this.#items.size;
  }

  byIndex(indexName: string, value: string): T[] {
    const index = this.#indexes.get(indexName);
    if (index === undefined) throw new Error(`unknown index "${indexName}"`);
    const keys = index.get(value) ?? new Set<string>();
    return [...keys].map((key) => this.#items.get(key)).filter((obj) => obj !== undefined);
  }

  byNamespace(namespace: string): T[] {
    return this.byIndex(namespaceIndex, namespace);
  }

  /** Stores `obj` under its key; returns the object it replaced, if any. */
  upsert(obj: T): T | undefined {
    const key = objectKey(obj);
    const old = this.#items.get(key);
    if (old !== undefined) this.#unindex(key, old);
    this.#items.set(key, obj);
    this.#index(key, obj);
    return old;
  }

  /** Removes the object with `key`; returns it, or undefined if there was none. */
  delete(key: string): T | undefined {
    const old = this.#items.get(key);
    if (old === undefined) return undefined;
    this.#unindex(key, old);
    this.#items.delete(key);
    return old;
  }

  /**
   * Makes the cache hold exactly `objects` (after a list) and returns what changed. Objects whose
   * resourceVersion did not change count as unchanged, so a relist after a reconnect reports only
   * what was missed, and nothing twice.
   */
  replace(objects: Iterable<T>): ReplaceDiff<T> {
    const added: T[] = [];
    const updated: { old: T; current: T }[] = [];
    const seen = new Set<string>();
    for (const obj of objects) {
      const key = objectKey(obj);
      seen.add(key);
      const old = this.upsert(obj);
      if (old === undefined) added.push(obj);
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) {
        updated.push({ old, current: obj });
      }
    }
    const deleted: T[] = [];
    for (const key of this.keys()) {
      if (seen.has(key)) continue;
      const old = this.delete(key);
      if (old !== undefined) deleted.push(old);
    }
    return { added, updated, deleted };
  }

  #index(key: string, obj: T): void {
    for (const [name, fn] of this.#indexers) {
      const index = this.#indexes.get(name);
      for (const value of new Set(fn(obj))) {
        let keys = index?.get(value);
        if (keys === undefined) {
          keys = new Set();
          index?.set(value, keys);
        }
        keys.add(key);
      }
    }
  }

  #unindex(key: string, obj: T): void {
    for (const [name, fn] of this.#indexers) {
      const index = this.#indexes.get(name);
      for (const value of fn(obj)) {
        const keys = index?.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index?.delete(value);
      }
    }
  }
}

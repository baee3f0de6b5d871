import type { JsonObject } from "./json.js";
import { metadataOf, nameOf, namespaceOf } from "./object-meta.js";

/** One change, as watches replay it. */
export interface StoreEvent {
  readonly type: "ADDED" | "MODIFIED" | "DELETED";
  readonly revision: number;
  readonly storageKey: string;
  /** The new state; for DELETED the last state carrying the deletion's resourceVersion. */
  readonly object: JsonObject;
  /** The state before the change (undefined for ADDED). */
  readonly previous: JsonObject | undefined;
}

/** One stored object as the durable backend holds it. */
export interface StoredRow {
  storageKey: string;
  namespace: string;
  name: string;
  object: JsonObject;
}

/** Where the store keeps its state across restarts (node:sqlite); absent = memory only. */
export interface Persistence {
  /** Every object and the revision counter as last committed. */
  load(): { revision: number; rows: StoredRow[] };
  /** Commits one change atomically: the object (or its removal) and the new revision. */
  write(row: StoredRow, deleted: boolean, revision: number): void;
  close(): void;
}

/** Bounds of the watch history (the real server keeps ~5 minutes). */
export interface HistoryLimits {
  maxEvents: number;
  maxAgeMs: number;
}

const defaultLimits: HistoryLimits = { maxEvents: 100_000, maxAgeMs: 5 * 60_000 };

interface HistoryEntry {
  event: StoreEvent;
  time: number;
}

/**
 * The object store: collections keyed by storage key, one monotonic revision counter that
 * becomes every object's resourceVersion, a bounded history of changes for watches, and listeners
 * told of every committed change. Stored objects are never mutated; writers pass fresh objects.
 */
export class Store {
  #revision: number;
  /** Watches may resume from any revision ≥ this one. */
  #compacted: number;
  #collections = new Map<string, Map<string, JsonObject>>();
  #sortedKeys = new Map<string, string[]>();
  #history: HistoryEntry[] = [];
  #head = 0;
  #listeners = new Set<(event: StoreEvent) => void>();
  #persistence: Persistence | undefined;
  #limits: HistoryLimits;
  #clock: () => number;

  constructor(
    persistence?: Persistence,
    limits: HistoryLimits = defaultLimits,
    clock: () => number = Date.now,
  ) {
    this.#persistence = persistence;
    this.#limits = limits;
    this.#clock = clock;
    const loaded = persistence?.load() ?? { revision: 1, rows: [] };
    for (const row of loaded.rows)
      this.#collection(row.storageKey).set(key(row.namespace, row.name), row.object);
    this.#revision = loaded.revision;
    this.#compacted = loaded.revision;
  }

  /** The newest revision (the list resourceVersion of a read now). */
  get revision(): number {
    return this.#revision;
  }

  /** The oldest revision a watch may start from. */
  get compactedRevision(): number {
    return this.#compacted;
  }

  /** The stored object, or undefined. */
  get(storageKey: string, namespace: string, name: string): JsonObject | undefined {
    return this.#collections.get(storageKey)?.get(key(namespace, name));
  }

  /** Objects of a collection (optionally one namespace), ordered by namespace then name. */
  list(storageKey: string, namespace?: string): JsonObject[] {
    const collection = this.#collections.get(storageKey);
    if (collection === undefined) return [];
    let keys = this.#sortedKeys.get(storageKey);
    if (keys === undefined) {
      keys = [...collection.keys()].sort();
      this.#sortedKeys.set(storageKey, keys);
    }
    const out: JsonObject[] = [];
    const prefix = namespace === undefined || namespace === "" ? undefined : `${namespace}\u0000`;
    for (const k of keys) {
      if (prefix !== undefined && !k.startsWith(prefix)) continue;
      const obj = collection.get(k);
      if (obj !== undefined) out.push(obj);
    }
    return out;
  }

  /** Every storage key that holds objects. */
  storageKeys(): string[] {
    return [...this.#collections.keys()];
  }

  /** Number of objects in a collection. */
  count(storageKey: string): number {
    return this.#collections.get(storageKey)?.size ?? 0;
  }

  /** Stores a new object, assigning the next resourceVersion. The caller checked it is absent. */
  create(storageKey: string, obj: JsonObject): JsonObject {
    return this.#commit("ADDED", storageKey, obj, undefined);
  }

  /** Replaces an existing object, assigning the next resourceVersion. */
  update(storageKey: string, obj: JsonObject, previous: JsonObject): JsonObject {
    return this.#commit("MODIFIED", storageKey, obj, previous);
  }

  /** Removes an object; returns its last state with the deletion's resourceVersion. */
  remove(storageKey: string, previous: JsonObject): JsonObject {
    const last: JsonObject = { ...previous, metadata: { ...metadataOf(previous) } };
    return this.#commit("DELETED", storageKey, last, previous);
  }

  #commit(
    type: StoreEvent["type"],
    storageKey: string,
    obj: JsonObject,
    previous: JsonObject | undefined,
  ): JsonObject {
    const revision = this.#revision + 1;
    metadataOf(obj).resourceVersion = String(revision);
    const namespace = namespaceOf(obj);
    const name = nameOf(obj);
    this.#persistence?.write(
      { storageKey, namespace, name, object: obj },
      type === "DELETED",
      revision,
    );
    this.#revision = revision;
    const collection = this.#collection(storageKey);
    const k = key(namespace, name);
    if (type === "DELETED") collection.delete(k);
    else collection.set(k, obj);
    if (type !== "MODIFIED") this.#sortedKeys.delete(storageKey);
    const event: StoreEvent = { type, revision, storageKey, object: obj, previous };
    this.#remember(event);
    for (const listener of this.#listeners) listener(event);
    return obj;
  }

  #collection(storageKey: string): Map<string, JsonObject> {
    let collection = this.#collections.get(storageKey);
    if (collection === undefined) {
      collection = new Map();
      this.#collections.set(storageKey, collection);
    }
    return collection;
  }

  #remember(event: StoreEvent): void {
    const now = this.#clock();
    this.#history.push({ event, time: now });
    const oldest = now - this.#limits.maxAgeMs;
    while (this.#head < this.#history.length) {
      const entry = this.#history[this.#head];
      const live = this.#history.length - this.#head;
      if (entry === undefined || (live <= this.#limits.maxEvents && entry.time >= oldest)) break;
      this.#compacted = entry.event.revision;
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#history.length) {
      this.#history = this.#history.slice(this.#head);
      this.#head = 0;
    }
  }

  /**
   * Changes of one collection after `revision`, oldest first; undefined when the history no
   * longer reaches back that far (the caller answers 410 Expired).
   */
  eventsSince(storageKey: string, revision: number): StoreEvent[] | undefined {
    if (revision < this.#compacted) return undefined;
    let low = this.#head;
    let high = this.#history.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.#history[mid]?.event.revision ?? 0) <= revision) low = mid + 1;
      else high = mid;
    }
    const out: StoreEvent[] = [];
    for (let i = low; i < this.#history.length; i++) {
      const event = this.#history[i]?.event;
      if (event?.storageKey === storageKey) out.push(event);
    }
    return out;
  }

  /** Calls `listener` after every committed change; returns the unsubscribe function. */
  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Closes the durable backend. */
  close(): void {
    this.#listeners.clear();
    this.#persistence?.close();
  }
}

function key(namespace: string, name: string): string {
  return `${namespace}\u0000${name}`;
}

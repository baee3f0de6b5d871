import { arrayAt, clone, isObject, objectAt } from "./json.js";
import type { JsonObject } from "./json.js";
import {
  deletionTimestampOf,
  finalizersOf,
  nameOf,
  namespaceOf,
  ownerReferencesOf,
  setFinalizers,
  uidOf,
} from "./object-meta.js";
import type { ObjectWrites } from "./object-writes.js";
import type { Registry } from "./registry.js";
import type { ResourceType } from "./resource-type.js";
import { ApiError } from "./status.js";
import type { StoreEvent } from "./store.js";
import { DeferredQueue, systemWriteOptions } from "./system-writer.js";
import type { ErrorReporter } from "./system-writer.js";
import { toServed } from "./versioning.js";

const manager = "kube-controller-manager";

interface Location {
  storageKey: string;
  namespace: string;
  name: string;
}

const locationKey = (l: Location): string => `${l.storageKey}\u0000${l.namespace}\u0000${l.name}`;

/**
 * Indexes objects by uid and dependents by owner uid, kept current from store events, so the
 * collector finds an owner's dependents without scanning every collection.
 */
class OwnerIndex {
  readonly byUid = new Map<string, Location>();
  readonly dependents = new Map<string, Map<string, Location>>();

  add(storageKey: string, obj: JsonObject): void {
    const location = { storageKey, namespace: namespaceOf(obj), name: nameOf(obj) };
    this.byUid.set(uidOf(obj), location);
    for (const ref of ownerReferencesOf(obj)) {
      let set = this.dependents.get(ref.uid);
      if (set === undefined) {
        set = new Map();
        this.dependents.set(ref.uid, set);
      }
      set.set(locationKey(location), location);
    }
  }

  remove(storageKey: string, obj: JsonObject): void {
    const location = { storageKey, namespace: namespaceOf(obj), name: nameOf(obj) };
    if (this.byUid.get(uidOf(obj)) !== undefined) this.byUid.delete(uidOf(obj));
    for (const ref of ownerReferencesOf(obj))
      this.dependents.get(ref.uid)?.delete(locationKey(location));
  }
}

/**
 * The garbage collector: deletes objects whose owners are all gone (background), deletes the
 * dependents of an owner in foreground deletion before releasing it, and strips owner references
 * from the dependents of an owner deleted with the Orphan policy.
 * @returns a function that stops it
 */
export function startGarbageCollector(
  registry: Registry,
  writes: ObjectWrites,
  report: ErrorReporter,
): () => void {
  const store = writes.store;
  const index = new OwnerIndex();
  const types = (): Map<string, ResourceType> => registry.byStorage();
  for (const key of store.storageKeys()) for (const obj of store.list(key)) index.add(key, obj);
  const queue = new DeferredQueue((key) => {
    const [kind, rest = ""] = key.split("\u0001");
    if (kind === "owner") settleOwner(rest);
    else checkDependent(rest);
  }, report);

  const lookup = (location: Location): JsonObject | undefined =>
    store.get(location.storageKey, location.namespace, location.name);

  const ownerAlive = (dependent: JsonObject, uid: string): boolean => {
    const location = index.byUid.get(uid);
    if (location === undefined) return false;
    // A namespaced dependent may only be owned from its namespace or by cluster-scoped owners.
    return location.namespace === "" || location.namespace === namespaceOf(dependent);
  };

  function checkDependent(uid: string): void {
    const location = index.byUid.get(uid);
    if (location === undefined) return;
    const obj = lookup(location);
    const type = types().get(location.storageKey);
    if (obj === undefined || type === undefined || deletionTimestampOf(obj) !== undefined) return;
    const refs = ownerReferencesOf(obj);
    if (refs.length === 0 || refs.some((ref) => ownerAlive(obj, ref.uid))) return;
    deleteQuietly(type, obj, "Background");
  }

  function settleOwner(uid: string): void {
    const ownerLocation = index.byUid.get(uid);
    const owner = ownerLocation === undefined ? undefined : lookup(ownerLocation);
    const dependents = [...(index.dependents.get(uid)?.values() ?? [])];
    if (owner === undefined || ownerLocation === undefined) {
      for (const location of dependents) {
        const obj = lookup(location);
        if (obj !== undefined) queue.add(`dependent\u0001${uidOf(obj)}`);
      }
      return;
    }
    const finalizers = finalizersOf(owner);
    if (deletionTimestampOf(owner) === undefined) return;
    const ownerType = types().get(ownerLocation.storageKey);
    if (ownerType === undefined) return;
    if (finalizers.includes("orphan")) orphan(ownerType, owner, dependents);
    else if (finalizers.includes("foregroundDeletion")) foreground(ownerType, owner, dependents);
  }

  function orphan(ownerType: ResourceType, owner: JsonObject, dependents: Location[]): void {
    const uid = uidOf(owner);
    for (const location of dependents) {
      const obj = lookup(location);
      const type = types().get(location.storageKey);
      if (obj === undefined || type === undefined) continue;
      const served = toServed(type, obj);
      const next = clone(served);
      const meta = objectAt(next, "metadata");
      const refs = (arrayAt(meta, "ownerReferences") ?? []).filter(
        (ref) => !(isObject(ref) && ref.uid === uid),
      );
      if (meta === undefined) continue;
      if (refs.length === 0) delete meta.ownerReferences;
      else meta.ownerReferences = refs;
      updateQuietly(type, served, next);
    }
    release(ownerType, owner, "orphan");
  }

  function foreground(ownerType: ResourceType, owner: JsonObject, dependents: Location[]): void {
    let blocking = 0;
    for (const location of dependents) {
      const obj = lookup(location);
      const type = types().get(location.storageKey);
      if (obj === undefined || type === undefined) continue;
      if (deletionTimestampOf(obj) === undefined) deleteQuietly(type, obj, "Foreground");
      const still = lookup(location);
      const blocks =
        still !== undefined &&
        ownerReferencesOf(still).some((r) => r.uid === uidOf(owner) && r.blockOwnerDeletion);
      if (blocks) blocking++;
    }
    if (blocking === 0) release(ownerType, owner, "foregroundDeletion");
  }

  function release(type: ResourceType, owner: JsonObject, finalizer: string): void {
    const served = toServed(type, owner);
    const next = clone(served);
    setFinalizers(
      next,
      finalizersOf(next).filter((f) => f !== finalizer),
    );
    updateQuietly(type, served, next);
  }

  function deleteQuietly(
    type: ResourceType,
    obj: JsonObject,
    policy: "Background" | "Foreground",
  ): void {
    try {
      writes.delete(type, namespaceOf(obj), nameOf(obj), {
        dryRun: false,
        propagationPolicy: policy,
        preconditions: {},
      });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
    }
  }

  function updateQuietly(type: ResourceType, old: JsonObject, next: JsonObject): void {
    try {
      writes.commitUpdate(type, old, next, "", systemWriteOptions(manager), { kind: "update" });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
    }
  }

  const onEvent = (event: StoreEvent): void => {
    if (event.previous !== undefined) index.remove(event.storageKey, event.previous);
    if (event.type === "DELETED") {
      queue.add(`owner\u0001${uidOf(event.object)}`);
      for (const ref of ownerReferencesOf(event.object)) queue.add(`owner\u0001${ref.uid}`);
      return;
    }
    index.add(event.storageKey, event.object);
    if (deletionTimestampOf(event.object) !== undefined)
      queue.add(`owner\u0001${uidOf(event.object)}`);
    if (ownerReferencesOf(event.object).length > 0)
      queue.add(`dependent\u0001${uidOf(event.object)}`);
    for (const ref of ownerReferencesOf(event.previous ?? event.object))
      queue.add(`owner\u0001${ref.uid}`);
  };
  const unsubscribe = store.subscribe(onEvent);
  for (const key of store.storageKeys()) {
    for (const obj of store.list(key)) {
      if (deletionTimestampOf(obj) !== undefined) queue.add(`owner\u0001${uidOf(obj)}`);
      if (ownerReferencesOf(obj).length > 0) queue.add(`dependent\u0001${uidOf(obj)}`);
    }
  }
  return () => {
    unsubscribe();
    queue.stop();
  };
}

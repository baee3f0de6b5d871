import { arrayAt, clone, ensureObject, objectAt } from "./json.js";
import type { Json, JsonObject } from "./json.js";
import { kubernetesFinalizer, namespaceSpecFinalizers, namespaces } from "./kinds/namespace.js";
import { rfc3339 } from "./managed-fields.js";
import { deletionTimestampOf, finalizersOf, nameOf, namespaceOf } from "./object-meta.js";
import type { ObjectWrites } from "./object-writes.js";
import type { Registry } from "./registry.js";
import { ApiError } from "./status.js";
import { DeferredQueue, systemWriteOptions } from "./system-writer.js";
import type { ErrorReporter } from "./system-writer.js";
import { toServed } from "./versioning.js";

const manager = "kube-controller-manager";

interface Remaining {
  objects: Map<string, number>;
  finalizers: Map<string, number>;
}

/**
 * The namespace lifecycle controller: once a namespace is Terminating it deletes everything in
 * it, reports progress in status.conditions, and when nothing is left removes the `kubernetes`
 * finalizer through /finalize, which deletes the namespace.
 * @returns a function that stops the controller
 */
export function startNamespaceController(
  registry: Registry,
  writes: ObjectWrites,
  report: ErrorReporter,
): () => void {
  const store = writes.store;
  const terminating = (name: string): boolean => {
    const ns = store.get(namespaces.storageKey, "", name);
    return ns !== undefined && deletionTimestampOf(ns) !== undefined;
  };
  const queue = new DeferredQueue((name) => {
    drain(registry, writes, name);
  }, report);
  const unsubscribe = store.subscribe((event) => {
    if (event.storageKey === namespaces.storageKey) {
      if (event.type !== "DELETED" && deletionTimestampOf(event.object) !== undefined)
        queue.add(nameOf(event.object));
      return;
    }
    const ns = namespaceOf(event.object);
    if (ns !== "" && terminating(ns)) queue.add(ns);
  });
  for (const ns of store.list(namespaces.storageKey))
    if (deletionTimestampOf(ns) !== undefined) queue.add(nameOf(ns));
  return () => {
    unsubscribe();
    queue.stop();
  };
}

function drain(registry: Registry, writes: ObjectWrites, name: string): void {
  const store = writes.store;
  const stored = store.get(namespaces.storageKey, "", name);
  if (stored === undefined || deletionTimestampOf(stored) === undefined) return;
  const remaining: Remaining = { objects: new Map(), finalizers: new Map() };
  for (const type of registry.byStorage().values()) {
    if (!type.namespaced) continue;
    for (const obj of store.list(type.storageKey, name)) {
      if (deletionTimestampOf(obj) === undefined) {
        try {
          writes.delete(type, name, nameOf(obj), {
            dryRun: false,
            propagationPolicy: "Background",
            preconditions: {},
          });
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
        }
      }
      const after = store.get(type.storageKey, name, nameOf(obj));
      if (after === undefined) continue;
      const label = `${type.resource}.${type.group}`;
      remaining.objects.set(label, (remaining.objects.get(label) ?? 0) + 1);
      for (const finalizer of finalizersOf(after)) {
        remaining.finalizers.set(finalizer, (remaining.finalizers.get(finalizer) ?? 0) + 1);
      }
    }
  }
  const current = store.get(namespaces.storageKey, "", name);
  if (current === undefined) return;
  const old = toServed(namespaces, current);
  if (remaining.objects.size > 0) {
    reportProgress(writes, old, remaining);
    return;
  }
  const finalized = clone(old);
  const spec = ensureObject(finalized, "spec");
  spec.finalizers = namespaceSpecFinalizers(old).filter((f) => f !== kubernetesFinalizer);
  writes.commitUpdate(namespaces, old, finalized, "finalize", systemWriteOptions(manager), {
    kind: "update",
  });
}

function condition(
  type: string,
  status: boolean,
  reason: string,
  message: string,
  now: string,
): JsonObject {
  return { type, status: status ? "True" : "False", lastTransitionTime: now, reason, message };
}

function reportProgress(writes: ObjectWrites, old: JsonObject, remaining: Remaining): void {
  const now = rfc3339(writes.now());
  const objects = [...remaining.objects]
    .map(([label, n]) => `${label} has ${n} resource instances`)
    .join(", ");
  const finalizers = [...remaining.finalizers]
    .map(([f, n]) => `${f} in ${n} resource instances`)
    .join(", ");
  const conditions: Json[] = [
    condition(
      "NamespaceDeletionDiscoveryFailure",
      false,
      "ResourcesDiscovered",
      "All resources successfully discovered",
      now,
    ),
    condition(
      "NamespaceDeletionGroupVersionParsingFailure",
      false,
      "ParsedGroupVersions",
      "All legacy kube types successfully parsed",
      now,
    ),
    condition(
      "NamespaceDeletionContentFailure",
      false,
      "ContentDeleted",
      "All content successfully deleted, may be waiting on finalization",
      now,
    ),
    condition(
      "NamespaceContentRemaining",
      true,
      "SomeResourcesRemain",
      `Some resources are remaining: ${objects}`,
      now,
    ),
    finalizers === ""
      ? condition(
          "NamespaceFinalizersRemaining",
          false,
          "ContentHasNoFinalizers",
          "All content-preserving finalizers finished",
          now,
        )
      : condition(
          "NamespaceFinalizersRemaining",
          true,
          "SomeFinalizersRemain",
          `Some content in the namespace has finalizers remaining: ${finalizers}`,
          now,
        ),
  ];
  const previous = JSON.stringify(
    (arrayAt(objectAt(old, "status"), "conditions") ?? []).map(stripTime),
  );
  if (previous === JSON.stringify(conditions.map(stripTime))) return;
  const next = clone(old);
  ensureObject(next, "status").conditions = conditions;
  writes.commitUpdate(namespaces, old, next, "status", systemWriteOptions(manager), {
    kind: "update",
  });
}

function stripTime(value: Json): Json {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const out: JsonObject = { ...value };
  delete out.lastTransitionTime;
  return out;
}

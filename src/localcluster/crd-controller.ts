import { customResourceTypes } from "./custom-resources.js";
import { arrayAt, clone, deepEqual, ensureObject, isObject, objectAt, stringAt } from "./json.js";
import type { Json, JsonObject } from "./json.js";
import { crdCleanupFinalizer, customResourceDefinitions as crds } from "./kinds/crd.js";
import { rfc3339 } from "./managed-fields.js";
import {
  deletionTimestampOf,
  finalizersOf,
  nameOf,
  namespaceOf,
  setFinalizers,
} from "./object-meta.js";
import type { ObjectWrites } from "./object-writes.js";
import type { Registry } from "./registry.js";
import { ApiError } from "./status.js";
import { DeferredQueue, systemWriteOptions } from "./system-writer.js";
import type { ErrorReporter } from "./system-writer.js";
import { toServed } from "./versioning.js";

const manager = "kube-apiserver";

interface Names {
  group: string;
  plural: string;
  kind: string;
}

function namesOf(crd: JsonObject): Names {
  const spec = objectAt(crd, "spec");
  const names = objectAt(spec, "names");
  return {
    group: stringAt(spec, "group") ?? "",
    plural: stringAt(names, "plural") ?? "",
    kind: stringAt(names, "kind") ?? "",
  };
}

function acceptedNames(crd: JsonObject): JsonObject {
  const names = objectAt(objectAt(crd, "spec"), "names") ?? {};
  const out: JsonObject = {};
  for (const key of ["plural", "singular", "shortNames", "kind", "listKind", "categories"]) {
    const value = names[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function condition(type: string, status: string, reason: string, message: string): JsonObject {
  return { type, status, reason, message };
}

/** Keeps lastTransitionTime of conditions whose status did not change. */
function withTransitionTimes(next: JsonObject[], previous: Json[], now: string): Json[] {
  return next.map((c) => {
    const before = previous.find((p) => isObject(p) && p.type === c.type);
    const time = isObject(before) && before.status === c.status ? before.lastTransitionTime : now;
    return {
      type: c.type ?? "",
      status: c.status ?? "",
      lastTransitionTime: time ?? now,
      reason: c.reason ?? "",
      message: c.message ?? "",
    };
  });
}

/**
 * The CRD controller: accepts a CRD's names (or reports the conflict), marks it Established and
 * serves its resources; when the CRD is deleted, stops creates, deletes every instance and then
 * releases the CRD's cleanup finalizer.
 * @returns a function that stops it
 */
export function startCrdController(
  registry: Registry,
  writes: ObjectWrites,
  report: ErrorReporter,
): () => void {
  const store = writes.store;
  const queue = new DeferredQueue((name) => {
    reconcile(name);
  }, report);

  function conflictOf(crd: JsonObject): string | undefined {
    const mine = namesOf(crd);
    for (const other of store.list(crds.storageKey)) {
      if (nameOf(other) === nameOf(crd)) continue;
      const theirs = namesOf(other);
      if (theirs.group !== mine.group) continue;
      if (theirs.kind === mine.kind) return "KindConflict";
    }
    return undefined;
  }

  function updateStatus(old: JsonObject, status: JsonObject): void {
    const next = clone(old);
    next.status = status;
    if (deepEqual(next.status, old.status)) return;
    writes.commitUpdate(crds, old, next, "status", systemWriteOptions(manager), { kind: "update" });
  }

  function reconcile(name: string): void {
    const stored = store.get(crds.storageKey, "", name);
    if (stored === undefined) {
      registry.setDynamic(name, []);
      return;
    }
    const crd = toServed(crds, stored);
    if (deletionTimestampOf(crd) !== undefined) {
      terminate(crd);
      return;
    }
    const now = rfc3339(writes.now());
    const conflict = conflictOf(crd);
    const previous = arrayAt(objectAt(crd, "status"), "conditions") ?? [];
    const conditions =
      conflict === undefined
        ? [
            condition("NamesAccepted", "True", "NoConflicts", "no conflicts found"),
            condition(
              "Established",
              "True",
              "InitialNamesAccepted",
              "the initial names have been accepted",
            ),
          ]
        : [
            condition(
              "NamesAccepted",
              "False",
              conflict,
              `"${namesOf(crd).kind}" is already in use`,
            ),
            condition("Established", "False", "NotAccepted", "not all names are accepted"),
          ];
    const status: JsonObject = { ...(objectAt(crd, "status") ?? {}) };
    status.conditions = withTransitionTimes(conditions, previous, now);
    status.acceptedNames =
      conflict === undefined
        ? acceptedNames(crd)
        : (objectAt(crd, "status")?.acceptedNames ?? { plural: "", kind: "" });
    registry.setDynamic(name, conflict === undefined ? customResourceTypes(crd, false) : []);
    updateStatus(crd, status);
  }

  function terminate(crd: JsonObject): void {
    const name = nameOf(crd);
    const types = customResourceTypes(crd, true);
    registry.setDynamic(name, types);
    const storageType = types[0];
    const now = rfc3339(writes.now());
    const status: JsonObject = { ...(objectAt(crd, "status") ?? {}) };
    const others = (arrayAt(status, "conditions") ?? []).filter(
      (c) => !(isObject(c) && c.type === "Terminating"),
    );
    const terminating = condition(
      "Terminating",
      "True",
      "InstanceDeletionPending",
      "CustomResourceDefinition marked for deletion; instance deletion pending",
    );
    status.conditions = [
      ...others,
      ...withTransitionTimes([terminating], arrayAt(status, "conditions") ?? [], now),
    ];
    updateStatus(crd, status);
    if (storageType !== undefined) {
      for (const obj of store.list(storageType.storageKey)) {
        if (deletionTimestampOf(obj) !== undefined) continue;
        try {
          writes.delete(storageType, namespaceOf(obj), nameOf(obj), {
            dryRun: false,
            propagationPolicy: "Background",
            preconditions: {},
          });
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
        }
      }
      if (store.count(storageType.storageKey) > 0) return;
    }
    const current = store.get(crds.storageKey, "", name);
    if (current === undefined) return;
    const served = toServed(crds, current);
    const next = clone(served);
    setFinalizers(
      next,
      finalizersOf(next).filter((f) => f !== crdCleanupFinalizer),
    );
    ensureObject(next, "metadata");
    writes.commitUpdate(crds, served, next, "", systemWriteOptions(manager), { kind: "update" });
  }

  const unsubscribe = store.subscribe((event) => {
    if (event.storageKey === crds.storageKey) {
      queue.add(nameOf(event.object));
      return;
    }
    // Instances of a terminating CRD going away may let the CRD go.
    for (const crd of store.list(crds.storageKey)) {
      if (deletionTimestampOf(crd) === undefined) continue;
      const { group, plural } = namesOf(crd);
      if (event.storageKey === `${group}/${plural}`) queue.add(nameOf(crd));
    }
  });
  // A restarted cluster serves its CRDs before it answers its first request.
  for (const crd of store.list(crds.storageKey)) {
    if (deletionTimestampOf(crd) === undefined)
      registry.setDynamic(nameOf(crd), customResourceTypes(toServed(crds, crd), false));
    queue.add(nameOf(crd));
  }
  return () => {
    unsubscribe();
    queue.stop();
  };
}

import { mergeApplied, printFieldPath, removeFieldPath } from "./apply-merge.js";
import { collectFields, scopedView, trackedView } from "./field-paths.js";
import { changedFields } from "./field-paths.js";
import { FieldSet } from "./fieldset.js";
import { clone, isObject, objectAt } from "./json.js";
import type { JsonObject } from "./json.js";
import { decodeManagedFields, rfc3339 } from "./managed-fields.js";
import type { ManagedEntry } from "./managed-fields.js";
import { parseYamlText } from "./media.js";
import { annotationsOf, metadataOf, nameOf } from "./object-meta.js";
import type { ObjectTarget, ObjectWrites, WriteResult } from "./object-writes.js";
import { apiVersionOf } from "./resource-type.js";
import type { ResourceType } from "./resource-type.js";
import { ApiError, badRequest, notFound } from "./status.js";
import type { WriteOptions } from "./write-options.js";

const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

/**
 * Server-side apply (PATCH with application/apply-patch+yaml): merges the configuration into
 * the live object, removes fields this manager applied before and no longer applies (unless
 * someone else owns them), raises conflicts with other managers unless forced, and records the
 * configuration's fields as this manager's Apply entry. Creates the object when absent (201).
 * @throws ApiError 400 bad configuration, 404 /status of a missing object, 409 conflicts
 */
export function serverSideApply(
  writes: ObjectWrites,
  target: ObjectTarget,
  body: Buffer,
  options: WriteOptions,
): WriteResult {
  const { type, namespace, name, subresource } = target;
  const config = parseConfig(type, body, name);
  const stored = writes.store.get(type.storageKey, type.namespaced ? namespace : "", name);
  if (stored === undefined) {
    if (subresource !== "") throw notFound(type, name);
    const fields = applySet(type, config, subresource);
    return writes.create(type, namespace, config, options, {
      kind: "apply",
      entries: [applyEntry(type, options, fields, writes.now())],
    });
  }
  const old = writes.existing(type, namespace, name);
  const scoped = scopeConfig(type, config, subresource);
  let entries = decodeManagedFields(old);
  if (entries.length === 0) entries = [beforeFirstApply(type, old, writes.now())];
  const fields = applySet(type, scoped, subresource);
  const isMine = (e: ManagedEntry): boolean =>
    e.operation === "Apply" && e.manager === options.manager && e.subresource === subresource;
  const previous = entries.find(isMine)?.fields ?? new FieldSet();
  const others = entries.filter((e) => !isMine(e));
  const merged = mergeApplied(old, scoped, type.schema) as JsonObject;
  pruneReleased(
    merged,
    previous.difference(fields),
    others.reduce((set, e) => set.union(e.fields), fields),
  );
  const view = (obj: JsonObject): JsonObject =>
    scopedView(trackedView(obj), subresource, type.statusSubresource);
  const changed = changedFields(view(old), view(merged), type.schema);
  const conflicts = others
    .map((e) => ({ entry: e, paths: e.fields.intersection(changed) }))
    .filter((c) => !c.paths.empty);
  const forced =
    options.force || (options.manager === "kubectl" && onlyLastApplied(old, conflicts));
  if (conflicts.length > 0 && !forced) throw conflictError(conflicts);
  const result = others.map((e) => (forced ? { ...e, fields: e.fields.difference(changed) } : e));
  const mine = entries.find(isMine);
  const time = mine?.fields.equals(fields) === true ? mine.time : rfc3339(writes.now());
  result.push({ ...applyEntry(type, options, fields, writes.now()), time });
  if (options.manager === "kubectl" && annotationsOf(merged)[lastAppliedAnnotation] !== undefined) {
    const annotations = objectAt(metadataOf(merged), "annotations");
    if (annotations !== undefined) annotations[lastAppliedAnnotation] = JSON.stringify(config);
  }
  return writes.commitUpdate(type, old, merged, subresource, options, {
    kind: "apply",
    entries: result,
  });
}

/**
 * Removes the fields this manager applied before and no longer applies, unless someone (the
 * applier included) still owns them or something below them; a released map that still holds
 * entries stays (structured-merge-diff adds owned and never-owned children back).
 */
function pruneReleased(obj: JsonObject, released: FieldSet, owned: FieldSet): void {
  for (const path of released.paths().sort((a, b) => b.length - a.length)) {
    if (!owned.covers(path)) removeFieldPath(obj, path);
  }
}

function parseConfig(type: ResourceType, body: Buffer, name: string): JsonObject {
  const config = parseYamlText(body.toString("utf8"));
  if (!isObject(config))
    throw badRequest("error decoding YAML: the apply configuration is not an object");
  const expected = apiVersionOf(type);
  if (config.apiVersion !== expected) {
    const given = typeof config.apiVersion === "string" ? config.apiVersion : "";
    throw badRequest(
      `Incorrect version specified in apply patch. Specified patch version: ${given}, expected: ${expected}`,
    );
  }
  if (config.kind !== type.kind) {
    const given = typeof config.kind === "string" ? config.kind : "";
    throw badRequest(
      `Incorrect kind specified in apply patch. Specified patch kind: ${given}, expected: ${type.kind}`,
    );
  }
  const meta = objectAt(config, "metadata");
  if (meta?.managedFields !== undefined && meta.managedFields !== null)
    throw badRequest("metadata.managedFields must be nil");
  if (nameOf(config) !== name) {
    throw badRequest(
      `the name of the object (${nameOf(config)}) does not match the name on the URL (${name})`,
    );
  }
  return config;
}

function scopeConfig(type: ResourceType, config: JsonObject, subresource: string): JsonObject {
  const out = clone(config);
  if (!type.statusSubresource) return out;
  if (subresource === "status")
    return {
      apiVersion: out.apiVersion ?? null,
      kind: out.kind ?? null,
      metadata: out.metadata ?? {},
      ...(out.status === undefined ? {} : { status: out.status }),
    };
  delete out.status;
  return out;
}

function applySet(type: ResourceType, config: JsonObject, subresource: string): FieldSet {
  const view = scopedView(trackedView(config), subresource, type.statusSubresource);
  return collectFields(view, type.schema, false);
}

function applyEntry(
  type: ResourceType,
  options: WriteOptions,
  fields: FieldSet,
  now: Date,
): ManagedEntry {
  return {
    manager: options.manager,
    operation: "Apply",
    apiVersion: apiVersionOf(type),
    time: rfc3339(now),
    subresource: "",
    fields,
  };
}

/** Objects written before any field tracking: their fields go to `before-first-apply`. */
function beforeFirstApply(type: ResourceType, old: JsonObject, now: Date): ManagedEntry {
  return {
    manager: "before-first-apply",
    operation: "Update",
    apiVersion: apiVersionOf(type),
    time: rfc3339(now),
    subresource: "",
    fields: collectFields(trackedView(old), type.schema, true),
  };
}

/**
 * kubectl's client-side → server-side upgrade: when manager `kubectl` conflicts only on fields
 * the last-applied annotation lists, the apply is forced.
 */
function onlyLastApplied(old: JsonObject, conflicts: readonly { paths: FieldSet }[]): boolean {
  const text = annotationsOf(old)[lastAppliedAnnotation];
  if (text === undefined || conflicts.length === 0) return false;
  let lastApplied: unknown;
  try {
    lastApplied = JSON.parse(text);
  } catch {
    return false;
  }
  if (!isObject(lastApplied)) return false;
  const listed = collectFields(
    trackedView(lastApplied),
    { listType: () => ({ type: "atomic" }), isMap: () => false },
    false,
  );
  return conflicts.every((c) =>
    c.paths.paths().every((p) => listed.has(p.filter((e) => e.startsWith("f:")))),
  );
}

function managerText(entry: ManagedEntry): string {
  let text = JSON.stringify(entry.manager);
  if (entry.subresource !== "") text += ` with subresource ${JSON.stringify(entry.subresource)}`;
  if (entry.operation === "Update") text += ` using ${entry.apiVersion}`;
  return text;
}

function conflictError(conflicts: readonly { entry: ManagedEntry; paths: FieldSet }[]): ApiError {
  const all = conflicts.flatMap((c) =>
    leafPaths(c.paths).map((path) => ({
      manager: managerText(c.entry),
      path: printFieldPath(path),
    })),
  );
  let message: string;
  if (all.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${all[0]?.manager ?? ""}: ${all[0]?.path ?? ""}`;
  } else {
    const managers = [...new Set(all.map((c) => c.manager))].sort();
    const lines = managers.flatMap((m) => [
      `conflicts with ${m}:`,
      ...all.filter((c) => c.manager === m).map((c) => `- ${c.path}`),
    ]);
    message = `Apply failed with ${all.length} conflicts: ${lines.join("\n")}`;
  }
  return new ApiError(409, "Conflict", message, {
    causes: all.map((c) => ({
      reason: "FieldManagerConflict",
      message: `conflict with ${c.manager}`,
      field: c.path,
    })),
  });
}

/** Conflicting paths without their ancestors that are also in the set. */
function leafPaths(set: FieldSet): string[][] {
  const paths = set.paths();
  return paths.filter(
    (p) => !paths.some((q) => q.length > p.length && p.every((e, i) => q[i] === e)),
  );
}

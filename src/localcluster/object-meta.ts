import { arrayAt, ensureObject, isObject, objectAt, stringAt } from "./json.js";
import type { Json, JsonObject } from "./json.js";

/** `metadata` of an object, created when absent. */
export function metadataOf(obj: JsonObject): JsonObject {
  return ensureObject(obj, "metadata");
}

/** `metadata.name`, or "" when unset. */
export function nameOf(obj: JsonObject): string {
  return stringAt(objectAt(obj, "metadata"), "name") ?? "";
}

/** `metadata.namespace`, or "" when unset. */
export function namespaceOf(obj: JsonObject): string {
  return stringAt(objectAt(obj, "metadata"), "namespace") ?? "";
}

/** `metadata.uid`, or "" when unset. */
export function uidOf(obj: JsonObject): string {
  return stringAt(objectAt(obj, "metadata"), "uid") ?? "";
}

/** `metadata.resourceVersion`, or "" when unset. */
export function resourceVersionOf(obj: JsonObject): string {
  return stringAt(objectAt(obj, "metadata"), "resourceVersion") ?? "";
}

/** `metadata.deletionTimestamp`, or undefined. */
export function deletionTimestampOf(obj: JsonObject): string | undefined {
  return stringAt(objectAt(obj, "metadata"), "deletionTimestamp");
}

/** Labels as a plain string map (non-string values are ignored). */
export function labelsOf(obj: JsonObject): Record<string, string> {
  return stringMap(objectAt(objectAt(obj, "metadata"), "labels"));
}

/** Annotations as a plain string map. */
export function annotationsOf(obj: JsonObject): Record<string, string> {
  return stringMap(objectAt(objectAt(obj, "metadata"), "annotations"));
}

function stringMap(value: JsonObject | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === undefined) return out;
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === "string") out[key] = item;
  }
  return out;
}

/** `metadata.finalizers` (strings only). */
export function finalizersOf(obj: JsonObject): string[] {
  return (arrayAt(objectAt(obj, "metadata"), "finalizers") ?? []).filter(
    (f): f is string => typeof f === "string",
  );
}

/** Sets `metadata.finalizers`, removing the key when the list is empty. */
export function setFinalizers(obj: JsonObject, finalizers: readonly string[]): void {
  const meta = metadataOf(obj);
  if (finalizers.length === 0) delete meta.finalizers;
  else meta.finalizers = [...finalizers];
}

/** One owner reference as the GC reads it. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller: boolean;
  blockOwnerDeletion: boolean;
}

/** `metadata.ownerReferences` (malformed entries skipped). */
export function ownerReferencesOf(obj: JsonObject): OwnerReference[] {
  const refs = arrayAt(objectAt(obj, "metadata"), "ownerReferences") ?? [];
  return refs.filter(isObject).map((ref) => ({
    apiVersion: stringAt(ref, "apiVersion") ?? "",
    kind: stringAt(ref, "kind") ?? "",
    name: stringAt(ref, "name") ?? "",
    uid: stringAt(ref, "uid") ?? "",
    controller: ref.controller === true,
    blockOwnerDeletion: ref.blockOwnerDeletion === true,
  }));
}

/** Reads a dotted path (`spec.type`) of plain fields; undefined when any step is missing. */
export function valueAtPath(obj: JsonObject, path: string): Json | undefined {
  let current: Json | undefined = obj;
  for (const part of path.split(".")) {
    if (!isObject(current)) return undefined;
    current = current[part];
  }
  return current;
}

/** `<namespace>/<name>` or `<name>` for cluster-scoped objects. */
export function objectKey(namespace: string, name: string): string {
  return namespace === "" ? name : `${namespace}/${name}`;
}

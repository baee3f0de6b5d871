import { deepEqual, deleteKey, isObject } from "./json.js";
import type { Json, JsonObject } from "./json.js";
import { FieldSet, fieldElement, keyElement, valueElement } from "./fieldset.js";
import type { FieldSchema } from "./resource-type.js";

/** metadata fields that managedFields never track (structured-merge-diff strips them). */
const untrackedMetadata = [
  "name",
  "namespace",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "selfLink",
  "managedFields",
];

/** The object as field tracking sees it: no apiVersion/kind, no server-owned metadata. */
export function trackedView(obj: JsonObject): JsonObject {
  const out: JsonObject = { ...obj };
  delete out.apiVersion;
  delete out.kind;
  if (isObject(obj.metadata)) {
    const meta: JsonObject = { ...obj.metadata };
    for (const key of untrackedMetadata) deleteKey(meta, key);
    if (Object.keys(meta).length === 0) delete out.metadata;
    else out.metadata = meta;
  }
  return out;
}

/**
 * Restricts a tracked view to what one subresource may own: for kinds with a status
 * subresource, the main resource owns everything but `status` and /status owns only `status`.
 */
export function scopedView(
  view: JsonObject,
  subresource: string,
  statusSubresource: boolean,
): JsonObject {
  if (!statusSubresource) return view;
  if (subresource === "status") return view.status === undefined ? {} : { status: view.status };
  const out: JsonObject = { ...view };
  delete out.status;
  return out;
}

/**
 * Every path of `value` as a FieldSet: leaves, list items of associative and set lists, and
 * (when `mapNodes`) the map-typed objects themselves, as an Update entry records a created map.
 */
export function collectFields(value: Json, schema: FieldSchema, mapNodes: boolean): FieldSet {
  const out = new FieldSet();
  collectInto(value, schema, mapNodes, out, [], true);
  return out;
}

// The walks below push/pop one shared path array and descend FieldSet nodes directly: they run
// on every write, so they avoid building a path array per field.
function collectInto(
  value: Json,
  schema: FieldSchema,
  mapNodes: boolean,
  node: FieldSet,
  fieldPath: string[],
  root: boolean,
): void {
  if (isObject(value)) {
    let empty = true;
    for (const key in value) {
      empty = false;
      fieldPath.push(key);
      collectInto(
        value[key] ?? null,
        schema,
        mapNodes,
        node.child(fieldElement(key)),
        fieldPath,
        false,
      );
      fieldPath.pop();
    }
    if (!root && (empty || (mapNodes && schema.isMap(fieldPath)))) node.member = true;
    return;
  }
  if (Array.isArray(value) && value.length > 0) {
    const listType = schema.listType(fieldPath);
    if (listType.type === "set") {
      for (const item of value) node.child(valueElement(item)).member = true;
      return;
    }
    if (listType.type === "map" && value.every(isObject)) {
      for (const item of value) {
        const itemNode = node.child(keyElement(item, listType.keys));
        itemNode.member = true;
        collectInto(item, schema, mapNodes, itemNode, fieldPath, false);
      }
      return;
    }
  }
  if (!root) node.member = true;
}

/**
 * The paths added or modified from `before` to `after` (what an Update takes ownership of).
 * Removed paths are not included; callers drop them by intersecting with the new object's set.
 */
export function changedFields(
  before: Json | undefined,
  after: Json,
  schema: FieldSchema,
): FieldSet {
  const out = new FieldSet();
  diffInto(before, after, schema, out, [], true);
  return out;
}

function diffInto(
  before: Json | undefined,
  after: Json,
  schema: FieldSchema,
  node: FieldSet,
  fieldPath: string[],
  root: boolean,
): void {
  if (isObject(after) && isObject(before) && Object.keys(after).length > 0) {
    diffObject(before, after, schema, node, fieldPath);
    return;
  }
  if (Array.isArray(after) && Array.isArray(before)) {
    const listType = schema.listType(fieldPath);
    if (listType.type === "map" && after.every(isObject) && before.every(isObject)) {
      for (const item of after) {
        const element = keyElement(item, listType.keys);
        const previous = before.find((old) => keyElement(old, listType.keys) === element);
        if (previous !== undefined && deepEqual(previous, item)) continue;
        const itemNode = node.child(element);
        if (previous === undefined) {
          itemNode.member = true;
          collectInto(item, schema, true, itemNode, fieldPath, false);
        } else diffObject(previous, item, schema, itemNode, fieldPath);
      }
      return;
    }
    if (listType.type === "set") {
      for (const item of after) {
        if (!before.some((old) => deepEqual(old, item)))
          node.child(valueElement(item)).member = true;
      }
      return;
    }
  }
  collectInto(after, schema, true, node, fieldPath, root);
}

function diffObject(
  before: JsonObject,
  after: JsonObject,
  schema: FieldSchema,
  node: FieldSet,
  fieldPath: string[],
): void {
  for (const key in after) {
    const value = after[key] ?? null;
    if (deepEqual(before[key], value)) continue;
    fieldPath.push(key);
    diffInto(before[key], value, schema, node.child(fieldElement(key)), fieldPath, false);
    fieldPath.pop();
  }
}

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
export function collectFields(
  value: Json,
  schema: FieldSchema,
  mapNodes: boolean,
  out = new FieldSet(),
  fieldPath: string[] = [],
  elements: string[] = [],
): FieldSet {
  if (isObject(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0 || (mapNodes && elements.length > 0 && schema.isMap(fieldPath))) {
      if (elements.length > 0) out.insert(elements);
    }
    for (const [key, child] of entries) {
      collectFields(
        child,
        schema,
        mapNodes,
        out,
        [...fieldPath, key],
        [...elements, fieldElement(key)],
      );
    }
    return out;
  }
  if (Array.isArray(value) && value.length > 0) {
    const listType = schema.listType(fieldPath);
    if (listType.type === "set") {
      for (const item of value) out.insert([...elements, valueElement(item)]);
      return out;
    }
    if (listType.type === "map" && value.every(isObject)) {
      for (const item of value) {
        const itemElements = [...elements, keyElement(item, listType.keys)];
        out.insert(itemElements);
        collectFields(item, schema, mapNodes, out, fieldPath, itemElements);
      }
      return out;
    }
  }
  if (elements.length > 0) out.insert(elements);
  return out;
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
  diff(before, after, schema, out, [], []);
  return out;
}

function diff(
  before: Json | undefined,
  after: Json,
  schema: FieldSchema,
  out: FieldSet,
  fieldPath: string[],
  elements: string[],
): void {
  if (deepEqual(before, after)) return;
  if (isObject(after) && isObject(before) && Object.keys(after).length > 0) {
    for (const [key, child] of Object.entries(after)) {
      diff(before[key], child, schema, out, [...fieldPath, key], [...elements, fieldElement(key)]);
    }
    return;
  }
  if (Array.isArray(after) && Array.isArray(before)) {
    const listType = schema.listType(fieldPath);
    if (listType.type === "map" && after.every(isObject) && before.every(isObject)) {
      for (const item of after) {
        const element = keyElement(item, listType.keys);
        const previous = before.find((old) => keyElement(old, listType.keys) === element);
        const itemElements = [...elements, element];
        if (previous === undefined) {
          out.insert(itemElements);
          collectFields(item, schema, true, out, fieldPath, itemElements);
        } else {
          for (const [key, child] of Object.entries(item)) {
            diff(
              previous[key],
              child,
              schema,
              out,
              [...fieldPath, key],
              [...itemElements, fieldElement(key)],
            );
          }
        }
      }
      return;
    }
    if (listType.type === "set") {
      for (const item of after) {
        if (!before.some((old) => deepEqual(old, item)))
          out.insert([...elements, valueElement(item)]);
      }
      return;
    }
  }
  collectFields(after, schema, true, out, fieldPath, elements);
}

import { clone, deepEqual, deleteKey, isObject } from "../json.js";
import type { Json, JsonObject } from "../json.js";
import type { FieldSchema } from "../resource-type.js";

const setOrderPrefix = "$setElementOrder/";
const deleteFromPrefix = "$deleteFromPrimitiveList/";

/**
 * Applies a strategic merge patch to a built-in kind: a merge patch in which lists with a merge
 * key merge item by item, scalar sets merge as sets, and the `$patch`, `$setElementOrder`,
 * `$deleteFromPrimitiveList` and `$retainKeys` directives are honoured.
 * @returns the patched value, or undefined when the patch deletes it (`$patch: delete`)
 */
export function applyStrategicMergePatch(
  original: Json | undefined,
  patch: Json,
  schema: FieldSchema,
  path: readonly string[] = [],
): Json | undefined {
  if (!isObject(patch)) return clone(patch);
  const directive = patch.$patch;
  if (directive === "delete") return undefined;
  if (directive === "replace") return withoutDirectives(patch);
  const result: JsonObject = isObject(original) ? { ...original } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith("$")) continue;
    if (value === null) {
      deleteKey(result, key);
      continue;
    }
    const childPath = [...path, key];
    if (Array.isArray(value)) result[key] = mergeList(result[key], value, schema, childPath);
    else {
      const merged = applyStrategicMergePatch(result[key], value, schema, childPath);
      if (merged === undefined) deleteKey(result, key);
      else result[key] = merged;
    }
  }
  applyListDirectives(result, patch, schema, path);
  const retain = patch.$retainKeys;
  if (Array.isArray(retain)) {
    for (const key of Object.keys(result)) if (!retain.includes(key)) deleteKey(result, key);
  }
  return result;
}

function withoutDirectives(value: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, item] of Object.entries(value)) if (!key.startsWith("$")) out[key] = clone(item);
  return out;
}

function mergeList(
  original: Json | undefined,
  patch: Json[],
  schema: FieldSchema,
  path: string[],
): Json {
  const listType = schema.listType(path);
  const current = Array.isArray(original) ? [...original] : [];
  if (listType.type === "set") {
    for (const item of patch)
      if (!current.some((c) => deepEqual(c, item))) current.push(clone(item));
    return current;
  }
  if (listType.type !== "map") return clone(patch);
  if (patch.some((item) => isObject(item) && item.$patch === "replace")) {
    return patch
      .filter((item) => !(isObject(item) && item.$patch === "replace"))
      .map((item) => clone(item));
  }
  const key = listType.keys[0] ?? "name";
  for (const item of patch) {
    if (!isObject(item)) continue;
    const index = current.findIndex((c) => isObject(c) && deepEqual(c[key], item[key]));
    if (item.$patch === "delete") {
      if (index >= 0) current.splice(index, 1);
      continue;
    }
    const merged = applyStrategicMergePatch(
      index >= 0 ? current[index] : undefined,
      item,
      schema,
      path,
    );
    if (merged === undefined) {
      if (index >= 0) current.splice(index, 1);
    } else if (index >= 0) current[index] = merged;
    else current.push(merged);
  }
  return current;
}

function applyListDirectives(
  result: JsonObject,
  patch: JsonObject,
  schema: FieldSchema,
  path: readonly string[],
): void {
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(deleteFromPrefix) && Array.isArray(value)) {
      const field = key.slice(deleteFromPrefix.length);
      const list = result[field];
      if (Array.isArray(list))
        result[field] = list.filter((item) => !value.some((v) => deepEqual(v, item)));
    }
  }
  for (const [key, value] of Object.entries(patch)) {
    if (!key.startsWith(setOrderPrefix) || !Array.isArray(value)) continue;
    const field = key.slice(setOrderPrefix.length);
    const list = result[field];
    if (!Array.isArray(list)) continue;
    const listType = schema.listType([...path, field]);
    const mergeKey = listType.type === "map" ? (listType.keys[0] ?? "name") : undefined;
    const identity = (item: Json): Json | undefined =>
      mergeKey === undefined ? item : isObject(item) ? item[mergeKey] : undefined;
    const rank = (item: Json): number => {
      const index = value.findIndex((v) => deepEqual(identity(v), identity(item)));
      return index < 0 ? value.length : index;
    };
    result[field] = [...list].sort((a, b) => rank(a) - rank(b));
  }
}

import { clone, deepEqual, deleteKey, isObject } from "./json.js";
import type { Json, JsonObject } from "./json.js";
import type { FieldSchema } from "./resource-type.js";

/**
 * Merges an apply configuration into the live object: objects field by field, associative
 * lists item by item (by their keys), sets as sets; atomic lists and scalars are replaced.
 */
export function mergeApplied(
  live: Json | undefined,
  config: Json,
  schema: FieldSchema,
  path: readonly string[] = [],
): Json {
  if (isObject(config)) {
    const result: JsonObject = isObject(live) ? { ...live } : {};
    for (const [key, value] of Object.entries(config))
      result[key] = mergeApplied(result[key], value, schema, [...path, key]);
    return result;
  }
  if (Array.isArray(config) && Array.isArray(live)) {
    const listType = schema.listType(path);
    if (listType.type === "set") {
      const out = [...live];
      for (const item of config) if (!out.some((o) => deepEqual(o, item))) out.push(clone(item));
      return out;
    }
    if (listType.type === "map" && config.every(isObject) && live.every(isObject)) {
      const out: Json[] = [...live];
      for (const item of config) {
        const index = out.findIndex((o) => isObject(o) && sameKey(o, item, listType.keys));
        if (index >= 0) out[index] = mergeApplied(out[index], item, schema, path);
        else out.push(clone(item));
      }
      return out;
    }
  }
  return clone(config);
}

function sameKey(a: JsonObject, b: JsonObject, keys: readonly string[]): boolean {
  return keys.every((key) => deepEqual(a[key], b[key]));
}

/**
 * Removes one field path (FieldSet elements such as `f:data`, `k:{"name":"x"}`, `v:"a"`) from
 * `obj` in place. A path naming a non-empty object is kept (its entries were never released).
 * @returns "removed", "kept" or "missing"
 */
export function removeFieldPath(
  obj: JsonObject,
  elements: readonly string[],
): "removed" | "kept" | "missing" {
  let parent: Json = obj;
  for (let i = 0; i < elements.length; i++) {
    const element = elements[i] ?? "";
    const last = i === elements.length - 1;
    const prefix = element.slice(0, 2);
    const rest = element.slice(2);
    if (prefix === "f:" && isObject(parent)) {
      const value: Json | undefined = parent[rest];
      if (value === undefined) return "missing";
      if (last) {
        if (isObject(value) && Object.keys(value).length > 0) return "kept";
        deleteKey(parent, rest);
        return "removed";
      }
      parent = value;
    } else if ((prefix === "k:" || prefix === "v:") && Array.isArray(parent)) {
      const wanted = JSON.parse(rest) as Json;
      const index = parent.findIndex((item) =>
        prefix === "v:"
          ? deepEqual(item, wanted)
          : isObject(item) &&
            isObject(wanted) &&
            Object.entries(wanted).every(([k, v]) => deepEqual(item[k], v)),
      );
      if (index < 0) return "missing";
      if (last) {
        parent.splice(index, 1);
        return "removed";
      }
      parent = parent[index] ?? null;
    } else return "missing";
  }
  return "missing";
}

/** Renders a field path as structured-merge-diff prints it in conflicts: `.spec.list[name="x"].a`. */
export function printFieldPath(elements: readonly string[]): string {
  return elements
    .map((element) => {
      const prefix = element.slice(0, 2);
      const rest = element.slice(2);
      if (prefix === "f:") return `.${rest}`;
      if (prefix === "v:") return `[=${rest}]`;
      if (prefix === "i:") return `[${rest}]`;
      const key = JSON.parse(rest) as JsonObject;
      return `[${Object.entries(key)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(",")}]`;
    })
    .join("");
}

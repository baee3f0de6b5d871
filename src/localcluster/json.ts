/** A JSON value as stored and served by the local cluster. */
export type Json = null | boolean | number | string | Json[] | JsonObject;

/** A JSON object; Kubernetes objects are these. */
export interface JsonObject {
  [key: string]: Json;
}

/** True for a plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The object under `key`, or undefined when it is absent or not an object. */
export function objectAt(parent: JsonObject | undefined, key: string): JsonObject | undefined {
  const value = parent?.[key];
  return isObject(value) ? value : undefined;
}

/** The object under `key`, created empty when absent (or not an object). */
export function ensureObject(parent: JsonObject, key: string): JsonObject {
  const value = parent[key];
  if (isObject(value)) return value;
  const created: JsonObject = {};
  parent[key] = created;
  return created;
}

/** The string under `key`, or undefined. */
export function stringAt(parent: JsonObject | undefined, key: string): string | undefined {
  const value = parent?.[key];
  return typeof value === "string" ? value : undefined;
}

/** The strings of the array under `key` (other items skipped); empty when there is none. */
export function stringsAt(parent: JsonObject | undefined, key: string): string[] {
  return (arrayAt(parent, key) ?? []).filter((item): item is string => typeof item === "string");
}

/** The array under `key`, or undefined. */
export function arrayAt(parent: JsonObject | undefined, key: string): Json[] | undefined {
  const value = parent?.[key];
  return Array.isArray(value) ? value : undefined;
}

/**
 * A deep copy (objects in the store are never mutated in place). A walk over plain JSON, several
 * times cheaper than structuredClone, which serialises; every write copies its object at least
 * once. A `__proto__` key stays an own property, as JSON.parse leaves it.
 */
export function clone<T extends Json>(value: T): T {
  return copyJson(value) as T;
}

function copyJson(value: Json): Json {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map(copyJson);
  const out: JsonObject = {};
  for (const key of Object.keys(value)) {
    const item = copyJson(value[key] as Json);
    if (key === "__proto__")
      Object.defineProperty(out, key, {
        value: item,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else out[key] = item;
  }
  return out;
}

/** Structural equality of two JSON values (key order does not matter). */
export function deepEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => deepEqual(item, b[i]));
  }
  if (Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  if (keysA.length !== Object.keys(b).length) return false;
  return keysA.every((key) => key in b && deepEqual(a[key], b[key]));
}

/** Removes `key` from `obj` (for keys computed at run time). */
export function deleteKey(obj: JsonObject, key: string): void {
  Reflect.deleteProperty(obj, key);
}

/** A scalar as text (`80`, `"x"`, `true`); "" for objects, arrays, null and undefined. */
export function scalarText(value: Json | undefined): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return "";
}

import { isObject, jsonEqual, type JsonObject, type JsonValue } from "./json.js";

/**
 * Argo CD's managedFieldsManagers normalization (§10.3 step 2) with the deduced schema that applies
 * to objects without a known schema: maps are walked field by field, every list is atomic.
 * For each `metadata.managedFields[]` entry of the LIVE object whose manager is trusted, the
 * fields it owns (fieldsV1) that differ between live and desired (present on both sides) are
 * removed from BOTH. Returns new objects (or the inputs when nothing applies), plus the removed
 * paths for explanations.
 */
export function normalizeManagedFields(
  live: JsonObject,
  desired: JsonObject,
  trustedManagers: readonly string[],
): { live: JsonObject; desired: JsonObject; removed: string[][] } {
  if (trustedManagers.length === 0) return { live, desired, removed: [] };
  const owned: string[][] = [];
  const metadata = isObject(live.metadata) ? live.metadata : {};
  const entries = Array.isArray(metadata.managedFields) ? metadata.managedFields : [];
  for (const entry of entries) {
    if (
      !isObject(entry) ||
      typeof entry.manager !== "string" ||
      !trustedManagers.includes(entry.manager)
    )
      continue;
    if (isObject(entry.fieldsV1)) collectOwned(entry.fieldsV1, [], owned);
  }
  if (owned.length === 0) return { live, desired, removed: [] };
  const ownedKeys = new Set(owned.map((path) => JSON.stringify(path)));
  const removed = modifiedPaths(live, desired, []).filter((path) =>
    ownedKeys.has(JSON.stringify(path)),
  );
  if (removed.length === 0) return { live, desired, removed };
  const liveCopy = structuredClone(live);
  const desiredCopy = structuredClone(desired);
  for (const path of removed) {
    removePath(liveCopy, path);
    removePath(desiredCopy, path);
  }
  return { live: liveCopy, desired: desiredCopy, removed };
}

/**
 * Reads a fieldsV1 set: `f:<name>` is a field, `.` marks the enclosing path itself as a member;
 * `k:`, `v:` and `i:` elements address list items, which the deduced schema never compares one by
 * one, so they are recorded but can never match.
 */
function collectOwned(set: JsonObject, prefix: string[], out: string[][]): void {
  for (const [key, value] of Object.entries(set)) {
    if (key === ".") {
      out.push(prefix);
      continue;
    }
    const element = key.startsWith("f:") ? key.slice(2) : `\u0000${key}`;
    const path = [...prefix, element];
    if (isObject(value) && Object.keys(value).length > 0) collectOwned(value, path, out);
    else out.push(path);
  }
}

/** Leaf paths present in both objects whose values differ (maps walked, lists atomic). */
function modifiedPaths(a: JsonValue, b: JsonValue, prefix: string[]): string[][] {
  if (isObject(a) && isObject(b)) {
    const out: string[][] = [];
    for (const key of Object.keys(a)) {
      if (Object.hasOwn(b, key))
        out.push(...modifiedPaths(a[key] ?? null, b[key] ?? null, [...prefix, key]));
    }
    return out;
  }
  return jsonEqual(a, b) ? [] : [prefix];
}

function removePath(object: JsonObject, path: readonly string[]): void {
  let parent: JsonObject = object;
  for (const key of path.slice(0, -1)) {
    const next = parent[key];
    if (!isObject(next)) return;
    parent = next;
  }
  Reflect.deleteProperty(parent, path.at(-1) ?? "");
}

import { clone, deleteKey, isObject } from "../json.js";
import type { Json } from "../json.js";

/**
 * Applies an RFC 7386 JSON merge patch: objects merge recursively, `null` removes a key, and
 * anything else (arrays included) replaces.
 */
export function applyMergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const result = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) deleteKey(result, key);
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

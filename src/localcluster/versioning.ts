import type { JsonObject } from "./json.js";
import { apiVersionOf } from "./resource-type.js";
import type { ResourceType } from "./resource-type.js";
import { badRequest } from "./status.js";

/** A stored object as the given resource version serves it. */
export function toServed(type: ResourceType, stored: JsonObject): JsonObject {
  if (type.toVersion !== undefined) return type.toVersion(stored);
  const apiVersion = apiVersionOf(type);
  if (stored.apiVersion === apiVersion && stored.kind === type.kind) return stored;
  return { ...stored, apiVersion, kind: type.kind };
}

/** An object of the served version in its storage form. */
export function toStored(type: ResourceType, obj: JsonObject): JsonObject {
  if (type.toStorage !== undefined) return type.toStorage(obj);
  return { ...obj, apiVersion: type.storageApiVersion, kind: type.kind };
}

/**
 * Fills a missing apiVersion/kind from the URL, and refuses a body of another version or kind
 * as the apiserver's decoder does.
 * @throws ApiError 400 on a mismatch
 */
export function checkTypeMeta(type: ResourceType, obj: JsonObject): void {
  const expected = apiVersionOf(type);
  const apiVersion = typeof obj.apiVersion === "string" ? obj.apiVersion : "";
  const kind = typeof obj.kind === "string" ? obj.kind : "";
  if (apiVersion !== "" && apiVersion !== expected) {
    throw badRequest(
      `the API version in the data (${apiVersion}) does not match the expected API version (${expected})`,
    );
  }
  if (kind !== "" && kind !== type.kind) {
    throw badRequest(
      `the kind in the data (${kind}) does not match the expected kind (${type.kind})`,
    );
  }
  obj.apiVersion = expected;
  obj.kind = type.kind;
}

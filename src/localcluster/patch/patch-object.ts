import { isObject } from "../json.js";
import type { Json } from "../json.js";
import { parseJson } from "../media.js";
import { nameOf } from "../object-meta.js";
import type { ObjectTarget, ObjectWrites, WriteResult } from "../object-writes.js";
import { PatchType } from "../resource-type.js";
import { ApiError, badRequest, fieldError, invalid } from "../status.js";
import { checkTypeMeta } from "../versioning.js";
import type { WriteOptions } from "../write-options.js";
import {
  applyJsonPatch,
  JsonPatchApplyError,
  JsonPatchDocumentError,
  parseJsonPatch,
} from "./json-patch.js";
import { applyMergePatch } from "./merge-patch.js";
import { applyStrategicMergePatch } from "./strategic-merge-patch.js";

/**
 * Applies a merge, JSON or strategic merge patch to the stored object and stores the result as
 * an update (same preconditions, hooks and managedFields as PUT).
 * @throws ApiError 400 malformed patch, 404 missing object, 409 stale resourceVersion in the patch,
 *   422 failed JSON-patch operation or invalid result
 */
export function patchObject(
  writes: ObjectWrites,
  target: ObjectTarget,
  mediaType: string,
  body: Buffer,
  options: WriteOptions,
): WriteResult {
  const { type, namespace, name, subresource } = target;
  const old = writes.existing(type, namespace, name);
  const patch = parseJson(body.toString("utf8")) as Json;
  let patched: Json | undefined;
  switch (mediaType) {
    case PatchType.merge:
      patched = applyMergePatch(old, patch);
      break;
    case PatchType.strategic:
      patched = applyStrategicMergePatch(old, patch, type.schema);
      break;
    default:
      patched = applyJson(old, patch);
  }
  if (!isObject(patched))
    throw badRequest("the patch produced an object that is not a JSON object");
  checkTypeMeta(type, patched);
  if (nameOf(patched) !== name) {
    throw invalid(type, name, [
      fieldError.invalid("metadata.name", nameOf(patched), "field is immutable"),
    ]);
  }
  return writes.commitUpdate(type, old, patched, subresource, options, { kind: "update" });
}

function applyJson(old: Json, patch: Json): Json {
  try {
    return applyJsonPatch(old, parseJsonPatch(patch));
  } catch (error) {
    if (error instanceof JsonPatchDocumentError) throw badRequest(error.message);
    if (error instanceof JsonPatchApplyError) {
      throw new ApiError(
        422,
        "Invalid",
        "the server rejected our request due to an error in our request",
        {},
      );
    }
    throw error;
  }
}

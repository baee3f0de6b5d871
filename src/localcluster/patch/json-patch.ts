import { clone, deepEqual, deleteKey, isObject } from "../json.js";
import type { Json } from "../json.js";

/** One RFC 6902 operation. */
export interface JsonPatchOperation {
  op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  path: string;
  from?: string;
  value?: Json;
}

/** The patch is malformed (answered 400 with this text). */
export class JsonPatchDocumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "JsonPatchDocumentError";
  }
}

/** An operation could not be applied (answered 422). */
export class JsonPatchApplyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "JsonPatchApplyError";
  }
}

const ops = new Set(["add", "remove", "replace", "move", "copy", "test"]);

/**
 * Checks that `value` is an array of RFC 6902 operations.
 * @throws JsonPatchDocumentError when it is not
 */
export function parseJsonPatch(value: unknown): JsonPatchOperation[] {
  if (!Array.isArray(value)) {
    throw new JsonPatchDocumentError(
      "json: cannot unmarshal object into Go value of type jsonpatch.Patch",
    );
  }
  return value.map((entry: unknown) => {
    if (!isObject(entry))
      throw new JsonPatchDocumentError("json: cannot unmarshal into jsonpatch.Operation");
    const op = entry.op;
    if (typeof op !== "string" || !ops.has(op)) {
      throw new JsonPatchDocumentError(
        `Unexpected kind: ${typeof op === "string" ? op : "unknown"}`,
      );
    }
    if (typeof entry.path !== "string") throw new JsonPatchDocumentError(`operation missing path`);
    const operation: JsonPatchOperation = { op: op as JsonPatchOperation["op"], path: entry.path };
    if (typeof entry.from === "string") operation.from = entry.from;
    if ("value" in entry) operation.value = entry.value ?? null;
    else if (op === "add" || op === "replace" || op === "test") {
      throw new JsonPatchDocumentError(`${op} operation does not apply: doc is missing value`);
    }
    return operation;
  });
}

function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new JsonPatchApplyError(`invalid JSON pointer "${pointer}"`);
  return pointer
    .slice(1)
    .split("/")
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function parentOf(doc: Json, parts: string[]): { parent: Json; key: string } {
  let current: Json = doc;
  for (const part of parts.slice(0, -1)) {
    const next: Json | undefined = Array.isArray(current)
      ? current[Number(part)]
      : isObject(current)
        ? current[part]
        : undefined;
    if (next === undefined) throw new JsonPatchApplyError(`missing path "${parts.join("/")}"`);
    current = next;
  }
  return { parent: current, key: parts.at(-1) ?? "" };
}

function getAt(doc: Json, pointer: string): Json {
  const parts = parsePointer(pointer);
  if (parts.length === 0) return doc;
  const { parent, key } = parentOf(doc, parts);
  const value = Array.isArray(parent)
    ? parent[Number(key)]
    : isObject(parent)
      ? parent[key]
      : undefined;
  if (value === undefined) throw new JsonPatchApplyError(`missing value at "${pointer}"`);
  return value;
}

function arrayIndex(array: Json[], key: string, forInsert: boolean): number {
  if (forInsert && key === "-") return array.length;
  if (!/^(0|[1-9]\d*)$/.test(key)) throw new JsonPatchApplyError(`invalid array index "${key}"`);
  const index = Number(key);
  if (index > array.length || (!forInsert && index === array.length)) {
    throw new JsonPatchApplyError(`array index ${index} out of bounds`);
  }
  return index;
}

function add(doc: Json, pointer: string, value: Json): Json {
  const parts = parsePointer(pointer);
  if (parts.length === 0) return value;
  const { parent, key } = parentOf(doc, parts);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true), 0, value);
  else if (isObject(parent)) parent[key] = value;
  else throw new JsonPatchApplyError(`cannot add at "${pointer}"`);
  return doc;
}

function remove(doc: Json, pointer: string): Json {
  const parts = parsePointer(pointer);
  const { parent, key } = parentOf(doc, parts);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, false), 1);
  else if (isObject(parent) && key in parent) deleteKey(parent, key);
  else throw new JsonPatchApplyError(`cannot remove missing "${pointer}"`);
  return doc;
}

/**
 * Applies RFC 6902 operations to a copy of `doc`.
 * @throws JsonPatchApplyError when an operation fails (missing path, failed test)
 */
export function applyJsonPatch(doc: Json, operations: readonly JsonPatchOperation[]): Json {
  let result = clone(doc);
  for (const operation of operations) {
    const value = operation.value ?? null;
    switch (operation.op) {
      case "add":
        result = add(result, operation.path, clone(value));
        break;
      case "remove":
        result = remove(result, operation.path);
        break;
      case "replace":
        getAt(result, operation.path);
        result = remove(result, operation.path);
        result = add(result, operation.path, clone(value));
        break;
      case "move": {
        const moved = getAt(result, operation.from ?? "");
        result = remove(result, operation.from ?? "");
        result = add(result, operation.path, moved);
        break;
      }
      case "copy":
        result = add(result, operation.path, clone(getAt(result, operation.from ?? "")));
        break;
      case "test":
        if (!deepEqual(getAt(result, operation.path), value)) {
          throw new JsonPatchApplyError(`testing value at "${operation.path}" failed`);
        }
        break;
    }
  }
  return result;
}

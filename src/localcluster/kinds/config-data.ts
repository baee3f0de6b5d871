import { goBase64ErrorOffset } from "../go-base64.js";
import { isObject, objectAt } from "../json.js";
import type { JsonObject } from "../json.js";
import { badRequest, fieldError } from "../status.js";
import type { FieldError } from "../status.js";
import { configKeyErrors } from "../validation.js";

const maxTotalBytes = 1024 * 1024;

/**
 * Checks that every value of `obj[field]` is a base64 string, as the typed decoder of a `[]byte`
 * map does before anything else runs.
 * @throws ApiError 400 worded like the apiserver's decoding error
 */
export function decodeBase64Map(obj: JsonObject, kind: string, field: string): void {
  const map = obj[field];
  if (map === undefined || map === null) return;
  const prefix = `${kind} in version "v1" cannot be handled as a ${kind}:`;
  if (!isObject(map)) {
    throw badRequest(
      `${prefix} json: cannot unmarshal ${jsonTypeName(map)} into Go struct field ${kind}.${field} of type map[string][]uint8`,
    );
  }
  for (const value of Object.values(map)) {
    if (value === null) continue;
    if (typeof value !== "string") {
      throw badRequest(
        `${prefix} json: cannot unmarshal ${jsonTypeName(value)} into Go struct field ${kind}.${field} of type []uint8`,
      );
    }
    const offset = goBase64ErrorOffset(value);
    if (offset !== undefined)
      throw badRequest(`${prefix} illegal base64 data at input byte ${offset}`);
  }
}

/** Checks that every value of `obj[field]` is a string. */
export function decodeStringMap(obj: JsonObject, kind: string, field: string): void {
  const map = obj[field];
  if (map === undefined || map === null) return;
  const prefix = `${kind} in version "v1" cannot be handled as a ${kind}:`;
  const bad = isObject(map)
    ? Object.values(map).find((v) => typeof v !== "string" && v !== null)
    : map;
  if (bad !== undefined) {
    const target = isObject(map) ? "string" : "map[string]string";
    throw badRequest(
      `${prefix} json: cannot unmarshal ${jsonTypeName(bad)} into Go struct field ${kind}.${field} of type ${target}`,
    );
  }
}

function jsonTypeName(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (value === null) return "null";
  return typeof value === "object" ? "object" : typeof value;
}

/** Bytes a data value stands for (base64-decoded for `[]byte` maps). */
export function decodedLength(value: unknown, base64: boolean): number {
  if (typeof value !== "string") return 0;
  return base64 ? Buffer.from(value, "base64").length : Buffer.byteLength(value);
}

/** Validates the keys of a data map and adds their decoded size to `total`. */
export function validateDataKeys(
  map: JsonObject | undefined,
  field: string,
  base64: boolean,
): { errors: FieldError[]; bytes: number } {
  const errors: FieldError[] = [];
  let bytes = 0;
  for (const [key, value] of Object.entries(map ?? {})) {
    for (const problem of configKeyErrors(key)) {
      errors.push(fieldError.invalid(`${field}[${key}]`, key, problem));
    }
    bytes += decodedLength(value, base64);
  }
  return { errors, bytes };
}

/** The 1 MiB limit on the total size of a Secret's or ConfigMap's data. */
export function sizeErrors(bytes: number): FieldError[] {
  return bytes > maxTotalBytes
    ? [fieldError.tooLong("data", `must have at most ${maxTotalBytes} bytes`)]
    : [];
}

/**
 * The `immutable` rules shared by Secrets and ConfigMaps: once set, `fields` may not change and
 * `immutable` may not be unset.
 */
export function immutableErrors(
  obj: JsonObject,
  old: JsonObject | undefined,
  fields: readonly string[],
): FieldError[] {
  if (old?.immutable !== true) return [];
  const errors: FieldError[] = [];
  const message = "field is immutable when `immutable` is set";
  if (obj.immutable !== true) errors.push(fieldError.forbidden("immutable", message));
  for (const field of fields) {
    if (JSON.stringify(objectAt(obj, field) ?? {}) !== JSON.stringify(objectAt(old, field) ?? {})) {
      errors.push(fieldError.forbidden(field, message));
    }
  }
  return errors;
}

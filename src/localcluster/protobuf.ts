import { scalarText } from "./json.js";
import type { Json, JsonObject } from "./json.js";
import { badRequest } from "./status.js";

/** The four bytes kube-apiserver's protobuf serializer puts before every message. */
const magic = [0x6b, 0x38, 0x73, 0x00];

type Scalar = "string" | "bytes" | "int64" | "bool";
type FieldType = Scalar | { message: MessageSpec } | { map: "string" | "bytes" };
interface FieldSpec {
  name: string;
  type: FieldType;
  repeated?: boolean;
}
type MessageSpec = Readonly<Record<number, FieldSpec>>;

const time: MessageSpec = {
  1: { name: "seconds", type: "int64" },
  2: { name: "nanos", type: "int64" },
};
const ownerReference: MessageSpec = {
  1: { name: "kind", type: "string" },
  3: { name: "name", type: "string" },
  4: { name: "uid", type: "string" },
  5: { name: "apiVersion", type: "string" },
  6: { name: "controller", type: "bool" },
  7: { name: "blockOwnerDeletion", type: "bool" },
};
const managedFieldsEntry: MessageSpec = {
  1: { name: "manager", type: "string" },
  2: { name: "operation", type: "string" },
  3: { name: "apiVersion", type: "string" },
  4: { name: "time", type: { message: time } },
  6: { name: "fieldsType", type: "string" },
  7: { name: "fieldsV1", type: { message: { 1: { name: "raw", type: "bytes" } } } },
  8: { name: "subresource", type: "string" },
};
const objectMeta: MessageSpec = {
  1: { name: "name", type: "string" },
  2: { name: "generateName", type: "string" },
  3: { name: "namespace", type: "string" },
  5: { name: "uid", type: "string" },
  6: { name: "resourceVersion", type: "string" },
  11: { name: "labels", type: { map: "string" } },
  12: { name: "annotations", type: { map: "string" } },
  13: { name: "ownerReferences", type: { message: ownerReference }, repeated: true },
  14: { name: "finalizers", type: "string", repeated: true },
  17: { name: "managedFields", type: { message: managedFieldsEntry }, repeated: true },
};
const metadata: FieldSpec = { name: "metadata", type: { message: objectMeta } };
const objectReference: MessageSpec = {
  1: { name: "kind", type: "string" },
  2: { name: "namespace", type: "string" },
  3: { name: "name", type: "string" },
  4: { name: "uid", type: "string" },
  5: { name: "apiVersion", type: "string" },
  6: { name: "resourceVersion", type: "string" },
  7: { name: "fieldPath", type: "string" },
};
const resourceAttributes: MessageSpec = {
  1: { name: "namespace", type: "string" },
  2: { name: "verb", type: "string" },
  3: { name: "group", type: "string" },
  4: { name: "version", type: "string" },
  5: { name: "resource", type: "string" },
  6: { name: "subresource", type: "string" },
  7: { name: "name", type: "string" },
};

/** The kinds kubectl 1.32 sends as protobuf, by `apiVersion/kind`. */
const kinds: Readonly<Record<string, MessageSpec>> = {
  "v1/Namespace": {
    1: metadata,
    2: {
      name: "spec",
      type: { message: { 1: { name: "finalizers", type: "string", repeated: true } } },
    },
    3: { name: "status", type: { message: { 1: { name: "phase", type: "string" } } } },
  },
  "v1/Secret": {
    1: metadata,
    2: { name: "data", type: { map: "bytes" } },
    3: { name: "type", type: "string" },
    4: { name: "stringData", type: { map: "string" } },
    5: { name: "immutable", type: "bool" },
  },
  "v1/ConfigMap": {
    1: metadata,
    2: { name: "data", type: { map: "string" } },
    3: { name: "binaryData", type: { map: "bytes" } },
    4: { name: "immutable", type: "bool" },
  },
  "v1/ServiceAccount": {
    1: metadata,
    2: { name: "secrets", type: { message: objectReference }, repeated: true },
    3: {
      name: "imagePullSecrets",
      type: { message: { 1: { name: "name", type: "string" } } },
      repeated: true,
    },
    4: { name: "automountServiceAccountToken", type: "bool" },
  },
  "authorization.k8s.io/v1/SelfSubjectAccessReview": {
    1: metadata,
    2: {
      name: "spec",
      type: {
        message: {
          1: { name: "resourceAttributes", type: { message: resourceAttributes } },
          2: {
            name: "nonResourceAttributes",
            type: {
              message: { 1: { name: "path", type: "string" }, 2: { name: "verb", type: "string" } },
            },
          },
        },
      },
    },
  },
  "authentication.k8s.io/v1/TokenRequest": {
    1: metadata,
    2: {
      name: "spec",
      type: {
        message: {
          1: { name: "audiences", type: "string", repeated: true },
          3: {
            name: "boundObjectRef",
            type: {
              message: {
                1: { name: "kind", type: "string" },
                2: { name: "apiVersion", type: "string" },
                3: { name: "name", type: "string" },
                4: { name: "uid", type: "string" },
              },
            },
          },
          4: { name: "expirationSeconds", type: "int64" },
        },
      },
    },
  },
  "authentication.k8s.io/v1/TokenReview": {
    1: metadata,
    2: {
      name: "spec",
      type: {
        message: {
          1: { name: "token", type: "string" },
          2: { name: "audiences", type: "string", repeated: true },
        },
      },
    },
  },
  "meta.k8s.io/v1/DeleteOptions": {
    1: { name: "gracePeriodSeconds", type: "int64" },
    2: {
      name: "preconditions",
      type: {
        message: {
          1: { name: "uid", type: "string" },
          2: { name: "resourceVersion", type: "string" },
        },
      },
    },
    3: { name: "orphanDependents", type: "bool" },
    4: { name: "propagationPolicy", type: "string" },
    5: { name: "dryRun", type: "string", repeated: true },
  },
};

class Reader {
  readonly #bytes: Uint8Array;
  #at: number;
  readonly #end: number;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.#bytes = bytes;
    this.#at = start;
    this.#end = end;
  }

  get done(): boolean {
    return this.#at >= this.#end;
  }

  /** The unread bytes. */
  rest(): Uint8Array {
    return this.#bytes.subarray(this.#at, this.#end);
  }

  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.#at >= this.#end) throw new Error("truncated varint");
      const byte = this.#bytes[this.#at++] ?? 0;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
    throw new Error("varint too long");
  }

  /** A reader over the next length-delimited field. */
  slice(): Reader {
    const length = Number(this.varint());
    const start = this.#at;
    this.#at += length;
    if (this.#at > this.#end) throw new Error("truncated field");
    return new Reader(this.#bytes, start, this.#at);
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.#at += 8;
    else if (wireType === 2) this.slice();
    else if (wireType === 5) this.#at += 4;
    else throw new Error(`unsupported wire type ${wireType}`);
  }
}

function readScalar(reader: Reader, type: Scalar): Json {
  switch (type) {
    case "string":
      return Buffer.from(reader.slice().rest()).toString("utf8");
    case "bytes":
      return Buffer.from(reader.slice().rest()).toString("base64");
    case "int64":
      return Number(BigInt.asIntN(64, reader.varint()));
    case "bool":
      return reader.varint() !== 0n;
  }
}

function readMapEntry(reader: Reader, valueType: "string" | "bytes"): [string, Json] {
  let key = "";
  let value: Json = valueType === "bytes" ? "" : "";
  while (!reader.done) {
    const tag = Number(reader.varint());
    const field = tag >>> 3;
    if (field === 1) key = scalarText(readScalar(reader, "string"));
    else if (field === 2) value = readScalar(reader, valueType);
    else reader.skip(tag & 7);
  }
  return [key, value];
}

function readMessage(reader: Reader, spec: MessageSpec): JsonObject {
  const out: JsonObject = {};
  while (!reader.done) {
    const tag = Number(reader.varint());
    const field = spec[tag >>> 3];
    if (field === undefined) {
      reader.skip(tag & 7);
      continue;
    }
    const value = readField(reader, field.type, out[field.name]);
    if (field.repeated === true) {
      const list = Array.isArray(out[field.name]) ? (out[field.name] as Json[]) : [];
      list.push(value);
      out[field.name] = list;
    } else out[field.name] = value;
  }
  return out;
}

function readField(reader: Reader, type: FieldType, current: Json | undefined): Json {
  if (typeof type === "string") return readScalar(reader, type);
  if ("message" in type) return readMessage(reader.slice(), type.message);
  const map: JsonObject =
    current !== undefined &&
    current !== null &&
    typeof current === "object" &&
    !Array.isArray(current)
      ? current
      : {};
  const [key, value] = readMapEntry(reader.slice(), type.map);
  map[key] = value;
  return map;
}

/** Drops what Go's encoder writes for unset fields: empty strings, zero generations, empty times. */
function cleanMetadata(meta: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(meta)) {
    if (value === "" || (Array.isArray(value) && value.length === 0)) continue;
    if (key === "managedFields" && Array.isArray(value)) out[key] = value.map(cleanManagedField);
    else out[key] = value;
  }
  return out;
}

function cleanManagedField(entry: Json): Json {
  if (entry === null || typeof entry !== "object" || Array.isArray(entry)) return entry;
  const out: JsonObject = { ...entry };
  const time = entry.time;
  if (time !== null && typeof time === "object" && !Array.isArray(time)) out.time = protoTime(time);
  const fields = entry.fieldsV1;
  if (
    fields !== null &&
    typeof fields === "object" &&
    !Array.isArray(fields) &&
    typeof fields.raw === "string"
  ) {
    out.fieldsV1 = JSON.parse(Buffer.from(fields.raw, "base64").toString("utf8")) as Json;
  }
  return out;
}

function protoTime(time: JsonObject): Json {
  const seconds = typeof time.seconds === "number" ? time.seconds : 0;
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * Decodes a `application/vnd.kubernetes.protobuf` request body (the `k8s\0` envelope around a
 * `runtime.Unknown`) into the JSON object it stands for. Only the kinds kubectl 1.32 sends as
 * protobuf are known.
 * @throws ApiError 400 for a malformed envelope; `unknownKind` for a kind not listed
 */
export function decodeProtobufObject(body: Uint8Array): JsonObject {
  if (body.length < 4 || magic.some((byte, i) => body[i] !== byte)) {
    throw badRequest("provided object is not a valid protobuf message: missing magic prefix");
  }
  let unknown: JsonObject;
  let raw: Uint8Array = new Uint8Array();
  try {
    const reader = new Reader(body, 4);
    unknown = {};
    while (!reader.done) {
      const tag = Number(reader.varint());
      const field = tag >>> 3;
      if (field === 1)
        unknown.typeMeta = readMessage(reader.slice(), {
          1: { name: "apiVersion", type: "string" },
          2: { name: "kind", type: "string" },
        });
      else if (field === 2) raw = reader.slice().rest();
      else reader.skip(tag & 7);
    }
  } catch (error) {
    throw badRequest(
      `provided object is not a valid protobuf message: ${(error as Error).message}`,
    );
  }
  const typeMeta = unknown.typeMeta as JsonObject | undefined;
  const apiVersion = typeof typeMeta?.apiVersion === "string" ? typeMeta.apiVersion : "";
  const kind = typeof typeMeta?.kind === "string" ? typeMeta.kind : "";
  const spec = kinds[`${apiVersion}/${kind}`];
  if (spec === undefined) throw new UnknownProtobufKind(apiVersion, kind);
  let obj: JsonObject;
  try {
    obj = readMessage(new Reader(raw), spec);
  } catch (error) {
    throw badRequest(
      `provided object is not a valid protobuf message: ${(error as Error).message}`,
    );
  }
  return normalize(obj, apiVersion, kind);
}

function normalize(obj: JsonObject, apiVersion: string, kind: string): JsonObject {
  const out: JsonObject = { apiVersion, kind };
  for (const [key, value] of Object.entries(obj)) {
    if (
      key === "metadata" &&
      value !== null &&
      typeof value === "object" &&
      !Array.isArray(value)
    ) {
      out.metadata = cleanMetadata(value);
    } else out[key] = value;
  }
  return out;
}

/** Thrown for a protobuf body of a kind this server cannot decode; answered with 415. */
export class UnknownProtobufKind extends Error {
  constructor(apiVersion: string, kind: string) {
    super(`no protobuf decoder for ${apiVersion}, Kind=${kind}`);
    this.name = "UnknownProtobufKind";
  }
}

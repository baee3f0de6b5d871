// Typed plaintexts: the bytes a leaf encrypts to (and hashes into the MAC) and the value a
// decrypted plaintext becomes, per the `type` field of the ENC string.
import { formatFloatF } from "./go-format.js";
import { canonicalRfc3339Nano } from "./go-time.js";
import { comment, floatValue, intValue, type Comment, type TreeValue } from "./tree.js";

/** The `type` names sops writes and reads. */
export type ValueType = "str" | "int" | "float" | "bool" | "time" | "comment" | "bytes";

const encoder = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF: Go strings keep every byte, and the MAC hashes them all.
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A leaf's type name and plaintext bytes, or undefined for values that are not leaves. */
export function toPlaintext(
  value: TreeValue | Comment,
): { type: ValueType; bytes: Uint8Array } | undefined {
  if (typeof value === "string") return { type: "str", bytes: encoder.encode(value) };
  if (value instanceof Uint8Array) return { type: "str", bytes: value };
  if (typeof value === "boolean") {
    return { type: "bool", bytes: encoder.encode(value ? "True" : "False") };
  }
  if (value === null) return undefined;
  switch (value.kind) {
    case "int":
      return { type: "int", bytes: encoder.encode(value.value.toString()) };
    case "float":
      return { type: "float", bytes: encoder.encode(formatFloatF(value.value)) };
    case "time":
      return { type: "time", bytes: encoder.encode(value.text) };
    case "comment":
      return { type: "comment", bytes: encoder.encode(value.value) };
    default:
      return undefined;
  }
}

/** True for values the cipher leaves as they are: empty strings, bytes and comments. */
export function isEmptyLeaf(value: TreeValue | Comment): boolean {
  if (typeof value === "string") return value === "";
  if (value instanceof Uint8Array) return value.length === 0;
  return (
    typeof value === "object" && value !== null && value.kind === "comment" && value.value === ""
  );
}

/** Decodes bytes as UTF-8 text when they are valid, else keeps the raw bytes. */
export function bytesToStringValue(bytes: Uint8Array): string | Uint8Array {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return bytes;
  }
}

/** Go `strconv.ParseBool`. */
function parseGoBool(text: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(text)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(text)) return false;
  return undefined;
}

/** Go `strconv.Atoi` on a 64-bit machine. */
function parseGoInt(text: string): bigint | undefined {
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const value = BigInt(text);
  return value < INT64_MIN || value > INT64_MAX ? undefined : value;
}

/** Go `strconv.ParseFloat(s, 64)` for the forms sops writes (and Go's other decimal spellings). */
function parseGoFloat(text: string): number | undefined {
  const special: Record<string, number> = {
    "+Inf": Infinity,
    Inf: Infinity,
    "+inf": Infinity,
    inf: Infinity,
    "-Inf": -Infinity,
    "-inf": -Infinity,
    NaN: NaN,
    nan: NaN,
  };
  if (text in special) return special[text];
  const plain = text.replaceAll("_", "");
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(plain)) return undefined;
  const value = Number(plain);
  return Number.isFinite(value) ? value : undefined;
}

/**
 * Turns decrypted bytes back into a value by type name.
 * @throws Error for unknown types (sops's text) and unparsable plaintexts (never quoting them: the
 * plaintext is secret)
 */
export function fromPlaintext(type: string, bytes: Uint8Array): TreeValue | Comment {
  const text = (): string => Buffer.from(bytes).toString("utf8");
  switch (type) {
    case "str":
      return bytesToStringValue(bytes);
    case "bytes":
      return bytes;
    case "comment":
      return comment(text());
    case "int": {
      const value = parseGoInt(text());
      if (value === undefined) throw new Error("decrypted value is not a valid int");
      return intValue(value);
    }
    case "float": {
      const value = parseGoFloat(text());
      if (value === undefined) throw new Error("decrypted value is not a valid float");
      return floatValue(value);
    }
    case "bool": {
      const value = parseGoBool(text());
      if (value === undefined) throw new Error("decrypted value is not a valid bool");
      return value;
    }
    case "time": {
      const value = canonicalRfc3339Nano(text());
      if (value === undefined) throw new Error("decrypted value is not a valid RFC 3339 time");
      return { kind: "time", text: value };
    }
    default:
      throw new Error(`Unknown datatype: ${type}`);
  }
}

/**
 * JSON values as the Go tools we mirror see them: numbers keep the text they arrived with (Go's
 * `json.Number`, which the Vault client uses), and serialisation follows Go's `encoding/json`
 * (map keys sorted, `<` `>` `&` escaped), because ESO and AVP both print what Go printed.
 */

const jsonNumberBrand: unique symbol = Symbol("JsonNumber");

/**
 * A JSON number kept as its original text, like Go's `json.Number` (so `1.50` stays `1.50`). A
 * plain object branded with a symbol (no parsed JSON object can carry one), not a class, so that
 * recursive value types stay plain data.
 */
export interface JsonNumber {
  readonly [jsonNumberBrand]: true;
  readonly text: string;
}

/** Makes a {@link JsonNumber} from its JSON text. */
export function jsonNumber(text: string): JsonNumber {
  return Object.freeze({ [jsonNumberBrand]: true as const, text });
}

/** True for a {@link JsonNumber}. */
export function isJsonNumber(value: unknown): value is JsonNumber {
  return typeof value === "object" && value !== null && jsonNumberBrand in value;
}

/** A parsed JSON value whose numbers are {@link JsonNumber}s. */
export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonObject;

/** A JSON object with string keys. */
export interface JsonObject {
  [key: string]: JsonValue;
}

type Reviver = (key: string, value: unknown, context: { source?: string }) => unknown;

/**
 * Parses JSON keeping every number's source text ({@link JsonNumber}).
 * @throws SyntaxError when `text` is not JSON
 */
export function parseJson(text: string): JsonValue {
  const reviver: Reviver = (_key, value, context) =>
    typeof value === "number" ? jsonNumber(context.source ?? String(value)) : value;
  return JSON.parse(text, reviver as (key: string, value: unknown) => unknown) as JsonValue;
}

/** True for a plain JSON object (not null, not an array, not a {@link JsonNumber}). */
export function isJsonObject(value: unknown): value is JsonObject {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    !isJsonNumber(value) &&
    !(value instanceof Uint8Array)
  );
}

/** Compares two strings by Unicode code point, the order of Go's byte-wise UTF-8 comparison. */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 order differs from code-point order only when a surrogate meets U+E000..U+FFFF.
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    if (xSurrogate !== ySurrogate) return xSurrogate ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** Go's `json.Marshal` text for a float64 (shortest form; exponent below 1e-6 and from 1e21). */
export function goJsonFloat(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`json: unsupported value: ${String(value)}`);
  if (Object.is(value, -0)) return "-0";
  // JavaScript's Number#toString uses the same shortest digits and the same exponent thresholds.
  return String(value);
}

/** Go's `strconv.FormatFloat(f, 'f', -1, 64)`: shortest digits, never an exponent. */
export function formatFloatF(value: number): string {
  const text = String(value);
  const match = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (match === null) return text;
  const [, sign = "", head = "", tail = "", exponentText = "0"] = match;
  const digits = `${head}${tail}`;
  const exponent = Number(exponentText);
  if (exponent >= 0) return `${sign}${digits.padEnd(exponent + 1, "0")}`;
  return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
}

// Go 1.22+ (what ESO releases are built with) writes \b and \f short; older Go wrote \u0008, \u000c.
const goEscapes: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

/** Go's `json.Marshal` of a string: HTML-safe escapes, control characters as `\u00XX`. */
export function goJsonString(value: string): string {
  let out = '"';
  for (const char of value) {
    const escaped = goEscapes[char];
    if (escaped !== undefined) out += escaped;
    else if (char < " ") out += `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
    else out += char;
  }
  return `${out}"`;
}

/**
 * Go's `json.Marshal` output (compact, keys sorted by code point, HTML-safe escapes) for JSON values,
 * plain numbers (printed as Go prints a float64), bigints (int64) and {@link JsonNumber}s.
 * (The parameter is `unknown` rather than a recursive union: values arrive from several value
 * models, and the runtime checks below are the real contract.)
 * @throws Error for non-finite numbers, as Go does, and for values JSON cannot hold
 */
export function goJsonMarshal(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "string") return goJsonString(value);
  if (typeof value === "number") return goJsonFloat(value);
  if (typeof value === "bigint") return value.toString();
  if (isJsonNumber(value)) return value.text;
  if (Array.isArray(value))
    return `[${value.map((item: unknown) => goJsonMarshal(item)).join(",")}]`;
  if (typeof value === "object" && !(value instanceof Uint8Array)) {
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object).sort(compareCodePoints);
    return `{${keys.map((key) => `${goJsonString(key)}:${goJsonMarshal(object[key])}`).join(",")}}`;
  }
  throw new Error(`json: unsupported type ${typeof value}`);
}

/**
 * ESO's conversion of a JSON value to Secret bytes (external-secrets.md §8.0): a string as its raw
 * bytes, a number as its original text, a boolean as `true`/`false`, null as empty, objects and
 * arrays as compact JSON with sorted keys.
 */
export function jsonValueToBytes(value: JsonValue): Buffer {
  if (value === null) return Buffer.alloc(0);
  if (typeof value === "string") return Buffer.from(value, "utf8");
  return Buffer.from(goJsonMarshal(value), "utf8");
}

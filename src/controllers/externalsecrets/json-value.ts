/**
 * JSON text and byte conversions exactly as Go's encoding/json and ESO's `GetByteValue` produce
 * them, because their output ends up in Secret data and so in the data hash.
 */

/** Go `strconv.FormatFloat(n, 'f', -1, 64)`: the shortest digits that round-trip, never an exponent. */
export function formatFloatPlain(value: number): string {
  const text = String(value);
  const match = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (match === null) return text;
  const [, sign = "", lead = "", fraction = "", exponentText = "0"] = match;
  const digits = lead + fraction;
  const point = 1 + Number(exponentText);
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + "0".repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/**
 * Go `json.Marshal` of a value decoded by `json.Unmarshal` into `any`: object keys sorted
 * byte-wise, `<`, `>`, `&` escaped as `\u003c` etc. (unless `escapeHtml` is false, as with
 * ESO's `JSONMarshal`), U+2028 and U+2029 escaped, compact.
 */
export function goJsonMarshal(value: unknown, escapeHtml = true): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return goJsonString(value, escapeHtml);
  if (typeof value === "number") return JSON.stringify(value);
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value))
    return `[${value.map((item) => goJsonMarshal(item, escapeHtml)).join(",")}]`;
  if (typeof value === "object") {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    return `{${keys.map((key) => `${goJsonString(key, escapeHtml)}:${goJsonMarshal(record[key], escapeHtml)}`).join(",")}}`;
  }
  throw new Error(`cannot encode a ${typeof value} as JSON`);
}

function goJsonString(text: string, escapeHtml: boolean): string {
  let out = JSON.stringify(text).replace(
    /[\u2028\u2029]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16)}`,
  );
  if (escapeHtml) out = out.replace(/[<>&]/g, (char) => `\\u00${char.charCodeAt(0).toString(16)}`);
  return out;
}

/**
 * ESO `GetByteValue` for a JSON-decoded value: string → its bytes; number → plain decimal; bool →
 * `true`/`false`; null → empty; object or array → Go JSON text.
 */
export function jsonValueToBytes(value: unknown): Buffer {
  if (typeof value === "string") return Buffer.from(value);
  if (typeof value === "number") return Buffer.from(formatFloatPlain(value));
  if (typeof value === "boolean") return Buffer.from(String(value));
  if (value === null || value === undefined) return Buffer.alloc(0);
  return Buffer.from(goJsonMarshal(value));
}

/**
 * Parses bytes as a JSON object (Go `json.Unmarshal` into `map[string]any`).
 * @returns the object, or undefined when the bytes are not a JSON object (the caller names the key;
 *   the parser's own message would quote part of the value)
 */
export function parseJsonObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(bytes).toString("utf8"));
    // Go decodes `null` into a nil map without an error.
    if (parsed === null) return {};
    return typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

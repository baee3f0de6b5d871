import { compareCodePoints, formatFloatF, goJsonMarshal } from "../../providers/index.js";

/**
 * Go `json.Marshal` of a value decoded by `json.Unmarshal` into `any` (src/providers'
 * `goJsonMarshal`), optionally without HTML escaping, as ESO's `JSONMarshal` (SetEscapeHTML(false))
 * writes the `rewrite.merge` JSON strategy's output.
 */
export function goJsonText(value: unknown, escapeHtml = true): string {
  const text = goJsonMarshal(value);
  // Undo only real escapes: a `\u003c` preceded by an even number of backslashes.
  return escapeHtml
    ? text
    : text.replace(
        /(?<!\\)((?:\\\\)*)\\u00(3c|3e|26)/g,
        (_all, slashes: string, hex: string) =>
          slashes + String.fromCharCode(Number.parseInt(hex, 16)),
      );
}

/**
 * ESO `GetByteValue` for a value from Go's `json.Unmarshal` into `any` (numbers are float64):
 * string → its bytes; number → `FormatFloat(f, 'f', -1, 64)`; bool → `true`/`false`; null →
 * empty; object or array → Go JSON text.
 */
export function goByteValue(value: unknown): Buffer {
  if (typeof value === "string") return Buffer.from(value);
  if (typeof value === "number") return Buffer.from(formatFloatF(value));
  if (typeof value === "boolean") return Buffer.from(String(value));
  if (value === null || value === undefined) return Buffer.alloc(0);
  return Buffer.from(goJsonMarshal(value));
}

/**
 * Parses bytes as a JSON object (Go `json.Unmarshal` into `map[string]any`; `null` gives an empty
 * map, as Go leaves a nil map without an error).
 * @returns the object, or undefined when the bytes are not a JSON object (the caller names the key;
 *   the parser's own message would quote part of the value)
 */
export function parseJsonObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(bytes).toString("utf8"));
    if (parsed === null) return {};
    return typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Sorts keys the way Go's fmt and encoding/json order map keys (byte-wise UTF-8). */
export function goSortKeys(keys: Iterable<string>): string[] {
  return [...keys].sort(compareCodePoints);
}

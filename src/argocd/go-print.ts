import { isObject, sortedKeys } from "./json.js";

/**
 * Prints a number the way Go's `%v` prints a float64 (strconv 'g' with the shortest digits):
 * plain decimal when 1e-4 <= |v| < 1e6, else `d.ddde±XX` with at least two exponent digits.
 * Every number Argo CD reads from JSON or YAML is a float64, so this is how its params print.
 */
export function formatGoFloat(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  // toExponential() without an argument gives the shortest digits that round-trip, like Go.
  const [mantissa = "0", exponentText = "0"] = value.toExponential().split("e");
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? "-" : "+";
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace("-", "").replace(".", "");
  let text: string;
  if (exponent < 0) {
    text = `0.${"0".repeat(-exponent - 1)}${digits}`;
  } else if (digits.length > exponent + 1) {
    text = `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
  } else {
    text = digits + "0".repeat(exponent + 1 - digits.length);
  }
  return negative ? `-${text}` : text;
}

/**
 * Prints a decoded JSON value the way Go's `fmt.Sprintf("%v", v)` prints the interface{} value
 * encoding/json would have produced: `<nil>`, numbers per {@link formatGoFloat}, lists as
 * `[a b]`, objects as `map[k1:v1 k2:v2]` with sorted keys.
 */
export function formatGoValue(value: unknown): string {
  if (value === null || value === undefined) return "<nil>";
  if (typeof value === "string") return value;
  if (typeof value === "number") return formatGoFloat(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (Array.isArray(value)) return `[${value.map(formatGoValue).join(" ")}]`;
  if (isObject(value)) {
    const parts = sortedKeys(value).map((key) => `${key}:${formatGoValue(value[key])}`);
    return `map[${parts.join(" ")}]`;
  }
  return JSON.stringify(value);
}

/**
 * Encodes a JSON value as Go's `json.Marshal` does for interface{} data: compact, object keys
 * sorted, and `<`, `>`, `&`, U+2028 and U+2029 escaped.
 */
export function goJsonMarshal(value: unknown): string {
  return escapeGoJson(JSON.stringify(value, sortingReplacer));
}

function sortingReplacer(_key: string, value: unknown): unknown {
  if (!isObject(value)) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of sortedKeys(value)) sorted[key] = value[key];
  return sorted;
}

const goEscapes: Record<string, string> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

function escapeGoJson(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (char) => goEscapes[char] ?? char);
}

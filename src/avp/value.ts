import { goJsonFloat, isJsonNumber, type JsonNumber } from "../providers/index.js";
import { resolvePlain } from "./go-yaml.js";
import type { YamlNode } from "./yaml-emitter.js";

/**
 * A manifest value as argocd-vault-plugin holds it in Go: `bigint` is an int64 (integers read from
 * manifests), `number` a float64 (`jsonParse`, `yamlParse`, fractional numbers), {@link JsonNumber}
 * a `json.Number` (numbers from Vault, kept as their text).
 */
export type AvpValue =
  null | boolean | string | bigint | number | JsonNumber | AvpValue[] | AvpObject;

/** A JSON object. */
export interface AvpObject {
  [key: string]: AvpValue;
}

/** True for a plain object value. */
export function isAvpObject(value: AvpValue | undefined): value is AvpObject {
  return (
    typeof value === "object" && value !== null && !Array.isArray(value) && !isJsonNumber(value)
  );
}

/** The Go type name AVP prints in `invalid datatype` errors (`reflect.TypeOf`). */
export function goTypeName(value: AvpValue): string {
  if (value === null) return "<nil>";
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "bigint") return "int64";
  if (typeof value === "number") return "float64";
  if (isJsonNumber(value)) return "json.Number";
  if (Array.isArray(value)) return "[]interface {}";
  return "map[string]interface {}";
}

/**
 * Converts a value to what go-yaml sees after AVP's `json.Marshal` → `yaml.Unmarshal` round trip:
 * numbers become `int` when their JSON text is an integer go-yaml can hold, `float` otherwise.
 * @throws Error for NaN and infinities, which Go's JSON encoder refuses
 */
export function toYamlNode(value: AvpValue): YamlNode {
  if (value === null || typeof value === "boolean") return value;
  if (typeof value === "string") return foldNextLines(value);
  if (typeof value === "bigint") return { int: value };
  if (typeof value === "number") return numberNode(goJsonFloat(value));
  if (isJsonNumber(value)) return numberNode(value.text);
  if (Array.isArray(value)) return value.map(toYamlNode);
  const map = new Map<string, YamlNode>();
  for (const [key, inner] of Object.entries(value)) map.set(foldNextLines(key), toYamlNode(inner));
  return { mapping: map };
}

/**
 * Go's JSON encoder leaves U+0085 (NEL) unescaped, and go-yaml reads it inside the double-quoted
 * JSON string as a line break, which YAML folds: blanks around it vanish, one break becomes a
 * space, n breaks become n-1 newlines.
 */
function foldNextLines(text: string): string {
  if (!text.includes("\u0085")) return text;
  return text.replace(/[ \t]*\u0085(?:[ \t]*\u0085)*[ \t]*/g, (run) => {
    const breaks = run.split("\u0085").length - 1;
    return breaks === 1 ? " " : "\n".repeat(breaks - 1);
  });
}

function numberNode(text: string): YamlNode {
  const resolved = resolvePlain(text);
  if (resolved.tag === "int") return { int: resolved.value };
  if (resolved.tag === "float") return { float: resolved.value };
  return text;
}

/**
 * A number read from JSON as Kubernetes' unstructured decoder keeps it: int64 when the text is an
 * integer in range, float64 otherwise.
 */
export function unstructuredNumber(text: string): bigint | number {
  if (/^-?\d+$/.test(text)) {
    const value = BigInt(text);
    if (value >= -(2n ** 63n) && value < 2n ** 63n) return value;
  }
  return Number(text);
}

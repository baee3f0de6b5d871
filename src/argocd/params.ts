import { formatGoValue } from "./go-print.js";
import { isObject, type JsonObject, type JsonValue } from "./json.js";

/**
 * One parameter set of a generator. In fasttemplate mode it is flat (string values, keys with
 * dots and brackets); in goTemplate mode it is nested JSON data.
 */
export type ParamSet = JsonObject;

/**
 * Flattens nested data with `.` separators, list items keyed by index (jeremywohl/flatten
 * DotStyle, as Argo CD uses it), and prints every leaf with Go's `%v`. Empty objects and lists
 * produce no key; null leaves print `<nil>`.
 */
export function flattenToStrings(value: JsonObject, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  flattenInto(out, value, prefix);
  return out;
}

function flattenInto(out: Record<string, string>, value: JsonValue, prefix: string): void {
  const visit = (key: string, child: JsonValue): void => {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    if (isObject(child) || Array.isArray(child)) flattenInto(out, child, path);
    else out[path] = formatGoValue(child);
  };
  if (Array.isArray(value))
    value.forEach((child, index) => {
      visit(String(index), child);
    });
  else if (isObject(value)) for (const [key, child] of Object.entries(value)) visit(key, child);
}

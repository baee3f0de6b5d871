import { compareCodePoints, isJsonObject, type JsonValue, jsonNumber } from "./json-values.js";

/**
 * The part of gjson's path syntax (github.com/tidwall/gjson) that ESO's providers rely on for
 * `remoteRef.property`: dot-separated keys, `\` escapes (`a\.b` is the key `a.b`), array indexes
 * (`arr.0`), `#` (array length), `#.key` (that key of every element), and `*`/`?` wildcards in key
 * names (first match in key order; ESO reads JSON that Go marshalled, so keys are sorted).
 * Queries (`#(...)`) and `@modifiers` are not supported: such a path resolves to nothing.
 */
export function gjsonGet(value: JsonValue, path: string): JsonValue | undefined {
  const parts = splitPath(path);
  if (parts === undefined) return undefined;
  return walk(value, parts);
}

interface PathPart {
  text: string;
  wild: boolean;
}

function splitPath(path: string): PathPart[] | undefined {
  if (path === "") return undefined;
  const parts: PathPart[] = [];
  let text = "";
  let wild = false;
  for (let i = 0; i < path.length; i++) {
    const char = path.charAt(i);
    if (char === "\\" && i + 1 < path.length) {
      text += path.charAt(++i);
    } else if (char === ".") {
      parts.push({ text, wild });
      text = "";
      wild = false;
    } else {
      if (char === "*" || char === "?") wild = true;
      if (char === "@" && text === "") return undefined;
      if (char === "|") return undefined;
      text += char;
    }
  }
  parts.push({ text, wild });
  return parts;
}

function walk(value: JsonValue, parts: readonly PathPart[]): JsonValue | undefined {
  const [part, ...rest] = parts;
  if (part === undefined) return value;
  if (Array.isArray(value)) {
    if (part.text === "#") {
      if (rest.length === 0) return jsonNumber(String(value.length));
      const projected: JsonValue[] = [];
      for (const element of value) {
        const found = walk(element, rest);
        if (found !== undefined) projected.push(found);
      }
      return projected;
    }
    if (!/^\d+$/.test(part.text)) return undefined;
    const element = value[Number(part.text)];
    return element === undefined ? undefined : walk(element, rest);
  }
  if (!isJsonObject(value)) return undefined;
  if (!part.wild) {
    const next = Object.hasOwn(value, part.text) ? value[part.text] : undefined;
    return next === undefined ? undefined : walk(next, rest);
  }
  const pattern = wildcardPattern(part.text);
  for (const key of Object.keys(value).sort(compareCodePoints)) {
    const next = value[key];
    if (next !== undefined && pattern.test(key)) return walk(next, rest);
  }
  return undefined;
}

function wildcardPattern(text: string): RegExp {
  const source = Array.from(text)
    .map((char) => {
      if (char === "*") return "[\\s\\S]*";
      if (char === "?") return "[\\s\\S]";
      return char.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    })
    .join("");
  return new RegExp(`^${source}$`, "u");
}

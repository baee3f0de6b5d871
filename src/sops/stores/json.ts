// JSON as sops reads it (Go's token decoder: key order and duplicate keys kept, integers that fit
// int64 stay integers, everything else is float64) and writes it (Go's escaping, `": "`, json.Indent
// with a tab by default).
import { formatFloatF } from "../go-format.js";
import {
  floatValue,
  intValue,
  treeList,
  treeMap,
  type Comment,
  type TreeList,
  type TreeMap,
  type TreeValue,
} from "../tree.js";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A JSON syntax error with a 1-based line and column. */
export class JsonSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "JsonSyntaxError";
  }
}

// eslint-disable-next-line no-control-regex -- JSON forbids raw control characters in strings
const SPECIAL = /["\\\u0000-\u001f]/g;

class Parser {
  readonly #text: string;
  #pos = 0;

  constructor(text: string) {
    this.#text = text;
  }

  fail(what: string): never {
    const before = this.#text.slice(0, this.#pos);
    const line = before.split("\n").length;
    const column = this.#pos - before.lastIndexOf("\n");
    throw new JsonSyntaxError(`${what} at line ${line}, column ${column}`);
  }

  skipSpace(): void {
    while (this.#pos < this.#text.length && " \t\n\r".includes(this.#text[this.#pos] ?? ""))
      this.#pos++;
  }

  peek(): string | undefined {
    this.skipSpace();
    return this.#text[this.#pos];
  }

  expect(char: string): void {
    if (this.peek() !== char) this.unexpected(`expected ${JSON.stringify(char)}`);
    this.#pos++;
  }

  unexpected(context: string): never {
    const char = this.#text[this.#pos];
    if (char === undefined) this.fail(`unexpected end of JSON input (${context})`);
    this.fail(`invalid character ${JSON.stringify(char)} (${context})`);
  }

  value(depth: number): TreeValue {
    if (depth > 10_000) this.fail("exceeded max depth");
    const char = this.peek();
    if (char === "{") return this.object(depth + 1);
    if (char === "[") return this.array(depth + 1);
    if (char === '"') return this.string();
    for (const [word, value] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (this.#text.startsWith(word, this.#pos)) {
        this.#pos += word.length;
        return value;
      }
    }
    return this.number();
  }

  object(depth: number): TreeMap {
    this.expect("{");
    const map = treeMap();
    if (this.peek() === "}") {
      this.#pos++;
      return map;
    }
    for (;;) {
      if (this.peek() !== '"') this.unexpected("looking for beginning of object key string");
      const key = this.string();
      this.expect(":");
      map.items.push({ key, value: this.value(depth) });
      const next = this.peek();
      this.#pos++;
      if (next === "}") return map;
      if (next !== ",") {
        this.#pos--;
        this.unexpected("after object key:value pair");
      }
    }
  }

  array(depth: number): TreeList {
    this.expect("[");
    const list = treeList();
    if (this.peek() === "]") {
      this.#pos++;
      return list;
    }
    for (;;) {
      list.items.push(this.value(depth));
      const next = this.peek();
      this.#pos++;
      if (next === "]") return list;
      if (next !== ",") {
        this.#pos--;
        this.unexpected("after array element");
      }
    }
  }

  string(): string {
    this.expect('"');
    let out = "";
    for (;;) {
      // Jump to the next quote, backslash or control character in one native scan.
      SPECIAL.lastIndex = this.#pos;
      const match = SPECIAL.exec(this.#text);
      if (match === null) this.fail("unexpected end of JSON input in string");
      out += this.#text.slice(this.#pos, match.index);
      this.#pos = match.index;
      const char = match[0];
      if (char === '"') {
        this.#pos++;
        return out;
      }
      if (char !== "\\") this.fail("invalid character in string literal");
      out += this.escape();
    }
  }

  escape(): string {
    const char = this.#text[this.#pos + 1];
    this.#pos += 2;
    const simple: Record<string, string> = {
      '"': '"',
      "\\": "\\",
      "/": "/",
      b: "\b",
      f: "\f",
      n: "\n",
      r: "\r",
      t: "\t",
    };
    if (char !== undefined && char in simple) return simple[char] ?? "";
    if (char === "u") {
      const hex = this.#text.slice(this.#pos, this.#pos + 4);
      if (!/^[0-9a-fA-F]{4}$/.test(hex))
        this.fail("invalid character in \\u hexadecimal character escape");
      this.#pos += 4;
      return String.fromCharCode(Number.parseInt(hex, 16));
    }
    this.#pos--;
    this.fail("invalid character in string escape code");
  }

  number(): TreeValue {
    const match = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.#text.slice(this.#pos));
    if (match === null) this.unexpected("looking for beginning of value");
    const text = match[0];
    this.#pos += text.length;
    if (match[1] === undefined && match[2] === undefined) {
      const value = BigInt(text);
      if (value >= INT64_MIN && value <= INT64_MAX) return intValue(value);
    }
    const value = Number(text);
    if (!Number.isFinite(value)) this.fail(`number ${text} out of range`);
    return floatValue(value);
  }
}

/**
 * Parses the first JSON value of `text`, which must be an object (what follows it is ignored, as
 * Go's token decoder does).
 * @throws JsonSyntaxError with line and column; Error with sops's text for a non-object top level
 */
export function parseJsonObject(text: string): TreeMap {
  const parser = new Parser(text);
  const first = parser.peek();
  if (first === undefined) parser.fail("unexpected end of JSON input");
  if (first !== "{") {
    if (first === "[") {
      throw new Error(
        "SOPS only supports JSON files with a top-level object (starting with '{'), not arrays or other types. Got delimiter [ instead. To encrypt this file, wrap it in an object, e.g., {\"data\": [...]}",
      );
    }
    parser.value(0);
    throw new Error(
      "SOPS only supports JSON files with a top-level object (starting with '{'), not other JSON types",
    );
  }
  return parser.object(0);
}

// ---------------------------------------------------------------------------------------------
// Writing

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};
// Characters Go's encoder escapes: quotes, backslash, controls, HTML-sensitive <>&, U+2028/2029,
// and lone surrogates (invalid UTF-8 for Go, written as U+FFFD).
const NEEDS_ESCAPE =
  // eslint-disable-next-line no-control-regex -- Go escapes control characters
  /["\\\u0000-\u001f<>&\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

// eslint-disable-next-line no-control-regex -- Go escapes control characters
const MAYBE_ESCAPE = /["\\\u0000-\u001f<>&\u2028\u2029\ud800-\udfff]/;

/** Go `json.Marshal` of a string: HTML-safe escapes, U+2028/2029 escaped, \b and \f short forms. */
export function goJsonString(value: string): string {
  // Most values (and every ENC string) need no escaping: one quick scan decides.
  if (!MAYBE_ESCAPE.test(value)) return `"${value}"`;
  const escaped = value.replace(NEEDS_ESCAPE, (c) => {
    const short = SHORT_ESCAPES[c];
    if (short !== undefined) return short;
    const code = c.charCodeAt(0);
    if (code >= 0xd800 && code <= 0xdfff) return "\ufffd";
    return `\\u${code.toString(16).padStart(4, "0")}`;
  });
  return `"${escaped}"`;
}

/** Go `json.Marshal` of a float64 (shortest form, exponent outside [1e-6, 1e21)). */
function goJsonFloat(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`json: unsupported value: ${formatFloatF(value)}`);
  if (Object.is(value, -0)) return "-0";
  return String(value);
}

const isComment = (item: TreeValue | Comment): boolean =>
  typeof item === "object" && item !== null && "kind" in item && item.kind === "comment";

/**
 * Writes a value as Go's `json.Marshal` followed by `json.Indent(dst, src, "", indent)` would:
 * one element per line, `": "` after keys, empty objects and arrays as `{}` and `[]`.
 */
function encodeValue(value: TreeValue | Comment, indent: string, depth: number): string {
  if (typeof value === "string") return goJsonString(value);
  if (value instanceof Uint8Array) return goJsonString(Buffer.from(value).toString("utf8"));
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value === null) return "null";
  const inner = `\n${indent.repeat(depth + 1)}`;
  const close = `\n${indent.repeat(depth)}`;
  switch (value.kind) {
    case "map": {
      const items = value.items.flatMap((item) =>
        typeof item.key === "string"
          ? [`${goJsonString(item.key)}: ${encodeValue(item.value, indent, depth + 1)}`]
          : [],
      );
      return items.length === 0 ? "{}" : `{${inner}${items.join(`,${inner}`)}${close}}`;
    }
    case "list": {
      const items = value.items
        .filter((item) => !isComment(item))
        .map((item) => encodeValue(item, indent, depth + 1));
      return items.length === 0 ? "[]" : `[${inner}${items.join(`,${inner}`)}${close}]`;
    }
    case "int":
      return value.value.toString();
    case "float":
      return goJsonFloat(value.value);
    case "time":
      return goJsonString(value.text);
    case "comment":
      return "null";
    case "unsupported":
      return value.text;
  }
}

/**
 * The indentation string for a `--indent`/`stores.json.indent` value: -1 is a tab, N ≥ 0 is N spaces.
 * @throws Error below -1, with sops's text
 */
export function jsonIndentString(indent: number): string {
  if (indent < -1) throw new Error("JSON Indentation parameter smaller than -1 is not accepted");
  return indent === -1 ? "\t" : " ".repeat(indent);
}

/** Serialises a map as sops's JSON store does (with the final newline). */
export function emitJsonDocument(map: TreeMap, indent: number): string {
  return `${encodeValue(map, jsonIndentString(indent), 0)}\n`;
}

/** Serialises one value (for `--extract`), indented, without a final newline. */
export function emitJsonValue(value: TreeValue, indent: number): string {
  return encodeValue(value, jsonIndentString(indent), 0);
}

// JSON as sops reads it (Go's token decoder: key order and duplicate keys kept, integers that fit
// int64 stay integers, everything else is float64) and writes it (Go's escaping, `": "`, json.Indent
// with a tab by default).
import { formatFloatF } from "../go-format.js";
import { piecesToUtf8 } from "./pieces.js";
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
// eslint-disable-next-line no-control-regex -- a single range: V8 scans for it natively
const CONTROL = /[\u0000-\u001f]/;

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
    // Fast path for the usual string without escapes: find the closing quote and check the text
    // before it with native scans, instead of one character-class search per string.
    const close = this.#text.indexOf('"', this.#pos);
    if (close !== -1) {
      const body = this.#text.slice(this.#pos, close);
      if (!body.includes("\\") && !CONTROL.test(body)) {
        this.#pos = close + 1;
        return body;
      }
    }
    let out = "";
    for (;;) {
      // Jump to the next quote, backslash or control character in one scan.
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

// Only two-byte strings can hold these: on a one-byte string V8 answers without scanning.
const WIDE_ESCAPE = /[\u2028\u2029\ud800-\udfff]/;

/**
 * False when Go's encoder writes `value` unchanged between quotes (true may still turn out to need
 * nothing, as for a valid surrogate pair). Split into one-character searches and
 * single-range classes on purpose: V8 runs those as native scans, while one class holding all of
 * them is matched character by character, about ten times slower on a megabyte ENC string.
 */
export function mayNeedJsonEscape(value: string): boolean {
  return (
    value.includes('"') ||
    value.includes("\\") ||
    value.includes("<") ||
    value.includes(">") ||
    value.includes("&") ||
    CONTROL.test(value) ||
    WIDE_ESCAPE.test(value)
  );
}

/** Go `json.Marshal` of a string: HTML-safe escapes, U+2028/2029 escaped, \b and \f short forms. */
export function goJsonString(value: string): string {
  const out: string[] = [];
  writeJsonString(value, out);
  return out.join("");
}

/**
 * Appends Go's `json.Marshal` of a string to `out`. A string that needs no escaping (every ENC
 * string) is appended as it is, between two quote pieces, so a megabyte value is never copied
 * into a new string here.
 */
function writeJsonString(value: string, out: string[]): void {
  if (!mayNeedJsonEscape(value)) {
    out.push('"', value, '"');
    return;
  }
  const escaped = value.replace(NEEDS_ESCAPE, (c) => {
    const short = SHORT_ESCAPES[c];
    if (short !== undefined) return short;
    const code = c.charCodeAt(0);
    if (code >= 0xd800 && code <= 0xdfff) return "\ufffd";
    return `\\u${code.toString(16).padStart(4, "0")}`;
  });
  out.push(`"${escaped}"`);
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
 * one element per line, `": "` after keys, empty objects and arrays as `{}` and `[]`. Appends
 * pieces to `out` rather than returning a string: joining would copy every large value once per
 * nesting level.
 */
function encodeValue(
  value: TreeValue | Comment,
  indent: string,
  depth: number,
  out: string[],
): void {
  if (typeof value === "string") {
    writeJsonString(value, out);
    return;
  }
  if (value instanceof Uint8Array) {
    writeJsonString(Buffer.from(value).toString("utf8"), out);
    return;
  }
  if (typeof value === "boolean" || value === null) {
    out.push(String(value));
    return;
  }
  const inner = `\n${indent.repeat(depth + 1)}`;
  const close = `\n${indent.repeat(depth)}`;
  switch (value.kind) {
    case "map": {
      const start = out.length;
      for (const item of value.items) {
        if (typeof item.key !== "string") continue;
        out.push(out.length === start ? `{${inner}` : `,${inner}`);
        writeJsonString(item.key, out);
        out.push(": ");
        encodeValue(item.value, indent, depth + 1, out);
      }
      out.push(out.length === start ? "{}" : `${close}}`);
      return;
    }
    case "list": {
      const start = out.length;
      for (const item of value.items) {
        if (isComment(item)) continue;
        out.push(out.length === start ? `[${inner}` : `,${inner}`);
        encodeValue(item, indent, depth + 1, out);
      }
      out.push(out.length === start ? "[]" : `${close}]`);
      return;
    }
    case "int":
      out.push(value.value.toString());
      return;
    case "float":
      out.push(goJsonFloat(value.value));
      return;
    case "time":
      writeJsonString(value.text, out);
      return;
    case "comment":
      out.push("null");
      return;
    case "unsupported":
      out.push(value.text);
      return;
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
  return emitJsonDocumentPieces(map, indent).join("");
}

/** {@link emitJsonDocument} as UTF-8 bytes, without first joining a large document into one string. */
export function emitJsonDocumentBytes(map: TreeMap, indent: number): Uint8Array {
  return piecesToUtf8(emitJsonDocumentPieces(map, indent));
}

function emitJsonDocumentPieces(map: TreeMap, indent: number): string[] {
  const out: string[] = [];
  encodeValue(map, jsonIndentString(indent), 0, out);
  out.push("\n");
  return out;
}

/** Serialises one value (for `--extract`), indented, without a final newline. */
export function emitJsonValue(value: TreeValue, indent: number): string {
  const out: string[] = [];
  encodeValue(value, jsonIndentString(indent), 0, out);
  return out.join("");
}

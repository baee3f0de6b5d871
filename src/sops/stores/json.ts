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
    const start = this.#pos;
    let out = "";
    let chunk = start;
    while (this.#pos < this.#text.length) {
      const code = this.#text.charCodeAt(this.#pos);
      if (code === 0x22) {
        out += this.#text.slice(chunk, this.#pos);
        this.#pos++;
        return out;
      }
      if (code < 0x20) this.fail("invalid character in string literal");
      if (code === 0x5c) {
        out += this.#text.slice(chunk, this.#pos);
        out += this.escape();
        chunk = this.#pos;
        continue;
      }
      this.#pos++;
    }
    this.fail("unexpected end of JSON input in string");
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

const HEX = "0123456789abcdef";

/** Go `json.Marshal` of a string: HTML-safe escapes, U+2028/2029 escaped, \b and \f short forms. */
export function goJsonString(value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    switch (char) {
      case '"':
        out += '\\"';
        continue;
      case "\\":
        out += "\\\\";
        continue;
      case "\n":
        out += "\\n";
        continue;
      case "\r":
        out += "\\r";
        continue;
      case "\t":
        out += "\\t";
        continue;
      case "\b":
        out += "\\b";
        continue;
      case "\f":
        out += "\\f";
        continue;
    }
    if (
      code < 0x20 ||
      char === "<" ||
      char === ">" ||
      char === "&" ||
      code === 0x2028 ||
      code === 0x2029
    ) {
      out += `\\u${HEX[(code >> 12) & 15] ?? ""}${HEX[(code >> 8) & 15] ?? ""}${HEX[(code >> 4) & 15] ?? ""}${HEX[code & 15] ?? ""}`;
      continue;
    }
    // Lone surrogates are invalid UTF-8 in Go and become U+FFFD.
    out += code >= 0xd800 && code <= 0xdfff ? "\ufffd" : char;
  }
  return `${out}"`;
}

/** Go `json.Marshal` of a float64 (shortest form, exponent outside [1e-6, 1e21)). */
function goJsonFloat(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`json: unsupported value: ${formatFloatF(value)}`);
  if (Object.is(value, -0)) return "-0";
  return String(value);
}

type Json = string;

function encodeValue(value: TreeValue | Comment): Json {
  if (typeof value === "string") return goJsonString(value);
  if (value instanceof Uint8Array) return goJsonString(Buffer.from(value).toString("utf8"));
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value === null) return "null";
  switch (value.kind) {
    case "map":
      return `{${value.items
        .filter((item) => typeof item.key === "string")
        .map((item) => `${goJsonString(item.key as string)}: ${encodeValue(item.value)}`)
        .join(",")}}`;
    case "list":
      return `[${value.items
        .filter(
          (item) =>
            !(
              typeof item === "object" &&
              item !== null &&
              "kind" in item &&
              item.kind === "comment"
            ),
        )
        .map(encodeValue)
        .join(",")}]`;
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
 * Go `json.Indent(dst, src, "", indent)` over compact JSON: one element per line, `": "` after
 * keys, empty objects and arrays kept as `{}` and `[]`.
 */
function indentJson(compact: string, indent: string): string {
  let out = "";
  let depth = 0;
  let inString = false;
  let needIndent = false;
  const newline = (): string => `\n${indent.repeat(depth)}`;
  for (let i = 0; i < compact.length; i++) {
    const c = compact[i] ?? "";
    if (inString) {
      out += c;
      if (c === "\\") {
        out += compact[i + 1] ?? "";
        i++;
      } else if (c === '"') {
        inString = false;
      }
      continue;
    }
    if (c === " ") continue;
    if (needIndent && c !== "]" && c !== "}") {
      needIndent = false;
      depth++;
      out += newline();
    }
    switch (c) {
      case '"':
        inString = true;
        out += c;
        break;
      case "{":
      case "[":
        needIndent = true;
        out += c;
        break;
      case ",":
        out += c + newline();
        break;
      case ":":
        out += ": ";
        break;
      case "}":
      case "]":
        if (needIndent) {
          needIndent = false;
        } else {
          depth--;
          out += newline();
        }
        out += c;
        break;
      default:
        out += c;
    }
  }
  return out;
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
  return `${indentJson(encodeValue(map), jsonIndentString(indent))}\n`;
}

/** Serialises one value (for `--extract`), indented, without a final newline. */
export function emitJsonValue(value: TreeValue, indent: number): string {
  return indentJson(encodeValue(value), jsonIndentString(indent));
}

// Go's encoding/json for template values: Marshal (sorted map keys, HTML-safe escaping of < > &,
// Go's number format) and Unmarshal into interface{} with Go's error texts, so that toJson,
// fromJson and mustFromJson behave as in Sprig.
import { GoInt, GoMap, GoSlice, GoStruct, isPlainObject, sortedKeys } from "./value.js";

/** A value Go's json.Marshal refuses (NaN, ±Inf, unsupported types); message is Go's. */
export class JSONMarshalError extends Error {}

/** Go values that marshal to a custom JSON form (time.Time, *semver.Version). */
export interface JSONMarshaler {
  goJSON(): unknown;
}

function hasGoJSON(v: object): v is JSONMarshaler {
  return typeof (v as Partial<JSONMarshaler>).goJSON === "function";
}

const hex = "0123456789abcdef";

/** Go's encodeState.string: escapes quotes, backslashes, control characters, and (HTML-safe) <>&. */
export function jsonString(s: string, escapeHTML: boolean): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | undefined;
    if (c === 0x22) esc = '\\"';
    else if (c === 0x5c) esc = "\\\\";
    else if (c < 0x20) {
      if (c === 0x0a) esc = "\\n";
      else if (c === 0x0d) esc = "\\r";
      else if (c === 0x09) esc = "\\t";
      else if (c === 0x08) esc = "\\b";
      else if (c === 0x0c) esc = "\\f";
      else esc = "\\u00" + hex.charAt(c >> 4) + hex.charAt(c & 15);
    } else if (escapeHTML && (c === 0x3c || c === 0x3e || c === 0x26)) {
      esc = "\\u00" + hex.charAt(c >> 4) + hex.charAt(c & 15);
    } else if (c === 0x2028 || c === 0x2029) esc = "\\u202" + hex.charAt(c & 15);
    else if (c >= 0xd800 && c <= 0xdfff) {
      // A lone surrogate is not UTF-8; Go writes the replacement character.
      const pair = c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
      if (pair) {
        i++;
        continue;
      }
      esc = "\ufffd";
    }
    if (esc !== undefined) {
      out += s.slice(start, i) + esc;
      start = i + 1;
    }
  }
  return out + s.slice(start) + '"';
}

/** Go's float64 JSON form: %f-like digits, exponent form below 1e-6 and from 1e21 (as JavaScript). */
function jsonNumber(f: number): string {
  if (!Number.isFinite(f))
    throw new JSONMarshalError(`json: unsupported value: ${formatSpecial(f)}`);
  return Object.is(f, -0) ? "-0" : String(f);
}

function formatSpecial(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  return f > 0 ? "+Inf" : "-Inf";
}

interface Encoder {
  escapeHTML: boolean;
  indent: string;
}

function encode(v: unknown, e: Encoder, depth: number): string {
  if (v === null || v === undefined) return "null";
  switch (typeof v) {
    case "string":
      return jsonString(v, e.escapeHTML);
    case "number":
      return jsonNumber(v);
    case "boolean":
      return v ? "true" : "false";
    default:
      break;
  }
  if (v instanceof GoInt) return v.value.toString();
  if (v instanceof Uint8Array) return '"' + Buffer.from(v).toString("base64") + '"';
  if (Array.isArray(v) || v instanceof GoSlice) {
    const items = v instanceof GoSlice ? v.items : v;
    return wrap(
      "[",
      "]",
      items.map((x) => encode(x, e, depth + 1)),
      e,
      depth,
    );
  }
  if (isPlainObject(v) || v instanceof GoMap) {
    const entries = v instanceof GoMap ? v.entries : v;
    const sep = e.indent === "" ? ":" : ": ";
    const parts = sortedKeys(entries).map(
      (k) => jsonString(k, e.escapeHTML) + sep + encode(entries[k], e, depth + 1),
    );
    return wrap("{", "}", parts, e, depth);
  }
  if (typeof v === "object" && hasGoJSON(v)) return encode(v.goJSON(), e, depth);
  if (v instanceof GoStruct) return "{}";
  throw new JSONMarshalError(`json: unsupported type: ${typeof v}`);
}

function wrap(open: string, close: string, parts: string[], e: Encoder, depth: number): string {
  if (parts.length === 0) return open + close;
  if (e.indent === "") return open + parts.join(",") + close;
  const inner = "\n" + e.indent.repeat(depth + 1);
  return open + inner + parts.join("," + inner) + "\n" + e.indent.repeat(depth) + close;
}

/**
 * Go's json.Marshal (`indent` = "" ) or json.MarshalIndent(v, "", indent).
 * @throws JSONMarshalError for NaN and infinities, as Go does
 */
export function marshalJSON(
  v: unknown,
  options: { escapeHTML?: boolean; indent?: string } = {},
): string {
  return encode(v, { escapeHTML: options.escapeHTML ?? true, indent: options.indent ?? "" }, 0);
}

// ---------------------------------------------------------------------------------------------
// Decoding

/** A JSON syntax error; the message is Go's (`invalid character 'x' looking for beginning of value`). */
export class JSONSyntaxError extends Error {}

/** Go's quoteChar for scanner errors. */
function quoteChar(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '"') return "'\"'";
  const q = JSON.stringify(c);
  return "'" + q.slice(1, -1) + "'";
}

class Decoder {
  readonly s: string;
  i = 0;

  constructor(s: string) {
    this.s = s;
  }

  fail(context: string): never {
    if (this.i >= this.s.length) throw new JSONSyntaxError("unexpected end of JSON input");
    const ch = String.fromCodePoint(this.s.codePointAt(this.i) ?? 0);
    throw new JSONSyntaxError(`invalid character ${quoteChar(ch)} ${context}`);
  }

  skipSpace(): void {
    while (this.i < this.s.length) {
      const c = this.s.charCodeAt(this.i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      this.i++;
    }
  }

  value(): unknown {
    this.skipSpace();
    const c = this.s[this.i];
    if (c === "{") return this.object();
    if (c === "[") return this.array();
    if (c === '"') return this.string();
    if (c === "t") return this.literal("true", true);
    if (c === "f") return this.literal("false", false);
    if (c === "n") return this.literal("null", null);
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return this.number();
    return this.fail("looking for beginning of value");
  }

  literal<T>(word: string, value: T): T {
    for (let k = 0; k < word.length; k++, this.i++) {
      if (this.s[this.i] !== word[k])
        this.fail(`in literal ${word} (expecting ${quoteChar(word[k] ?? "")})`);
    }
    return value;
  }

  number(): number {
    const start = this.i;
    if (this.s[this.i] === "-") this.i++;
    const digit = (): boolean => {
      const c = this.s[this.i];
      return c !== undefined && c >= "0" && c <= "9";
    };
    if (this.s[this.i] === "0") this.i++;
    else if (digit()) while (digit()) this.i++;
    else this.fail("in numeric literal");
    if (this.s[this.i] === ".") {
      this.i++;
      if (!digit()) this.fail("after decimal point in numeric literal");
      while (digit()) this.i++;
    }
    if (this.s[this.i] === "e" || this.s[this.i] === "E") {
      this.i++;
      if (this.s[this.i] === "+" || this.s[this.i] === "-") this.i++;
      if (!digit()) this.fail("in exponent of numeric literal");
      while (digit()) this.i++;
    }
    const text = this.s.slice(start, this.i);
    const f = Number(text);
    if (!Number.isFinite(f)) {
      throw new JSONSyntaxError(
        `json: cannot unmarshal number ${text} into Go value of type float64`,
      );
    }
    return f;
  }

  string(): string {
    this.i++; // opening quote
    let out = "";
    let start = this.i;
    for (;;) {
      const c = this.s.charCodeAt(this.i);
      if (this.i >= this.s.length) this.fail("");
      if (c === 0x22) break;
      if (c < 0x20) this.fail("in string literal");
      if (c === 0x5c) {
        out += this.s.slice(start, this.i);
        out += this.escape();
        start = this.i;
        continue;
      }
      this.i++;
    }
    out += this.s.slice(start, this.i);
    this.i++;
    return out;
  }

  escape(): string {
    this.i++;
    const e = this.s[this.i];
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
    if (e !== undefined && simple[e] !== undefined) {
      this.i++;
      return simple[e];
    }
    if (e !== "u") this.fail("in string escape code");
    this.i++;
    let code = 0;
    for (let k = 0; k < 4; k++) {
      const h = this.s[this.i];
      const d = h === undefined ? -1 : "0123456789abcdef".indexOf(h.toLowerCase());
      if (d < 0) this.fail("in \\u hexadecimal character escape");
      code = code * 16 + d;
      this.i++;
    }
    return String.fromCharCode(code);
  }

  array(): unknown[] {
    this.i++;
    const out: unknown[] = [];
    this.skipSpace();
    if (this.s[this.i] === "]") {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.skipSpace();
      const c = this.s[this.i];
      this.i++;
      if (c === "]") return out;
      if (c !== ",") {
        this.i--;
        this.fail("after array element");
      }
    }
  }

  object(): Record<string, unknown> {
    this.i++;
    const out: Record<string, unknown> = {};
    this.skipSpace();
    if (this.s[this.i] === "}") {
      this.i++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      if (this.s[this.i] !== '"') this.fail("looking for beginning of object key string");
      const key = this.string();
      this.skipSpace();
      if (this.s[this.i] !== ":") this.fail("after object key");
      this.i++;
      Object.defineProperty(out, key, {
        value: this.value(),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.skipSpace();
      const c = this.s[this.i];
      this.i++;
      if (c === "}") return out;
      if (c !== ",") {
        this.i--;
        this.fail("after object key:value pair");
      }
    }
  }
}

/**
 * Go's json.Unmarshal into interface{}: objects become plain objects, numbers float64.
 * @throws JSONSyntaxError with Go's message
 */
export function unmarshalJSON(text: string): unknown {
  const d = new Decoder(text);
  const v = d.value();
  d.skipSpace();
  if (d.i < text.length) d.fail("after top-level value");
  return v;
}

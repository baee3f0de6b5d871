import type { AvpObject, AvpValue } from "./value.js";

/** A JSON syntax error worded as Go's `encoding/json` words it. */
export class GoJsonSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GoJsonSyntaxError";
  }
}

/** Go's `quoteChar`: how the scanner shows the offending character. */
function quoteChar(char: string): string {
  if (char === "'") return "'\\''";
  if (char === '"') return "'\"'";
  const named: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\" };
  const code = char.codePointAt(0) ?? 0;
  const shown =
    named[char] ??
    (code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, "0")}` : char);
  return `'${shown}'`;
}

class Scanner {
  readonly #text: string;
  #pos = 0;
  readonly #number: (text: string) => AvpValue;

  constructor(text: string, number: (text: string) => AvpValue) {
    this.#text = text;
    this.#number = number;
  }

  get position(): number {
    return this.#pos;
  }

  skipSpace(): void {
    while (this.#pos < this.#text.length && " \t\n\r".includes(this.#text.charAt(this.#pos)))
      this.#pos++;
  }

  atEnd(): boolean {
    return this.#pos >= this.#text.length;
  }

  peekChar(): string {
    return String.fromCodePoint(this.#text.codePointAt(this.#pos) ?? 0);
  }

  fail(context: string): never {
    if (this.atEnd()) throw new GoJsonSyntaxError("unexpected end of JSON input");
    throw new GoJsonSyntaxError(`invalid character ${quoteChar(this.peekChar())} ${context}`);
  }

  value(): AvpValue {
    this.skipSpace();
    const char = this.#text.charAt(this.#pos);
    if (char === "{") return this.#object();
    if (char === "[") return this.#array();
    if (char === '"') return this.#string();
    if (char === "-" || (char >= "0" && char <= "9")) return this.#numberValue();
    if (char === "t") return this.#literal("true", true);
    if (char === "f") return this.#literal("false", false);
    if (char === "n") return this.#literal("null", null);
    return this.fail("looking for beginning of value");
  }

  #object(): AvpObject {
    this.#pos++;
    const out: AvpObject = {};
    this.skipSpace();
    if (this.#text.charAt(this.#pos) === "}") {
      this.#pos++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      if (this.#text.charAt(this.#pos) !== '"')
        this.fail("looking for beginning of object key string");
      const key = this.#string();
      this.skipSpace();
      if (this.#text.charAt(this.#pos) !== ":") this.fail("after object key");
      this.#pos++;
      out[key] = this.value();
      this.skipSpace();
      const next = this.#text.charAt(this.#pos);
      this.#pos++;
      if (next === "}") return out;
      if (next !== ",") {
        this.#pos--;
        this.fail("after object key:value pair");
      }
    }
  }

  #array(): AvpValue[] {
    this.#pos++;
    const out: AvpValue[] = [];
    this.skipSpace();
    if (this.#text.charAt(this.#pos) === "]") {
      this.#pos++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.skipSpace();
      const next = this.#text.charAt(this.#pos);
      this.#pos++;
      if (next === "]") return out;
      if (next !== ",") {
        this.#pos--;
        this.fail("after array element");
      }
    }
  }

  #string(): string {
    this.#pos++;
    let out = "";
    for (;;) {
      if (this.atEnd()) this.fail("in string literal");
      const char = this.#text.charAt(this.#pos);
      if (char === '"') {
        this.#pos++;
        return out;
      }
      if (char < " ") this.fail("in string literal");
      if (char !== "\\") {
        out += char;
        this.#pos++;
        continue;
      }
      this.#pos++;
      out += this.#escape();
    }
  }

  #escape(): string {
    const char = this.#text.charAt(this.#pos);
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
    const mapped = simple[char];
    if (mapped !== undefined) {
      this.#pos++;
      return mapped;
    }
    if (char !== "u") this.fail("in string escape code");
    this.#pos++;
    let hex = "";
    for (let i = 0; i < 4; i++) {
      const digit = this.#text.charAt(this.#pos);
      if (!/^[0-9a-fA-F]$/.test(digit)) this.fail("in \\u hexadecimal character escape");
      hex += digit;
      this.#pos++;
    }
    return String.fromCharCode(parseInt(hex, 16));
  }

  #numberValue(): AvpValue {
    const start = this.#pos;
    const digits = (): number => {
      const from = this.#pos;
      while (this.#text.charAt(this.#pos) >= "0" && this.#text.charAt(this.#pos) <= "9")
        this.#pos++;
      return this.#pos - from;
    };
    if (this.#text.charAt(this.#pos) === "-") this.#pos++;
    if (this.#text.charAt(this.#pos) === "0") this.#pos++;
    else if (digits() === 0) this.fail("in numeric literal");
    if (this.#text.charAt(this.#pos) === ".") {
      this.#pos++;
      if (digits() === 0) this.fail("after decimal point in numeric literal");
    }
    if (/^[eE]$/.test(this.#text.charAt(this.#pos))) {
      this.#pos++;
      if (/^[+-]$/.test(this.#text.charAt(this.#pos))) this.#pos++;
      if (digits() === 0) this.fail("in exponent of numeric literal");
    }
    return this.#number(this.#text.slice(start, this.#pos));
  }

  #literal(word: string, value: boolean | null): AvpValue {
    for (let i = 0; i < word.length; i++) {
      if (this.#text.charAt(this.#pos) !== word.charAt(i)) {
        this.fail(`in literal ${word} (expecting ${quoteChar(word.charAt(i))})`);
      }
      this.#pos++;
    }
    return value;
  }
}

/**
 * Go's `json.Unmarshal` into `interface{}`: one value, nothing after it; every number goes through
 * `number` (float64 for `interface{}`, or the unstructured int64/float64 rule).
 * @throws GoJsonSyntaxError with Go's message
 */
export function goJsonUnmarshal(
  text: string,
  number: (text: string) => AvpValue = Number,
): AvpValue {
  const scanner = new Scanner(text, number);
  scanner.skipSpace();
  if (scanner.atEnd()) throw new GoJsonSyntaxError("unexpected end of JSON input");
  const value = scanner.value();
  scanner.skipSpace();
  if (!scanner.atEnd()) scanner.fail("after top-level value");
  return value;
}

/**
 * Go's `json.Decoder` over a stream of concatenated JSON values.
 * @throws GoJsonSyntaxError with Go's message
 */
export function goJsonStream(text: string, number: (text: string) => AvpValue): AvpValue[] {
  const scanner = new Scanner(text, number);
  const values: AvpValue[] = [];
  for (;;) {
    scanner.skipSpace();
    if (scanner.atEnd()) return values;
    values.push(scanner.value());
  }
}

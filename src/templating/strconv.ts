// The parts of Go's strconv the engine needs: float formatting (shortest and fixed precision, with
// Go's round-half-even on the exact binary value), quoting (%q), unquoting of template literals,
// and integer/float parsing with Go's literal syntax (base prefixes, underscores).

/** Go's unicode.IsPrint / strconv.IsPrint: letters, marks, numbers, punctuation, symbols, ASCII space. */
const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Whether Go considers the code point printable. */
export function isPrint(cp: number): boolean {
  if (cp < 0x80) return cp >= 0x20 && cp < 0x7f;
  return printable.test(String.fromCodePoint(cp));
}

/** Go's unicode.IsLetter. */
export function isLetter(cp: number): boolean {
  if (cp < 0x80) return (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a);
  return /^\p{L}$/u.test(String.fromCodePoint(cp));
}

/** Go's unicode.IsDigit (decimal digits of any script). */
export function isDigit(cp: number): boolean {
  if (cp < 0x80) return cp >= 0x30 && cp <= 0x39;
  return /^\p{Nd}$/u.test(String.fromCodePoint(cp));
}

/** Go's `%#U` rendering of a code point: `U+0041 'A'` (the quoted char only when printable). */
export function formatCodePoint(cp: number): string {
  const hex = cp.toString(16).toUpperCase().padStart(4, "0");
  return isPrint(cp) ? `U+${hex} '${String.fromCodePoint(cp)}'` : `U+${hex}`;
}

const hexDigits = "0123456789abcdef";

function escapeRune(cp: number, quote: number, asciiOnly: boolean): string {
  if (cp === quote || cp === 0x5c) return "\\" + String.fromCodePoint(cp);
  if (asciiOnly ? cp < 0x80 && isPrint(cp) : isPrint(cp)) return String.fromCodePoint(cp);
  switch (cp) {
    case 0x07:
      return "\\a";
    case 0x08:
      return "\\b";
    case 0x0c:
      return "\\f";
    case 0x0a:
      return "\\n";
    case 0x0d:
      return "\\r";
    case 0x09:
      return "\\t";
    case 0x0b:
      return "\\v";
    default:
      break;
  }
  if (cp < 0x20 || cp === 0x7f)
    return "\\x" + hexDigits.charAt(cp >> 4) + hexDigits.charAt(cp & 15);
  if (cp < 0x10000) return "\\u" + cp.toString(16).padStart(4, "0");
  return "\\U" + cp.toString(16).padStart(8, "0");
}

function quoteWith(s: string, quote: number, asciiOnly: boolean): string {
  const q = String.fromCharCode(quote);
  let out = q;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    // A lone surrogate cannot come from UTF-8; Go would see the replacement character.
    out += escapeRune(cp >= 0xd800 && cp <= 0xdfff ? 0xfffd : cp, quote, asciiOnly);
  }
  return out + q;
}

/** Go's strconv.Quote. */
export function quote(s: string): string {
  return quoteWith(s, 0x22, false);
}

/** Go's strconv.QuoteToASCII. */
export function quoteToASCII(s: string): string {
  return quoteWith(s, 0x22, true);
}

/** Go's strconv.QuoteRune (for %q of an integer). */
export function quoteRune(cp: number, asciiOnly = false): string {
  const r = cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp < 0 ? 0xfffd : cp;
  return "'" + escapeRune(r, 0x27, asciiOnly) + "'";
}

/** Go's strconv.CanBackquote. */
export function canBackquote(s: string): boolean {
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp === 0x60 || cp === 0xfeff) return false;
    if (cp < 0x20 && cp !== 0x09) return false;
    if (cp === 0x7f) return false;
  }
  return true;
}

/** Thrown for malformed literals; its message is Go's ErrSyntax text. */
export class SyntaxError extends Error {
  constructor() {
    super("invalid syntax");
    this.name = "SyntaxError";
  }
}

function unhex(c: string | undefined): number {
  if (c === undefined) return -1;
  const i = "0123456789abcdef".indexOf(c.toLowerCase());
  return i;
}

/**
 * Go's strconv.UnquoteChar: decodes one (possibly escaped) character at `s[i]` inside a literal
 * quoted with `quote`. Returns the code point or byte value, whether it is a byte (\x, octal), and
 * the index after it.
 */
export function unquoteChar(
  s: string,
  i: number,
  quoteChar: string,
): { value: number; isByte: boolean; next: number } {
  const c = s[i];
  if (c === undefined) throw new SyntaxError();
  if (c === quoteChar && (quoteChar === "'" || quoteChar === '"')) throw new SyntaxError();
  if (c !== "\\") {
    const cp = s.codePointAt(i) ?? 0;
    return { value: cp, isByte: false, next: i + (cp > 0xffff ? 2 : 1) };
  }
  const e = s[i + 1];
  if (e === undefined) throw new SyntaxError();
  const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, "\\": 92 };
  const known = simple[e];
  if (known !== undefined) return { value: known, isByte: false, next: i + 2 };
  if (e === "x" || e === "u" || e === "U") return unquoteHex(s, i, e);
  if (e >= "0" && e <= "7") return unquoteOctal(s, i, e);
  if ((e === "'" || e === '"') && e === quoteChar)
    return { value: e.charCodeAt(0), isByte: false, next: i + 2 };
  throw new SyntaxError();
}

function unquoteHex(
  s: string,
  i: number,
  e: string,
): { value: number; isByte: boolean; next: number } {
  const n = e === "x" ? 2 : e === "u" ? 4 : 8;
  let v = 0;
  for (let j = 0; j < n; j++) {
    const x = unhex(s[i + 2 + j]);
    if (x < 0) throw new SyntaxError();
    v = v * 16 + x;
  }
  if (e === "x") return { value: v, isByte: true, next: i + 2 + n };
  if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) throw new SyntaxError();
  return { value: v, isByte: false, next: i + 2 + n };
}

function unquoteOctal(
  s: string,
  i: number,
  e: string,
): { value: number; isByte: boolean; next: number } {
  let v = e.charCodeAt(0) - 48;
  for (let j = 0; j < 2; j++) {
    const d = s[i + 2 + j];
    if (d === undefined || d < "0" || d > "7") throw new SyntaxError();
    v = v * 8 + d.charCodeAt(0) - 48;
  }
  if (v > 255) throw new SyntaxError();
  return { value: v, isByte: true, next: i + 4 };
}

/** Decodes a run of bytes from \x and octal escapes, then appends it (invalid UTF-8 becomes U+FFFD). */
function flushBytes(bytes: number[]): string {
  if (bytes.length === 0) return "";
  const text = new TextDecoder("utf-8").decode(Uint8Array.from(bytes));
  bytes.length = 0;
  return text;
}

/**
 * Go's strconv.Unquote for "..." and `...` literals. Bytes written with \x or octal escapes are
 * decoded as UTF-8; a sequence that is not UTF-8 becomes U+FFFD (a JavaScript string cannot hold
 * raw bytes).
 * @throws SyntaxError for malformed literals
 */
export function unquote(literal: string): string {
  const q = literal.charAt(0);
  if (literal.length < 2 || !literal.endsWith(q)) throw new SyntaxError();
  const body = literal.slice(1, -1);
  if (q === "`") {
    if (body.includes("`")) throw new SyntaxError();
    return body.includes("\r") ? body.replaceAll("\r", "") : body;
  }
  if (q !== '"') throw new SyntaxError();
  if (body.includes("\n")) throw new SyntaxError();
  if (!body.includes("\\") && !body.includes('"')) return body;
  let out = "";
  const bytes: number[] = [];
  for (let i = 0; i < body.length;) {
    const { value, isByte, next } = unquoteChar(body, i, '"');
    if (isByte) bytes.push(value);
    else {
      out += flushBytes(bytes) + String.fromCodePoint(value);
    }
    i = next;
  }
  return out + flushBytes(bytes);
}

// ---------------------------------------------------------------------------------------------
// Number parsing (Go's ParseInt/ParseUint with base 0, and ParseFloat)

/** Go's underscoreOK: underscores only between digits, or between a base prefix and a digit. */
function underscoreOK(s: string): boolean {
  let saw = "^";
  let i = 0;
  if (s.length >= 1 && (s.startsWith("-") || s.startsWith("+"))) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s.startsWith("0") && "bBoOxX".includes(s[1] ?? "")) {
    i = 2;
    saw = "0";
    hex = s[1] === "x" || s[1] === "X";
  }
  for (; i < s.length; i++) {
    const c = s[i] ?? "";
    if ((c >= "0" && c <= "9") || (hex && /[a-fA-F]/.test(c))) {
      saw = "0";
      continue;
    }
    if (c === "_") {
      if (saw !== "0") return false;
      saw = "_";
      continue;
    }
    if (saw === "_") return false;
    saw = "!";
  }
  return saw !== "_";
}

/**
 * Go's strconv.ParseUint(s, 0, 64) (signed = false) or ParseInt(s, 0, 64) (signed = true):
 * the value, or undefined when Go reports an error (syntax or range).
 */
export function parseGoInteger(text: string, signed: boolean): bigint | undefined {
  let s = text;
  let negative = false;
  if (signed && (s.startsWith("+") || s.startsWith("-"))) {
    negative = s.startsWith("-");
    s = s.slice(1);
  }
  if (s === "") return undefined;
  let base = 10;
  let digits = s;
  if (s.startsWith("0") && s.length > 1) {
    const p = s[1]?.toLowerCase();
    if (p === "x") [base, digits] = [16, s.slice(2)];
    else if (p === "o") [base, digits] = [8, s.slice(2)];
    else if (p === "b") [base, digits] = [2, s.slice(2)];
    else [base, digits] = [8, s.slice(1)];
  }
  if (digits.includes("_") && !underscoreOK(s)) return undefined;
  digits = digits.replaceAll("_", "");
  if (digits === "") return undefined;
  const valid = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[base];
  if (!valid?.test(digits)) return undefined;
  const prefix = base === 16 ? "0x" : base === 8 ? "0o" : base === 2 ? "0b" : "";
  let v = BigInt(prefix + digits);
  if (negative) v = -v;
  if (signed ? v < -(2n ** 63n) || v >= 2n ** 63n : v >= 2n ** 64n) return undefined;
  return v;
}

function parseHexFloat(s: string): number | undefined {
  const m = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?[0-9]+)$/.exec(s);
  if (m === null) return undefined;
  const [, sign, intPart = "", frac = "", exp = "0"] = m;
  if (intPart === "" && frac === "") return undefined;
  const mant = BigInt("0x" + (intPart + frac || "0"));
  const value = Number(mant) * 2 ** (Number(exp) - 4 * frac.length);
  return sign === "-" ? -value : value;
}

/** Go's strconv.ParseFloat(s, 64) for template literals: the value or undefined on error. */
export function parseGoFloat(text: string): number | undefined {
  if (text.includes("_")) {
    if (!underscoreOK(text)) return undefined;
    text = text.replaceAll("_", "");
  }
  if (/^[+-]?0[xX]/.test(text)) return parseHexFloat(text);
  if (!/^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(text)) return undefined;
  const v = Number(text);
  if (!Number.isFinite(v)) return undefined; // Go reports "value out of range"
  return v;
}

// ---------------------------------------------------------------------------------------------
// Float formatting (strconv.FormatFloat)

/** Decimal digits of a float: value = 0.d1d2d3... × 10^dp. `digits` has no trailing zeros. */
interface Decimal {
  digits: string;
  dp: number;
}

function trimZeros(d: Decimal): Decimal {
  let end = d.digits.length;
  while (end > 0 && d.digits[end - 1] === "0") end--;
  if (end === 0) return { digits: "", dp: 0 };
  return end === d.digits.length ? d : { digits: d.digits.slice(0, end), dp: d.dp };
}

/** The shortest decimal that reads back as |x| (x finite, non-zero), as Go's Ryu does. */
function shortestDecimal(x: number): Decimal {
  const e = Math.abs(x).toExponential(); // "d.ddde+N": shortest round-trip digits
  const at = e.indexOf("e");
  return trimZeros({ digits: e.slice(0, at).replace(".", ""), dp: Number(e.slice(at + 1)) + 1 });
}

/** The mantissa (with the implicit bit) and binary exponent of |x|: |x| = mant × 2^(exp-52). */
function floatBits(x: number): { mant: bigint; exp: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const mant = bits & ((1n << 52n) - 1n);
  if (biased === 0) return { mant, exp: 1 - 1023 };
  return { mant: mant | (1n << 52n), exp: biased - 1023 };
}

/** strconv's %b: decimal mantissa, "p", binary exponent (4503599627370496p-52). */
function fmtB(neg: boolean, x: number): string {
  const { mant, exp } = floatBits(x);
  const e = exp - 52;
  return (neg ? "-" : "") + mant.toString() + "p" + (e >= 0 ? "+" : "") + String(e);
}

const mask64 = (1n << 64n) - 1n;

/** strconv's %x: -0x1.yyyyp±dd, rounded to `prec` hex digits when prec >= 0. */
function fmtX(neg: boolean, x: number, prec: number, upper: boolean): string {
  let { mant, exp } = floatBits(x);
  if (mant === 0n) exp = 0;
  mant = (mant << 8n) & mask64;
  while (mant !== 0n && (mant & (1n << 60n)) === 0n) {
    mant = (mant << 1n) & mask64;
    exp--;
  }
  if (prec >= 0 && prec < 15) {
    const shift = BigInt(prec * 4);
    const extra = (mant << shift) & ((1n << 60n) - 1n);
    mant >>= 60n - shift;
    if ((extra | (mant & 1n)) > 1n << 59n) mant++;
    mant = (mant << (60n - shift)) & mask64;
    if ((mant & (1n << 61n)) !== 0n) {
      mant >>= 1n;
      exp++;
    }
  }
  const digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  let out = (neg ? "-" : "") + "0" + (upper ? "X" : "x") + String((mant >> 60n) & 1n);
  mant = (mant << 4n) & mask64;
  if (prec < 0 && mant !== 0n) {
    out += ".";
    while (mant !== 0n) {
      out += digits.charAt(Number((mant >> 60n) & 15n));
      mant = (mant << 4n) & mask64;
    }
  } else if (prec > 0) {
    out += ".";
    for (let i = 0; i < prec; i++) {
      out += digits.charAt(Number((mant >> 60n) & 15n));
      mant = (mant << 4n) & mask64;
    }
  }
  const e = Math.abs(exp);
  return out + (upper ? "P" : "p") + (exp < 0 ? "-" : "+") + (e < 10 ? "0" + String(e) : String(e));
}

/** The exact decimal expansion of |x| (x finite). */
function exactDecimal(x: number): Decimal {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let exp: number;
  if (biased === 0) exp = -1074;
  else {
    mant |= 1n << 52n;
    exp = biased - 1075;
  }
  if (mant === 0n) return { digits: "", dp: 0 };
  if (exp >= 0) {
    const s = (mant << BigInt(exp)).toString();
    return trimZeros({ digits: s, dp: s.length });
  }
  // mant / 2^k = mant * 5^k / 10^k
  const k = -exp;
  const s = (mant * 5n ** BigInt(k)).toString();
  return trimZeros({ digits: s, dp: s.length - k });
}

/** Rounds to `nd` significant digits, half to even on the exact value (Go's decimal.Round). */
function roundDecimal(d: Decimal, nd: number): Decimal {
  if (nd < 0 || nd >= d.digits.length) return nd < 0 ? { digits: "", dp: 0 } : d;
  const next = d.digits.charCodeAt(nd) - 48;
  let up: boolean;
  if (next > 5) up = true;
  else if (next < 5) up = false;
  else if (nd + 1 < d.digits.length)
    up = true; // more non-zero digits follow (digits are trimmed)
  else up = nd > 0 && (d.digits.charCodeAt(nd - 1) - 48) % 2 === 1;
  if (!up) return trimZeros({ digits: d.digits.slice(0, nd), dp: d.dp });
  // Round up: add one at position nd-1, carrying.
  const chars = d.digits.slice(0, nd).split("");
  let i = nd - 1;
  while (i >= 0 && chars[i] === "9") {
    chars[i] = "0";
    i--;
  }
  if (i < 0) return { digits: "1", dp: d.dp + 1 };
  chars[i] = String.fromCharCode((chars[i] ?? "0").charCodeAt(0) + 1);
  return trimZeros({ digits: chars.join(""), dp: d.dp });
}

function fmtE(neg: boolean, d: Decimal, prec: number, e: string): string {
  let out = neg ? "-" : "";
  out += d.digits.length > 0 ? d.digits.charAt(0) : "0";
  if (prec > 0) {
    out += ".";
    const tail = d.digits.slice(1, prec + 1);
    out += tail + "0".repeat(prec - tail.length);
  }
  let exp = d.digits.length === 0 ? 0 : d.dp - 1;
  const sign = exp < 0 ? "-" : "+";
  exp = Math.abs(exp);
  return out + e + sign + (exp < 10 ? "0" + String(exp) : String(exp));
}

function fmtF(neg: boolean, d: Decimal, prec: number): string {
  let out = neg ? "-" : "";
  if (d.dp > 0) {
    const intDigits = d.digits.slice(0, d.dp);
    out += intDigits + "0".repeat(d.dp - intDigits.length);
  } else out += "0";
  if (prec > 0) {
    out += ".";
    for (let i = 0; i < prec; i++) {
      const j = d.dp + i;
      out += j >= 0 && j < d.digits.length ? d.digits.charAt(j) : "0";
    }
  }
  return out;
}

/**
 * Go's strconv.FormatFloat(x, fmt, prec, 64) for fmt in e, E, f, g, G (prec -1 = shortest).
 */
export function formatFloat(
  x: number,
  fmt: "e" | "E" | "f" | "g" | "G" | "b" | "x" | "X",
  prec: number,
): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "+Inf" : "-Inf";
  const neg = x < 0 || Object.is(x, -0);
  if (fmt === "b") return fmtB(neg, x);
  if (fmt === "x" || fmt === "X") return fmtX(neg, x, prec, fmt === "X");
  const shortest = prec < 0;
  let d: Decimal;
  if (x === 0) d = { digits: "", dp: 0 };
  else if (shortest) d = shortestDecimal(x);
  else {
    const exact = exactDecimal(x);
    if (fmt === "e" || fmt === "E") d = roundDecimal(exact, prec + 1);
    else if (fmt === "f") d = roundDecimal(exact, exact.dp + prec);
    else {
      if (prec === 0) prec = 1;
      d = roundDecimal(exact, prec);
    }
  }
  if (shortest) {
    if (fmt === "e" || fmt === "E") prec = Math.max(d.digits.length - 1, 0);
    else if (fmt === "f") prec = Math.max(d.digits.length - d.dp, 0);
    else prec = d.digits.length;
  }
  if (fmt === "e" || fmt === "E") return fmtE(neg, d, prec, fmt);
  if (fmt === "f") return fmtF(neg, d, prec);
  return fmtG(neg, d, prec, shortest, fmt === "g" ? "e" : "E");
}

/** %g: %e for large and small exponents, else %f (strconv's formatDigits). */
function fmtG(neg: boolean, d: Decimal, prec: number, shortest: boolean, e: string): string {
  let eprec = prec;
  const nd = d.digits.length;
  if (eprec > nd && nd >= d.dp) eprec = nd;
  if (shortest) eprec = 6;
  const exp = d.dp - 1;
  if (exp < -4 || exp >= eprec) {
    if (prec > nd) prec = nd;
    return fmtE(neg, d, prec - 1, e);
  }
  if (prec > d.dp) prec = nd;
  return fmtF(neg, d, Math.max(prec - d.dp, 0));
}

/** Go's `%v` of a float64: FormatFloat(x, 'g', -1, 64), with a fast path for common values. */
export function formatFloatV(x: number): string {
  if (Number.isInteger(x) && x < 1e6 && x > -1e6 && !Object.is(x, -0)) return String(x);
  const ax = Math.abs(x);
  if (ax >= 1e-4 && ax < 1e6) return String(x); // JavaScript prints these as plain shortest digits
  return formatFloat(x, "g", -1);
}

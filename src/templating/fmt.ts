// Go's fmt package (Sprint, Sprintln, Sprintf) over the engine's value model (see value.ts),
// ported verb for verb so that printf output and its error forms (`%!d(float64=3)`, `%!d(MISSING)`,
// `%!(EXTRA int=2)`) are byte-identical to Go's.
import {
  canBackquote,
  formatFloat,
  formatFloatV,
  isPrint,
  quote,
  quoteRune,
  quoteToASCII,
} from "./strconv.js";
import {
  GoComplex,
  GoInt,
  GoMap,
  GoSlice,
  GoStruct,
  isPlainObject,
  sortedKeys,
  typeName,
  utf8Bytes,
  utf8Decode,
} from "./value.js";

const ldigits = "0123456789abcdefx";
const udigits = "0123456789ABCDEFX";

function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
}

class Printer {
  buf = "";
  // flags
  widPresent = false;
  precPresent = false;
  minus = false;
  plus = false;
  sharp = false;
  space = false;
  zero = false;
  plusV = false;
  sharpV = false;
  wid = 0;
  prec = 0;
  // state
  arg: unknown = undefined;
  hasArg = false;
  value: unknown = undefined;
  hasValue = false;
  erroring = false;
  reordered = false;
  goodArgNum = true;

  clearflags(): void {
    this.goodArgNum = true;
    this.widPresent = this.precPresent = this.minus = this.plus = false;
    this.sharp = this.space = this.zero = this.plusV = this.sharpV = false;
    this.wid = this.prec = 0;
  }

  writePadding(n: number): void {
    if (n <= 0) return;
    this.buf += (this.zero ? "0" : " ").repeat(n);
  }

  padString(s: string): void {
    if (!this.widPresent || this.wid === 0) {
      this.buf += s;
      return;
    }
    const width = this.wid - runeCount(s);
    if (!this.minus) {
      this.writePadding(width);
      this.buf += s;
    } else {
      this.buf += s;
      this.writePadding(width);
    }
  }

  truncateString(s: string): string {
    if (this.precPresent) {
      let n = this.prec;
      let i = 0;
      for (const ch of s) {
        n--;
        if (n < 0) return s.slice(0, i);
        i += ch.length;
      }
    }
    return s;
  }

  fmtS(s: string): void {
    this.padString(this.truncateString(s));
  }

  fmtBoolean(v: boolean): void {
    this.padString(v ? "true" : "false");
  }

  fmtQ(s: string): void {
    s = this.truncateString(s);
    if (this.sharp && canBackquote(s)) {
      this.padString("`" + s + "`");
      return;
    }
    this.padString(this.plus ? quoteToASCII(s) : quote(s));
  }

  fmtSbx(bytes: Uint8Array, digits: string): void {
    let length = bytes.length;
    if (this.precPresent && this.prec < length) length = this.prec;
    let width = 2 * length;
    if (width > 0) {
      if (this.space) {
        if (this.sharp) width *= 2;
        width += length - 1;
      } else if (this.sharp) width += 2;
    } else {
      if (this.widPresent) this.writePadding(this.wid);
      return;
    }
    if (this.widPresent && this.wid > width && !this.minus) this.writePadding(this.wid - width);
    let out = "";
    const prefix = "0" + (digits[16] ?? "x");
    if (this.sharp) out += prefix;
    for (let i = 0; i < length; i++) {
      if (this.space && i > 0) {
        out += " ";
        if (this.sharp) out += prefix;
      }
      const c = bytes[i] ?? 0;
      out += (digits[c >> 4] ?? "") + (digits[c & 15] ?? "");
    }
    this.buf += out;
    if (this.widPresent && this.wid > width && this.minus) this.writePadding(this.wid - width);
  }

  fmtInteger(value: bigint, base: number, isSigned: boolean, verb: string, digits: string): void {
    const negative = isSigned && value < 0n;
    let u = negative ? -value : value;
    let prec = 0;
    if (this.precPresent) {
      prec = this.prec;
      if (prec === 0 && u === 0n) {
        const oldZero = this.zero;
        this.zero = false;
        this.writePadding(this.wid);
        this.zero = oldZero;
        return;
      }
    } else if (this.zero && this.widPresent) {
      prec = this.wid;
      if (negative || this.plus || this.space) prec--;
    }
    let s: string;
    if (base === 10) s = u.toString(10);
    else {
      s = "";
      const b = BigInt(base);
      do {
        s = (digits[Number(u % b)] ?? "") + s;
        u /= b;
      } while (u > 0n);
    }
    if (prec > s.length) s = "0".repeat(prec - s.length) + s;
    if (this.sharp) {
      if (base === 2) s = "0b" + s;
      else if (base === 8 && !s.startsWith("0")) s = "0" + s;
      else if (base === 16) s = "0" + (digits[16] ?? "x") + s;
    }
    if (verb === "O") s = "0o" + s;
    if (negative) s = "-" + s;
    else if (this.plus) s = "+" + s;
    else if (this.space) s = " " + s;
    const oldZero = this.zero;
    this.zero = false;
    this.padString(s);
    this.zero = oldZero;
  }

  fmtUnicode(u: bigint): void {
    let prec = 4;
    if (this.precPresent && this.prec > 4) prec = this.prec;
    let s = u.toString(16).toUpperCase();
    if (s.length < prec) s = "0".repeat(prec - s.length) + s;
    s = "U+" + s;
    const cp = Number(u);
    if (this.sharp && u <= 0x10ffffn && isPrint(cp)) s += " '" + String.fromCodePoint(cp) + "'";
    const oldZero = this.zero;
    this.zero = false;
    this.padString(s);
    this.zero = oldZero;
  }

  fmtC(u: bigint): void {
    const cp = u > 0x10ffffn || (u >= 0xd800n && u <= 0xdfffn) ? 0xfffd : Number(u);
    this.padString(String.fromCodePoint(cp));
  }

  fmtQc(u: bigint): void {
    const cp = u > 0x10ffffn ? 0xfffd : Number(u);
    this.padString(quoteRune(cp, this.plus));
  }

  fmtFloatNum(v: number, verb: string, prec: number): void {
    if (this.precPresent) prec = this.prec;
    const f = verb === "v" ? "g" : verb;
    let num = formatFloat(v, f as "e" | "E" | "f" | "g" | "G" | "b" | "x" | "X", prec);
    if (!num.startsWith("-") && !num.startsWith("+")) num = "+" + num;
    if (this.space && num.startsWith("+") && !this.plus) num = " " + num.slice(1);
    if (num[1] === "I" || num[1] === "N") {
      const oldZero = this.zero;
      this.zero = false;
      if (num[1] === "N" && !this.space && !this.plus) num = num.slice(1);
      this.padString(num);
      this.zero = oldZero;
      return;
    }
    if (this.sharp && verb !== "b") num = sharpFloat(num, verb, prec);
    if (this.plus || !num.startsWith("+")) {
      if (this.zero && this.widPresent && this.wid > num.length) {
        this.buf += num[0] ?? "";
        this.writePadding(this.wid - num.length);
        this.buf += num.slice(1);
        return;
      }
      this.padString(num);
      return;
    }
    this.padString(num.slice(1));
  }

  // --- print.go

  badVerb(verb: string): void {
    this.erroring = true;
    this.buf += "%!" + verb + "(";
    if (this.hasArg && this.arg !== null && this.arg !== undefined) {
      this.buf += typeName(this.arg) + "=";
      this.printArg(this.arg, "v");
    } else if (this.hasValue && this.value !== undefined) {
      this.buf += typeName(this.value) + "=";
      this.printValue(this.value, "v", 0);
    } else this.buf += "<nil>";
    this.buf += ")";
    this.erroring = false;
  }

  fmtBool(v: boolean, verb: string): void {
    if (verb === "t" || verb === "v") this.fmtBoolean(v);
    else this.badVerb(verb);
  }

  fmt0x64(v: bigint, leading0x: boolean): void {
    const sharp = this.sharp;
    this.sharp = leading0x;
    this.fmtInteger(v, 16, false, "v", ldigits);
    this.sharp = sharp;
  }

  fmtIntegerVerb(v: bigint, isSigned: boolean, verb: string): void {
    switch (verb) {
      case "v":
        if (this.sharpV && !isSigned) this.fmt0x64(v, true);
        else this.fmtInteger(v, 10, isSigned, verb, ldigits);
        return;
      case "d":
        this.fmtInteger(v, 10, isSigned, verb, ldigits);
        return;
      case "b":
        this.fmtInteger(v, 2, isSigned, verb, ldigits);
        return;
      case "o":
      case "O":
        this.fmtInteger(v, 8, isSigned, verb, ldigits);
        return;
      case "x":
        this.fmtInteger(v, 16, isSigned, verb, ldigits);
        return;
      case "X":
        this.fmtInteger(v, 16, isSigned, verb, udigits);
        return;
      case "c":
        this.fmtC(v);
        return;
      case "q":
        this.fmtQc(v);
        return;
      case "U":
        this.fmtUnicode(v);
        return;
      default:
        this.badVerb(verb);
    }
  }

  fmtFloat(v: number, verb: string): void {
    switch (verb) {
      case "v":
        if (!this.widPresent && !this.precPresent && !this.plus && !this.space && !this.sharp) {
          this.buf += formatFloatV(v);
          return;
        }
        this.fmtFloatNum(v, "g", -1);
        return;
      case "b":
      case "g":
      case "G":
      case "x":
      case "X":
        this.fmtFloatNum(v, verb, -1);
        return;
      case "f":
      case "e":
      case "E":
        this.fmtFloatNum(v, verb, 6);
        return;
      case "F":
        this.fmtFloatNum(v, "f", 6);
        return;
      default:
        this.badVerb(verb);
    }
  }

  fmtComplex(v: GoComplex, verb: string): void {
    if (!"vbgGxXfFeE".includes(verb)) {
      this.badVerb(verb);
      return;
    }
    const oldPlus = this.plus;
    this.buf += "(";
    this.fmtFloat(v.re, verb);
    this.plus = true;
    this.fmtFloat(v.im, verb);
    this.buf += "i)";
    this.plus = oldPlus;
  }

  fmtString(v: string, verb: string): void {
    switch (verb) {
      case "v":
        if (this.sharpV) this.fmtQ(v);
        else if (!this.widPresent && !this.precPresent) this.buf += v;
        else this.fmtS(v);
        return;
      case "s":
        this.fmtS(v);
        return;
      case "x":
        this.fmtSbx(utf8Bytes(v), ldigits);
        return;
      case "X":
        this.fmtSbx(utf8Bytes(v), udigits);
        return;
      case "q":
        this.fmtQ(v);
        return;
      default:
        this.badVerb(verb);
    }
  }

  fmtBytes(v: Uint8Array, verb: string, type: string): void {
    switch (verb) {
      case "v":
      case "d":
        if (this.sharpV) {
          this.buf += type + "{";
          v.forEach((c, i) => {
            if (i > 0) this.buf += ", ";
            this.fmt0x64(BigInt(c), true);
          });
          this.buf += "}";
        } else {
          this.buf += "[";
          v.forEach((c, i) => {
            if (i > 0) this.buf += " ";
            this.fmtInteger(BigInt(c), 10, false, verb, ldigits);
          });
          this.buf += "]";
        }
        return;
      case "s":
        this.fmtS(utf8Decode(v));
        return;
      case "x":
        this.fmtSbx(v, ldigits);
        return;
      case "X":
        this.fmtSbx(v, udigits);
        return;
      case "q":
        this.fmtQ(utf8Decode(v));
        return;
      default:
        this.printSlice(
          Array.from(v, (b) => new GoInt("uint8", BigInt(b))),
          verb,
          0,
          type,
        );
    }
  }

  /** handleMethods: Stringers print with String() for the string-like verbs. */
  handleMethods(arg: unknown, verb: string): boolean {
    if (this.erroring) return false;
    if (!(arg instanceof GoStruct)) return false;
    if (this.sharpV) return false;
    if (!"vsxXq".includes(verb)) return false;
    const s = arg.goString();
    if (s === undefined) return false;
    this.fmtString(s, verb);
    return true;
  }

  printArg(arg: unknown, verb: string): void {
    this.arg = arg;
    this.hasArg = true;
    this.value = undefined;
    this.hasValue = false;
    if (arg === null || arg === undefined) {
      if (verb === "T" || verb === "v") this.padString("<nil>");
      else this.badVerb(verb);
      return;
    }
    if (verb === "T") {
      this.fmtS(typeName(arg));
      return;
    }
    if (verb === "p") {
      this.badVerb(verb);
      return;
    }
    switch (typeof arg) {
      case "string":
        this.fmtString(arg, verb);
        return;
      case "number":
        this.fmtFloat(arg, verb);
        return;
      case "boolean":
        this.fmtBool(arg, verb);
        return;
      default:
        break;
    }
    if (arg instanceof GoInt) {
      this.fmtIntegerVerb(arg.value, arg.signed, verb);
      return;
    }
    if (arg instanceof Uint8Array) {
      this.fmtBytes(arg, verb, "[]byte");
      return;
    }
    if (!this.handleMethods(arg, verb)) this.printValue(arg, verb, 0);
  }

  printSlice(items: readonly unknown[], verb: string, depth: number, type: string): void {
    if (this.sharpV) {
      this.buf += type + "{";
      items.forEach((item, i) => {
        if (i > 0) this.buf += ", ";
        this.printElem(item, verb, depth + 1, type.slice(2));
      });
      this.buf += "}";
      return;
    }
    this.buf += "[";
    items.forEach((item, i) => {
      if (i > 0) this.buf += " ";
      this.printElem(item, verb, depth + 1, type.slice(2));
    });
    this.buf += "]";
  }

  printMap(entries: Record<string, unknown>, verb: string, depth: number, type: string): void {
    const elem = type.slice("map[string]".length);
    this.buf += this.sharpV ? type + "{" : "map[";
    sortedKeys(entries).forEach((key, i) => {
      if (i > 0) this.buf += this.sharpV ? ", " : " ";
      this.printValue(key, verb, depth + 1);
      this.buf += ":";
      this.printElem(entries[key], verb, depth + 1, elem);
    });
    this.buf += this.sharpV ? "}" : "]";
  }

  /** An element of a container whose element type is `elemType` (interface elements may be nil). */
  printElem(v: unknown, verb: string, depth: number, elemType: string): void {
    if (elemType === "interface {}" && (v === null || v === undefined)) {
      this.buf += this.sharpV ? "interface {}(nil)" : "<nil>";
      return;
    }
    this.printValue(v, verb, depth);
  }

  printValue(value: unknown, verb: string, depth: number): void {
    if (depth > 0 && this.handleMethods(value, verb)) return;
    this.arg = undefined;
    this.hasArg = false;
    this.value = value;
    this.hasValue = true;
    switch (typeof value) {
      case "string":
        this.fmtString(value, verb);
        return;
      case "number":
        this.fmtFloat(value, verb);
        return;
      case "boolean":
        this.fmtBool(value, verb);
        return;
      case "undefined":
        if (depth === 0) this.buf += "<invalid reflect.Value>";
        else if (verb === "v") this.buf += "<nil>";
        else this.badVerb(verb);
        return;
      default:
        break;
    }
    if (value === null) {
      this.buf += this.sharpV ? "interface {}(nil)" : "<nil>";
      return;
    }
    if (value instanceof GoInt) {
      this.fmtIntegerVerb(value.value, value.signed, verb);
      return;
    }
    if (value instanceof Uint8Array) {
      if ("sqxX".includes(verb)) {
        this.fmtBytes(value, verb, "[]uint8");
        return;
      }
      this.printSlice(
        Array.from(value, (b) => new GoInt("uint8", BigInt(b))),
        verb,
        depth,
        "[]uint8",
      );
      return;
    }
    if (value instanceof GoComplex) {
      this.fmtComplex(value, verb);
      return;
    }
    if (Array.isArray(value)) {
      this.printSlice(value, verb, depth, "[]interface {}");
      return;
    }
    if (value instanceof GoSlice) {
      this.printSlice(value.items, verb, depth, typeName(value));
      return;
    }
    if (value instanceof GoMap) {
      this.printMap(value.entries, verb, depth, typeName(value));
      return;
    }
    if (isPlainObject(value)) {
      this.printMap(value, verb, depth, "map[string]interface {}");
      return;
    }
    if (value instanceof GoStruct) {
      const s = value.goString();
      this.buf += s ?? `{${value.goType}}`;
      return;
    }
    this.buf += "?" + typeName(value) + "?";
  }

  // --- doPrintf

  intFromArg(a: readonly unknown[], argNum: number): [number, boolean, number] {
    let num = 0;
    let isInt = false;
    let newArgNum = argNum;
    if (argNum < a.length) {
      const v = a[argNum];
      if (v instanceof GoInt) {
        const n = v.value;
        if (n >= -(2n ** 63n) && n < 2n ** 63n) {
          num = Number(n);
          isInt = true;
        }
      }
      newArgNum = argNum + 1;
      if (num > 1e6 || num < -1e6) {
        num = 0;
        isInt = false;
      }
    }
    return [num, isInt, newArgNum];
  }

  argNumber(argNum: number, format: string, i: number, numArgs: number): [number, number, boolean] {
    if (format.length <= i || format[i] !== "[") return [argNum, i, false];
    this.reordered = true;
    const [index, wid, ok] = parseArgNumber(format.slice(i));
    if (ok && index >= 0 && index < numArgs) return [index, i + wid, true];
    this.goodArgNum = false;
    return [argNum, i + wid, ok];
  }

  /** Reads the flags after a '%'; prints the verb directly in the simple case (returns -1 then). */
  flags(format: string, i: number, a: readonly unknown[], arg: { n: number }): number {
    for (; i < format.length; i++) {
      const c = format[i] ?? "";
      if (c === "#") this.sharp = true;
      else if (c === "0") this.zero = !this.minus;
      else if (c === "+") this.plus = true;
      else if (c === "-") {
        this.minus = true;
        this.zero = false;
      } else if (c === " ") this.space = true;
      else {
        // Fast path for the common case of an ASCII verb without width, precision or index.
        if (c >= "a" && c <= "z" && arg.n < a.length) {
          this.printVerb(c, a[arg.n]);
          arg.n++;
          return -(i + 1) - 1;
        }
        break;
      }
    }
    return i;
  }

  /** Width and precision, each a number or `*` (taken from the arguments), with `[n]` indexes. */
  widthAndPrecision(
    format: string,
    i: number,
    a: readonly unknown[],
    arg: { n: number },
  ): [number, boolean] {
    const end = format.length;
    let afterIndex: boolean;
    [arg.n, i, afterIndex] = this.argNumber(arg.n, format, i, a.length);
    if (i < end && format[i] === "*") {
      i++;
      [this.wid, this.widPresent, arg.n] = this.intFromArg(a, arg.n);
      if (!this.widPresent) this.buf += "%!(BADWIDTH)";
      if (this.wid < 0) {
        this.wid = -this.wid;
        this.minus = true;
        this.zero = false;
      }
      afterIndex = false;
    } else {
      [this.wid, this.widPresent, i] = parsenum(format, i, end);
      if (afterIndex && this.widPresent) this.goodArgNum = false;
    }
    if (i + 1 < end && format[i] === ".") {
      i++;
      if (afterIndex) this.goodArgNum = false;
      [arg.n, i, afterIndex] = this.argNumber(arg.n, format, i, a.length);
      if (i < end && format[i] === "*") {
        i++;
        [this.prec, this.precPresent, arg.n] = this.intFromArg(a, arg.n);
        if (this.prec < 0) {
          this.prec = 0;
          this.precPresent = false;
        }
        if (!this.precPresent) this.buf += "%!(BADPREC)";
        afterIndex = false;
      } else {
        [this.prec, this.precPresent, i] = parsenum(format, i, end);
        if (!this.precPresent) {
          this.prec = 0;
          this.precPresent = true;
        }
      }
    }
    return [i, afterIndex];
  }

  printVerb(verb: string, arg: unknown): void {
    if (verb === "v") {
      this.sharpV = this.sharp;
      this.sharp = false;
      this.plusV = this.plus;
      this.plus = false;
    }
    this.printArg(arg, verb);
  }

  doPrintf(format: string, a: readonly unknown[]): void {
    const end = format.length;
    const arg = { n: 0 };
    for (let i = 0; i < end;) {
      const lasti = i;
      while (i < end && format[i] !== "%") i++;
      if (i > lasti) this.buf += format.slice(lasti, i);
      if (i >= end) break;
      this.clearflags();
      i = this.flags(format, i + 1, a, arg);
      if (i < 0) {
        i = -i - 1;
        continue;
      }
      let afterIndex: boolean;
      [i, afterIndex] = this.widthAndPrecision(format, i, a, arg);
      if (!afterIndex) [arg.n, i] = this.argNumber(arg.n, format, i, a.length);
      if (i >= end) {
        this.buf += "%!(NOVERB)";
        break;
      }
      const verb = String.fromCodePoint(format.codePointAt(i) ?? 0);
      i += verb.length;
      if (verb === "%") this.buf += "%";
      else if (!this.goodArgNum) this.buf += "%!" + verb + "(BADINDEX)";
      else if (arg.n >= a.length) this.buf += "%!" + verb + "(MISSING)";
      else {
        this.printVerb(verb, a[arg.n]);
        arg.n++;
      }
    }
    if (!this.reordered && arg.n < a.length) this.extra(a.slice(arg.n));
  }

  extra(rest: readonly unknown[]): void {
    this.clearflags();
    this.buf += "%!(EXTRA ";
    rest.forEach((arg, i) => {
      if (i > 0) this.buf += ", ";
      if (arg === null || arg === undefined) this.buf += "<nil>";
      else {
        this.buf += typeName(arg) + "=";
        this.printArg(arg, "v");
      }
    });
    this.buf += ")";
  }
}

/** The `#` flag on floats: keep a decimal point and (for %g) trailing zeros up to the precision. */
function sharpFloat(num: string, verb: string, prec: number): string {
  let digits = 0;
  if (verb === "v" || verb === "g" || verb === "G" || verb === "x") digits = prec === -1 ? 6 : prec;
  let tail = "";
  let hasDecimalPoint = false;
  let sawNonzeroDigit = false;
  let body = num;
  for (let i = 1; i < body.length; i++) {
    const c = body[i];
    if (c === ".") hasDecimalPoint = true;
    else if (c === "p" || c === "P" || ((c === "e" || c === "E") && verb !== "x" && verb !== "X")) {
      tail = body.slice(i);
      body = body.slice(0, i);
      break;
    } else {
      if (c !== "0") sawNonzeroDigit = true;
      if (sawNonzeroDigit) digits--;
    }
  }
  if (!hasDecimalPoint) {
    if (body.length === 2 && body[1] === "0") digits--;
    body += ".";
  }
  if (digits > 0) body += "0".repeat(digits);
  return body + tail;
}

function parsenum(s: string, start: number, end: number): [number, boolean, number] {
  if (start >= end) return [0, false, end];
  let num = 0;
  let isnum = false;
  let i = start;
  for (; i < end && (s[i] ?? "") >= "0" && (s[i] ?? "") <= "9"; i++) {
    if (num > 1e6 || num < -1e6) return [0, false, end];
    num = num * 10 + (s.charCodeAt(i) - 48);
    isnum = true;
  }
  return [num, isnum, i];
}

function parseArgNumber(format: string): [number, number, boolean] {
  if (format.length < 3) return [0, 1, false];
  for (let i = 1; i < format.length; i++) {
    if (format[i] === "]") {
      const [width, ok, newi] = parsenum(format, 1, i);
      if (!ok || newi !== i) return [0, i + 1, false];
      return [width - 1, i + 1, true];
    }
  }
  return [0, 1, false];
}

/** Go's fmt.Sprintf. Arguments are engine values (see value.ts); nil is null or undefined. */
export function sprintf(format: string, args: readonly unknown[]): string {
  const p = new Printer();
  p.doPrintf(format, args);
  return p.buf;
}

function isStringArg(v: unknown): boolean {
  return typeof v === "string";
}

/** Go's fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: readonly unknown[]): string {
  // Fast path for the overwhelmingly common single string or number.
  if (args.length === 1) {
    const only = args[0];
    if (typeof only === "string") return only;
    if (typeof only === "number") return formatFloatV(only);
  }
  const p = new Printer();
  let prevString = false;
  args.forEach((arg, i) => {
    const isString = isStringArg(arg);
    if (i > 0 && !isString && !prevString) p.buf += " ";
    p.printArg(arg, "v");
    prevString = isString;
  });
  return p.buf;
}

/** Go's fmt.Sprintln: spaces between all operands and a final newline. */
export function sprintln(args: readonly unknown[]): string {
  const p = new Printer();
  args.forEach((arg, i) => {
    if (i > 0) p.buf += " ";
    p.printArg(arg, "v");
  });
  return p.buf + "\n";
}

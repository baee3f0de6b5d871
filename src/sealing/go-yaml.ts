// sigs.k8s.io/yaml's JSONToYAML (gopkg.in/yaml.v2 2.4 underneath), the YAML that kubectl and
// kubeseal print: map keys in yaml.v2's "natural" order, yaml.v2's choice between plain, quoted
// and literal scalars, and libyaml's emitter (2-space indent, sequences not indented under a key,
// plain and quoted scalars folded at spaces past column 80). Ported for byte-identical output;
// test/interop checks it against the Go library itself.
import { GoMap, GoStruct, type GoValue } from "./go-json.js";

const BEST_INDENT = 2;
const BEST_WIDTH = 80;

const isLetter = (c: string): boolean => /\p{L}/u.test(c);
const isDigit = (c: string): boolean => /\p{Nd}/u.test(c);

const codePoint = (c: string | undefined): number => c?.codePointAt(0) ?? 0;

// Compares the digit runs starting at `i` (Go accumulates in an int64 with wrap-around).
function compareDigitRuns(
  ar: readonly string[],
  br: readonly string[],
  i: number,
): boolean | undefined {
  let an = 0n;
  let bn = 0n;
  if (ar[i] === "0" || br[i] === "0") {
    for (let j = i - 1; j >= 0 && isDigit(ar[j] ?? ""); j--) {
      if (ar[j] !== "0") {
        an = 1n;
        bn = 1n;
        break;
      }
    }
  }
  let ai = i;
  let bi = i;
  for (; ai < ar.length && isDigit(ar[ai] ?? ""); ai++)
    an = BigInt.asIntN(64, an * 10n + BigInt(codePoint(ar[ai]) - 48));
  for (; bi < br.length && isDigit(br[bi] ?? ""); bi++)
    bn = BigInt.asIntN(64, bn * 10n + BigInt(codePoint(br[bi]) - 48));
  if (an !== bn) return an < bn;
  if (ai !== bi) return ai < bi;
  return undefined;
}

/** yaml.v2's `keyList.Less` for string keys: digit runs compare as numbers, letters after others. */
export function yamlKeyLess(a: string, b: string): boolean {
  const ar = Array.from(a);
  const br = Array.from(b);
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const ca = ar[i] ?? "";
    const cb = br[i] ?? "";
    if (ca === cb) continue;
    const al = isLetter(ca);
    const bl = isLetter(cb);
    if (al && bl) return codePoint(ca) < codePoint(cb);
    if (al || bl) return bl;
    return compareDigitRuns(ar, br, i) ?? codePoint(ca) < codePoint(cb);
  }
  return ar.length < br.length;
}

// yaml.v2's resolve table ("<<" is in it too, but '<' is never looked up there).
const BOOL_NULL_FLOAT = new Set([
  ..."y Y yes Yes YES true True TRUE on On ON n N no No NO false False FALSE off Off OFF".split(
    " ",
  ),
  ..."~ null Null NULL .nan .NaN .NAN .inf .Inf .INF +.inf +.Inf +.INF -.inf -.Inf -.INF".split(
    " ",
  ),
  "",
]);

const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const GO_INT = /^[-+]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;

function goParseFloat(text: string): boolean {
  // strconv.ParseFloat on decimal syntax: fails only on overflow to infinity.
  return YAML_STYLE_FLOAT.test(text) && Number.isFinite(Number(text));
}

function goParseInt(text: string): boolean {
  if (!GO_INT.test(text)) return false;
  const negative = text.startsWith("-");
  const body = text.replace(/^[-+]/, "");
  const prefix = body.slice(0, 2).toLowerCase();
  let magnitude: bigint;
  if (prefix === "0o") magnitude = BigInt(`0o${body.slice(2)}`);
  else if (prefix === "0x" || prefix === "0b") magnitude = BigInt(body);
  else if (body.length > 1 && body.startsWith("0")) magnitude = BigInt(`0o${body.slice(1)}`);
  else magnitude = BigInt(body);
  // ParseInt (int64), then ParseUint (no sign) as yaml.v2 tries both.
  if (negative) return magnitude <= 2n ** 63n;
  return magnitude < 2n ** 64n;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDate(year: number, month: number, day: number): boolean {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = month === 2 && !leap ? 28 : (DAYS_IN_MONTH[month - 1] ?? 0);
  return month >= 1 && month <= 12 && day >= 1 && day <= days;
}

// yaml.v2's parseTimestamp: time.Parse with its four layouts.
function isTimestamp(text: string): boolean {
  const match =
    /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))|(?: (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?))?$/.exec(
      text,
    );
  if (match === null) return false;
  const [, y, mo, d, h1, mi1, s1, h2, mi2, s2] = match;
  if (!validDate(Number(y), Number(mo), Number(d))) return false;
  const hour = Number(h1 ?? h2 ?? 0);
  const minute = Number(mi1 ?? mi2 ?? 0);
  const second = Number(s1 ?? s2 ?? 0);
  return hour < 24 && minute < 60 && second < 60;
}

/** yaml.v2's `resolve`: whether a plain scalar would read back as something other than a string. */
function resolvesToNonString(text: string): boolean {
  if (BOOL_NULL_FLOAT.has(text)) return true;
  const first = text[0] ?? "";
  // strconv.ParseFloat: underscores may separate digits.
  if (first === ".") {
    const digits = /^\.[0-9]+(_[0-9]+)*([eE][-+]?[0-9]+(_[0-9]+)*)?$/;
    return digits.test(text) && Number.isFinite(Number(text.replaceAll("_", "")));
  }
  if (!/[-+0-9]/.test(first)) return false;
  if (isTimestamp(text)) return true;
  const plain = text.replaceAll("_", "");
  if (goParseInt(plain) || goParseFloat(plain)) return true;
  return /^-?0b[01]+$/.test(plain) && goParseInt(plain.replace(/^(-?)0b/, "$10b"));
}

const isBreak = (c: string | undefined): boolean =>
  c === "\r" || c === "\n" || c === "\u0085" || c === "\u2028" || c === "\u2029";
const isBlank = (c: string | undefined): boolean => c === " " || c === "\t";

function isPrintable(c: string): boolean {
  const cp = c.codePointAt(0) ?? 0;
  return (
    cp === 0x0a ||
    (cp >= 0x20 && cp <= 0x7e) ||
    (cp >= 0xa0 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff)
  );
}

interface ScalarAnalysis {
  multiline: boolean;
  blockPlainAllowed: boolean;
  singleQuotedAllowed: boolean;
  blockAllowed: boolean;
}

// Whether the character at `i` is an indicator that forbids a plain block scalar.
function isBlockIndicator(
  chars: readonly string[],
  i: number,
  precededByWhitespace: boolean,
): boolean {
  const c = chars[i] ?? "";
  const followedByWhitespace = i + 1 >= chars.length || isBlank(chars[i + 1]);
  if (i === 0) {
    if ("#,[]{}&*!|>'\"%@`".includes(c)) return true;
    return (c === "?" || c === ":" || c === "-") && followedByWhitespace;
  }
  return (c === ":" && followedByWhitespace) || (c === "#" && precededByWhitespace);
}

interface Spacing {
  leadingSpace: boolean;
  leadingBreak: boolean;
  trailingSpace: boolean;
  trailingBreak: boolean;
  breakSpace: boolean;
  spaceBreak: boolean;
  lineBreaks: boolean;
}

function spacingOf(chars: readonly string[]): Spacing {
  const last = chars.length - 1;
  const spacing: Spacing = {
    leadingSpace: chars[0] === " ",
    leadingBreak: isBreak(chars[0]),
    trailingSpace: chars[last] === " ",
    trailingBreak: isBreak(chars[last]),
    breakSpace: false,
    spaceBreak: false,
    lineBreaks: false,
  };
  for (let i = 1; i < chars.length; i++) {
    const previous = chars[i - 1];
    const c = chars[i];
    if (c === " " && isBreak(previous)) spacing.breakSpace = true;
    if (isBreak(c) && previous === " ") spacing.spaceBreak = true;
  }
  spacing.lineBreaks = chars.some((c) => isBreak(c));
  return spacing;
}

// yaml_emitter_analyze_scalar (flow_plain_allowed is not needed: we never emit flow collections).
function analyzeScalar(chars: readonly string[]): ScalarAnalysis {
  if (chars.length === 0) {
    return {
      multiline: false,
      blockPlainAllowed: true,
      singleQuotedAllowed: true,
      blockAllowed: false,
    };
  }
  const head = chars.slice(0, 3).join("");
  let blockIndicators = head === "---" || head === "...";
  let precededByWhitespace = true;
  for (let i = 0; i < chars.length; i++) {
    if (isBlockIndicator(chars, i, precededByWhitespace)) blockIndicators = true;
    const c = chars[i];
    precededByWhitespace = isBlank(c) || isBreak(c) || c === "\0";
  }
  const special = chars.some((c) => !isPrintable(c));
  const spacing = spacingOf(chars);
  const edges =
    spacing.leadingSpace || spacing.leadingBreak || spacing.trailingSpace || spacing.trailingBreak;
  const unquotable = spacing.spaceBreak || special;
  return {
    multiline: spacing.lineBreaks,
    blockPlainAllowed: !(
      edges ||
      spacing.breakSpace ||
      unquotable ||
      spacing.lineBreaks ||
      blockIndicators
    ),
    singleQuotedAllowed: !(spacing.breakSpace || unquotable),
    blockAllowed: !(spacing.trailingSpace || unquotable),
  };
}

type Style = "plain" | "single" | "double" | "literal";

interface Context {
  mapping: boolean;
  simpleKey: boolean;
}

const DOUBLE_ESCAPES: Partial<Record<number, string>> = {
  0x00: "0",
  0x07: "a",
  0x08: "b",
  0x09: "t",
  0x0a: "n",
  0x0b: "v",
  0x0c: "f",
  0x0d: "r",
  0x1b: "e",
  0x22: '"',
  0x5c: "\\",
  0x85: "N",
  0xa0: "_",
  0x2028: "L",
  0x2029: "P",
};

/** The libyaml emitter state that the output depends on. */
class Emitter {
  out = "";
  column = 0;
  indent = -1;
  readonly indents: number[] = [];
  whitespace = true;
  indention = true;
  flowLevel = 0;

  put(text: string): void {
    this.out += text;
    this.column++;
  }

  putBreak(): void {
    this.out += "\n";
    this.column = 0;
  }

  writeBreak(c: string): void {
    if (c === "\n") this.putBreak();
    else {
      this.out += c;
      this.column = 0;
    }
  }

  writeIndicator(
    indicator: string,
    needWhitespace: boolean,
    isWhitespace: boolean,
    isIndention: boolean,
  ): void {
    if (needWhitespace && !this.whitespace) this.put(" ");
    for (const c of indicator) this.put(c);
    this.whitespace = isWhitespace;
    this.indention = this.indention && isIndention;
  }

  writeIndent(): void {
    const indent = Math.max(this.indent, 0);
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace))
      this.putBreak();
    while (this.column < indent) this.put(" ");
    this.whitespace = true;
    this.indention = true;
  }

  increaseIndent(flow: boolean, indentless: boolean): void {
    this.indents.push(this.indent);
    if (this.indent < 0) this.indent = flow ? BEST_INDENT : 0;
    else if (!indentless) this.indent += BEST_INDENT;
  }

  popIndent(): void {
    this.indent = this.indents.pop() ?? -1;
  }
}

function selectStyle(
  requested: Style,
  analysis: ScalarAnalysis,
  context: Context,
  empty: boolean,
): Style {
  let style = requested;
  if (context.simpleKey && analysis.multiline) style = "double";
  if (style === "plain") {
    if (!analysis.blockPlainAllowed) style = "single";
    if (empty && context.simpleKey) style = "single";
  }
  if (style === "single" && !analysis.singleQuotedAllowed) style = "double";
  if (style === "literal" && (!analysis.blockAllowed || context.simpleKey)) style = "double";
  return style;
}

function writePlain(e: Emitter, chars: readonly string[], allowBreaks: boolean): void {
  if (!e.whitespace) e.put(" ");
  let spaces = false;
  let breaks = false;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] ?? "";
    if (c === " ") {
      if (allowBreaks && !spaces && e.column > BEST_WIDTH && chars[i + 1] !== " ") e.writeIndent();
      else e.put(c);
      spaces = true;
    } else if (isBreak(c)) {
      if (!breaks && c === "\n") e.putBreak();
      e.writeBreak(c);
      e.indention = true;
      breaks = true;
    } else {
      if (breaks) e.writeIndent();
      e.put(c);
      e.indention = false;
      spaces = false;
      breaks = false;
    }
  }
  e.whitespace = false;
  e.indention = false;
}

function writeSingleQuoted(e: Emitter, chars: readonly string[], allowBreaks: boolean): void {
  e.writeIndicator("'", true, false, false);
  let spaces = false;
  let breaks = false;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] ?? "";
    if (c === " ") {
      const fold = allowBreaks && !spaces && e.column > BEST_WIDTH && i > 0 && i < chars.length - 1;
      if (fold && chars[i + 1] !== " ") e.writeIndent();
      else e.put(c);
      spaces = true;
    } else if (isBreak(c)) {
      if (!breaks && c === "\n") e.putBreak();
      e.writeBreak(c);
      e.indention = true;
      breaks = true;
    } else {
      if (breaks) e.writeIndent();
      if (c === "'") e.put("'");
      e.put(c);
      e.indention = false;
      spaces = false;
      breaks = false;
    }
  }
  e.writeIndicator("'", false, false, false);
  e.whitespace = false;
  e.indention = false;
}

function escapeDouble(c: string): string {
  const cp = c.codePointAt(0) ?? 0;
  const short = DOUBLE_ESCAPES[cp];
  if (short !== undefined) return `\\${short}`;
  const hex = cp.toString(16).toUpperCase();
  if (cp <= 0xff) return `\\x${hex.padStart(2, "0")}`;
  if (cp <= 0xffff) return `\\u${hex.padStart(4, "0")}`;
  return `\\U${hex.padStart(8, "0")}`;
}

function writeDoubleQuoted(e: Emitter, chars: readonly string[], allowBreaks: boolean): void {
  e.writeIndicator('"', true, false, false);
  const bom = chars[0] === "\ufeff"; // libyaml's is_bom looks at the first character only
  let spaces = false;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] ?? "";
    if (!isPrintable(c) || bom || isBreak(c) || c === '"' || c === "\\") {
      for (const out of escapeDouble(c)) e.put(out);
      spaces = false;
    } else if (c === " ") {
      if (allowBreaks && !spaces && e.column > BEST_WIDTH && i > 0 && i < chars.length - 1) {
        e.writeIndent();
        if (chars[i + 1] === " ") e.put("\\");
      } else e.put(c);
      spaces = true;
    } else {
      e.put(c);
      spaces = false;
    }
  }
  e.writeIndicator('"', false, false, false);
  e.whitespace = false;
  e.indention = false;
}

function writeLiteral(e: Emitter, chars: readonly string[]): void {
  e.writeIndicator("|", true, false, false);
  const first = chars[0];
  if (first === " " || isBreak(first)) e.writeIndicator(String(BEST_INDENT), false, false, false);
  const last = chars.at(-1);
  let chomp = "";
  if (!isBreak(last)) chomp = "-";
  else if (chars.length === 1 || isBreak(chars.at(-2))) chomp = "+";
  if (chomp !== "") e.writeIndicator(chomp, false, false, false);
  e.putBreak();
  e.indention = true;
  e.whitespace = true;
  let breaks = true;
  for (const c of chars) {
    if (isBreak(c)) {
      e.writeBreak(c);
      e.indention = true;
      breaks = true;
    } else {
      if (breaks) e.writeIndent();
      e.put(c);
      e.indention = false;
      breaks = false;
    }
  }
}

// Base64 (every encryptedData item) and most names: no space, break, indicator or unprintable
// character, so every analysis check passes and plain style writes the text as it is. The general
// path walks each character through several functions, ~8 ms for one sealed Secret in a cold CLI.
const INERT = /^[A-Za-z0-9+/=]+$/;

function emitScalar(e: Emitter, text: string, requested: Style, context: Context): void {
  if (requested === "plain" && INERT.test(text)) {
    if (!e.whitespace) e.put(" ");
    e.out += text;
    e.column += text.length;
    e.whitespace = false;
    e.indention = false;
    return;
  }
  const chars = Array.from(text);
  const analysis = analyzeScalar(chars);
  const style = selectStyle(requested, analysis, context, chars.length === 0);
  e.increaseIndent(true, false);
  const allowBreaks = !context.simpleKey;
  if (style === "plain") writePlain(e, chars, allowBreaks);
  else if (style === "single") writeSingleQuoted(e, chars, allowBreaks);
  else if (style === "double") writeDoubleQuoted(e, chars, allowBreaks);
  else writeLiteral(e, chars);
  e.popIndent();
}

// yaml.v2 encoder's stringv: literal for multi-line text, quoted when plain would not read back.
function stringStyle(text: string): Style {
  if (text.includes("\n")) return "literal";
  const canUsePlain = !resolvesToNonString(text) && !BASE60_FLOAT.test(text);
  return canUsePlain ? "plain" : "double";
}

function goFloat(value: number): string {
  if (Number.isInteger(value)) return String(value);
  if (Number.isNaN(value)) return ".nan";
  if (!Number.isFinite(value)) return value > 0 ? ".inf" : "-.inf";
  // strconv.FormatFloat(f, 'g', -1, 64): exponent form below 1e-4 and from 1e21.
  const exponent = Math.floor(Math.log10(Math.abs(value)));
  if (exponent < -4 || exponent >= 21) {
    return value.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
  }
  return String(value);
}

function entries(value: GoStruct | GoMap): (readonly [string, GoValue])[] {
  const list = value instanceof GoStruct ? [...value.fields] : [...value.entries];
  return list.sort(([a], [b]) => (yamlKeyLess(a, b) ? -1 : yamlKeyLess(b, a) ? 1 : 0));
}

function emitNode(e: Emitter, value: GoValue, context: Context): void {
  if (value === null || typeof value === "boolean" || typeof value === "number") {
    emitScalar(e, typeof value === "number" ? goFloat(value) : String(value), "plain", context);
    return;
  }
  if (typeof value === "string") {
    emitScalar(e, value, stringStyle(value), context);
    return;
  }
  const items = Array.isArray(value) ? value : entries(value);
  if (items.length === 0) {
    const [open, close] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
    e.writeIndicator(open, true, true, false);
    e.writeIndicator(close, false, false, false);
    return;
  }
  if (Array.isArray(value)) {
    e.increaseIndent(false, context.mapping && !e.indention);
    for (const item of value) {
      e.writeIndent();
      e.writeIndicator("-", true, false, true);
      emitNode(e, item, { mapping: false, simpleKey: false });
    }
    e.popIndent();
    return;
  }
  e.increaseIndent(false, false);
  for (const [key, item] of entries(value)) {
    e.writeIndent();
    const simple = !analyzeScalar(Array.from(key)).multiline && Buffer.byteLength(key) <= 128;
    if (simple) {
      emitNode(e, key, { mapping: true, simpleKey: true });
      e.writeIndicator(":", false, false, false);
    } else {
      e.writeIndicator("?", true, false, true);
      emitNode(e, key, { mapping: true, simpleKey: false });
      e.writeIndent();
      e.writeIndicator(":", true, false, true);
    }
    emitNode(e, item, { mapping: true, simpleKey: false });
  }
  e.popIndent();
}

/** `yaml.JSONToYAML(json.Marshal(value))` from sigs.k8s.io/yaml: the YAML text, ending in a newline. */
export function goYamlMarshal(value: GoValue): string {
  const e = new Emitter();
  emitNode(e, value, { mapping: false, simpleKey: false });
  e.writeIndent();
  return e.out;
}

// Sprig's string functions (strings.go and the goutils/xstrings helpers it maps), with Go's
// byte-based slicing and Unicode-aware case mapping.
import { randomInt } from "node:crypto";
import { sprintf } from "../fmt.js";
import { sliceString } from "../builtins.js";
import { GoInt, GoMap, GoSlice, compareGoStrings, goFunc, type GoFunc } from "../value.js";
import { byteLen, listItems, num, strval } from "./convert.js";

const any = "interface {}";

/** Go's unicode.IsSpace. */
export function isGoSpace(ch: string): boolean {
  return /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/u.test(ch);
}

/** Go's strings.TrimSpace. */
export function trimSpace(s: string): string {
  const chars = Array.from(s);
  let a = 0;
  let b = chars.length;
  while (a < b && isGoSpace(chars[a] ?? "")) a++;
  while (b > a && isGoSpace(chars[b - 1] ?? "")) b--;
  return chars.slice(a, b).join("");
}

/** Maps each code point with a simple (one-to-one) case mapping, as Go's unicode.To* does. */
function mapCase(s: string, upper: boolean): string {
  let out = "";
  for (const ch of s) {
    const mapped = upper ? ch.toUpperCase() : ch.toLowerCase();
    out += Array.from(mapped).length === 1 ? mapped : ch;
  }
  return out;
}

/** Go's strings.ToUpper. */
export function toUpper(s: string): string {
  return mapCase(s, true);
}

/** Go's strings.ToLower. */
export function toLower(s: string): string {
  return mapCase(s, false);
}

/** Go's isSeparator in strings.Title. */
function isSeparator(ch: string): boolean {
  if (ch.charCodeAt(0) <= 0x7f) return !/^[0-9a-zA-Z_]$/.test(ch);
  if (/^[\p{L}\p{Nd}]$/u.test(ch)) return false;
  return isGoSpace(ch);
}

/** Go's strings.Title: the first letter of every word in upper (title) case. */
function title(s: string): string {
  let prev = " ";
  let out = "";
  for (const ch of s) {
    out += isSeparator(prev) ? toUpper(ch) : ch;
    prev = ch;
  }
  return out;
}

/** Go's strings.Replace(s, old, new, -1); an empty `old` matches before every rune and at the end. */
function replaceAll(s: string, old: string, replacement: string): string {
  if (old !== "") return s.replaceAll(old, replacement);
  return (
    replacement +
    Array.from(s)
      .map((ch) => ch + replacement)
      .join("")
  );
}

/** Go's strings.Trim(s, cutset). */
export function trimCutset(s: string, cutset: string): string {
  const set = new Set(Array.from(cutset));
  const chars = Array.from(s);
  let a = 0;
  let b = chars.length;
  while (a < b && set.has(chars[a] ?? "")) a++;
  while (b > a && set.has(chars[b - 1] ?? "")) b--;
  return chars.slice(a, b).join("");
}

/** Go's strings.Split. */
export function goSplit(s: string, sep: string, n = -1): string[] {
  if (n === 0) return [];
  if (sep === "") {
    const chars = Array.from(s);
    if (n < 0 || n >= chars.length) return chars;
    return [...chars.slice(0, n - 1), chars.slice(n - 1).join("")];
  }
  const parts = s.split(sep);
  if (n < 0 || parts.length <= n) return parts;
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}

/** Sprig's strslice: a list of strings from any list (nil elements dropped) or value. */
export function strslice(v: unknown): string[] {
  if (v instanceof GoSlice && v.elem === "string") return v.items as string[];
  const items = listItems(v);
  if (items !== undefined) return items.filter((x) => x !== null && x !== undefined).map(strval);
  if (v === null || v === undefined) return [];
  return [strval(v)];
}

/** A Go []string. */
export function stringSlice(items: string[]): GoSlice {
  return new GoSlice("string", items);
}

function abbreviate(s: string, width: number, offset = 0): string {
  // goutils.AbbreviateFull, measured in bytes as goutils does.
  const ellipsis = "...";
  const len = byteLen(s);
  if (len <= width) return s;
  if (offset > len) offset = len;
  if (len - offset < width - 3) offset = len - (width - 3);
  if (offset <= 4) return sliceString(s, 0, width - 3) + ellipsis;
  if (offset + (width - 3) < len) {
    return ellipsis + abbreviate(sliceString(s, offset, len), width - 3, 0);
  }
  return ellipsis + sliceString(s, len - (width - 3), len);
}

function initials(s: string): string {
  return s
    .split(/[\t\n\v\f\r \u0085\u00a0]+/u)
    .filter((w) => w !== "")
    .map((w) => Array.from(w)[0] ?? "")
    .join("");
}

function swapcase(s: string): string {
  let out = "";
  for (const ch of s) {
    const up = toUpper(ch);
    out += up === ch ? toLower(ch) : up;
  }
  return out;
}

/** goutils.WrapCustom(str, wrapLength, newLine, wrapLongWords). */
function wrapCustom(
  str: string,
  wrapLength: number,
  newLine: string,
  wrapLongWords: boolean,
): string {
  if (wrapLength < 1) wrapLength = 1;
  const input = Array.from(str);
  const inputLength = input.length;
  let offset = 0;
  let out = "";
  while (inputLength - offset > wrapLength) {
    if (input[offset] === " ") {
      offset++;
      continue;
    }
    const window = input.slice(offset, offset + wrapLength + 1).join("");
    const spaceToWrapAt = window.lastIndexOf(" ");
    if (spaceToWrapAt > 0) {
      out +=
        input.slice(offset, offset + Array.from(window.slice(0, spaceToWrapAt)).length).join("") +
        newLine;
      offset += Array.from(window.slice(0, spaceToWrapAt)).length + 1;
      continue;
    }
    if (wrapLongWords) {
      out += input.slice(offset, offset + wrapLength).join("") + newLine;
      offset += wrapLength;
      continue;
    }
    const rest = input.slice(offset + wrapLength).join("");
    const next = rest.indexOf(" ");
    if (next >= 0) {
      const n = Array.from(rest.slice(0, next)).length;
      out += input.slice(offset, offset + wrapLength + n).join("") + newLine;
      offset += wrapLength + n + 1;
    } else {
      out += input.slice(offset).join("");
      offset = inputLength;
    }
  }
  return out + input.slice(offset).join("");
}

/** Words for the case conversions of huandu/xstrings. */
function words(s: string): string[] {
  return s
    .replace(/([\p{Ll}\p{Nd}])(\p{Lu})/gu, "$1 $2")
    .replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, "$1 $2")
    .split(/[^\p{L}\p{Nd}]+/u)
    .filter((w) => w !== "");
}

function delimited(s: string, sep: string): string {
  return words(s)
    .map((w) => toLower(w))
    .join(sep);
}

function pascal(s: string): string {
  return s
    .split(/[_\-\s.]+/u)
    .filter((w) => w !== "")
    .map((w) => toUpper(Array.from(w)[0] ?? "") + Array.from(w).slice(1).join(""))
    .join("");
}

function shuffle(s: string): string {
  const chars = Array.from(s);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] ?? "", chars[i] ?? ""];
  }
  return chars.join("");
}

function trunc(c: number, s: string): string {
  const len = byteLen(s);
  if (c < 0 && len + c > 0) return sliceString(s, len + c, len);
  if (c >= 0 && len > c) return sliceString(s, 0, c);
  return s;
}

function goSliceError(lo: number, hi: number, cap: number): Error {
  if (hi > cap)
    return new Error(`runtime error: slice bounds out of range [:${hi}] with length ${cap}`);
  if (lo > hi) return new Error(`runtime error: slice bounds out of range [${lo}:${hi}]`);
  return new Error(`runtime error: slice bounds out of range [${lo}:]`);
}

/** s[lo:hi] with Go's bounds panics. */
function goSlice(s: string, lo: number, hi: number): string {
  const len = byteLen(s);
  if (lo < 0 || hi > len || lo > hi) throw goSliceError(lo, hi, len);
  return sliceString(s, lo, hi);
}

function substr(start: number, end: number, s: string): string {
  if (start < 0) return goSlice(s, 0, end);
  if (end < 0 || end > byteLen(s)) return goSlice(s, start, byteLen(s));
  return goSlice(s, start, end);
}

function indent(spaces: number, v: string): string {
  const pad = " ".repeat(Math.max(spaces, 0));
  return pad + v.replaceAll("\n", "\n" + pad);
}

function repeat(count: number, s: string): string {
  if (count < 0) throw new Error("strings: negative Repeat count");
  return s.repeat(count);
}

function splitMap(parts: string[]): GoMap {
  const entries: Record<string, string> = {};
  parts.forEach((p, i) => (entries[`_${i}`] = p));
  return new GoMap("string", entries);
}

const alphabets = {
  alphaNum: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
  alpha: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
  numeric: "0123456789",
  ascii: Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join(""),
};

function random(count: number, alphabet: string): string {
  if (count < 0) throw new Error(`Requested random string length ${count} is less than 0.`);
  let out = "";
  for (let i = 0; i < count; i++) out += alphabet.charAt(randomInt(alphabet.length));
  return out;
}

function quoteAll(args: unknown[]): string {
  return args
    .filter((a) => a !== null && a !== undefined)
    .map((a) => sprintf("%q", [strval(a)]))
    .join(" ");
}

function squoteAll(args: unknown[]): string {
  return args
    .filter((a) => a !== null && a !== undefined)
    .map((a) => sprintf("'%v'", [a]))
    .join(" ");
}

function cat(args: unknown[]): string {
  const present = args.filter((a) => a !== null && a !== undefined);
  return sprintf(present.map(() => "%v").join(" "), present);
}

type S = string;
type I = GoInt;

/** Sprig's string functions. */
export const stringFunctions: Readonly<Record<string, GoFunc>> = {
  abbrev: goFunc(["int", "string"], (w: I, s: S) => (num(w) < 4 ? s : abbreviate(s, num(w)))),
  abbrevboth: goFunc(["int", "int", "string"], (l: I, r: I, s: S) =>
    num(r) < 4 || (num(l) > 0 && num(r) < 7) ? s : abbreviate(s, num(r), num(l)),
  ),
  trunc: goFunc(["int", "string"], (c: I, s: S) => trunc(num(c), s)),
  trim: goFunc(["string"], trimSpace),
  upper: goFunc(["string"], toUpper),
  lower: goFunc(["string"], toLower),
  title: goFunc(["string"], title),
  untitle: goFunc(["string"], (s: S) =>
    s === "" ? s : toLower(Array.from(s)[0] ?? "") + Array.from(s).slice(1).join(""),
  ),
  substr: goFunc(["int", "int", "string"], (a: I, b: I, s: S) => substr(num(a), num(b), s)),
  repeat: goFunc(["int", "string"], (c: I, s: S) => repeat(num(c), s)),
  trimall: goFunc(["string", "string"], (a: S, b: S) => trimCutset(b, a)),
  trimAll: goFunc(["string", "string"], (a: S, b: S) => trimCutset(b, a)),
  trimSuffix: goFunc(["string", "string"], (a: S, b: S) =>
    a !== "" && b.endsWith(a) ? b.slice(0, b.length - a.length) : b,
  ),
  trimPrefix: goFunc(["string", "string"], (a: S, b: S) =>
    a !== "" && b.startsWith(a) ? b.slice(a.length) : b,
  ),
  nospace: goFunc(["string"], (s: S) =>
    Array.from(s)
      .filter((c) => !isGoSpace(c))
      .join(""),
  ),
  initials: goFunc(["string"], initials),
  randAlphaNum: goFunc(["int"], (c: I) => random(num(c), alphabets.alphaNum)),
  randAlpha: goFunc(["int"], (c: I) => random(num(c), alphabets.alpha)),
  randAscii: goFunc(["int"], (c: I) => random(num(c), alphabets.ascii)),
  randNumeric: goFunc(["int"], (c: I) => random(num(c), alphabets.numeric)),
  swapcase: goFunc(["string"], swapcase),
  shuffle: goFunc(["string"], shuffle),
  snakecase: goFunc(["string"], (s: S) => delimited(s, "_")),
  camelcase: goFunc(["string"], pascal),
  kebabcase: goFunc(["string"], (s: S) => delimited(s, "-")),
  wrap: goFunc(["int", "string"], (l: I, s: S) => wrapCustom(s, num(l), "\n", false)),
  wrapWith: goFunc(["int", "string", "string"], (l: I, sep: S, s: S) =>
    wrapCustom(s, num(l), sep, true),
  ),
  contains: goFunc(["string", "string"], (sub: S, s: S) => s.includes(sub)),
  hasPrefix: goFunc(["string", "string"], (p: S, s: S) => s.startsWith(p)),
  hasSuffix: goFunc(["string", "string"], (p: S, s: S) => s.endsWith(p)),
  quote: goFunc([], (...a: unknown[]) => quoteAll(a), any),
  squote: goFunc([], (...a: unknown[]) => squoteAll(a), any),
  cat: goFunc([], (...a: unknown[]) => cat(a), any),
  indent: goFunc(["int", "string"], (n: I, s: S) => indent(num(n), s)),
  nindent: goFunc(["int", "string"], (n: I, s: S) => "\n" + indent(num(n), s)),
  replace: goFunc(["string", "string", "string"], (o: S, n: S, s: S) => replaceAll(s, o, n)),
  plural: goFunc(["string", "string", "int"], (one: S, many: S, c: I) =>
    c.value === 1n ? one : many,
  ),
  toString: goFunc([any], strval),
  split: goFunc(["string", "string"], (sep: S, s: S) => splitMap(goSplit(s, sep))),
  splitList: goFunc(["string", "string"], (sep: S, s: S) => stringSlice(goSplit(s, sep))),
  splitn: goFunc(["string", "int", "string"], (sep: S, n: I, s: S) =>
    splitMap(goSplit(s, sep, num(n))),
  ),
  toStrings: goFunc([any], (v: unknown) => stringSlice(strslice(v))),
  join: goFunc(["string", any], (sep: S, v: unknown) => strslice(v).join(sep)),
  sortAlpha: goFunc([any], (v: unknown) =>
    stringSlice(listItems(v) === undefined ? [strval(v)] : [...strslice(v)].sort(compareGoStrings)),
  ),
  atoi: goFunc(["string"], (s: S) => {
    const n = /^[+-]?[0-9]+$/.test(s) ? BigInt(s) : 0n;
    return new GoInt("int", n >= -(2n ** 63n) && n < 2n ** 63n ? n : 0n);
  }),
};

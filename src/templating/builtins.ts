// text/template's builtin functions (funcs.go), with Go's exact error texts, including the
// reflect panics that surface through them ("reflect: slice index out of range").
import { sprint, sprintf, sprintln } from "./fmt.js";
import { isPrint } from "./strconv.js";
import {
  GoComplex,
  GoInt,
  GoMap,
  GoSlice,
  GoStruct,
  compareGoStrings,
  goFunc,
  isPlainObject,
  isTrue,
  typeName,
  utf8Bytes,
  utf8Decode,
  utf8Length,
  zeroValue,
  type GoFunc,
} from "./value.js";

/** The parameter type that receives a value as-is (Go's reflect.Value parameters). */
export const reflectValue = "reflect.Value";

/** Go's indirectInterface: a nil interface becomes "no value". */
function indirectInterface(v: unknown): unknown {
  return v === null ? undefined : v;
}

/** Go's reflect Kind names, as far as comparisons and errors need them. */
export function kindOf(v: unknown): string {
  if (v === undefined) return "invalid";
  if (v === null) return "interface";
  switch (typeof v) {
    case "string":
      return "string";
    case "number":
      return "float64";
    case "boolean":
      return "bool";
    default:
      break;
  }
  if (v instanceof GoInt) return v.kind;
  if (Array.isArray(v) || v instanceof GoSlice || v instanceof Uint8Array) return "slice";
  if (v instanceof GoMap || isPlainObject(v)) return "map";
  if (v instanceof GoComplex) return "complex128";
  if (v instanceof GoStruct) return v.goType.startsWith("*") ? "ptr" : "struct";
  return "struct";
}

/** Go's truth of a value as `if`, `and`, `or` and `not` see it. */
export function truth(v: unknown): boolean {
  return isTrue(indirectInterface(v));
}

// --- index, slice, len

function indexArg(index: unknown, cap: number): number {
  let x: bigint;
  if (index instanceof GoInt) x = index.value;
  else if (index === undefined) throw new Error("cannot index slice/array with nil");
  else throw new Error(`cannot index slice/array with type ${typeName(index)}`);
  if (x < 0n || x > BigInt(cap)) throw new Error(`index out of range: ${x}`);
  return Number(x);
}

function indexOne(item: unknown, index: unknown): unknown {
  if (item === null) throw new Error("index of nil pointer");
  if (typeof item === "string") {
    const bytes = utf8Bytes(item);
    const x = indexArg(index, bytes.length);
    if (x === bytes.length) throw new Error("reflect: string index out of range");
    return new GoInt("uint8", BigInt(bytes[x] ?? 0));
  }
  if (Array.isArray(item) || item instanceof GoSlice || item instanceof Uint8Array) {
    const items: ArrayLike<unknown> = item instanceof GoSlice ? item.items : item;
    const x = indexArg(index, items.length);
    if (x === items.length) throw new Error("reflect: slice index out of range");
    const elem = items[x];
    return item instanceof Uint8Array ? new GoInt("uint8", BigInt(elem as number)) : elem;
  }
  if (item instanceof GoMap || isPlainObject(item)) {
    if (index === undefined) throw new Error("value is nil; should be of type string");
    if (typeof index !== "string") {
      throw new Error(`value has type ${typeName(index)}; should be string`);
    }
    const entries = item instanceof GoMap ? item.entries : item;
    if (Object.hasOwn(entries, index)) return entries[index];
    return zeroValue(item instanceof GoMap ? item.elem : "interface {}");
  }
  throw new Error(`can't index item of type ${typeName(item)}`);
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  item = indirectInterface(item);
  if (item === undefined) throw new Error("index of untyped nil");
  for (const i of indexes) item = indexOne(item, indirectInterface(i));
  return item;
}

/** Slices a Go string by byte offsets. */
export function sliceString(s: string, from: number, to: number): string {
  // ASCII strings (the common case) slice directly.
  if (utf8Length(s) === s.length) return s.slice(from, to);
  return utf8Decode(utf8Bytes(s).subarray(from, to));
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
  item = indirectInterface(item);
  if (item === undefined) throw new Error("slice of untyped nil");
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  let len: number;
  if (typeof item === "string") {
    if (indexes.length === 3) throw new Error("cannot 3-index slice a string");
    len = utf8Length(item);
  } else if (Array.isArray(item) || item instanceof Uint8Array) len = item.length;
  else if (item instanceof GoSlice) len = item.items.length;
  else throw new Error(`can't slice item of type ${typeName(item)}`);
  // JSON-decoded slices have no spare capacity we could expose, so cap is the length.
  const idx = [0, len, len];
  indexes.forEach((x, i) => (idx[i] = indexArg(indirectInterface(x), len)));
  const [from = 0, to = len, max = len] = idx;
  if (from > to) throw new Error(`invalid slice index: ${from} > ${to}`);
  if (indexes.length === 3 && to > max) throw new Error(`invalid slice index: ${to} > ${max}`);
  if (typeof item === "string") return sliceString(item, from, to);
  if (item instanceof GoSlice) return new GoSlice(item.elem, item.items.slice(from, to));
  return item.slice(from, to);
}

function length(item: unknown): GoInt {
  if (item === null) throw new Error("len of nil pointer");
  if (typeof item === "string") return new GoInt("int", BigInt(utf8Length(item)));
  if (Array.isArray(item) || item instanceof Uint8Array)
    return new GoInt("int", BigInt(item.length));
  if (item instanceof GoSlice) return new GoInt("int", BigInt(item.items.length));
  if (item instanceof GoMap) return new GoInt("int", BigInt(Object.keys(item.entries).length));
  if (isPlainObject(item)) return new GoInt("int", BigInt(Object.keys(item).length));
  if (item === undefined) throw new Error("reflect: call of reflect.Value.Type on zero Value");
  throw new Error(`len of type ${typeName(item)}`);
}

function call(fn: unknown): never {
  const f = indirectInterface(fn);
  if (f === undefined) throw new Error("call of nil");
  throw new Error(`non-function of type ${typeName(f)}`);
}

// --- comparisons

const errBadComparisonType = "invalid type for comparison";
const errBadComparison = "incompatible types for comparison";
const errNoComparison = "missing argument for comparison";

type BasicKind = "invalid" | "bool" | "complex" | "int" | "float" | "string" | "uint";

function basicKind(v: unknown): BasicKind {
  switch (typeof v) {
    case "string":
      return "string";
    case "number":
      return "float";
    case "boolean":
      return "bool";
    default:
      break;
  }
  if (v instanceof GoInt) return v.signed ? "int" : "uint";
  if (v instanceof GoComplex) return "complex";
  return "invalid";
}

function isComparable(v: unknown): boolean {
  const k = kindOf(v);
  return k !== "slice" && k !== "map";
}

function basicEqual(k: BasicKind, a: unknown, b: unknown): boolean {
  switch (k) {
    case "int":
    case "uint":
      return (a as GoInt).value === (b as GoInt).value;
    case "complex":
      return (
        (a as GoComplex).re === (b as GoComplex).re && (a as GoComplex).im === (b as GoComplex).im
      );
    default:
      return a === b;
  }
}

function eqOne(arg1: unknown, k1: BasicKind, argIn: unknown): boolean {
  const arg = indirectInterface(argIn);
  const k2 = basicKind(arg);
  if (k1 !== k2) {
    if (k1 === "int" && k2 === "uint") {
      return (arg1 as GoInt).value >= 0n && (arg1 as GoInt).value === (arg as GoInt).value;
    }
    if (k1 === "uint" && k2 === "int") {
      return (arg as GoInt).value >= 0n && (arg1 as GoInt).value === (arg as GoInt).value;
    }
    if (arg1 !== undefined && arg !== undefined) throw new Error(errBadComparison);
    return false;
  }
  if (k1 !== "invalid") return basicEqual(k1, arg1, arg);
  const kind1 = kindOf(arg1);
  const kind2 = kindOf(arg);
  if (kind1 !== kind2 && arg1 !== undefined && arg !== undefined) {
    throw new Error(
      `non-comparable types ${sprintf("%s", [arg1])}: ${typeName(arg1)}, ${typeName(arg)}: ${sprintf("%v", [arg])}`,
    );
  }
  if (arg1 === undefined || arg === undefined) return (arg1 === undefined) === (arg === undefined);
  if (!isComparable(arg))
    throw new Error(`non-comparable type ${sprintf("%s", [arg])}: ${typeName(arg)}`);
  return arg1 === arg;
}

function eq(arg1In: unknown, ...arg2: unknown[]): boolean {
  const arg1 = indirectInterface(arg1In);
  if (arg2.length === 0) throw new Error(errNoComparison);
  const k1 = basicKind(arg1);
  for (const arg of arg2) if (eqOne(arg1, k1, arg)) return true;
  return false;
}

function lt(a: unknown, b: unknown): boolean {
  const arg1 = indirectInterface(a);
  const k1 = basicKind(arg1);
  if (k1 === "invalid") throw new Error(errBadComparisonType);
  const arg2 = indirectInterface(b);
  const k2 = basicKind(arg2);
  if (k2 === "invalid") throw new Error(errBadComparisonType);
  if (k1 !== k2) {
    if (k1 === "int" && k2 === "uint") return (arg1 as GoInt).value < (arg2 as GoInt).value;
    if (k1 === "uint" && k2 === "int") {
      return (arg2 as GoInt).value >= 0n && (arg1 as GoInt).value < (arg2 as GoInt).value;
    }
    throw new Error(errBadComparison);
  }
  switch (k1) {
    case "bool":
    case "complex":
      throw new Error(errBadComparisonType);
    case "int":
    case "uint":
      return (arg1 as GoInt).value < (arg2 as GoInt).value;
    case "string":
      return compareGoStrings(arg1 as string, arg2 as string) < 0;
    default:
      return (arg1 as number) < (arg2 as number);
  }
}

function le(a: unknown, b: unknown): boolean {
  return lt(a, b) || eq(a, b);
}

// --- escapers

function evalArgs(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === "string") return args[0];
  return sprint(args.map((a) => a ?? "<no value>"));
}

const htmlEscapes: Readonly<Record<string, string>> = {
  "\0": "\uFFFD",
  '"': "&#34;",
  "'": "&#39;",
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
};

/** Go's template.HTMLEscapeString. */
export function htmlEscape(s: string): string {
  return s.replace(/["'&<>\0]/g, (c) => htmlEscapes[c] ?? c);
}

const jsEscapes: Readonly<Record<string, string>> = {
  "\\": "\\\\",
  "'": "\\'",
  '"': '\\"',
  "<": "\\u003C",
  ">": "\\u003E",
  "&": "\\u0026",
  "=": "\\u003D",
};

/** Go's template.JSEscapeString. */
export function jsEscape(s: string): string {
  let out = "";
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    const known = jsEscapes[ch];
    if (known !== undefined) out += known;
    else if (cp < 0x20) out += "\\u00" + cp.toString(16).toUpperCase().padStart(2, "0");
    else if (cp < 0x80 || isPrint(cp)) out += ch;
    else out += "\\u" + cp.toString(16).toUpperCase().padStart(4, "0");
  }
  return out;
}

/** Go's url.QueryEscape. */
export function queryEscape(s: string): string {
  let out = "";
  for (const b of utf8Bytes(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === " ") out += "+";
    else out += "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

const rv = reflectValue;
const any = "interface {}";

/** The builtin functions of text/template. `and` and `or` are evaluated lazily by the executor. */
export const builtinFunctions: ReadonlyMap<string, GoFunc> = new Map<string, GoFunc>([
  ["and", goFunc([rv], () => undefined, rv)],
  ["or", goFunc([rv], () => undefined, rv)],
  ["call", goFunc([rv], call, rv)],
  ["html", goFunc([], (...a: unknown[]) => htmlEscape(evalArgs(a)), any)],
  ["index", goFunc([rv], index, rv)],
  ["slice", goFunc([rv], slice, rv)],
  ["js", goFunc([], (...a: unknown[]) => jsEscape(evalArgs(a)), any)],
  ["len", goFunc([rv], length)],
  ["not", goFunc([rv], (a: unknown) => !truth(a))],
  ["print", goFunc([], (...a: unknown[]) => sprint(a), any)],
  ["printf", goFunc(["string"], (f: string, ...a: unknown[]) => sprintf(f, a), any)],
  ["println", goFunc([], (...a: unknown[]) => sprintln(a), any)],
  ["urlquery", goFunc([], (...a: unknown[]) => queryEscape(evalArgs(a)), any)],
  ["eq", goFunc([rv], eq, rv)],
  ["ge", goFunc([rv, rv], (a: unknown, b: unknown) => !lt(a, b))],
  ["gt", goFunc([rv, rv], (a: unknown, b: unknown) => !le(a, b))],
  ["le", goFunc([rv, rv], le)],
  ["lt", goFunc([rv, rv], lt)],
  ["ne", goFunc([rv, rv], (a: unknown, b: unknown) => !eq(a, b))],
]);

// Conversions shared by the Sprig functions: strval, spf13/cast's ToInt64/ToFloat64, Sprig's
// empty(), and reading any Go slice as a list of elements.
import { kindOf } from "../builtins.js";
import { sprintf } from "../fmt.js";
import { parseGoFloat, parseGoInteger } from "../strconv.js";
import {
  GoComplex,
  GoInt,
  GoMap,
  GoSlice,
  GoStruct,
  isPlainObject,
  utf8Decode,
  utf8Length,
} from "../value.js";

/** Sprig's strval: strings and []byte as text, Stringers by String(), the rest with %v. */
export function strval(v: unknown): string {
  if (typeof v === "string") return v;
  if (v instanceof Uint8Array) return utf8Decode(v);
  if (v instanceof GoStruct) {
    const s = v.goString();
    if (s !== undefined) return s;
  }
  return sprintf("%v", [v]);
}

/** Go's int64(f) for a float64 (amd64 gives the minimum int64 for NaN and out-of-range values). */
export function floatToInt64(f: number): bigint {
  if (!Number.isFinite(f) || f >= 2 ** 63 || f < -(2 ** 63)) return -(2n ** 63n);
  return BigInt(Math.trunc(f));
}

/** cast's trimZeroDecimal: "3.00" → "3". */
function trimZeroDecimal(s: string): string {
  let foundZero = false;
  for (let i = s.length; i > 0; i--) {
    const c = s[i - 1];
    if (c === ".") {
      if (foundZero) return s.slice(0, i - 1);
    } else if (c === "0") foundZero = true;
    else return s;
  }
  return s;
}

/** spf13/cast ToInt64E: the value and whether the conversion succeeded. */
export function castToInt64(v: unknown): [bigint, boolean] {
  if (v instanceof GoInt) return [BigInt.asIntN(64, v.value), true];
  switch (typeof v) {
    case "number":
      return [floatToInt64(v), true];
    case "string": {
      const n = parseGoInteger(trimZeroDecimal(v), true);
      return n === undefined ? [0n, false] : [n, true];
    }
    case "boolean":
      return [v ? 1n : 0n, true];
    default:
      return [0n, v === null || v === undefined];
  }
}

/** spf13/cast ToInt64 (errors give 0). */
export function toInt64(v: unknown): bigint {
  return castToInt64(v)[0];
}

/** spf13/cast ToFloat64E. */
export function castToFloat64(v: unknown): [number, boolean] {
  if (v instanceof GoInt) return [Number(v.value), true];
  switch (typeof v) {
    case "number":
      return [v, true];
    case "string": {
      const f = parseGoFloat(v) ?? parseSpecialFloat(v);
      return f === undefined ? [0, false] : [f, true];
    }
    case "boolean":
      return [v ? 1 : 0, true];
    default:
      return [0, v === null || v === undefined];
  }
}

function parseSpecialFloat(s: string): number | undefined {
  const m = /^([+-]?)(inf|infinity|nan)$/i.exec(s);
  if (m === null) return undefined;
  if ((m[2] ?? "").toLowerCase() === "nan") return Number.NaN;
  return m[1] === "-" ? -Infinity : Infinity;
}

/** spf13/cast ToFloat64 (errors give 0). */
export function toFloat64(v: unknown): number {
  return castToFloat64(v)[0];
}

/** A Go int64 result. */
export function int64(v: bigint): GoInt {
  return new GoInt("int64", v);
}

/** A Go int result. */
export function int(v: bigint | number): GoInt {
  return new GoInt("int", typeof v === "bigint" ? v : BigInt(Math.trunc(v)));
}

/** A JavaScript number from a Go int parameter. */
export function num(v: GoInt): number {
  return Number(v.value);
}

/** Sprig's empty(): the zero value of its type (nil, 0, "", false, empty collections). */
export function empty(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  switch (typeof v) {
    case "string":
      return v.length === 0;
    case "number":
      return v === 0;
    case "boolean":
      return !v;
    default:
      break;
  }
  if (v instanceof GoInt) return v.value === 0n;
  if (Array.isArray(v) || v instanceof Uint8Array) return v.length === 0;
  if (v instanceof GoSlice) return v.items.length === 0;
  if (v instanceof GoMap) return Object.keys(v.entries).length === 0;
  if (v instanceof GoComplex) return v.re === 0 && v.im === 0;
  if (isPlainObject(v)) return Object.keys(v).length === 0;
  return false;
}

/** The elements of a Go slice or array value, or undefined when `v` is not one. */
export function listItems(v: unknown): unknown[] | undefined {
  if (Array.isArray(v)) return v as unknown[];
  if (v instanceof GoSlice) return v.items;
  if (v instanceof Uint8Array) return Array.from(v, (b) => new GoInt("uint8", BigInt(b)));
  return undefined;
}

/** reflect.TypeOf(v).Kind() as Go prints it, panicking like Go on nil. */
export function reflectKind(v: unknown): string {
  if (v === null || v === undefined) {
    throw new Error("runtime error: invalid memory address or nil pointer dereference");
  }
  return kindOf(v);
}

/** Go's len() of a string in bytes (for functions that slice by bytes). */
export const byteLen = utf8Length;

/** Go's reflect.DeepEqual over engine values. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof GoInt && b instanceof GoInt) return a.kind === b.kind && a.value === b.value;
  const la = listItems(a);
  const lb = listItems(b);
  if (la !== undefined || lb !== undefined) {
    if (la === undefined || lb === undefined || kindName(a) !== kindName(b)) return false;
    return la.length === lb.length && la.every((x, i) => deepEqual(x, lb[i]));
  }
  if ((isPlainObject(a) || a instanceof GoMap) && (isPlainObject(b) || b instanceof GoMap)) {
    if (kindName(a) !== kindName(b)) return false;
    const ea = a instanceof GoMap ? a.entries : a;
    const eb = b instanceof GoMap ? b.entries : b;
    const ka = Object.keys(ea);
    return (
      ka.length === Object.keys(eb).length &&
      ka.every((k) => Object.hasOwn(eb, k) && deepEqual(ea[k], eb[k]))
    );
  }
  return false;
}

function kindName(v: unknown): string {
  if (Array.isArray(v)) return "[]interface {}";
  if (v instanceof GoSlice) return `[]${v.elem}`;
  if (v instanceof Uint8Array) return "[]uint8";
  if (v instanceof GoMap) return `map[string]${v.elem}`;
  return "map[string]interface {}";
}

// The Go value model of the template engine.
//
// Templates see plain JavaScript data the way Go sees data decoded by encoding/json into an
// interface{}:
//
//   string            Go string
//   number            float64 (JSON numbers are always float64 in Go)
//   boolean           bool
//   null              a nil interface{} (a JSON null held by a map or a list)
//   undefined         "no value" (Go's invalid reflect.Value: a missing map key, nil data)
//   Array             []interface{}
//   plain object      map[string]interface{}
//   Uint8Array        []byte (printed by Go as []uint8)
//
// and a few classes for Go values JSON cannot produce: GoInt (int, int64, uint8, ... from template
// literals and functions such as len), GoSlice and GoMap (typed slices and maps such as []string
// and map[string]string), GoComplex, and GoStruct (time.Time, *semver.Version: values with methods).

/** The integer kinds of Go. */
export type IntKind =
  | "int"
  | "int8"
  | "int16"
  | "int32"
  | "int64"
  | "uint"
  | "uint8"
  | "uint16"
  | "uint32"
  | "uint64"
  | "uintptr";

const intBits: Readonly<Record<IntKind, { bits: number; signed: boolean }>> = {
  int: { bits: 64, signed: true },
  int8: { bits: 8, signed: true },
  int16: { bits: 16, signed: true },
  int32: { bits: 32, signed: true },
  int64: { bits: 64, signed: true },
  uint: { bits: 64, signed: false },
  uint8: { bits: 8, signed: false },
  uint16: { bits: 16, signed: false },
  uint32: { bits: 32, signed: false },
  uint64: { bits: 64, signed: false },
  uintptr: { bits: 64, signed: false },
};

/** A Go integer of a given kind. The value is kept as a bigint so int64 and uint64 stay exact. */
export class GoInt {
  readonly kind: IntKind;
  readonly value: bigint;

  /** Wraps `value` to the width of `kind`, as a Go conversion does. */
  constructor(kind: IntKind, value: bigint) {
    const { bits, signed } = intBits[kind];
    this.kind = kind;
    this.value = signed ? BigInt.asIntN(bits, value) : BigInt.asUintN(bits, value);
  }

  /** Whether the kind is signed (int, int8, ... int64). */
  get signed(): boolean {
    return intBits[this.kind].signed;
  }

  /** The value as a JavaScript number (exact up to 2^53). */
  toNumber(): number {
    return Number(this.value);
  }
}

/** A Go `int` holding `n` (a number is truncated toward zero, like Go's int(f)). */
export function goInt(n: number | bigint, kind: IntKind = "int"): GoInt {
  return new GoInt(
    kind,
    typeof n === "bigint" ? n : BigInt(Math.trunc(Number.isFinite(n) ? n : 0)),
  );
}

/** A Go complex128 (only template literals such as `1i` produce one). */
export class GoComplex {
  readonly re: number;
  readonly im: number;

  constructor(re: number, im: number) {
    this.re = re;
    this.im = im;
  }
}

/** A typed Go slice such as []string. Plain arrays are []interface{}. */
export class GoSlice {
  /** Go's name of the element type, e.g. "string". */
  readonly elem: string;
  readonly items: unknown[];

  constructor(elem: string, items: unknown[]) {
    this.elem = elem;
    this.items = items;
  }
}

/** A typed Go map with string keys such as map[string]string. Plain objects are map[string]interface{}. */
export class GoMap {
  /** Go's name of the element type, e.g. "string". */
  readonly elem: string;
  readonly entries: Record<string, unknown>;

  constructor(elem: string, entries: Record<string, unknown>) {
    this.elem = elem;
    this.entries = entries;
  }
}

/**
 * A Go value with methods (a struct or a pointer to one), such as time.Time. Templates reach its
 * methods with `.Name`; `fmt` prints it with `goString()` when it is a fmt.Stringer.
 */
export abstract class GoStruct {
  /** Go's name of the type, e.g. "time.Time" or "*semver.Version". */
  abstract readonly goType: string;
  /** The method called `name`, if the type has one. */
  abstract method(name: string): GoFunc | undefined;
  /** The String() method's result when the type is a fmt.Stringer, else undefined. */
  goString(): string | undefined {
    return undefined;
  }
  /** The exported field called `name`, if the type is a struct that has one. */
  field(_name: string): { value: unknown } | undefined {
    return undefined;
  }
}

/**
 * The parameter type of functions that take a Go string which may hold arbitrary bytes (a PKCS#12
 * archive, RSA ciphertext): it accepts a string or a Uint8Array and is reported as "string".
 */
export const stringOrBytes = "string|bytes";

/**
 * A function callable from templates, with its Go signature. Parameter types are Go type names
 * ("string", "int", "float64", "bool", "interface {}", "[]interface {}", "map[string]interface {}",
 * "[]string", ...): the engine checks and converts arguments exactly as Go's reflection-based call
 * does, so `{{upper 3}}` fails with Go's own message. A thrown Error becomes
 * `error calling NAME: <message>`, like a Go function returning an error.
 */
export interface GoFunc {
  readonly params: readonly string[];
  /** Element type of a final `...T` parameter, when the function is variadic. */
  readonly variadic?: string | undefined;
  readonly fn: (...args: never[]) => unknown;
}

/** Declares a template function from its Go parameter types and a JavaScript implementation. */
export function goFunc(
  params: readonly string[],
  fn: (...args: never[]) => unknown,
  variadic?: string,
): GoFunc {
  return { params, variadic, fn };
}

/** The Go interface type every JSON value is held in. */
export const interfaceType = "interface {}";

/** True for a plain object (map[string]interface{} in Go). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Go's name of the dynamic type of `v` (what `%T` prints); "<nil>" for nil. */
export function typeName(v: unknown): string {
  switch (typeof v) {
    case "string":
      return "string";
    case "number":
      return "float64";
    case "boolean":
      return "bool";
    case "bigint":
      return "int64";
    case "undefined":
      return "<nil>";
    default:
      break;
  }
  if (v === null) return "<nil>";
  if (v instanceof GoInt) return v.kind;
  if (Array.isArray(v)) return "[]interface {}";
  if (v instanceof Uint8Array) return "[]uint8";
  if (v instanceof GoSlice) return `[]${v.elem}`;
  if (v instanceof GoMap) return `map[string]${v.elem}`;
  if (v instanceof GoStruct) return v.goType;
  if (v instanceof GoComplex) return "complex128";
  if (isPlainObject(v)) return "map[string]interface {}";
  return "interface {}";
}

/** The zero value of the Go type called `type` (nil for interfaces, maps and slices). */
export function zeroValue(type: string): unknown {
  switch (type) {
    case "string":
      return "";
    case "float64":
    case "float32":
      return 0;
    case "bool":
      return false;
    default:
      break;
  }
  if (type in intBits) return new GoInt(type as IntKind, 0n);
  return null;
}

/** The entries of a map value (plain object or GoMap). */
export function mapEntries(v: Record<string, unknown> | GoMap): Record<string, unknown> {
  return v instanceof GoMap ? v.entries : v;
}

/** True for the Go map kinds: plain objects and GoMap. */
export function isMap(v: unknown): v is Record<string, unknown> | GoMap {
  return v instanceof GoMap || isPlainObject(v);
}

/** The items of a slice value (plain array or GoSlice). */
export function sliceItems(v: unknown[] | GoSlice): unknown[] {
  return v instanceof GoSlice ? v.items : v;
}

/**
 * Go's truth of a value (text/template's isTrue): false, 0, nil, and empty strings, slices and
 * maps are false; everything else is true.
 */
export function isTrue(v: unknown): boolean {
  switch (typeof v) {
    case "string":
      return v.length > 0;
    case "number":
      return v !== 0; // NaN is true in Go too
    case "boolean":
      return v;
    case "undefined":
      return false;
    default:
      break;
  }
  if (v === null) return false;
  if (v instanceof GoInt) return v.value !== 0n;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Uint8Array) return v.length > 0;
  if (v instanceof GoSlice) return v.items.length > 0;
  if (v instanceof GoMap) return Object.keys(v.entries).length > 0;
  if (v instanceof GoComplex) return v.re !== 0 || v.im !== 0;
  if (isPlainObject(v)) {
    for (const key in v) if (Object.hasOwn(v, key)) return true;
    return false;
  }
  return true;
}

/**
 * Compares two strings in Go's order (bytes of UTF-8, which is code point order), unlike
 * JavaScript's `<`, which compares UTF-16 code units and misorders characters above U+FFFF.
 */
export function compareGoStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    // Only when both are in or beyond the surrogate range can UTF-16 order differ from code points.
    if (ca >= 0xd800 && cb >= 0xd800) {
      const pa = a.codePointAt(i) ?? ca;
      const pb = b.codePointAt(i) ?? cb;
      if (pa !== pb) return pa < pb ? -1 : 1;
      continue;
    }
    return ca < cb ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** The keys of a map in the order Go's fmt and range visit them (sorted by bytes). */
export function sortedKeys(entries: Record<string, unknown>): string[] {
  return Object.keys(entries).sort(compareGoStrings);
}

const encoder = new TextEncoder();

/** The UTF-8 bytes of a string. */
export function utf8Bytes(s: string): Uint8Array {
  return encoder.encode(s);
}

/** The length of a string in UTF-8 bytes (Go's len). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

const decoder = new TextDecoder("utf-8");

/** Decodes UTF-8 (invalid sequences become U+FFFD, as Go does when ranging over a string). */
export function utf8Decode(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

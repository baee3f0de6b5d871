// Go's encoding/json, as Kubernetes' pretty printer uses it: struct members in declaration order,
// map keys sorted by bytes, two-space indentation, and Go's string escapes. The string escaper and
// key order repeat templating's (jsonString, compareGoStrings) on purpose: importing templating
// here would load the whole template engine into every `secretfleet seal`, whose start-up is held
// to 100 ms above `node -e 0`. format.test.ts holds the two copies equal on generated strings.

/** A JSON value whose objects are either Go structs (ordered fields) or Go maps (sorted keys). */
export type GoValue = string | number | boolean | null | GoValue[] | GoStruct | GoMap;

/** An object whose members keep the order given (a Go struct). */
export class GoStruct {
  readonly fields: readonly (readonly [string, GoValue])[];

  constructor(fields: readonly (readonly [string, GoValue | undefined])[]) {
    this.fields = fields.filter(
      (field): field is readonly [string, GoValue] => field[1] !== undefined,
    );
  }
}

/** An object whose members are printed sorted by key bytes (a Go map). */
export class GoMap {
  readonly entries: readonly (readonly [string, GoValue])[];

  constructor(entries: Iterable<readonly [string, GoValue]>) {
    this.entries = [...entries];
  }
}

/** Go's map key order: by UTF-8 bytes. */
export function compareGoStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

const SHORT_ESCAPES: Partial<Record<string, string>> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};

// Any character goJsonString may change (surrogates too: a lone one becomes U+FFFD).
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const MAY_NEED_ESCAPE = /["\\<>&\u0000-\u001f\u2028\u2029\ud800-\udfff]/;

/**
 * Encodes a string as Go's encoder does (Go 1.22+): HTML-sensitive `<`, `>`, `&` and U+2028/U+2029
 * as `\u003c`-style escapes, other control characters as `\u00XX`, lone surrogates as U+FFFD.
 */
export function goJsonString(value: string): string {
  // Nearly every string (base64 ciphertexts, names) needs no escape: one scan instead of a loop
  // that cost as much as the RSA when sealing a large file to JSON.
  if (!MAY_NEED_ESCAPE.test(value)) return `"${value}"`;
  let out = '"';
  for (const char of value.toWellFormed()) {
    const short = SHORT_ESCAPES[char];
    const code = char.codePointAt(0) ?? 0;
    if (short !== undefined) out += short;
    else if (
      code < 0x20 ||
      char === "<" ||
      char === ">" ||
      char === "&" ||
      code === 0x2028 ||
      code === 0x2029
    ) {
      out += `\\u${code.toString(16).padStart(4, "0")}`;
    } else out += char;
  }
  return `${out}"`;
}

function entriesOf(value: GoStruct | GoMap): readonly (readonly [string, GoValue])[] {
  if (value instanceof GoStruct) return value.fields;
  return [...value.entries].sort(([a], [b]) => compareGoStrings(a, b));
}

function indentJson(value: GoValue, indent: string): string {
  if (value === null) return "null";
  if (typeof value === "string") return goJsonString(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((item) => inner + indentJson(item, inner)).join(",\n")}\n${indent}]`;
  }
  const entries = entriesOf(value);
  if (entries.length === 0) return "{}";
  const members = entries.map(
    ([key, item]) => `${inner}${goJsonString(key)}: ${indentJson(item, inner)}`,
  );
  return `{\n${members.join(",\n")}\n${indent}}`;
}

/** `json.MarshalIndent(value, "", "  ")`. */
export function goJsonIndent(value: GoValue): string {
  return indentJson(value, "");
}

/** Converts plain JSON data (from a parser) to a GoValue whose objects are maps. */
export function plainToGo(value: unknown): GoValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
    return value;
  if (Array.isArray(value)) return value.map(plainToGo);
  if (value instanceof GoStruct || value instanceof GoMap) return value;
  if (typeof value === "object") {
    return new GoMap(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, plainToGo(v)] as const),
    );
  }
  return null;
}

/** A GoValue as plain data (structs and maps become objects; used to re-read our own output). */
export function goToPlain(value: GoValue): unknown {
  if (value instanceof GoStruct || value instanceof GoMap) {
    return Object.fromEntries(entriesOf(value).map(([k, v]) => [k, goToPlain(v)]));
  }
  if (Array.isArray(value)) return value.map(goToPlain);
  return value;
}

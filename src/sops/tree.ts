// The ordered tree every store reads into and writes from, mirroring sops's TreeBranches: one
// branch per YAML document (exactly one for the other formats), maps as ordered item lists (so
// integer-like keys and duplicates keep their place), comments as pseudo-items.

/** A comment line (text without the leading `#`); `inline` when it followed a value on its line. */
export interface Comment {
  readonly kind: "comment";
  readonly value: string;
  readonly inline: boolean;
}

/** An integer, kept as bigint so int64 values survive (JavaScript numbers stop at 2^53). */
export interface IntValue {
  readonly kind: "int";
  readonly value: bigint;
}

/** A float64; `1.0` stays a float (typed `float`) even though it prints as `1`. */
export interface FloatValue {
  readonly kind: "float";
  readonly value: number;
}

/** A timestamp, kept as the RFC 3339 text Go's `time.MarshalText` gives (the MAC hashes it). */
export interface TimeValue {
  readonly kind: "time";
  readonly text: string;
}

/**
 * A value sops cannot walk (YAML integers above int64 decode as Go uint64); carried so that the
 * walk can fail with sops's message instead of silently changing the value.
 */
export interface UnsupportedValue {
  readonly kind: "unsupported";
  readonly goType: string;
  readonly text: string;
}

/** A map key that is not a string (YAML `1: x`, `true: x`); the walk rejects it as sops does. */
export interface NonStringKey {
  readonly kind: "nonstring";
  readonly goType: string;
  readonly text: string;
}

/** An ordered map: items in file order, comments as items whose key is a {@link Comment}. */
export interface TreeMap {
  readonly kind: "map";
  items: TreeItem[];
}

/** A list; comments inside lists are elements of their own. */
export interface TreeList {
  readonly kind: "list";
  items: (TreeValue | Comment)[];
}

/** One map entry. A comment item has a `null` value. */
export interface TreeItem {
  key: string | Comment | NonStringKey;
  value: TreeValue;
}

/**
 * A leaf or a collection. Strings are JavaScript strings; raw bytes (a binary file, or a decrypted
 * `str` that is not valid UTF-8) are a Uint8Array, still typed `str` when encrypted.
 */
export type TreeValue =
  | string
  | Uint8Array
  | boolean
  | null
  | IntValue
  | FloatValue
  | TimeValue
  | UnsupportedValue
  | TreeMap
  | TreeList;

/** The documents of a file (one branch per YAML document). */
export type TreeBranches = TreeMap[];

/** Builds a comment. */
export function comment(value: string, inline = false): Comment {
  return { kind: "comment", value, inline };
}

/** Builds an empty or pre-filled map. */
export function treeMap(items: TreeItem[] = []): TreeMap {
  return { kind: "map", items };
}

/** Builds a list. */
export function treeList(items: (TreeValue | Comment)[] = []): TreeList {
  return { kind: "list", items };
}

/** Builds an integer value. */
export function intValue(value: bigint | number): IntValue {
  return { kind: "int", value: BigInt(value) };
}

/** Builds a float value. */
export function floatValue(value: number): FloatValue {
  return { kind: "float", value };
}

/** True for the tagged objects that are not scalars. */
export function isComment(value: unknown): value is Comment {
  return (
    typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "comment"
  );
}

/** True when `value` is a map. */
export function isMap(value: TreeValue | Comment): value is TreeMap {
  return typeof value === "object" && value !== null && "kind" in value && value.kind === "map";
}

/** True when `value` is a list. */
export function isList(value: TreeValue | Comment): value is TreeList {
  return typeof value === "object" && value !== null && "kind" in value && value.kind === "list";
}

/** Deep copy, so an edit never aliases the tree it started from. */
export function cloneValue<T extends TreeValue | Comment>(value: T): T {
  if (value instanceof Uint8Array) return new Uint8Array(value) as T;
  if (typeof value !== "object" || value === null) return value;
  if (value.kind === "map") {
    return treeMap(
      value.items.map((item) => ({ key: item.key, value: cloneValue(item.value) })),
    ) as T;
  }
  if (value.kind === "list") return treeList(value.items.map((item) => cloneValue(item))) as T;
  return value;
}

/** Deep equality over values (comments compare by text), as sops's `equals`. */
export function valuesEqual(a: TreeValue | Comment, b: TreeValue | Comment): boolean {
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && Buffer.from(a).equals(b);
  }
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) return a === b;
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case "map": {
      const other = b as TreeMap;
      return (
        a.items.length === other.items.length &&
        a.items.every((item, i) => {
          const o = other.items[i];
          return o !== undefined && keysEqual(item.key, o.key) && valuesEqual(item.value, o.value);
        })
      );
    }
    case "list": {
      const other = b as TreeList;
      return (
        a.items.length === other.items.length &&
        a.items.every((item, i) => {
          const o = other.items[i];
          return o !== undefined && valuesEqual(item, o);
        })
      );
    }
    case "comment":
      return a.value === (b as Comment).value;
    case "int":
      return a.value === (b as IntValue).value;
    case "float":
      return Object.is(a.value, (b as FloatValue).value);
    case "time":
      return a.text === (b as TimeValue).text;
    case "unsupported":
      return a.text === (b as UnsupportedValue).text;
  }
}

function keysEqual(a: TreeItem["key"], b: TreeItem["key"]): boolean {
  if (typeof a === "string" || typeof b === "string") return a === b;
  if (a.kind === "comment") return b.kind === "comment" && a.value === b.value;
  return b.kind === "nonstring" && a.text === b.text;
}

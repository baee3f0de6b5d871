import { isObject } from "./json.js";
import type { Json, JsonObject } from "./json.js";

const order: Readonly<Record<string, number>> = { "f:": 0, "k:": 1, "v:": 2, "i:": 3 };

function comparePathElements(a: string, b: string): number {
  const byKind = (order[a.slice(0, 2)] ?? 4) - (order[b.slice(0, 2)] ?? 4);
  if (byKind !== 0) return byKind;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A set of field paths, as structured-merge-diff keeps them for managedFields. Each node is one
 * path element (`f:name`, `k:{"name":"x"}`, `v:"value"`, `i:0`); `member` marks paths in the set.
 */
export class FieldSet {
  member = false;
  readonly children = new Map<string, FieldSet>();

  /** The child node for one path element, created when absent. */
  child(element: string): FieldSet {
    let node = this.children.get(element);
    if (node === undefined) {
      node = new FieldSet();
      this.children.set(element, node);
    }
    return node;
  }

  #descend(path: readonly string[], index: number, create: boolean): FieldSet | undefined {
    const element = path[index];
    if (element === undefined) return this;
    const next = create ? this.child(element) : this.children.get(element);
    return next === undefined ? undefined : next.#descend(path, index + 1, create);
  }

  /** Adds a path. */
  insert(path: readonly string[]): void {
    const node = this.#descend(path, 0, true);
    if (node !== undefined) node.member = true;
  }

  /** True when the path is a member. */
  has(path: readonly string[]): boolean {
    return this.#descend(path, 0, false)?.member === true;
  }

  /** True when the path or anything below it is a member. */
  covers(path: readonly string[]): boolean {
    const node = this.#descend(path, 0, false);
    return node !== undefined && !node.empty;
  }

  /** True when no path is a member. */
  get empty(): boolean {
    if (this.member) return false;
    for (const child of this.children.values()) if (!child.empty) return false;
    return true;
  }

  /** Every member path. */
  paths(prefix: readonly string[] = []): string[][] {
    const out: string[][] = [];
    if (this.member) out.push([...prefix]);
    for (const [element, child] of this.children) out.push(...child.paths([...prefix, element]));
    return out;
  }

  /** A new set with the members of both. */
  union(other: FieldSet): FieldSet {
    const out = this.copy();
    out.#add(other);
    return out;
  }

  #add(other: FieldSet): void {
    if (other.member) this.member = true;
    for (const [element, node] of other.children) this.child(element).#add(node);
  }

  /** A new set with the members of this one that `other` lacks. */
  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    out.member = this.member && !other.member;
    for (const [element, node] of this.children) {
      const theirs = other.children.get(element);
      const rest = theirs === undefined ? node.copy() : node.difference(theirs);
      if (!rest.empty) out.children.set(element, rest);
    }
    return out;
  }

  /** A new set with the members both have. */
  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    out.member = this.member && other.member;
    for (const [element, node] of this.children) {
      const theirs = other.children.get(element);
      if (theirs === undefined) continue;
      const both = node.intersection(theirs);
      if (!both.empty) out.children.set(element, both);
    }
    return out;
  }

  /** A deep copy. */
  copy(): FieldSet {
    const out = new FieldSet();
    out.#add(this);
    return out;
  }

  /** Same members. */
  equals(other: FieldSet): boolean {
    return this.difference(other).empty && other.difference(this).empty;
  }

  /** The FieldsV1 JSON: `"."` for members with children, `{}` leaves, keys in SMD order. */
  toFieldsV1(): JsonObject {
    const out: JsonObject = {};
    const elements = [...this.children.keys()].sort(comparePathElements);
    for (const element of elements) {
      const child = this.children.get(element);
      if (child === undefined || child.empty) continue;
      const inner = child.toFieldsV1();
      out[element] = child.member && Object.keys(inner).length > 0 ? { ".": {}, ...inner } : inner;
    }
    return out;
  }

  /** Reads FieldsV1 JSON (unknown shapes are ignored). */
  static fromFieldsV1(json: Json | undefined): FieldSet {
    const set = new FieldSet();
    const visit = (node: JsonObject, path: string[]): void => {
      const entries = Object.entries(node);
      if (path.length > 0 && (entries.length === 0 || "." in node)) set.insert(path);
      for (const [element, child] of entries) {
        if (element !== "." && isObject(child)) visit(child, [...path, element]);
      }
    };
    if (isObject(json)) visit(json, []);
    return set;
  }
}

/** `f:<name>` */
export function fieldElement(name: string): string {
  return `f:${name}`;
}

/** `k:{...}` with the key fields sorted and compact. */
export function keyElement(item: JsonObject, keys: readonly string[]): string {
  const picked: JsonObject = {};
  for (const key of [...keys].sort()) {
    const value = item[key];
    if (value !== undefined) picked[key] = value;
  }
  return `k:${JSON.stringify(picked)}`;
}

/** `v:<json>` */
export function valueElement(value: Json): string {
  return `v:${JSON.stringify(value)}`;
}

/** `i:<n>` */
export function indexElement(index: number): string {
  return `i:${index}`;
}

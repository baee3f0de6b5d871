// Sprig's list, dict and defaults functions (list.go, dict.go, defaults.go), including mergo's
// merge rules and Sprig's panics as "error calling" messages.
import { GoMap, GoSlice, goFunc, isPlainObject, typeName, type GoFunc, GoInt } from "../value.js";
import { deepEqual, empty, listItems, num, reflectKind, strval, toInt64 } from "./convert.js";
import { stringSlice } from "./strings.js";

const any = "interface {}";
const dictType = "map[string]interface {}";
type Dict = Record<string, unknown> | null;

/** The elements of a list argument, or Go's error for the function's own message. */
function items(v: unknown, message: (kind: string) => string): unknown[] {
  const kind = reflectKind(v);
  const list = listItems(v);
  if (list === undefined) throw new Error(message(kind));
  return list;
}

function mustChunk(size: number, list: unknown): unknown[][] {
  const l = items(list, (k) => `Cannot chunk type ${k}`);
  const n = l.length;
  const cs = Math.floor((n - 1) / size) + 1;
  const out: unknown[][] = [];
  for (let i = 0; i < cs; i++) {
    let clen = size;
    if (i === cs - 1) {
      clen = Math.floor(n % size);
      if (clen === 0) clen = size;
    }
    out.push(l.slice(i * size, i * size + clen));
  }
  return out;
}

function mustSlice(list: unknown, indices: unknown[]): unknown {
  const l = items(list, (k) => `list should be type of slice or array but ${k}`);
  if (l.length === 0) return null;
  const start = indices.length > 0 ? Number(toInt64(indices[0])) : 0;
  const end = indices.length < 2 ? l.length : Number(toInt64(indices[1]));
  if (start < 0 || end > l.length || start > end) {
    throw new Error(`reflect: slice index out of range`);
  }
  const sliced = l.slice(start, end);
  if (list instanceof GoSlice) return new GoSlice(list.elem, sliced);
  if (list instanceof Uint8Array) return list.slice(start, end);
  return sliced;
}

function inList(haystack: unknown[], needle: unknown): boolean {
  return haystack.some((h) => deepEqual(needle, h));
}

function uniq(list: unknown): unknown[] {
  const dest: unknown[] = [];
  for (const item of items(list, (k) => `Cannot find uniq on type ${k}`)) {
    if (!inList(dest, item)) dest.push(item);
  }
  return dest;
}

function mustHas(needle: unknown, haystack: unknown): boolean {
  if (haystack === null || haystack === undefined) return false;
  return inList(
    items(haystack, (k) => `Cannot find has on type ${k}`),
    needle,
  );
}

function concat(lists: unknown[]): unknown[] | null {
  let res: unknown[] | null = null;
  for (const list of lists) {
    const kind = reflectKind(list);
    const l = listItems(list);
    if (l === undefined) throw new Error(`Cannot concat type ${kind} as list`);
    res = [...(res ?? []), ...l];
  }
  return res;
}

// --- dicts

function entriesOf(d: unknown): Record<string, unknown> {
  if (d instanceof GoMap) return d.entries;
  return isPlainObject(d) ? d : {};
}

function dict(args: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i += 2) {
    const key = strval(args[i]);
    setOwn(out, key, i + 1 >= args.length ? "" : args[i + 1]);
  }
  return out;
}

/** Sets a key even when it is "__proto__", as Go maps allow any key. */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function nilMapAssignment(d: Dict): Record<string, unknown> {
  if (d === null) throw new Error("assignment to entry in nil map");
  return d;
}

function isDict(v: unknown): v is Record<string, unknown> | GoMap {
  return isPlainObject(v) || v instanceof GoMap;
}

/** mergo.Merge / MergeWithOverwrite for map[string]interface{} (Sprig's merge, mergeOverwrite). */
export function mergeInto(
  dst: Record<string, unknown>,
  src: Record<string, unknown>,
  overwrite: boolean,
): void {
  for (const key of Object.keys(src)) {
    const s = src[key];
    const present = Object.hasOwn(dst, key);
    const d = dst[key];
    if (s === null || s === undefined) {
      if (overwrite) setOwn(dst, key, null);
      continue;
    }
    if (isDict(s) && present && isDict(d) && !empty(d)) {
      mergeInto(entriesOf(d), entriesOf(s), overwrite);
      continue;
    }
    if (overwrite || !present || empty(d)) setOwn(dst, key, s);
  }
}

function merge(dst: Dict, srcs: Dict[], overwrite: boolean): Record<string, unknown> {
  const target = dst ?? {};
  for (const src of srcs) mergeInto(target, src ?? {}, overwrite);
  return target;
}

/** Deep copy of a value (copystructure.Copy). */
export function deepCopy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(deepCopy);
  if (v instanceof GoSlice) return new GoSlice(v.elem, v.items.map(deepCopy));
  if (v instanceof Uint8Array) return v.slice();
  if (v instanceof GoMap) return new GoMap(v.elem, deepCopy(v.entries) as Record<string, unknown>);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) setOwn(out, k, deepCopy(v[k]));
    return out;
  }
  return v;
}

function dig(ps: unknown[]): unknown {
  if (ps.length < 3) throw new Error("dig needs at least three arguments");
  let current = ps[ps.length - 1];
  const def = ps[ps.length - 2];
  const ks = ps.slice(0, -2).map((k) => {
    if (typeof k !== "string")
      throw new Error(`interface conversion: interface {} is ${typeName(k)}, not string`);
    return k;
  });
  for (const [i, k] of ks.entries()) {
    if (!isPlainObject(current)) {
      throw new Error(
        `interface conversion: interface {} is ${typeName(current)}, not map[string]interface {}`,
      );
    }
    if (!Object.hasOwn(current, k)) return def;
    current = current[k];
    if (i === ks.length - 1) return current;
  }
  return def;
}

function keysOf(dicts: Dict[]): GoSlice {
  const out: string[] = [];
  for (const d of dicts) if (d !== null) out.push(...Object.keys(d));
  return stringSlice(out);
}

/** Sprig's list, dict and defaults functions. */
export const collectionFunctions: Readonly<Record<string, GoFunc>> = {
  // lists
  list: goFunc([], (...v: unknown[]) => v, any),
  tuple: goFunc([], (...v: unknown[]) => v, any),
  append: goFunc([any, any], (l: unknown, v: unknown) => [
    ...items(l, (k) => `Cannot push on type ${k}`),
    v,
  ]),
  push: goFunc([any, any], (l: unknown, v: unknown) => [
    ...items(l, (k) => `Cannot push on type ${k}`),
    v,
  ]),
  mustAppend: goFunc([any, any], (l: unknown, v: unknown) => [
    ...items(l, (k) => `Cannot push on type ${k}`),
    v,
  ]),
  mustPush: goFunc([any, any], (l: unknown, v: unknown) => [
    ...items(l, (k) => `Cannot push on type ${k}`),
    v,
  ]),
  prepend: goFunc([any, any], (l: unknown, v: unknown) => [
    v,
    ...items(l, (k) => `Cannot prepend on type ${k}`),
  ]),
  mustPrepend: goFunc([any, any], (l: unknown, v: unknown) => [
    v,
    ...items(l, (k) => `Cannot prepend on type ${k}`),
  ]),
  first: goFunc(
    [any],
    (l: unknown) => items(l, (k) => `Cannot find first on type ${k}`)[0] ?? null,
  ),
  mustFirst: goFunc(
    [any],
    (l: unknown) => items(l, (k) => `Cannot find first on type ${k}`)[0] ?? null,
  ),
  last: goFunc(
    [any],
    (l: unknown) => items(l, (k) => `Cannot find last on type ${k}`).at(-1) ?? null,
  ),
  mustLast: goFunc(
    [any],
    (l: unknown) => items(l, (k) => `Cannot find last on type ${k}`).at(-1) ?? null,
  ),
  rest: goFunc([any], (l: unknown) => {
    const list = items(l, (k) => `Cannot find rest on type ${k}`);
    return list.length === 0 ? null : list.slice(1);
  }),
  mustRest: goFunc([any], (l: unknown) => {
    const list = items(l, (k) => `Cannot find rest on type ${k}`);
    return list.length === 0 ? null : list.slice(1);
  }),
  initial: goFunc([any], (l: unknown) => {
    const list = items(l, (k) => `Cannot find initial on type ${k}`);
    return list.length === 0 ? null : list.slice(0, -1);
  }),
  mustInitial: goFunc([any], (l: unknown) => {
    const list = items(l, (k) => `Cannot find initial on type ${k}`);
    return list.length === 0 ? null : list.slice(0, -1);
  }),
  reverse: goFunc([any], (l: unknown) =>
    [...items(l, (k) => `Cannot find reverse on type ${k}`)].reverse(),
  ),
  mustReverse: goFunc([any], (l: unknown) =>
    [...items(l, (k) => `Cannot find reverse on type ${k}`)].reverse(),
  ),
  uniq: goFunc([any], uniq),
  mustUniq: goFunc([any], uniq),
  without: goFunc(
    [any],
    (l: unknown, ...omit: unknown[]) =>
      items(l, (k) => `Cannot find without on type ${k}`).filter((x) => !inList(omit, x)),
    any,
  ),
  mustWithout: goFunc(
    [any],
    (l: unknown, ...omit: unknown[]) =>
      items(l, (k) => `Cannot find without on type ${k}`).filter((x) => !inList(omit, x)),
    any,
  ),
  has: goFunc([any, any], mustHas),
  mustHas: goFunc([any, any], mustHas),
  slice: goFunc([any], (l: unknown, ...i: unknown[]) => mustSlice(l, i), any),
  mustSlice: goFunc([any], (l: unknown, ...i: unknown[]) => mustSlice(l, i), any),
  concat: goFunc([], (...lists: unknown[]) => concat(lists), any),
  chunk: goFunc(["int", any], (size: GoInt, l: unknown) => mustChunk(num(size), l)),
  mustChunk: goFunc(["int", any], (size: GoInt, l: unknown) => mustChunk(num(size), l)),
  compact: goFunc([any], (l: unknown) =>
    items(l, (k) => `Cannot compact on type ${k}`).filter((x) => !empty(x)),
  ),
  mustCompact: goFunc([any], (l: unknown) =>
    items(l, (k) => `Cannot compact on type ${k}`).filter((x) => !empty(x)),
  ),
  // dicts
  dict: goFunc([], (...v: unknown[]) => dict(v), any),
  get: goFunc([dictType, "string"], (d: Dict, k: string) =>
    d !== null && Object.hasOwn(d, k) ? d[k] : "",
  ),
  set: goFunc([dictType, "string", any], (d: Dict, k: string, v: unknown) => {
    const target = nilMapAssignment(d);
    setOwn(target, k, v);
    return target;
  }),
  unset: goFunc([dictType, "string"], (d: Dict, k: string) => {
    if (d !== null) Reflect.deleteProperty(d, k);
    return d;
  }),
  hasKey: goFunc([dictType, "string"], (d: Dict, k: string) => d !== null && Object.hasOwn(d, k)),
  pluck: goFunc(
    ["string"],
    (k: string, ...ds: Dict[]) =>
      ds.filter((d) => d !== null && Object.hasOwn(d, k)).map((d) => d?.[k]),
    dictType,
  ),
  keys: goFunc([], (...ds: Dict[]) => keysOf(ds), dictType),
  pick: goFunc(
    [dictType],
    (d: Dict, ...ks: string[]) => {
      const out: Record<string, unknown> = {};
      for (const k of ks) if (d !== null && Object.hasOwn(d, k)) setOwn(out, k, d[k]);
      return out;
    },
    "string",
  ),
  omit: goFunc(
    [dictType],
    (d: Dict, ...ks: string[]) => {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(d ?? {})) if (!ks.includes(k)) setOwn(out, k, d?.[k]);
      return out;
    },
    "string",
  ),
  merge: goFunc([dictType], (dst: Dict, ...srcs: Dict[]) => merge(dst, srcs, false), dictType),
  mustMerge: goFunc([dictType], (dst: Dict, ...srcs: Dict[]) => merge(dst, srcs, false), dictType),
  mergeOverwrite: goFunc(
    [dictType],
    (dst: Dict, ...srcs: Dict[]) => merge(dst, srcs, true),
    dictType,
  ),
  mustMergeOverwrite: goFunc(
    [dictType],
    (dst: Dict, ...srcs: Dict[]) => merge(dst, srcs, true),
    dictType,
  ),
  values: goFunc([dictType], (d: Dict) => Object.values(d ?? {})),
  deepCopy: goFunc([any], deepCopy),
  mustDeepCopy: goFunc([any], deepCopy),
  dig: goFunc([], (...ps: unknown[]) => dig(ps), any),
  // defaults
  default: goFunc(
    [any],
    (d: unknown, ...given: unknown[]) => (given.length === 0 || empty(given[0]) ? d : given[0]),
    any,
  ),
  empty: goFunc([any], empty),
  coalesce: goFunc([], (...v: unknown[]) => v.find((x) => !empty(x)) ?? null, any),
  all: goFunc([], (...v: unknown[]) => v.every((x) => !empty(x)), any),
  any: goFunc([], (...v: unknown[]) => v.some((x) => !empty(x)), any),
  ternary: goFunc([any, any, "bool"], (t: unknown, f: unknown, v: boolean) => (v ? t : f)),
};

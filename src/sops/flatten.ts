// Metadata flattening for the dotenv and INI stores: nested maps become `a__map_b` keys and list
// positions `a__list_0`, in depth-first order over the (sorted) metadata map.
import { SopsError, SopsExitCode } from "./errors.js";
import { treeList, treeMap, type TreeItem, type TreeMap, type TreeValue } from "./tree.js";

const MAP_SEPARATOR = "__map_";
const LIST_SEPARATOR = "__list_";

function fail(message: string): SopsError {
  return new SopsError(message, SopsExitCode.ErrorGeneric, { path: ["sops"] });
}

/**
 * Flattens a metadata map into single-level items, keys prefixed with `prefix`.
 * @throws SopsError on a key collision
 */
export function flattenMetadata(map: TreeMap, prefix: string): TreeItem[] {
  const out: TreeItem[] = [];
  const seen = new Set<string>();
  const descend = (value: TreeValue, key: string): void => {
    if (typeof value === "object" && value !== null && !(value instanceof Uint8Array)) {
      if (value.kind === "map") {
        for (const item of value.items) {
          if (typeof item.key === "string")
            descend(item.value, `${key}${MAP_SEPARATOR}${item.key}`);
        }
        return;
      }
      if (value.kind === "list") {
        let index = 0;
        for (const item of value.items) {
          if (
            typeof item === "object" &&
            item !== null &&
            "kind" in item &&
            item.kind === "comment"
          )
            continue;
          descend(item, `${key}${LIST_SEPARATOR}${index}`);
          index++;
        }
        return;
      }
    }
    if (seen.has(key)) throw fail(`Found key collision ${JSON.stringify(key)} while flattening`);
    seen.add(key);
    out.push({ key, value });
  };
  for (const item of map.items) {
    if (typeof item.key === "string") descend(item.value, `${prefix}${item.key}`);
  }
  return out;
}

type Token = { map: string } | { list: number };

function tokenize(path: string): Token[] {
  const tokens: Token[] = [];
  let state: "normal" | "map" | "list" = "normal";
  let start = 0;
  let i = 0;
  const finish = (): void => {
    if (state === "normal") tokens.push({ map: path.slice(start, i) });
    else if (state === "map") tokens.push({ map: path.slice(start + MAP_SEPARATOR.length, i) });
    else
      tokens.push({ list: Number.parseInt(path.slice(start + LIST_SEPARATOR.length, i), 10) || 0 });
    start = i;
  };
  while (i < path.length) {
    if (path.startsWith(MAP_SEPARATOR, i)) {
      finish();
      state = "map";
      i += MAP_SEPARATOR.length;
    } else if (path.startsWith(LIST_SEPARATOR, i)) {
      finish();
      state = "list";
      i += LIST_SEPARATOR.length;
    } else {
      i++;
    }
  }
  finish();
  return tokens;
}

interface Node {
  value?: { v: TreeValue };
  keys?: Map<string, Node>;
  indices?: Map<number, Node>;
}

function convert(node: Node): TreeValue {
  const kinds = [
    node.value !== undefined,
    (node.keys?.size ?? 0) > 0,
    (node.indices?.size ?? 0) > 0,
  ];
  if (kinds.filter(Boolean).length > 1) throw fail("Error while unflattening: Type mismatch");
  if (node.value !== undefined) return node.value.v;
  if (node.keys !== undefined && node.keys.size > 0) {
    const keys = [...node.keys.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return treeMap(keys.map((key) => ({ key, value: convert(node.keys?.get(key) ?? {}) })));
  }
  if (node.indices !== undefined && node.indices.size > 0) {
    const positions = [...node.indices.keys()];
    const max = Math.max(...positions);
    if (Math.min(...positions) !== 0 || max + 1 !== positions.length) {
      throw fail("Error while unflattening: Incomplete list");
    }
    return treeList(
      positions.sort((a, b) => a - b).map((p) => convert(node.indices?.get(p) ?? {})),
    );
  }
  return treeMap();
}

/**
 * Rebuilds the nested metadata map from flattened items (prefix already removed).
 * @throws SopsError on duplicates, type mismatches and lists with gaps
 */
export function unflattenMetadata(items: readonly TreeItem[]): TreeMap {
  const root: Node = {};
  for (const item of items) {
    if (typeof item.key !== "string") continue;
    let node = root;
    for (const token of tokenize(item.key)) {
      if ("map" in token) {
        node.keys ??= new Map();
        let next = node.keys.get(token.map);
        if (next === undefined) {
          next = {};
          node.keys.set(token.map, next);
        }
        node = next;
      } else {
        node.indices ??= new Map();
        let next = node.indices.get(token.list);
        if (next === undefined) {
          next = {};
          node.indices.set(token.list, next);
        }
        node = next;
      }
    }
    if (node.value !== undefined) {
      throw fail(`Error while unflattening ${JSON.stringify(item.key)}: Duplicate value`);
    }
    node.value = { v: item.value };
  }
  const result = convert(root);
  if (
    typeof result === "object" &&
    result !== null &&
    !(result instanceof Uint8Array) &&
    result.kind === "map"
  ) {
    return result;
  }
  throw fail("Internal error: cannot find root");
}

// Index paths (`["a"][0]["b"]`) as `--extract`, `set` and `unset` take them, and the tree edits
// sops makes with them.
import { SopsError, SopsExitCode } from "./errors.js";
import { treeList, treeMap, valuesEqual, type TreeMap, type TreeValue } from "./tree.js";

/** A path: map keys (strings) and list positions (numbers). */
export type IndexPath = (string | number)[];

/**
 * Parses sops's index syntax: `["key"]`, `['key']` or `[0]` components.
 * @throws SopsError (exit code given by the caller's context: 91 for --extract, 7 for set)
 */
export function parseIndexPath(text: string, exitCode: number): IndexPath {
  const path: IndexPath = [];
  for (const component of text.split("[")) {
    if (component === "") continue;
    if (!component.endsWith("]")) {
      throw new SopsError(`component ${component} doesn't end with ]`, exitCode);
    }
    const inner = component.slice(0, -1);
    if (inner.startsWith('"') || inner.startsWith("'")) {
      path.push(inner.slice(1, -1));
    } else if (/^[+-]?\d+$/.test(inner)) {
      path.push(Number.parseInt(inner, 10));
    } else {
      throw new SopsError(
        `strconv.Atoi: parsing ${JSON.stringify(inner)}: invalid syntax`,
        exitCode,
      );
    }
  }
  return path;
}

const isMapValue = (v: TreeValue): v is TreeMap =>
  typeof v === "object" && v !== null && !(v instanceof Uint8Array) && v.kind === "map";

/**
 * The sub-tree at `path` (sops's Truncate).
 * @throws SopsError naming the component that is missing
 */
export function valueAt(branch: TreeMap, path: IndexPath): TreeValue {
  let current: TreeValue = branch;
  for (const component of path) {
    if (typeof component === "string") {
      const found: TreeMap["items"][number] | undefined = isMapValue(current)
        ? current.items.find((item) => item.key === component)
        : undefined;
      if (found === undefined) {
        throw new SopsError(
          `error truncating tree: component ['${component}'] not found`,
          SopsExitCode.ErrorGeneric,
        );
      }
      current = found.value;
    } else {
      if (
        typeof current !== "object" ||
        current === null ||
        current instanceof Uint8Array ||
        current.kind !== "list"
      ) {
        throw new SopsError(
          `error truncating tree: component [${component}] is integer, but tree part is not a slice`,
          SopsExitCode.ErrorGeneric,
        );
      }
      const item = current.items[component];
      if (item === undefined || component < 0) {
        throw new SopsError(
          `error truncating tree: component [${component}] accesses out of bounds`,
          SopsExitCode.ErrorGeneric,
        );
      }
      current = item as TreeValue;
    }
  }
  return current;
}

function fromPath(path: IndexPath, leaf: TreeValue): TreeValue {
  const [head, ...rest] = path;
  if (head === undefined) return leaf;
  const inner = rest.length === 0 ? leaf : fromPath(rest, leaf);
  return typeof head === "number" ? treeList([inner]) : treeMap([{ key: head, value: inner }]);
}

/**
 * Sets the value at `path`, creating missing map keys and appending missing list positions, as
 * sops's `TreeBranch.Set` does.
 * @returns the new branch and whether anything changed
 */
export function setValueAt(
  branch: TreeMap,
  path: IndexPath,
  value: TreeValue,
): { branch: TreeMap; changed: boolean } {
  const set = (node: TreeValue, p: IndexPath): { node: TreeValue; changed: boolean } => {
    const [head, ...rest] = p;
    if (head === undefined) return { node: value, changed: !valuesEqual(node, value) };
    if (typeof head === "string" && isMapValue(node)) {
      const index = node.items.findIndex((item) => item.key === head);
      if (index === -1) {
        const created = fromPath(p, value);
        return {
          node: treeMap([...node.items, ...(isMapValue(created) ? created.items : [])]),
          changed: true,
        };
      }
      const item = node.items[index];
      if (item === undefined) return { node, changed: false };
      const inner = set(item.value, rest);
      const items = [...node.items];
      items[index] = { key: item.key, value: inner.node };
      return { node: treeMap(items), changed: inner.changed };
    }
    if (
      typeof head === "number" &&
      typeof node === "object" &&
      node !== null &&
      !(node instanceof Uint8Array) &&
      node.kind === "list"
    ) {
      const items = [...node.items];
      if (head >= items.length) {
        items.push(rest.length === 0 ? value : fromPath(rest, value));
        return { node: treeList(items), changed: true };
      }
      const inner = set(items[head] as TreeValue, rest);
      items[head] = inner.node;
      return { node: treeList(items), changed: inner.changed };
    }
    const created = fromPath(p, value);
    return { node: created, changed: !valuesEqual(node, created) };
  };
  const result = set(branch, path);
  return { branch: isMapValue(result.node) ? result.node : branch, changed: result.changed };
}

/**
 * Removes the key or list element at `path`.
 * @throws SopsError `Key not found: K` / `Index N out of bounds` (exit 1)
 */
export function unsetValueAt(branch: TreeMap, path: IndexPath): TreeMap {
  const unset = (node: TreeValue, p: IndexPath): TreeValue => {
    const [head, ...rest] = p;
    if (typeof head === "string") {
      if (!isMapValue(node))
        throw new SopsError(`Key not found: ${head}`, SopsExitCode.ErrorGeneric, { path });
      const index = node.items.findIndex((item) => item.key === head);
      const item = node.items[index];
      if (item === undefined)
        throw new SopsError(`Key not found: ${head}`, SopsExitCode.ErrorGeneric, { path });
      const items = [...node.items];
      if (rest.length === 0) items.splice(index, 1);
      else items[index] = { key: item.key, value: unset(item.value, rest) };
      return treeMap(items);
    }
    if (typeof head === "number") {
      if (
        typeof node !== "object" ||
        node === null ||
        node instanceof Uint8Array ||
        node.kind !== "list" ||
        head >= node.items.length
      ) {
        throw new SopsError(`Index ${head} out of bounds`, SopsExitCode.ErrorGeneric, { path });
      }
      const items = [...node.items];
      if (rest.length === 0) items.splice(head, 1);
      else items[head] = unset(items[head] as TreeValue, rest);
      return treeList(items);
    }
    return node;
  };
  const result = unset(branch, path);
  return isMapValue(result) ? result : branch;
}

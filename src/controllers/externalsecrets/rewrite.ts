import { compileGoRegexp } from "./go-regexp.js";
import { goByteValue, goJsonText, goSortKeys, parseJsonObject } from "./json-value.js";
import type { TemplateRenderer } from "./template-renderer.js";
import type { Rewrite } from "./types.js";

/**
 * Applies a dataFrom entry's `rewrite` list in order (ESO `RewriteMap`).
 * @throws Error `failed rewrite operation[i]: ...`; messages name keys, never values
 */
export function rewriteMap(
  operations: readonly Rewrite[],
  values: ReadonlyMap<string, Uint8Array>,
  render: TemplateRenderer,
): Map<string, Uint8Array> {
  let out = new Map(values);
  operations.forEach((operation, index) => {
    try {
      out = rewriteOnce(operation, out, render);
    } catch (error) {
      throw new Error(`failed rewrite operation[${index}]: ${(error as Error).message}`, {
        cause: error,
      });
    }
  });
  return out;
}

function rewriteOnce(
  operation: Rewrite,
  values: ReadonlyMap<string, Uint8Array>,
  render: TemplateRenderer,
): Map<string, Uint8Array> {
  if (operation.merge !== undefined) return rewriteMerge(operation.merge, values);
  if (operation.regexp !== undefined) {
    const { source, target } = operation.regexp;
    let re;
    try {
      re = compileGoRegexp(source);
    } catch (error) {
      throw new Error(`regexp failed with failed to compile: ${(error as Error).message}`, {
        cause: error,
      });
    }
    // Two keys rewritten to one name: the later one wins, as upstream's map iteration lets one win.
    return new Map([...values].map(([key, value]) => [re.replaceAll(key, target), value]));
  }
  if (operation.transform !== undefined) {
    const { template } = operation.transform;
    return new Map(
      [...values].map(([key, value]) => {
        try {
          return [
            render(template, { value: key }, { name: "transform", missingKey: "default" }),
            value,
          ];
        } catch (error) {
          throw new Error(
            `transform failed with failed to execute template for key ${JSON.stringify(key)}: ${(error as Error).message}`,
            { cause: error },
          );
        }
      }),
    );
  }
  return new Map(values);
}

function rewriteMerge(
  operation: NonNullable<Rewrite["merge"]>,
  values: ReadonlyMap<string, Uint8Array>,
): Map<string, Uint8Array> {
  const merged: Record<string, unknown> = {};
  const conflicts: string[] = [];
  const priority = operation.priority ?? [];
  // Keys outside `priority` first, sorted; then the priority keys in their order (later wins).
  const order = [
    ...goSortKeys([...values.keys()].filter((key) => !priority.includes(key))),
    ...priority,
  ];
  for (const key of order) {
    const value = values.get(key);
    if (value === undefined) {
      if (operation.priorityPolicy === "IgnoreNotFound") continue;
      throw new Error(`merge failed with key ${JSON.stringify(key)} not found in input map`);
    }
    const object = parseJsonObject(value);
    // Deliberately not Go's parser message: it would quote a character of the secret value.
    if (object === undefined)
      throw new Error(
        `merge failed with failed to unmarshal JSON: value of key ${JSON.stringify(key)} is not a JSON object`,
      );
    for (const [field, item] of Object.entries(object)) {
      if (Object.hasOwn(merged, field)) conflicts.push(field);
      Object.defineProperty(merged, field, {
        value: item,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  if (operation.conflictPolicy !== "Ignore" && conflicts.length > 0) {
    throw new Error(`merge failed with conflicts: ${conflicts.join(", ")}`);
  }
  if (operation.strategy === "JSON") {
    const into = operation.into ?? "";
    if (into === "") throw new Error("merge failed with missing 'into' field");
    const out = new Map(values);
    out.set(into, Buffer.from(goJsonText(merged, false)));
    return out;
  }
  return new Map(Object.entries(merged).map(([field, item]) => [field, goByteValue(item)]));
}

// dotenv as sops reads and writes it: `KEY=value` lines split at the first `=` (nothing trimmed, no
// quote processing), `\n` escapes for newlines, `#` comment lines.
import { comment, treeMap, type TreeMap } from "../tree.js";
import { valueToString } from "./ini.js";

/** A dotenv input problem, with its line number. */
export class DotenvInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DotenvInputError";
  }
}

/**
 * Parses dotenv text into one branch.
 * @throws DotenvInputError for a line without `=` (naming its number, never its content)
 */
export function readDotenv(text: string): TreeMap {
  const branch = treeMap();
  text.split("\n").forEach((line, index) => {
    if (line === "") return;
    if (line.startsWith("#")) {
      branch.items.push({ key: comment(line.slice(1)), value: null });
      return;
    }
    const at = line.indexOf("=");
    if (at === -1)
      throw new DotenvInputError(`invalid dotenv input line ${index + 1}: no "=" in it`);
    branch.items.push({
      key: line.slice(0, at),
      value: line.slice(at + 1).replaceAll("\\n", "\n"),
    });
  });
  return branch;
}

/**
 * Serialises one branch as dotenv lines.
 * @throws Error with sops's text for nested values
 */
export function writeDotenv(branch: TreeMap): string {
  let out = "";
  for (const item of branch.items) {
    const value = item.value;
    if (
      typeof value === "object" &&
      value !== null &&
      !(value instanceof Uint8Array) &&
      (value.kind === "map" || value.kind === "list")
    ) {
      const name = typeof item.key === "string" ? item.key : "";
      throw new Error(`cannot use complex value in dotenv file; offending key ${name}`);
    }
    if (typeof item.key !== "string") {
      if (item.key.kind === "comment") out += `#${item.key.value}\n`;
      continue;
    }
    const text = typeof value === "string" ? value.replaceAll("\n", "\\n") : valueToString(value);
    out += `${item.key}=${text}\n`;
  }
  return out;
}

// INI as sops reads it through go-ini (sections as maps of strings, a leading DEFAULT section,
// comments attached to the next section or key, unquoting, inline `#`/`;` comments) and writes it
// (`=` aligned per section, go-ini's quoting, a blank line between sections).
import { formatFloatForFlatStores } from "../go-format.js";
import { comment, treeMap, type TreeItem, type TreeMap, type TreeValue } from "../tree.js";

/** An INI input problem with its line number. */
export class IniInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IniInputError";
  }
}

/** sops's stripCommentChar: drops the leading `;`/`#` and spaces of the first line only. */
function stripCommentChar(text: string): string {
  if (text.startsWith(";")) return text.replace(/^[; ]+/, "");
  if (text.startsWith("#")) return text.replace(/^[# ]+/, "");
  return text;
}

function hasSurroundedQuote(text: string, quote: string): boolean {
  return (
    text.length >= 2 &&
    text.startsWith(quote) &&
    text.at(-1) === quote &&
    text.indexOf(quote, 1) === text.length - 1
  );
}

interface Section {
  name: string;
  comment: string;
  keys: { name: string; value: string; comment: string }[];
}

class IniParser {
  readonly #lines: string[];
  #index = 0;
  #comment = "";

  constructor(text: string) {
    this.#lines = text.split("\n").map((line, i, all) => (i < all.length - 1 ? `${line}\n` : line));
  }

  takeComment(): string {
    const text = this.#comment.trim();
    this.#comment = "";
    return text;
  }

  parse(): Section[] {
    const sections: Section[] = [{ name: "DEFAULT", comment: "", keys: [] }];
    for (; this.#index < this.#lines.length; this.#index++) {
      const raw = this.#lines[this.#index] ?? "";
      const line = raw.replace(/^\s+/, "");
      if (line.replace(/\s+$/, "") === "") continue;
      if (line.startsWith("#") || line.startsWith(";")) {
        this.#comment += line;
        continue;
      }
      if (line.startsWith("[")) {
        sections.push(this.section(line));
        continue;
      }
      const current = sections.at(-1);
      current?.keys.push(this.keyValue(line));
    }
    return sections;
  }

  section(line: string): Section {
    const close = line.lastIndexOf("]");
    if (close === -1)
      throw new IniInputError(`unclosed section: ${line.trimEnd()} at line ${this.#index + 1}`);
    const trailing = line.slice(close + 1).trim();
    if (trailing.startsWith("#") || trailing.startsWith(";")) this.#comment += trailing;
    const name = line.slice(1, close).trim();
    if (name === "") throw new IniInputError(`empty section name at line ${this.#index + 1}`);
    return { name, comment: this.takeComment(), keys: [] };
  }

  keyValue(line: string): { name: string; value: string; comment: string } {
    let name: string;
    let rest: string;
    const quote = line.startsWith('"') ? '"' : line.startsWith("`") ? "`" : undefined;
    if (quote !== undefined) {
      const end = line.indexOf(quote, 1);
      if (end === -1)
        throw new IniInputError(`missing closing key quote at line ${this.#index + 1}`);
      name = line.slice(1, end);
      rest = line.slice(end + 1).replace(/^\s+/, "");
      if (!rest.startsWith("=") && !rest.startsWith(":")) {
        throw new IniInputError(`key-value delimiter not found at line ${this.#index + 1}`);
      }
      rest = rest.slice(1);
    } else {
      const delimiter = line.search(/[=:]/);
      if (delimiter === -1)
        throw new IniInputError(`key-value delimiter not found at line ${this.#index + 1}`);
      name = line.slice(0, delimiter).trim();
      rest = line.slice(delimiter + 1);
    }
    const value = this.value(rest);
    return { name, value, comment: this.takeComment() };
  }

  value(input: string): string {
    const line = input.replace(/^\s+/, "");
    if (line.replace(/\s+$/, "") === "") return "";
    const quote =
      line.length > 3 && line.startsWith('"""') ? '"""' : line.startsWith("`") ? "`" : undefined;
    if (quote !== undefined) {
      const body = line.slice(quote.length);
      const end = body.lastIndexOf(quote);
      if (end !== -1) return body.slice(0, end);
      return this.multiline(body, quote);
    }
    let text = line.trim();
    const commentAt = text.search(/[#;]/);
    if (commentAt !== -1) {
      this.#comment += text.slice(commentAt);
      text = text.slice(0, commentAt).trim();
    }
    if (hasSurroundedQuote(text, "'") || hasSurroundedQuote(text, '"')) text = text.slice(1, -1);
    return text;
  }

  multiline(first: string, quote: string): string {
    let value = first;
    const start = this.#index + 1;
    for (this.#index++; this.#index < this.#lines.length; this.#index++) {
      const next = this.#lines[this.#index] ?? "";
      const end = next.lastIndexOf(quote);
      if (end !== -1) {
        const after = next.slice(end + quote.length).trim();
        if (after.startsWith("#") || after.startsWith(";")) this.#comment += after;
        return value + next.slice(0, end);
      }
      value += next;
    }
    throw new IniInputError(`missing closing value quote ${quote} opened at line ${start}`);
  }
}

/**
 * Parses INI text into one branch: a map per section (DEFAULT first), comments as items.
 * @throws IniInputError with the line number
 */
export function readIni(text: string): TreeMap {
  const branch = treeMap();
  for (const section of new IniParser(text).parse()) {
    const items: TreeItem[] = [];
    if (section.comment !== "")
      items.push({ key: comment(stripCommentChar(section.comment)), value: null });
    for (const key of section.keys) {
      items.push({ key: key.name, value: key.value });
      if (key.comment !== "")
        items.push({ key: comment(stripCommentChar(key.comment)), value: null });
    }
    branch.items.push({ key: section.name, value: treeMap(items) });
  }
  return branch;
}

/** sops's ValToString for INI and dotenv values. */
export function valueToString(value: TreeValue): string {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString("utf8");
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value === null) return "<nil>";
  switch (value.kind) {
    case "float":
      return formatFloatForFlatStores(value.value);
    case "int":
      return value.value.toString();
    case "time":
      return value.text.replace(/\.\d+(?=Z|[+-])/, "");
    case "unsupported":
      return value.text;
    case "map":
    case "list":
      return "[complex value]";
  }
}

function commentLines(text: string): string {
  const first =
    text.startsWith("#") || text.startsWith(";")
      ? `${text.slice(0, 1)} ${text.slice(1).trim()}`
      : `; ${text}`;
  return `${first.replaceAll("\n", "\n; ")}\n`;
}

function quoteValue(value: string): string {
  if (/[\n`]/.test(value)) return `"""${value}"""`;
  if (/[#;]/.test(value)) return `\`${value}\``;
  if (value.trim().length !== value.length) return `"${value}"`;
  return value;
}

function quoteKey(name: string): string {
  if (name.includes('"') || /[=:]/.test(name)) return `\`${name}\``;
  if (name.includes("`")) return `"""${name}"""`;
  return name;
}

/**
 * Serialises one branch of sections.
 * @throws Error with sops's text when a top-level value is not a section
 */
export function writeIni(branch: TreeMap): string {
  const blocks: string[] = [];
  for (const item of branch.items) {
    if (typeof item.key !== "string") continue;
    const section = item.value;
    if (
      typeof section !== "object" ||
      section === null ||
      section instanceof Uint8Array ||
      section.kind !== "map"
    ) {
      throw new Error("Error encoding section: Section values should always be TreeBranches");
    }
    let sectionComment = "";
    const keys: { name: string; value: string; comment: string }[] = [];
    section.items.forEach((entry, i) => {
      const key = entry.key;
      if (typeof key !== "string") {
        if (key.kind !== "comment") return;
        const text = key.value;
        if (i === 0) sectionComment = text;
        else {
          const last = keys.at(-1);
          if (last !== undefined) last.comment = text;
        }
        return;
      }
      keys.push({
        name: quoteKey(key),
        value: quoteValue(valueToString(entry.value)),
        comment: "",
      });
    });
    if (item.key === "DEFAULT" && keys.length === 0 && sectionComment === "") continue;
    const width = Math.max(0, ...keys.map((k) => Buffer.byteLength(k.name)));
    let out = sectionComment !== "" ? commentLines(sectionComment) : "";
    if (item.key !== "DEFAULT") out += `[${item.key}]\n`;
    for (const key of keys) {
      if (key.comment !== "") out += commentLines(key.comment);
      out += `${key.name}${" ".repeat(width - Buffer.byteLength(key.name))} = ${key.value}\n`;
    }
    blocks.push(out);
  }
  return blocks.join("\n");
}

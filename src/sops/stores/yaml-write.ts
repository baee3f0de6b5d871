// The sops tree as YAML, laid out the way sops's go-yaml v3 encoder does (indent 4 by default,
// lists indented under their key, literal blocks for multi-line strings, go-yaml's choice between
// plain, single- and double-quoted scalars, comments as head, line and foot comments), so files
// that sops wrote come back byte-identical and diffs stay small.
import { formatFloatG } from "../go-format.js";
import type { Comment, TreeList, TreeMap, TreeValue } from "../tree.js";
import { needsQuoting } from "./yaml-resolve.js";

const utf8Strict = new TextDecoder("utf-8", { fatal: true });

interface ScalarAnalysis {
  multiline: boolean;
  blockPlainAllowed: boolean;
  singleQuotedAllowed: boolean;
  blockAllowed: boolean;
}

const isBreak = (c: string): boolean =>
  c === "\n" || c === "\r" || c === "\u0085" || c === "\u2028" || c === "\u2029";

/** go-yaml's `is_printable` (note: it rejects everything above U+FFFF). */
export function isPrintable(c: string): boolean {
  const code = c.codePointAt(0) ?? 0;
  return (
    code === 0x0a ||
    (code >= 0x20 && code <= 0x7e) ||
    (code >= 0xa0 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd && code !== 0xfeff)
  );
}

const BREAKS = "\\n\\r\\u0085\\u2028\\u2029";
const LINE_BREAK = new RegExp(`[${BREAKS}]`);
const BREAK_HASH = new RegExp(`[${BREAKS}]#`);

/**
 * True when a plain scalar would read as YAML syntax: a document marker or an indicator at the
 * start, `: ` (or `:` at the end) after the first character, or a comment start. Written as
 * anchored tests and native searches: the single pattern it replaces,
 * `^(?:---|\.\.\.)|^[#,\[\]{}&*!|>'"%@\`]|^[?:-](?=[ \t]|$)|^[\s\S]+:(?=[ \t]|$)|[ \t<breaks>]#`,
 * backtracked over the whole of a megabyte value.
 */
export function hasBlockIndicator(value: string): boolean {
  const first = value[0];
  if (first === undefined) return false;
  const second = value[1];
  return (
    value.startsWith("---") ||
    value.startsWith("...") ||
    "#,[]{}&*!|>'\"%@`".includes(first) ||
    ("?:-".includes(first) && (second === undefined || second === " " || second === "\t")) ||
    value.includes(": ", 1) ||
    value.includes(":\t", 1) ||
    (value.length > 1 && value.endsWith(":")) ||
    value.includes(" #") ||
    value.includes("\t#") ||
    BREAK_HASH.test(value)
  );
}
const BREAK_SPACE = new RegExp(`[${BREAKS}] `);
const SPACE_BREAK = new RegExp(` [${BREAKS}]`);
const EDGE_WHITESPACE = new RegExp(`^[ ${BREAKS}]|[ ${BREAKS}]$`);

// The UTF-16 units of the characters that are neither printable for go-yaml nor a tab: controls
// but tab and line feed, DEL and C1, BOM, U+FFFE/U+FFFF, and surrogates (a character above U+FFFF
// is not printable for go-yaml either, and a lone surrogate is no character at all).
const SPECIAL_CHARACTER =
  // eslint-disable-next-line no-control-regex -- control characters are what this looks for
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ud800-\udfff\ufeff\ufffe\uffff]/;

/**
 * True when some character is neither printable (for go-yaml) nor a tab: one regular-expression
 * scan instead of a JavaScript step per character, which a megabyte ENC string made the slowest
 * part of writing YAML.
 */
export function hasSpecialCharacters(value: string): boolean {
  return SPECIAL_CHARACTER.test(value);
}

/** go-yaml's `yaml_emitter_analyze_scalar`, reduced to block context. */
function analyze(value: string): ScalarAnalysis {
  if (value === "") {
    return {
      multiline: false,
      blockPlainAllowed: true,
      singleQuotedAllowed: true,
      blockAllowed: false,
    };
  }
  const lineBreaks = LINE_BREAK.test(value);
  const special = hasSpecialCharacters(value);
  const spaceBreak = SPACE_BREAK.test(value);
  const trailingSpace = value.endsWith(" ");
  const quotedUnsafe = BREAK_SPACE.test(value) || spaceBreak || value.includes("\t") || special;
  return {
    multiline: lineBreaks,
    blockPlainAllowed:
      !EDGE_WHITESPACE.test(value) && !quotedUnsafe && !lineBreaks && !hasBlockIndicator(value),
    singleQuotedAllowed: !quotedUnsafe,
    blockAllowed: !trailingSpace && !spaceBreak && !special,
  };
}

const ESCAPES: Record<string, string> = {
  "\0": "0",
  "\x07": "a",
  "\b": "b",
  "\t": "t",
  "\n": "n",
  "\v": "v",
  "\f": "f",
  "\r": "r",
  "\x1b": "e",
  '"': '"',
  "\\": "\\",
  "\u0085": "N",
  "\u00a0": "_",
  "\u2028": "L",
  "\u2029": "P",
};

function doubleQuoted(value: string): string {
  let out = '"';
  for (const c of value) {
    if (!isPrintable(c) || c === "\ufeff" || isBreak(c) || c === '"' || c === "\\") {
      const escape = ESCAPES[c];
      if (escape !== undefined) {
        out += `\\${escape}`;
        continue;
      }
      const code = c.codePointAt(0) ?? 0;
      const hex = code.toString(16).toUpperCase();
      out +=
        code <= 0xff
          ? `\\x${hex.padStart(2, "0")}`
          : code <= 0xffff
            ? `\\u${hex.padStart(4, "0")}`
            : `\\U${hex.padStart(8, "0")}`;
      continue;
    }
    out += c;
  }
  return `${out}"`;
}

/** The chomping and indentation indicators of a literal block (`|`, `|-`, `|+`, `|4-`). */
function literalHeader(value: string, indent: number): string {
  let header = "|";
  const first = value[0] ?? "";
  if (first === " " || isBreak(first)) header += String(indent);
  if (value === "" || !isBreak(value.at(-1) ?? "")) return `${header}-`;
  if (value.length === 1 || isBreak(value.at(-2) ?? "")) return `${header}+`;
  return header;
}

/** Splits on line breaks the way the literal writer walks them. */
function literalLines(value: string): string[] {
  const body = isBreak(value.at(-1) ?? "") ? value.slice(0, -1) : value;
  return body.split(/\r\n|[\n\r\u0085\u2028\u2029]/);
}

type Emitted = { inline: string } | { block: string[]; header: string };

/** Formats a string scalar; literal blocks return their content lines separately. */
/**
 * Formats a string scalar; literal blocks return their content lines separately. `indicator` is
 * the content's indentation relative to its parent, written when the text starts with a space or
 * a line break (go-yaml writes its indent step there, which is wrong inside list items and yields
 * YAML nobody can read back; the actual offset is always right and equal elsewhere).
 */
function stringScalar(
  value: string,
  isKey: boolean,
  contentIndent: number,
  indicator: number,
): Emitted {
  // "<<" resolves to the merge tag, which go-yaml spells out rather than quoting.
  if (value === "<<") return { inline: "!!merge <<" };
  const analysis = analyze(value);
  const canUsePlain = !needsQuoting(value);
  if (value.includes("\n") && !isKey) {
    if (analysis.blockAllowed) {
      const pad = " ".repeat(contentIndent);
      return {
        header: literalHeader(value, indicator),
        block: literalLines(value).map((line) => (line === "" ? "" : `${pad}${line}`)),
      };
    }
    return { inline: doubleQuoted(value) };
  }
  if (
    canUsePlain &&
    analysis.blockPlainAllowed &&
    !(isKey && value === "") &&
    !(isKey && analysis.multiline)
  ) {
    return { inline: value };
  }
  if (!canUsePlain || (isKey && analysis.multiline)) {
    return { inline: doubleQuoted(value) };
  }
  if (analysis.singleQuotedAllowed) return { inline: `'${value.replaceAll("'", "''")}'` };
  return { inline: doubleQuoted(value) };
}

function scalarText(value: TreeValue, contentIndent: number, indicator: number): Emitted {
  if (typeof value === "string") return stringScalar(value, false, contentIndent, indicator);
  if (value instanceof Uint8Array) {
    try {
      return stringScalar(utf8Strict.decode(value), false, contentIndent, indicator);
    } catch {
      return { inline: `!!binary ${Buffer.from(value).toString("base64")}` };
    }
  }
  if (typeof value === "boolean") return { inline: value ? "true" : "false" };
  if (value === null) return { inline: "null" };
  switch (value.kind) {
    case "int":
      return { inline: value.value.toString() };
    case "float": {
      const text = formatFloatG(value.value);
      return {
        inline:
          text === "+Inf" ? ".inf" : text === "-Inf" ? "-.inf" : text === "NaN" ? ".nan" : text,
      };
    }
    case "time":
      return { inline: value.text };
    case "unsupported":
      return { inline: value.text };
    case "map":
      return { inline: "{}" };
    case "list":
      return { inline: "[]" };
  }
}

const isCollection = (value: TreeValue | Comment): value is TreeMap | TreeList =>
  typeof value === "object" &&
  value !== null &&
  !(value instanceof Uint8Array) &&
  (value.kind === "map" || value.kind === "list") &&
  value.items.some((item) => !isCommentItem(item));

function isCommentItem(item: TreeValue | Comment | TreeMap["items"][number]): boolean {
  if (typeof item !== "object" || item === null || item instanceof Uint8Array) return false;
  if ("key" in item) return typeof item.key !== "string" && item.key.kind === "comment";
  return item.kind === "comment";
}

/** Writes the tree as go-yaml v3 lays it out. */
class YamlWriter {
  readonly lines: string[] = [];
  readonly #step: number;

  constructor(step: number) {
    this.#step = step;
  }

  /** The indentation go-yaml gives the children of a node at `indent`. */
  #child(indent: number): number {
    return this.#step * Math.floor((indent + this.#step) / this.#step);
  }

  #comments(comments: readonly string[], column: number): void {
    const pad = " ".repeat(column);
    for (const c of comments) this.lines.push(`${pad}#${c}`);
  }

  /**
   * Writes `prefix` + value on the current line, then any nested lines. `indent` is the node's
   * own indentation (children go one step deeper), `line` the comment to append.
   */
  #value(
    prefix: string,
    value: TreeValue,
    indent: number,
    line: string,
    parentColumn: number,
  ): void {
    if (isCollection(value)) {
      this.lines.push(`${prefix}${line}`);
      const child = this.#child(indent);
      if (value.kind === "map") this.map(value, child, child);
      else this.list(value, child);
      return;
    }
    const emitted = scalarText(value, this.#child(indent), this.#child(indent) - parentColumn);
    if ("inline" in emitted) {
      this.lines.push(`${prefix} ${emitted.inline}${line}`);
      return;
    }
    this.lines.push(`${prefix} ${emitted.header}${line}`);
    this.lines.push(...emitted.block);
  }

  /** A key as a simple `key:` or, when multi-line or longer than 128, as go-yaml's `? key`. */
  #key(key: string, column: number): { text: string; simple: boolean } {
    if (key.includes("\n") || Array.from(key).length > 128) {
      const emitted = stringScalar(key, false, this.#child(column), this.#child(column) - column);
      if ("inline" in emitted) return { text: emitted.inline, simple: false };
      return { text: [emitted.header, ...emitted.block].join("\n"), simple: false };
    }
    const emitted = stringScalar(key, true, 0, 0);
    return { text: "inline" in emitted ? emitted.inline : JSON.stringify(key), simple: true };
  }

  /**
   * Writes a map whose keys sit at `column`; `indent` is the node's indentation for its children.
   * `firstPrefix`, when given, replaces the indentation of the first key line (a list item's `- `).
   */
  map(
    map: TreeMap,
    column: number,
    indent: number,
    firstPrefix?: string,
    firstColumn?: number,
  ): void {
    let heads: string[] = [];
    let inline: string[] = [];
    let first = true;
    for (const item of map.items) {
      const key = item.key;
      if (typeof key !== "string") {
        if (key.kind === "comment") (key.inline ? inline : heads).push(key.value);
        continue;
      }
      this.#comments(heads, first && firstPrefix !== undefined ? (firstColumn ?? column) : column);
      heads = [];
      const lineComment = inline.length > 0 ? ` #${inline.join(" #")}` : "";
      inline = [];
      const start = first && firstPrefix !== undefined ? firstPrefix : " ".repeat(column);
      first = false;
      const { text, simple } = this.#key(key, column);
      if (simple) {
        this.#value(`${start}${text}:`, item.value, indent, lineComment, column);
      } else {
        this.lines.push(`${start}? ${text}`);
        this.#value(`${" ".repeat(column)}:`, item.value, indent, lineComment, column);
      }
    }
    this.#comments([...heads, ...inline], column);
  }

  /** Writes a list whose dashes sit at `column`. */
  list(list: TreeList, column: number): void {
    let heads: string[] = [];
    let inline: string[] = [];
    const pad = " ".repeat(column);
    for (const item of list.items) {
      if (
        typeof item === "object" &&
        item !== null &&
        !(item instanceof Uint8Array) &&
        item.kind === "comment"
      ) {
        (item.inline ? inline : heads).push(item.value);
        continue;
      }
      this.#comments(heads, column);
      heads = [];
      const lineComment = inline.length > 0 ? ` #${inline.join(" #")}` : "";
      inline = [];
      this.#item(item, column, pad, lineComment);
    }
    this.#comments([...heads, ...inline], column);
  }

  #item(item: TreeValue, column: number, pad: string, lineComment: string): void {
    const inner = column + 2;
    if (isCollection(item) && item.kind === "map") {
      // Head comments of the item's first key go above the dash.
      const leading = item.items.findIndex((i) => typeof i.key === "string");
      const headComments = item.items
        .slice(0, leading)
        .filter((i) => typeof i.key !== "string" && i.key.kind === "comment" && !i.key.inline);
      this.#comments(
        headComments.map((i) =>
          typeof i.key !== "string" && i.key.kind === "comment" ? i.key.value : "",
        ),
        column,
      );
      const rest = { ...item, items: item.items.filter((i) => !headComments.includes(i)) };
      this.map(rest, inner, inner, `${pad}- `, column);
      return;
    }
    if (isCollection(item)) {
      const before = this.lines.length;
      this.list(item, inner);
      const firstLine = this.lines[before];
      if (firstLine !== undefined) this.lines[before] = `${pad}- ${firstLine.slice(inner)}`;
      return;
    }
    this.#value(`${pad}-`, item, inner, lineComment, column);
  }
}

/**
 * Serialises branches as YAML documents separated by `---`.
 * @param indent spaces per level (sops's default is 4)
 */
export function writeYaml(branches: readonly TreeMap[], indent = 4): string {
  const documents = branches.map((branch) => {
    const writer = new YamlWriter(indent);
    if (!branch.items.some((item) => typeof item.key === "string")) {
      writer.map(branch, 0, 0);
      writer.lines.push("{}");
    } else {
      writer.map(branch, 0, 0);
    }
    return `${writer.lines.join("\n")}\n`;
  });
  return documents.join("---\n");
}

/** Serialises one value for `--extract` (a map as a document, anything else as its YAML form). */
export function writeYamlValue(value: TreeValue, indent = 4): string {
  const writer = new YamlWriter(indent);
  if (isCollection(value)) {
    if (value.kind === "map") writer.map(value, 0, 0);
    else writer.list(value, 0);
    return `${writer.lines.join("\n")}\n`;
  }
  const emitted = scalarText(value, indent, indent);
  if ("inline" in emitted) return `${emitted.inline}\n`;
  return `${emitted.header}\n${emitted.block.join("\n")}\n`;
}

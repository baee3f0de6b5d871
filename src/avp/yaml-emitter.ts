import { compareKeys, formatGoFloatG, isBase60Float, resolvePlain } from "./go-yaml.js";

/**
 * A YAML document as go-yaml v2 sees it right before writing: typed scalars, maps, sequences.
 * (argocd-vault-plugin marshals each manifest to JSON, reads it back with go-yaml and writes it, so
 * the caller converts numbers to `int` or `float` the way that round trip does.)
 */
export type YamlNode =
  | null
  | boolean
  | string
  | { readonly int: bigint }
  | { readonly float: number }
  | readonly YamlNode[]
  | YamlMap;

/** A YAML mapping with string keys (JSON objects only have string keys). */
export interface YamlMap {
  readonly mapping: ReadonlyMap<string, YamlNode>;
}

function isSequence(node: YamlNode): node is readonly YamlNode[] {
  return Array.isArray(node);
}

function isMapping(node: YamlNode): node is YamlMap {
  return typeof node === "object" && node !== null && !isSequence(node) && "mapping" in node;
}

type Style = "plain" | "single" | "double" | "literal";

interface Analysis {
  readonly multiline: boolean;
  readonly blockPlainAllowed: boolean;
  readonly singleQuotedAllowed: boolean;
  readonly blockAllowed: boolean;
}

interface Scalar {
  readonly text: string;
  readonly style: Style;
  readonly analysis: Analysis;
}

const bestIndent = 2;
const bestWidth = 80;

function isBreak(char: string): boolean {
  return (
    char === "\r" || char === "\n" || char === "\u0085" || char === "\u2028" || char === "\u2029"
  );
}

function isPrintable(char: string): boolean {
  const code = char.codePointAt(0) ?? 0;
  return (
    code === 0x0a ||
    (code >= 0x20 && code <= 0x7e) ||
    (code >= 0xa0 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd && code !== 0xfeff)
  );
}

function isBlankOrEnd(char: string | undefined): boolean {
  return char === undefined || char === " " || char === "\t" || char === "\0" || isBreak(char);
}

/** libyaml's block-indicator test: characters that would make a plain scalar mean something else. */
function hasBlockIndicators(chars: readonly string[]): boolean {
  const start = chars.slice(0, 3).join("");
  if (start === "---" || start === "...") return true;
  let precededByWhitespace = true;
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i] ?? "";
    const next = chars[i + 1];
    const followedByWhitespace = next === undefined || next === " " || next === "\t";
    if (i === 0) {
      if ("#,[]{}&*!|>'\"%@`".includes(char)) return true;
      if ((char === "?" || char === ":" || char === "-") && followedByWhitespace) return true;
    } else if ((char === ":" && followedByWhitespace) || (char === "#" && precededByWhitespace)) {
      return true;
    }
    precededByWhitespace = isBlankOrEnd(char);
  }
  return false;
}

interface Spacing {
  lineBreaks: boolean;
  edgeSpaceOrBreak: boolean;
  trailingSpace: boolean;
  breakSpace: boolean;
  spaceBreak: boolean;
}

/** Where spaces and line breaks sit: at the edges, or a space right after / before a break. */
function spacing(chars: readonly string[]): Spacing {
  const facts: Spacing = {
    lineBreaks: false,
    edgeSpaceOrBreak: false,
    trailingSpace: false,
    breakSpace: false,
    spaceBreak: false,
  };
  let previousSpace = false;
  let previousBreak = false;
  chars.forEach((char, i) => {
    const edge = i === 0 || i === chars.length - 1;
    if (char === " ") {
      if (edge) facts.edgeSpaceOrBreak = true;
      if (i === chars.length - 1) facts.trailingSpace = true;
      if (previousBreak) facts.breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(char)) {
      facts.lineBreaks = true;
      if (edge) facts.edgeSpaceOrBreak = true;
      if (previousSpace) facts.spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
  });
  return facts;
}

/** libyaml's `yaml_emitter_analyze_scalar`, as far as block (non-flow) output needs it. */
function analyse(chars: readonly string[]): Analysis {
  if (chars.length === 0) {
    return {
      multiline: false,
      blockPlainAllowed: true,
      singleQuotedAllowed: true,
      blockAllowed: false,
    };
  }
  const facts = spacing(chars);
  const special = chars.some((char) => !isPrintable(char));
  const mixed = facts.spaceBreak || special;
  return {
    multiline: facts.lineBreaks,
    blockPlainAllowed:
      !facts.edgeSpaceOrBreak &&
      !facts.breakSpace &&
      !mixed &&
      !facts.lineBreaks &&
      !hasBlockIndicators(chars),
    singleQuotedAllowed: !facts.breakSpace && !mixed,
    blockAllowed: !facts.trailingSpace && !mixed,
  };
}

/** The text go-yaml writes for a non-string scalar (always plain). */
function scalarText(node: null | boolean | { int: bigint } | { float: number }): string {
  if (node === null) return "null";
  if (typeof node === "boolean") return node ? "true" : "false";
  if ("int" in node) return node.int.toString();
  return formatGoFloatG(node.float);
}

/** go-yaml's `encoder.stringv` (requested style) followed by libyaml's style selection. */
function chooseScalar(node: YamlNode, simpleKey: boolean): Scalar {
  let text: string;
  let requested: Style;
  if (typeof node === "string") {
    text = node;
    const canUsePlain = resolvePlain(text).tag === "str" && !isBase60Float(text);
    requested = text.includes("\n") ? "literal" : canUsePlain ? "plain" : "double";
  } else {
    text = scalarText(node as null | boolean | { int: bigint } | { float: number });
    requested = "plain";
  }
  const analysis = analyse(Array.from(text));
  let style: Style = requested;
  if (simpleKey && analysis.multiline) style = "double";
  if (style === "plain" && !analysis.blockPlainAllowed) style = "single";
  if (style === "plain" && text === "" && simpleKey) style = "single";
  if (style === "single" && !analysis.singleQuotedAllowed) style = "double";
  if (style === "literal" && (!analysis.blockAllowed || simpleKey)) style = "double";
  return { text, style, analysis };
}

function isEmptyCollection(node: YamlNode): boolean {
  if (isSequence(node)) return node.length === 0;
  return isMapping(node) && node.mapping.size === 0;
}

interface Context {
  readonly sequence: boolean;
  readonly mapping: boolean;
  readonly simpleKey: boolean;
}

/**
 * A port of the libyaml emitter inside gopkg.in/yaml.v2 v2.4.0, for block-style documents:
 * two-space indentation, indentless sequences under keys, `[]`/`{}` for empty collections, the
 * scalar style rules, folding of long plain and quoted scalars at column 80, literal blocks with
 * indentation and chomping indicators, and `? ` keys for keys longer than 128 bytes.
 */
class Emitter {
  #out = "";
  #column = 0;
  #whitespace = true;
  #indention = true;
  #indent = -1;
  readonly #indents: number[] = [];

  document(root: YamlNode): string {
    this.#node(root, { sequence: false, mapping: false, simpleKey: false });
    this.#writeIndent();
    return this.#out;
  }

  #put(text: string): void {
    this.#out += text;
    this.#column += 1;
  }

  #putBreak(): void {
    this.#out += "\n";
    this.#column = 0;
  }

  #increaseIndent(flow: boolean, indentless: boolean): void {
    this.#indents.push(this.#indent);
    if (this.#indent < 0) this.#indent = flow ? bestIndent : 0;
    else if (!indentless) this.#indent += bestIndent;
  }

  #popIndent(): void {
    this.#indent = this.#indents.pop() ?? -1;
  }

  #writeIndent(): void {
    const indent = Math.max(this.#indent, 0);
    if (
      !this.#indention ||
      this.#column > indent ||
      (this.#column === indent && !this.#whitespace)
    ) {
      this.#putBreak();
    }
    while (this.#column < indent) this.#put(" ");
    this.#whitespace = true;
    this.#indention = true;
  }

  #indicator(
    text: string,
    needWhitespace: boolean,
    isWhitespace: boolean,
    isIndention: boolean,
  ): void {
    if (needWhitespace && !this.#whitespace) this.#put(" ");
    for (const char of text) this.#put(char);
    this.#whitespace = isWhitespace;
    this.#indention = this.#indention && isIndention;
  }

  #node(node: YamlNode, context: Context): void {
    if (isEmptyCollection(node)) {
      const [open, close] = isSequence(node) ? ["[", "]"] : ["{", "}"];
      this.#indicator(open, true, true, false);
      this.#indicator(close, false, false, false);
      return;
    }
    if (isSequence(node)) {
      this.#sequence(node, context);
      return;
    }
    if (isMapping(node)) {
      this.#mapping(node);
      return;
    }
    this.#scalar(chooseScalar(node, context.simpleKey), context);
  }

  #sequence(items: readonly YamlNode[], context: Context): void {
    this.#increaseIndent(false, context.mapping && !this.#indention);
    for (const item of items) {
      this.#writeIndent();
      this.#indicator("-", true, false, true);
      this.#node(item, { sequence: true, mapping: false, simpleKey: false });
    }
    this.#popIndent();
  }

  #mapping(node: YamlMap): void {
    this.#increaseIndent(false, false);
    for (const key of [...node.mapping.keys()].sort(compareKeys)) {
      const value = node.mapping.get(key) ?? null;
      this.#writeIndent();
      const keyScalar = chooseScalar(key, true);
      const simple = !keyScalar.analysis.multiline && Buffer.byteLength(key) <= 128;
      if (simple) {
        this.#scalar(keyScalar, { sequence: false, mapping: true, simpleKey: true });
        this.#indicator(":", false, false, false);
      } else {
        this.#indicator("?", true, false, true);
        this.#scalar(chooseScalar(key, false), {
          sequence: false,
          mapping: true,
          simpleKey: false,
        });
        this.#writeIndent();
        this.#indicator(":", true, false, true);
      }
      this.#node(value, { sequence: false, mapping: true, simpleKey: false });
    }
    this.#popIndent();
  }

  #scalar(scalar: Scalar, context: Context): void {
    this.#increaseIndent(true, false);
    const chars = Array.from(scalar.text);
    const allowBreaks = !context.simpleKey;
    switch (scalar.style) {
      case "plain":
        this.#plain(chars, allowBreaks);
        break;
      case "single":
        this.#singleQuoted(chars, allowBreaks);
        break;
      case "double":
        this.#doubleQuoted(chars, allowBreaks);
        break;
      case "literal":
        this.#literal(chars);
        break;
    }
    this.#popIndent();
  }

  #writeBreakChar(char: string): void {
    if (char === "\n") this.#putBreak();
    else {
      this.#out += char;
      this.#column = 0;
    }
  }

  #plain(chars: readonly string[], allowBreaks: boolean): void {
    if (!this.#whitespace) this.#put(" ");
    let spaces = false;
    let breaks = false;
    for (let i = 0; i < chars.length; i++) {
      const char = chars[i] ?? "";
      if (char === " ") {
        if (allowBreaks && !spaces && this.#column > bestWidth && chars[i + 1] !== " ") {
          this.#writeIndent();
        } else this.#put(char);
        spaces = true;
      } else if (isBreak(char)) {
        if (!breaks && char === "\n") this.#putBreak();
        this.#writeBreakChar(char);
        this.#indention = true;
        breaks = true;
      } else {
        if (breaks) this.#writeIndent();
        this.#put(char);
        this.#indention = false;
        spaces = false;
        breaks = false;
      }
    }
    this.#whitespace = false;
    this.#indention = false;
  }

  #singleQuoted(chars: readonly string[], allowBreaks: boolean): void {
    this.#indicator("'", true, false, false);
    let spaces = false;
    let breaks = false;
    for (let i = 0; i < chars.length; i++) {
      const char = chars[i] ?? "";
      if (char === " ") {
        const fold =
          allowBreaks &&
          !spaces &&
          this.#column > bestWidth &&
          i > 0 &&
          i < chars.length - 1 &&
          chars[i + 1] !== " ";
        if (fold) this.#writeIndent();
        else this.#put(char);
        spaces = true;
      } else if (isBreak(char)) {
        if (!breaks && char === "\n") this.#putBreak();
        this.#writeBreakChar(char);
        this.#indention = true;
        breaks = true;
      } else {
        if (breaks) this.#writeIndent();
        if (char === "'") this.#put("'");
        this.#put(char);
        this.#indention = false;
        spaces = false;
        breaks = false;
      }
    }
    this.#indicator("'", false, false, false);
    this.#whitespace = false;
    this.#indention = false;
  }

  #doubleQuoted(chars: readonly string[], allowBreaks: boolean): void {
    this.#indicator('"', true, false, false);
    // libyaml's BOM test looks at the start of the value, not the current character.
    const startsWithBom = chars[0] === "\ufeff";
    let spaces = false;
    for (let i = 0; i < chars.length; i++) {
      const char = chars[i] ?? "";
      if (!isPrintable(char) || startsWithBom || isBreak(char) || char === '"' || char === "\\") {
        this.#put("\\");
        for (const escaped of escapeFor(char)) this.#put(escaped);
        spaces = false;
      } else if (char === " ") {
        if (allowBreaks && !spaces && this.#column > bestWidth && i > 0 && i < chars.length - 1) {
          this.#writeIndent();
          if (chars[i + 1] === " ") this.#put("\\");
        } else this.#put(char);
        spaces = true;
      } else {
        this.#put(char);
        spaces = false;
      }
    }
    this.#indicator('"', false, false, false);
    this.#whitespace = false;
    this.#indention = false;
  }

  #literal(chars: readonly string[]): void {
    this.#indicator("|", true, false, false);
    const first = chars[0] ?? "";
    if (first === " " || isBreak(first)) this.#indicator(String(bestIndent), false, false, false);
    const last = chars.at(-1) ?? "";
    const beforeLast = chars.at(-2) ?? "";
    let chomp = "";
    if (chars.length === 0 || !isBreak(last)) chomp = "-";
    else if (chars.length === 1 || isBreak(beforeLast)) chomp = "+";
    if (chomp !== "") this.#indicator(chomp, false, false, false);
    this.#putBreak();
    this.#indention = true;
    this.#whitespace = true;
    let breaks = true;
    for (const char of chars) {
      if (isBreak(char)) {
        this.#writeBreakChar(char);
        this.#indention = true;
        breaks = true;
      } else {
        if (breaks) this.#writeIndent();
        this.#put(char);
        this.#indention = false;
        breaks = false;
      }
    }
  }
}

const namedEscapes: Record<string, string> = {
  "\0": "0",
  "\u0007": "a",
  "\b": "b",
  "\t": "t",
  "\n": "n",
  "\u000b": "v",
  "\f": "f",
  "\r": "r",
  "\u001b": "e",
  '"': '"',
  "\\": "\\",
  "\u0085": "N",
  "\u00a0": "_",
  "\u2028": "L",
  "\u2029": "P",
};

function escapeFor(char: string): string {
  const named = namedEscapes[char];
  if (named !== undefined) return named;
  const code = char.codePointAt(0) ?? 0;
  const hex = code.toString(16).toUpperCase();
  if (code <= 0xff) return `x${hex.padStart(2, "0")}`;
  if (code <= 0xffff) return `u${hex.padStart(4, "0")}`;
  return `U${hex.padStart(8, "0")}`;
}

/**
 * Writes one document as go-yaml v2 would (`yaml.Marshal`), ending with a line break.
 * Collections are block style; strings get the style go-yaml picks for them.
 */
export function emitYamlDocument(root: YamlNode): string {
  return new Emitter().document(root);
}

// YAML as sigs.k8s.io/yaml does it for toYaml/fromYaml (Argo CD, External Secrets): Marshal goes
// through JSON (sorted keys, JSON numbers) and emits go-yaml v2's block style (sequences not
// indented under their key, plain scalars where YAML 1.1 would read them back as the same string,
// long plain scalars folded after column 80); Unmarshal reads YAML 1.1 into JSON-compatible data.
import { parseAllDocuments, type Document } from "yaml";
import { marshalJSON } from "./go-json.js";
import { formatFloat } from "./strconv.js";

/** A number that came from JSON: ints keep their digits, floats print like Go's 'g' format. */
class YamlNumber {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/** JSON text → tree with YamlNumber leaves (go-yaml distinguishes int and float when re-reading JSON). */
function fromJSON(text: string): unknown {
  return JSON.parse(
    text.replace(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g, (m) =>
      m.startsWith('"') ? m : JSON.stringify({ __yamlNumber: m }),
    ),
    (_k, v: unknown) => {
      if (typeof v === "object" && v !== null && "__yamlNumber" in v) {
        const n = (v as { __yamlNumber: string }).__yamlNumber;
        return new YamlNumber(/^-?\d+$/.test(n) ? n : formatFloat(Number(n), "g", -1));
      }
      return v;
    },
  );
}

// YAML 1.1 plain scalars that do not read back as strings.
const nonString = [
  /^(?:~|null|Null|NULL)$/,
  /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  /^[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|0[0-7_]+|(?:0|[1-9][0-9_]*))$/,
  /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+]?[0-9]+)?$/,
  /^[-+]?[0-9][0-9_]*(?:[eE][-+]?[0-9]+)$/,
  /^[-+]?\.(?:inf|Inf|INF)$/,
  /^\.(?:nan|NaN|NAN)$/,
  /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/,
  /^<<$/,
];

function isPrintable(s: string): boolean {
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    const ok =
      c === 0x09 ||
      c === 0x0a ||
      c === 0x0d ||
      (c >= 0x20 && c <= 0x7e) ||
      c === 0x85 ||
      (c >= 0xa0 && c <= 0xd7ff) ||
      (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff) ||
      c >= 0x10000;
    if (!ok) return false;
  }
  return true;
}

/** go-yaml's analysis: can the string be written plain (block context) or single-quoted? */
function analyze(s: string): { plain: boolean; single: boolean } {
  if (s === "") return { plain: false, single: true };
  if (!isPrintable(s)) return { plain: false, single: false };
  let plain = true;
  let single = true;
  if (s.startsWith("---") || s.startsWith("...")) plain = false;
  if (/^[#,[\]{}&*!|>'"%@`]/.test(s) || /^[-?:](?:[ \t]|$)/.test(s)) plain = false;
  if (/: |:$| #/.test(s)) plain = false;
  if (/^[ \t]|[ \t]$/.test(s)) plain = false;
  if (/[\n\r\u0085\u2028\u2029]/.test(s)) plain = false;
  if (/ \n|\n /.test(s) || /^\n|\n$/.test(s)) single = false;
  return { plain, single };
}

function doubleQuoted(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    const named: Record<number, string> = {
      0: "\\0",
      7: "\\a",
      8: "\\b",
      9: "\\t",
      10: "\\n",
      11: "\\v",
      12: "\\f",
      13: "\\r",
      27: "\\e",
      0x22: '\\"',
      0x5c: "\\\\",
      0x85: "\\N",
      0xa0: "\\_",
      0x2028: "\\L",
      0x2029: "\\P",
    };
    const n = named[c];
    if (n !== undefined) out += n;
    else if (isPrintable(ch) && c !== 0xfeff) out += ch;
    else if (c <= 0xff) out += "\\x" + c.toString(16).toUpperCase().padStart(2, "0");
    else if (c <= 0xffff) out += "\\u" + c.toString(16).toUpperCase().padStart(4, "0");
    else out += "\\U" + c.toString(16).toUpperCase().padStart(8, "0");
  }
  return out + '"';
}

/** Folds a plain or single-quoted scalar at spaces once past column 80, as go-yaml does. */
function fold(text: string, column: number, indent: string): string {
  let out = "";
  let col = column;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    if (
      ch === " " &&
      col > 80 &&
      text.charAt(i + 1) !== " " &&
      i > 0 &&
      text.charAt(i - 1) !== " "
    ) {
      out += "\n" + indent;
      col = indent.length;
      continue;
    }
    out += ch;
    col++;
  }
  return out;
}

function literal(s: string, indent: string): string {
  const trailing = /\n*$/.exec(s)?.[0].length ?? 0;
  const chomp = trailing === 0 ? "-" : trailing === 1 ? "" : "+";
  const indicator = s.startsWith(" ") || s.startsWith("\n") ? "2" : "";
  const body = (trailing > 0 ? s.slice(0, s.length - 1) : s).split("\n");
  return (
    `|${indicator}${chomp}\n` + body.map((line) => (line === "" ? "" : indent + line)).join("\n")
  );
}

/** A string scalar at `column`, with continuation lines at `indent`. */
function stringScalar(s: string, column: number, indent: string, isKey: boolean): string {
  const readsBack = !nonString.some((re) => re.test(s));
  if (!readsBack) return doubleQuoted(s);
  if (s.includes("\n") && !isKey && isPrintable(s)) return literal(s, indent);
  const { plain, single } = analyze(s);
  if (plain) return isKey ? s : fold(s, column, indent);
  if (single && !s.includes("\n")) {
    const quoted = s.replaceAll("'", "''");
    return "'" + (isKey ? quoted : fold(quoted, column + 1, indent)) + "'";
  }
  return doubleQuoted(s);
}

function scalar(v: unknown, column: number, indent: string): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (v instanceof YamlNumber) return v.text;
  return stringScalar(typeof v === "string" ? v : JSON.stringify(v), column, indent, false);
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof YamlNumber);
}

function emitMap(m: Record<string, unknown>, indent: string): string {
  let out = "";
  for (const key of Object.keys(m)) {
    const k = stringScalar(key, indent.length, indent, true);
    out += indent + k + ":" + emitValue(m[key], indent, indent.length + k.length + 1);
  }
  return out;
}

function emitList(list: unknown[], indent: string): string {
  let out = "";
  for (const item of list) {
    out += indent + "-";
    if (isMap(item) && Object.keys(item).length > 0) {
      out += " " + emitMap(item, indent + "  ").slice(indent.length + 2);
    } else if (Array.isArray(item) && item.length > 0) {
      out += " " + emitList(item, indent + "  ").slice(indent.length + 2);
    } else out += emitInline(item, indent + "  ", indent.length + 1);
  }
  return out;
}

function emitInline(v: unknown, indent: string, column: number): string {
  if (isMap(v)) return " {}\n";
  if (Array.isArray(v)) return " []\n";
  return " " + scalar(v, column + 1, indent) + "\n";
}

/** A mapping value after `key:`: nested maps are indented, sequences are not. */
function emitValue(v: unknown, indent: string, column: number): string {
  if (isMap(v) && Object.keys(v).length > 0) return "\n" + emitMap(v, indent + "  ");
  if (Array.isArray(v) && v.length > 0) return "\n" + emitList(v, indent);
  return emitInline(v, indent + "  ", column);
}

/**
 * sigs.k8s.io/yaml Marshal: JSON first (so Go's JSON rules for keys and numbers apply), then
 * go-yaml v2's block style. The result ends with a newline.
 * @throws Error when the value cannot be marshalled to JSON (NaN, infinities)
 */
export function marshalYAML(v: unknown): string {
  const tree = fromJSON(marshalJSON(v));
  if (isMap(tree)) return Object.keys(tree).length === 0 ? "{}\n" : emitMap(tree, "");
  if (Array.isArray(tree)) return tree.length === 0 ? "[]\n" : emitList(tree, "");
  return scalar(tree, 0, "  ") + "\n";
}

function toJSONCompatible(v: unknown): unknown {
  if (v instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, val] of v) {
      Object.defineProperty(out, keyString(k), {
        value: toJSONCompatible(val),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  if (Array.isArray(v)) return v.map(toJSONCompatible);
  if (v === undefined) return null;
  if (typeof v === "bigint") return Number(v);
  return v;
}

function keyString(k: unknown): string {
  if (typeof k === "string") return k;
  if (typeof k === "number") return formatFloat(k, "g", -1);
  return String(k);
}

/**
 * sigs.k8s.io/yaml Unmarshal into interface{}: the first document, YAML 1.1 scalars (yes/no
 * booleans, 0755 octal), timestamps left as strings, every number a float64.
 * @throws Error with a go-yaml style message for malformed YAML
 */
export function unmarshalYAML(text: string): unknown {
  const docs = parseAllDocuments(text, {
    version: "1.1",
    customTags: (tags) =>
      tags.filter((t) => typeof t === "object" && t.tag !== "tag:yaml.org,2002:timestamp"),
  });
  const doc: Document | undefined = Array.isArray(docs) ? docs[0] : undefined;
  if (doc === undefined) return null;
  const error = doc.errors[0];
  if (error !== undefined) {
    const line = error.linePos?.[0].line ?? 1;
    throw new Error(
      `error converting YAML to JSON: yaml: line ${line}: ${error.message.split("\n")[0] ?? ""}`,
    );
  }
  return toJSONCompatible(doc.toJS({ mapAsMap: true }));
}

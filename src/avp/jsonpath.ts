import { goJsonMarshal, isJsonNumber } from "../providers/index.js";
import { formatGoFloatG } from "./go-yaml.js";
import { goTypeName, isAvpObject, type AvpValue } from "./value.js";

/**
 * Kubernetes JSONPath templates (`kubectl -o jsonpath`, k8s.io/client-go/util/jsonpath), which
 * argocd-vault-plugin's `jsonPath` modifier uses with missing keys as errors: text and `{…}`
 * actions, `.field`, `['key']`, `[i]`, `[start:end:step]`, `[*]`, `..`, `[a,b]` unions,
 * `[?(@.x == "y")]` filters, `{range …}…{end}`, quoted literals. See docs/adr/avp-jsonpath.md.
 */

/** A template that does not parse or cannot be evaluated, with client-go's message. */
export class JsonPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "JsonPathError";
  }
}

interface ParamsEntry {
  value: number;
  known: boolean;
  derived: boolean;
}

type JpNode =
  | { readonly type: "list"; readonly nodes: JpNode[] }
  | { readonly type: "text"; readonly text: string }
  | { readonly type: "field"; readonly name: string }
  | { readonly type: "array"; readonly params: readonly [ParamsEntry, ParamsEntry, ParamsEntry] }
  | {
      readonly type: "filter";
      readonly left: ListNode;
      readonly right: ListNode;
      readonly operator: string;
    }
  | { readonly type: "int"; readonly value: number }
  | { readonly type: "float"; readonly value: number }
  | { readonly type: "bool"; readonly value: boolean }
  | { readonly type: "wildcard" }
  | { readonly type: "recursive" }
  | { readonly type: "union"; readonly nodes: ListNode[] }
  | { readonly type: "identifier"; readonly name: string };

type ListNode = Extract<JpNode, { type: "list" }>;

const newList = (): ListNode => ({ type: "list", nodes: [] });

function describeRune(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  const hex = code.toString(16).toUpperCase().padStart(4, "0");
  const printable = /[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u.test(char);
  return printable ? `U+${hex} '${char}'` : `U+${hex}`;
}

const isDigit = (char: string): boolean => /^\p{Nd}$/u.test(char);
const isAlphaNumeric = (char: string): boolean => char === "_" || /^[\p{L}\p{Nd}]$/u.test(char);
const isTerminator = (char: string): boolean => char === "" || " \t\r\n.,[]$@{}".includes(char);

/** client-go's jsonpath Parser, on code points instead of UTF-8 bytes. */
class Parser {
  readonly #input: string;
  #pos = 0;
  #start = 0;
  #width = 0;
  readonly root = newList();

  constructor(input: string) {
    this.#input = input;
  }

  parse(): ListNode {
    this.#parseText(this.root);
    return this.root;
  }

  #next(): string {
    if (this.#pos >= this.#input.length) {
      this.#width = 0;
      return "";
    }
    const char = String.fromCodePoint(this.#input.codePointAt(this.#pos) ?? 0);
    this.#width = char.length;
    this.#pos += char.length;
    return char;
  }

  #peek(): string {
    const char = this.#next();
    this.#backup();
    return char;
  }

  #backup(): void {
    this.#pos -= this.#width;
  }

  #consume(): string {
    const value = this.#input.slice(this.#start, this.#pos);
    this.#start = this.#pos;
    return value;
  }

  #parseText(cur: ListNode): void {
    for (;;) {
      if (this.#input.startsWith("{", this.#pos)) {
        if (this.#pos > this.#start) cur.nodes.push({ type: "text", text: this.#consume() });
        this.#pos += 1;
        this.#consume();
        const action = newList();
        cur.nodes.push(action);
        this.#parseInsideAction(action);
        return;
      }
      if (this.#next() === "") break;
    }
    if (this.#pos > this.#start) cur.nodes.push({ type: "text", text: this.#consume() });
  }

  #parseInsideAction(cur: ListNode): void {
    for (;;) {
      const rest = this.#input.slice(this.#pos);
      if (rest.startsWith("}")) {
        this.#pos += 1;
        this.#consume();
        this.#parseText(this.root);
        return;
      }
      if (rest.startsWith("[?(")) {
        this.#parseFilter(cur);
        continue;
      }
      if (rest.startsWith("..")) {
        this.#parseRecursive(cur);
        continue;
      }
      const char = this.#next();
      if (char === "" || char === "\r" || char === "\n") throw new JsonPathError("unclosed action");
      if (char === " " || char === "@" || char === "$") this.#consume();
      else if (char === "[") this.#parseArray(cur);
      else if (char === '"' || char === "'") this.#parseQuote(cur, char);
      else if (char === ".") this.#parseField(cur);
      else if (char === "+" || char === "-" || isDigit(char)) {
        this.#backup();
        this.#parseNumber(cur);
      } else if (isAlphaNumeric(char)) {
        this.#backup();
        this.#parseIdentifier(cur);
      } else throw new JsonPathError(`unrecognized character in action: ${describeRune(char)}`);
    }
  }

  #parseIdentifier(cur: ListNode): void {
    for (;;) {
      const char = this.#next();
      if (isTerminator(char)) {
        this.#backup();
        break;
      }
    }
    const value = this.#consume();
    if (value === "true" || value === "false")
      cur.nodes.push({ type: "bool", value: value === "true" });
    else cur.nodes.push({ type: "identifier", name: value });
  }

  #parseRecursive(cur: ListNode): void {
    if (cur.nodes.at(-1)?.type === "recursive")
      throw new JsonPathError("invalid multiple recursive descent");
    this.#pos += 2;
    this.#consume();
    cur.nodes.push({ type: "recursive" });
    if (isAlphaNumeric(this.#peek())) this.#parseField(cur);
  }

  #parseNumber(cur: ListNode): void {
    const first = this.#peek();
    if (first === "+" || first === "-") this.#next();
    for (;;) {
      const char = this.#next();
      if (char !== "." && !isDigit(char)) {
        this.#backup();
        break;
      }
    }
    const value = this.#consume();
    if (/^[+-]?\d+$/.test(value)) {
      cur.nodes.push({ type: "int", value: Number(value) });
      return;
    }
    if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(value)) {
      cur.nodes.push({ type: "float", value: Number(value) });
      return;
    }
    throw new JsonPathError(`cannot parse number ${value}`);
  }

  #parseArray(cur: ListNode): void {
    for (;;) {
      const char = this.#next();
      if (char === "" || char === "\n") throw new JsonPathError("unterminated array");
      if (char === "]") break;
    }
    let text = this.#consume();
    text = text.slice(1, -1);
    if (text === "*") text = ":";
    const parts = text.split(",");
    if (parts.length > 1) {
      const union = parts.map((part) => parseAction(`[${part.replace(/^ +| +$/g, "")}]`));
      cur.nodes.push({ type: "union", nodes: union });
      return;
    }
    const dictKey = /^'([^']*)'$/.exec(text);
    if (dictKey !== null) {
      cur.nodes.push(...parseAction(`.${dictKey[1] ?? ""}`).nodes);
      return;
    }
    const slice = /^(-?\d*)(:-?\d*)?(:-?\d*)?$/.exec(text);
    if (slice === null) throw new JsonPathError(`invalid array index ${text}`);
    const params: [ParamsEntry, ParamsEntry, ParamsEntry] = [
      { value: 0, known: false, derived: false },
      { value: 0, known: false, derived: false },
      { value: 0, known: false, derived: false },
    ];
    for (let i = 0; i < 3; i++) {
      let part = slice[i + 1] ?? "";
      const entry = params[i] ?? { value: 0, known: false, derived: false };
      if (part !== "") {
        if (i > 0) part = part.slice(1);
        if (i > 0 && part === "") entry.known = false;
        else {
          if (!/^[+-]?\d+$/.test(part))
            throw new JsonPathError(`array index ${part} is not a number`);
          entry.known = true;
          entry.value = Number(part);
        }
      } else if (i === 1) {
        entry.known = true;
        entry.value = params[0].value + 1;
        entry.derived = true;
      }
    }
    cur.nodes.push({ type: "array", params });
  }

  #parseFilter(cur: ListNode): void {
    this.#pos += 3;
    this.#consume();
    let begin = false;
    let end = false;
    let pair = "";
    for (;;) {
      const char = this.#next();
      if (char === "" || char === "\n") throw new JsonPathError("unterminated filter");
      if (char === '"' || char === "'") {
        if (!begin) {
          begin = true;
          pair = char;
          continue;
        }
        if (this.#input.charAt(this.#pos - 2) !== "\\" && char === pair) end = true;
      } else if (char === ")" && begin === end) break;
    }
    if (this.#next() !== "]") throw new JsonPathError("unclosed array expect ]");
    const text = this.#consume().slice(0, -2);
    const comparison = /^([^!<>=]+)([!<>=]+)(.+?)$/.exec(text);
    if (comparison === null) {
      cur.nodes.push({
        type: "filter",
        left: parseAction(text),
        right: newList(),
        operator: "exists",
      });
    } else {
      cur.nodes.push({
        type: "filter",
        left: parseAction(comparison[1] ?? ""),
        right: parseAction(comparison[3] ?? ""),
        operator: comparison[2] ?? "",
      });
    }
  }

  #parseQuote(cur: ListNode, quote: string): void {
    for (;;) {
      const char = this.#next();
      if (char === "" || char === "\n") throw new JsonPathError("unterminated quoted string");
      if (char === quote && this.#input.charAt(this.#pos - 2) !== "\\") break;
    }
    const value = this.#consume();
    cur.nodes.push({ type: "text", text: unquoteExtend(value) });
  }

  #parseField(cur: ListNode): void {
    this.#consume();
    for (;;) {
      const char = this.#next();
      if (char === "\\") this.#next();
      else if (isTerminator(char)) {
        this.#backup();
        break;
      }
    }
    const value = this.#consume();
    if (value === "*") cur.nodes.push({ type: "wildcard" });
    else cur.nodes.push({ type: "field", name: value.replaceAll("\\", "") });
  }
}

function parseAction(text: string): ListNode {
  const parser = new Parser(`{${text}}`);
  const root = parser.parse();
  const first = root.nodes[0];
  return first?.type === "list" ? first : newList();
}

/** client-go's `UnquoteExtend`: a Go-quoted string in single or double quotes. */
function unquoteExtend(quoted: string): string {
  const quote = quoted.charAt(0);
  const body = quoted.slice(1, -1);
  if (!body.includes("\\") && !body.includes(quote)) return body;
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const char = body.charAt(i);
    if (char === quote) throw new JsonPathError(`unquote string ${quoted} error invalid syntax`);
    if (char !== "\\") {
      out += char;
      continue;
    }
    const next = body.charAt(++i);
    const simple: Record<string, string> = {
      a: "\u0007",
      b: "\b",
      f: "\f",
      n: "\n",
      r: "\r",
      t: "\t",
      v: "\v",
      "\\": "\\",
      "'": "'",
      '"': '"',
    };
    const mapped = simple[next];
    if (mapped !== undefined) {
      out += mapped;
      continue;
    }
    const hexLength = next === "x" ? 2 : next === "u" ? 4 : next === "U" ? 8 : 0;
    const hex = body.slice(i + 1, i + 1 + hexLength);
    if (hexLength === 0 || !/^[0-9a-fA-F]+$/.test(hex) || hex.length !== hexLength) {
      throw new JsonPathError(`unquote string ${quoted} error invalid syntax`);
    }
    out += String.fromCodePoint(parseInt(hex, 16));
    i += hexLength;
  }
  return out;
}

/** A result slot: a value, or nothing at all (Go's invalid reflect.Value). */
type Slot = { readonly value: AvpValue } | { readonly missing: true };
const slot = (value: AvpValue): Slot => ({ value });

type Kind = "bool" | "int" | "float" | "string" | "invalid";

function kindOf(value: AvpValue | undefined): Kind {
  if (typeof value === "boolean") return "bool";
  if (typeof value === "bigint") return "int";
  if (typeof value === "number") return "float";
  if (typeof value === "string" || isJsonNumber(value)) return "string";
  return "invalid";
}

class Evaluator {
  #beginRange = 0;
  #inRange = 0;
  #endRange = 0;
  #lastEndNode: JpNode | undefined;

  findResults(data: Slot, nodes: readonly JpNode[]): Slot[][] {
    const cur = [data];
    const full: Slot[][] = [];
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i];
      if (node === undefined) continue;
      const results = this.#walk(cur, node);
      if (this.#endRange > 0 && this.#endRange <= this.#inRange) {
        this.#endRange--;
        this.#lastEndNode = node;
        break;
      }
      if (this.#beginRange > 0) {
        this.#beginRange--;
        this.#inRange++;
        const inner = nodes.slice(i + 1);
        if (results.length > 0) {
          for (const value of results) full.push(...this.findResults(value, inner));
        } else this.findResults({ missing: true }, inner);
        this.#inRange--;
        for (let k = i + 1; k < nodes.length; k++) {
          if (nodes[k] === this.#lastEndNode) {
            i = k;
            break;
          }
        }
        continue;
      }
      full.push(results);
    }
    return full;
  }

  #walk(values: Slot[], node: JpNode): Slot[] {
    switch (node.type) {
      case "list":
        return this.#list(values, node);
      case "text":
        return [slot(node.text)];
      case "field":
        return this.#field(values, node.name);
      case "array":
        return this.#array(values, node.params);
      case "filter":
        return this.#filter(values, node);
      case "int":
      case "float":
        return values.map(() => slot(node.type === "int" ? BigInt(node.value) : node.value));
      case "bool":
        return values.map(() => slot(node.value));
      case "wildcard":
        return values.flatMap((value) => children(value));
      case "recursive":
        return this.#recursive(values);
      case "union":
        return node.nodes.flatMap((list) => this.#list(values, list));
      case "identifier":
        return this.#identifier(values, node.name);
    }
  }

  #list(values: Slot[], node: ListNode): Slot[] {
    let current = values;
    for (const inner of node.nodes) current = this.#walk(current, inner);
    return current;
  }

  #identifier(values: Slot[], name: string): Slot[] {
    if (name === "range") {
      this.#beginRange++;
      return values;
    }
    if (name === "end") {
      if (this.#inRange > 0) {
        this.#endRange++;
        return [];
      }
      throw new JsonPathError("not in range, nothing to end");
    }
    throw new JsonPathError(`unrecognized identifier ${name}`);
  }

  #field(values: Slot[], name: string): Slot[] {
    if (values.length === 0) return [];
    const results: Slot[] = [];
    for (const current of values) {
      if (!("value" in current) || current.value === null) continue;
      const value = current.value;
      if (isAvpObject(value) && Object.hasOwn(value, name)) results.push(slot(value[name] ?? null));
    }
    if (results.length === 0) throw new JsonPathError(`${name} is not found`);
    return results;
  }

  #array(values: Slot[], params: readonly [ParamsEntry, ParamsEntry, ParamsEntry]): Slot[] {
    const results: Slot[] = [];
    for (const current of values) {
      if (!("value" in current) || current.value === null) continue;
      const value = current.value;
      if (!Array.isArray(value))
        throw new JsonPathError(`${goTypeName(value)} is not array or slice`);
      const length = value.length;
      let start = params[0].known ? params[0].value : 0;
      if (start < 0) start += length;
      let end = params[1].known ? params[1].value : length;
      if (end < 0 || (end === 0 && params[1].derived)) end += length;
      if (end === start) return results;
      if (start >= length || start < 0) {
        throw new JsonPathError(`array index out of bounds: index ${start}, length ${length}`);
      }
      if (end > length || end < 0) {
        throw new JsonPathError(`array index out of bounds: index ${end - 1}, length ${length}`);
      }
      if (start > end)
        throw new JsonPathError(`starting index ${start} is greater than ending index ${end}`);
      let step = 1;
      if (params[2].known) {
        if (params[2].value <= 0) throw new JsonPathError("step must be > 0");
        step = params[2].value;
      }
      const part = value.slice(start, end);
      for (let i = 0; i < part.length; i += step) results.push(slot(part[i] ?? null));
    }
    return results;
  }

  #recursive(values: Slot[]): Slot[] {
    const result: Slot[] = [];
    for (const current of values) {
      if (!("value" in current) || current.value === null) continue;
      const inner = children(current);
      if (inner.length === 0) continue;
      result.push(current, ...this.#recursive(inner));
    }
    return result;
  }

  #filter(values: Slot[], node: Extract<JpNode, { type: "filter" }>): Slot[] {
    const results: Slot[] = [];
    for (const current of values) {
      const value = "value" in current ? current.value : null;
      if (!Array.isArray(value)) {
        throw new JsonPathError(
          `${goTypeName(value)} is not array or slice and cannot be filtered`,
        );
      }
      for (const element of value) {
        const item = [slot(element)];
        if (node.operator === "exists") {
          if (this.#exists(item, node.left)) results.push(slot(element));
          continue;
        }
        const left = this.#single(this.#list(item, node.left));
        if (left === undefined) continue;
        const right = this.#single(this.#list(item, node.right));
        if (right === undefined) continue;
        if (compare(left, right, node.operator)) results.push(slot(element));
      }
    }
    return results;
  }

  #exists(item: Slot[], left: ListNode): boolean {
    try {
      return this.#list(item, left).length > 0;
    } catch {
      // client-go ignores the evaluation error of an existence test: the element just fails it.
      return false;
    }
  }

  #single(values: Slot[]): AvpValue | undefined {
    if (values.length === 0) return undefined;
    if (values.length > 1) throw new JsonPathError("can only compare one element at a time");
    const first = values[0];
    return first !== undefined && "value" in first ? first.value : undefined;
  }
}

function children(current: Slot): Slot[] {
  if (!("value" in current)) return [];
  const value = current.value;
  if (Array.isArray(value)) return value.map(slot);
  if (isAvpObject(value))
    return Object.keys(value)
      .sort()
      .map((key) => slot(value[key] ?? null));
  if (typeof value === "string")
    return Array.from(Buffer.from(value, "utf8")).map((byte) => slot(BigInt(byte)));
  return [];
}

function comparable(value: AvpValue): string | number | bigint | boolean {
  if (isJsonNumber(value)) return value.text;
  return value as string | number | bigint | boolean;
}

function equal(left: AvpValue, right: AvpValue): boolean {
  const [k1, k2] = [kindOf(left), kindOf(right)];
  if (k1 === "invalid" || k2 === "invalid") throw new JsonPathError("invalid type for comparison");
  if (k1 !== k2) throw new JsonPathError("incompatible types for comparison");
  return comparable(left) === comparable(right);
}

function less(left: AvpValue, right: AvpValue): boolean {
  const [k1, k2] = [kindOf(left), kindOf(right)];
  if (k1 === "invalid" || k2 === "invalid") throw new JsonPathError("invalid type for comparison");
  if (k1 !== k2) throw new JsonPathError("incompatible types for comparison");
  if (k1 === "bool") throw new JsonPathError("invalid type for comparison");
  return comparable(left) < comparable(right);
}

function compare(left: AvpValue, right: AvpValue, operator: string): boolean {
  switch (operator) {
    case "==":
      return equal(left, right);
    case "!=":
      return !equal(left, right);
    case "<":
      return less(left, right);
    case "<=":
      return less(left, right) || equal(left, right);
    case ">":
      return !(less(left, right) || equal(left, right));
    case ">=":
      return !less(left, right);
    default:
      throw new JsonPathError(`unrecognized filter operator ${operator}`);
  }
}

/** Go's `fmt.Fprint` of a scalar, or compact JSON for maps and slices (client-go PrintResults). */
function printValue(current: Slot): string {
  if (!("value" in current)) return "<no value>";
  const value = current.value;
  if (Array.isArray(value) || isAvpObject(value)) return goJsonMarshal(value);
  if (value === null) return "null";
  if (typeof value === "number") return goFormatV(value);
  if (isJsonNumber(value)) return value.text;
  return String(value);
}

/** Go's `%v` for a float64: shortest `%g`, with Go's names for infinities and NaN. */
function goFormatV(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return formatGoFloatG(value);
}

/**
 * Parses a kubectl JSONPath template.
 * @throws JsonPathError with client-go's parse error text
 */
export function parseJsonPath(template: string): (data: AvpValue) => string {
  const root = new Parser(template).parse();
  return (data) => {
    const results = new Evaluator().findResults(slot(data), root.nodes);
    return results.map((group) => group.map(printValue).join(" ")).join("");
  };
}

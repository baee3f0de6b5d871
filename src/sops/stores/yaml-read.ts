// YAML into the sops tree with go-yaml v3's semantics: documents as branches, typed scalars,
// aliases expanded, `<<` kept as a key, and every comment line turned into a comment item of the
// map or list go-yaml would attach it to (the comment's additional data is that collection's path).
import {
  Parser,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  Composer,
  type CST,
  type Document,
  type Node as YamlNode,
  type Pair,
  type YAMLMap,
  type YAMLSeq,
} from "yaml";
import {
  comment,
  treeList,
  treeMap,
  type Comment,
  type NonStringKey,
  type TreeBranches,
  type TreeItem,
  type TreeMap,
  type TreeValue,
} from "../tree.js";
import { formatFloatG } from "../go-format.js";
import { resolvePlainScalar, resolveTaggedScalar } from "./yaml-resolve.js";

/** A YAML input problem, worded like go-yaml's messages where that is practical. */
export class YamlInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "YamlInputError";
  }
}

interface Collection {
  indent: number;
  parent: Collection | undefined;
  /** Comments to insert before item i (index) or after the last item (key -1). */
  before: Map<number, Comment[]>;
}

interface Anchor {
  offset: number;
  column: number;
  collection: Collection;
  index: number;
}

interface ScalarEnd {
  end: number;
  collection: Collection;
  index: number;
  /** `flow`: a flow collection value, whose line comment sops stores as its first element. */
  role: "key" | "value" | "item" | "flow";
}

interface SourceComment {
  offset: number;
  text: string;
}

class LineIndex {
  readonly #starts: number[] = [0];

  constructor(text: string) {
    // One native search per line, not a JavaScript step per character (a megabyte scalar is one line).
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1))
      this.#starts.push(i + 1);
  }

  line(offset: number): number {
    let lo = 0;
    let hi = this.#starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.#starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  column(offset: number): number {
    return offset - (this.#starts[this.line(offset)] ?? 0);
  }

  lineStart(offset: number): number {
    return this.#starts[this.line(offset)] ?? 0;
  }
}

/**
 * Every comment token of the source (found through the CST, so block scalars are not mistaken for
 * comments) and the offset where each document starts.
 */
function scanSource(tokens: readonly CST.Token[]): {
  comments: SourceComment[];
  documentStarts: number[];
} {
  const found: SourceComment[] = [];
  const documentStarts: number[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (typeof value !== "object" || value === null) return;
    const token = value as { type?: unknown; offset?: unknown; source?: unknown };
    if (
      token.type === "comment" &&
      typeof token.offset === "number" &&
      typeof token.source === "string"
    ) {
      found.push({ offset: token.offset, text: token.source.slice(1) });
      return;
    }
    for (const child of Object.values(value)) visit(child);
  };
  for (const token of tokens) {
    if (token.type === "document") documentStarts.push(token.offset);
    visit(token);
  }
  return { comments: found.sort((a, b) => a.offset - b.offset), documentStarts };
}

/** Builds the collection and anchor index of one document, for placing its comments. */
class DocumentIndex {
  readonly anchors: Anchor[] = [];
  readonly scalarEnds: ScalarEnd[] = [];
  readonly infos = new Map<YamlNode, Collection>();
  readonly #lines: LineIndex;
  readonly #source: string;

  constructor(source: string, lines: LineIndex) {
    this.#source = source;
    this.#lines = lines;
  }

  itemColumn(start: number, isSeqItem: boolean): number {
    const column = this.#lines.column(start);
    if (isSeqItem && column >= 2 && this.#source[start - 2] === "-") return column - 2;
    if (isSeqItem) {
      const lineStart = this.#lines.lineStart(start);
      const text = this.#source.slice(lineStart, start);
      return text.length - text.trimStart().length;
    }
    return column;
  }

  register(node: YamlNode | null, parent: Collection | undefined): void {
    if (node === null || !(isMap(node) || isSeq(node)) || node.flow === true) return;
    const info: Collection = { indent: 0, parent, before: new Map() };
    this.infos.set(node, info);
    if (isMap(node)) this.#registerMap(node, info);
    else this.#registerSeq(node, info);
  }

  #registerMap(node: YAMLMap, info: Collection): void {
    node.items.forEach((pair: Pair, index) => {
      const key = pair.key as YamlNode | null;
      const start = key?.range?.[0] ?? (pair.value as YamlNode | null)?.range?.[0] ?? 0;
      const column = this.itemColumn(start, false);
      if (index === 0) info.indent = column;
      this.anchors.push({ offset: start, column, collection: info, index });
      if (key?.range) {
        this.scalarEnds.push({ end: key.range[1], collection: info, index, role: "key" });
      }
      const value = pair.value as YamlNode | null;
      if (value !== null && (isMap(value) || isSeq(value)) && value.flow === true) {
        const flow: Collection = { indent: info.indent, parent: info, before: new Map() };
        this.infos.set(value, flow);
        if (value.range)
          this.scalarEnds.push({ end: value.range[1], collection: flow, index: 0, role: "flow" });
      } else if (value !== null && (isScalar(value) || isAlias(value)) && value.range) {
        this.scalarEnds.push({ end: value.range[1], collection: info, index, role: "value" });
      }
      this.register(value, info);
    });
  }

  #registerSeq(node: YAMLSeq, info: Collection): void {
    node.items.forEach((item, index) => {
      const value = item as YamlNode | null;
      const start = value?.range?.[0] ?? 0;
      const column = this.itemColumn(start, true);
      if (index === 0) info.indent = column;
      this.anchors.push({ offset: start, column, collection: info, index });
      if (value !== null && !(isMap(value) || isSeq(value)) && value.range) {
        this.scalarEnds.push({ end: value.range[1], collection: info, index, role: "item" });
      }
      this.register(value, info);
    });
  }
}

/** Index of the first element whose key is above `value` (elements sorted by key). */
function firstAbove<T>(sorted: readonly T[], value: number, key: (item: T) => number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(sorted[mid] as T) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function push(collection: Collection, index: number, c: Comment): void {
  const list = collection.before.get(index) ?? [];
  list.push(c);
  collection.before.set(index, list);
}

/** Places one comment the way go-yaml attaches it (head, line or foot comment). */
function placeComment(
  c: SourceComment,
  source: string,
  index: DocumentIndex,
  lines: LineIndex,
  root: Collection,
): void {
  const line = lines.line(c.offset);
  const ends = index.scalarEnds;
  const lastEnd = ends[firstAbove(ends, c.offset, (s) => s.end) - 1];
  const inlineOwner =
    lastEnd !== undefined && lines.line(Math.max(lastEnd.end - 1, 0)) === line
      ? lastEnd
      : undefined;
  if (inlineOwner !== undefined) {
    // A comment after a value is that value's line comment (kept inline); after a key whose value
    // starts on a later line it is the key's line comment, which sops keeps as an ordinary one.
    const inline = inlineOwner.role === "value" || inlineOwner.role === "item";
    push(inlineOwner.collection, inlineOwner.index, comment(c.text, inline));
    return;
  }
  const column = lines.column(c.offset);
  const anchors = index.anchors;
  const nextAt = firstAbove(anchors, c.offset, (a) => a.offset);
  const next = anchors[nextAt];
  const previous = anchors[firstAbove(anchors, c.offset - 1, (a) => a.offset) - 1];
  // `- # text` starts a list item: go-yaml gives the comment to the item's first key.
  const dashOnly = /^\s*(-\s+)+$/.test(source.slice(lines.lineStart(c.offset), c.offset));
  if (next !== undefined && (column <= next.column || previous === undefined || dashOnly)) {
    // Several anchors can start at one offset (a list item and its map's first key); the comment
    // goes to the outermost, or after a lone `- ` to the innermost.
    let target = next;
    for (let i = nextAt + 1; dashOnly && anchors[i]?.offset === next.offset; i++)
      target = anchors[i] ?? next;
    push(target.collection, target.index, comment(c.text));
    return;
  }
  // A foot comment: the innermost collection still open above it whose indentation it reaches.
  let owner = previous?.collection;
  while (owner !== undefined && owner.indent > column) owner = owner.parent;
  push(owner ?? root, -1, comment(c.text));
}

function nonStringKey(value: TreeValue): NonStringKey {
  if (value === null) return { kind: "nonstring", goType: "<nil>", text: "%!s(<nil>)" };
  if (typeof value === "boolean")
    return { kind: "nonstring", goType: "bool", text: `%!s(bool=${String(value)})` };
  if (typeof value === "object" && !(value instanceof Uint8Array)) {
    if (value.kind === "int")
      return { kind: "nonstring", goType: "int", text: `%!s(int=${value.value.toString()})` };
    if (value.kind === "float") {
      return {
        kind: "nonstring",
        goType: "float64",
        text: `%!s(float64=${formatFloatG(value.value)})`,
      };
    }
    if (value.kind === "time") return { kind: "nonstring", goType: "time.Time", text: value.text };
    if (value.kind === "map")
      return { kind: "nonstring", goType: "map[string]interface {}", text: "map[…]" };
    if (value.kind === "list") return { kind: "nonstring", goType: "[]interface {}", text: "[…]" };
    return { kind: "nonstring", goType: value.goType, text: value.text };
  }
  return { kind: "nonstring", goType: "[]uint8", text: "…" };
}

/** Comments placed after the last item (or at a position an empty collection does not have). */
function trailing(info: Collection | undefined, length: number): Comment[] {
  if (info === undefined) return [];
  return [...info.before.entries()]
    .filter(([index]) => index === -1 || index >= length)
    .sort(([a], [b]) => (a === -1 ? 1 : b === -1 ? -1 : a - b))
    .flatMap(([, comments]) => comments);
}

class TreeBuilder {
  readonly #doc: Document.Parsed;
  readonly #index: DocumentIndex;
  #aliasDepth = 0;

  constructor(doc: Document.Parsed, index: DocumentIndex) {
    this.#doc = doc;
    this.#index = index;
  }

  scalar(node: YamlNode): TreeValue {
    if (!isScalar(node)) return null;
    const text = typeof node.value === "string" ? node.value : "";
    if (node.tag !== undefined && node.tag !== "!") {
      try {
        return resolveTaggedScalar(node.tag, text);
      } catch (error) {
        throw new YamlInputError((error as Error).message);
      }
    }
    if (node.type === "PLAIN" || node.type === undefined) {
      return node.source === undefined && node.value === null ? null : resolvePlainScalar(text);
    }
    return text;
  }

  value(node: YamlNode | null, withComments: boolean): TreeValue {
    if (node === null) return null;
    if (isAlias(node)) {
      if (++this.#aliasDepth > 1000)
        throw new YamlInputError("yaml: document contains excessive aliasing");
      const target = node.resolve(this.#doc);
      const value = target === undefined ? null : this.value(target, false);
      this.#aliasDepth--;
      return value;
    }
    if (isMap(node)) return this.map(node, withComments);
    if (isSeq(node)) return this.seq(node, withComments);
    return this.scalar(node);
  }

  key(node: YamlNode | null): string | NonStringKey {
    const value = this.value(node, false);
    return typeof value === "string" ? value : nonStringKey(value);
  }

  map(node: YAMLMap, withComments: boolean): TreeMap {
    const info = withComments ? this.#index.infos.get(node) : undefined;
    const out = treeMap();
    node.items.forEach((pair: Pair, i) => {
      for (const c of info?.before.get(i) ?? []) out.items.push({ key: c, value: null });
      out.items.push({
        key: this.key(pair.key as YamlNode | null),
        value: this.value(pair.value as YamlNode | null, withComments),
      });
    });
    for (const c of trailing(info, node.items.length)) out.items.push({ key: c, value: null });
    return out;
  }

  seq(node: YAMLSeq, withComments: boolean): TreeValue {
    const info = withComments ? this.#index.infos.get(node) : undefined;
    const out = treeList();
    node.items.forEach((item, i) => {
      out.items.push(...(info?.before.get(i) ?? []));
      out.items.push(this.value(item as YamlNode | null, withComments));
    });
    out.items.push(...trailing(info, node.items.length));
    return out;
  }
}

function describe(node: YamlNode | null): string {
  if (node === null) return "null";
  if (isSeq(node)) return "!!seq";
  if (isScalar(node)) return "!!str";
  return "!!map";
}

/** go-yaml's first-document check: a mapping with no duplicate keys anywhere. */
function checkFirstDocument(builder: TreeBuilder, root: YamlNode | null, lines: LineIndex): void {
  if (root === null || isAlias(root)) return;
  if (isScalar(root) && builder.scalar(root) === null) return;
  if (!isMap(root)) {
    const line = lines.line(root.range?.[0] ?? 0) + 1;
    throw new YamlInputError(
      `yaml: unmarshal errors:\n  line ${line}: cannot unmarshal ${describe(root)} into map[string]interface {}`,
    );
  }
  const visit = (node: YamlNode | null): void => {
    if (node === null) return;
    if (isSeq(node)) {
      for (const item of node.items) visit(item as YamlNode | null);
      return;
    }
    if (!isMap(node)) return;
    const seen = new Map<string, number>();
    for (const pair of node.items) {
      const key = pair.key as YamlNode | null;
      const name = JSON.stringify(builder.key(key));
      const line = lines.line(key?.range?.[0] ?? 0) + 1;
      const first = seen.get(name);
      if (first !== undefined) {
        const display = typeof builder.key(key) === "string" ? (builder.key(key) as string) : name;
        throw new YamlInputError(
          `yaml: unmarshal errors:\n  line ${line}: mapping key ${JSON.stringify(display)} already defined at line ${first}`,
        );
      }
      seen.set(name, line);
      visit(pair.value as YamlNode | null);
    }
  };
  visit(root);
}

/**
 * Parses YAML text into branches (one per document).
 * @throws YamlInputError with a go-yaml-like message and line number
 */
export function readYaml(source: string): TreeBranches {
  if (source === "") return [];
  // One pass of the parser serves both the composer (nodes) and the comment scan (CST).
  const tokens = [...new Parser().parse(source)];
  const composer = new Composer({
    schema: "failsafe",
    uniqueKeys: false,
    merge: false,
    strict: false,
  });
  const list = [...composer.compose(tokens, false, source.length)];
  const lines = new LineIndex(source);
  for (const doc of list) {
    const error = doc.errors[0];
    if (error !== undefined) {
      const line = lines.line(error.pos[0]) + 1;
      throw new YamlInputError(
        `yaml: line ${line}: ${error.message.split("\n")[0] ?? "syntax error"}`,
      );
    }
  }
  const { comments, documentStarts } = scanSource(tokens);
  const branches: TreeBranches = [];
  list.forEach((doc, docIndex) => {
    const index = new DocumentIndex(source, lines);
    const root = doc.contents as YamlNode | null;
    index.register(root, undefined);
    index.anchors.sort((a, b) => a.offset - b.offset);
    index.scalarEnds.sort((a, b) => a.end - b.end);
    const builder = new TreeBuilder(doc, index);
    if (docIndex === 0) checkFirstDocument(builder, root, lines);
    // A document owns the comments from its start (its `---`) to the next document's start.
    const start = docIndex === 0 ? 0 : (documentStarts[docIndex] ?? source.length);
    const end = documentStarts[docIndex + 1] ?? source.length;
    const rootInfo: Collection = (root !== null ? index.infos.get(root) : undefined) ?? {
      indent: 0,
      parent: undefined,
      before: new Map(),
    };
    for (const c of comments.filter((x) => x.offset >= start && x.offset < end)) {
      placeComment(c, source, index, lines, rootInfo);
    }
    branches.push(documentBranch(builder, root, rootInfo));
  });
  return branches;
}

function documentBranch(
  builder: TreeBuilder,
  root: YamlNode | null,
  rootInfo: Collection,
): TreeMap {
  const looseComments = (): TreeItem[] =>
    [...rootInfo.before.values()].flat().map((c) => ({ key: c, value: null }));
  if (root === null) return treeMap(looseComments());
  if (isSeq(root)) throw new YamlInputError("YAML documents that are sequences are not supported");
  if (isScalar(root)) {
    if (builder.scalar(root) === null) return treeMap(looseComments());
    throw new YamlInputError("YAML documents that are values are not supported");
  }
  const value = builder.value(root, true);
  if (
    typeof value === "object" &&
    value !== null &&
    !(value instanceof Uint8Array) &&
    value.kind === "map"
  ) {
    return value;
  }
  throw new YamlInputError("YAML documents that are values are not supported");
}

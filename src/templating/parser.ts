// The parser of Go's text/template (text/template/parse/parse.go and node.go), ported with the same
// three-token lookahead so that the line numbers in its error messages match Go's.
import { Item, lex, tokenString, type ItemType, type Token } from "./lexer.js";
import {
  parseGoFloat,
  parseGoInteger,
  quote,
  SyntaxError,
  unquote,
  unquoteChar,
} from "./strconv.js";

export const Node = {
  text: 0,
  action: 1,
  bool: 2,
  chain: 3,
  command: 4,
  dot: 5,
  else: 6,
  end: 7,
  field: 8,
  identifier: 9,
  if: 10,
  list: 11,
  nil: 12,
  number: 13,
  pipe: 14,
  range: 15,
  string: 16,
  template: 17,
  variable: 18,
  with: 19,
  comment: 20,
  break: 21,
  continue: 22,
} as const;

export interface ListNode {
  readonly type: typeof Node.list;
  readonly pos: number;
  readonly nodes: ParsedNode[];
}
export interface TextNode {
  readonly type: typeof Node.text;
  readonly pos: number;
  readonly text: string;
}
export interface CommentNode {
  readonly type: typeof Node.comment;
  readonly pos: number;
  readonly text: string;
}
export interface PipeNode {
  readonly type: typeof Node.pipe;
  readonly pos: number;
  readonly line: number;
  isAssign: boolean;
  readonly decl: VariableNode[];
  readonly cmds: CommandNode[];
}
export interface ActionNode {
  readonly type: typeof Node.action;
  readonly pos: number;
  readonly line: number;
  readonly pipe: PipeNode;
}
export interface CommandNode {
  readonly type: typeof Node.command;
  readonly pos: number;
  readonly args: ArgNode[];
}
export interface IdentifierNode {
  readonly type: typeof Node.identifier;
  readonly pos: number;
  readonly ident: string;
}
export interface VariableNode {
  readonly type: typeof Node.variable;
  readonly pos: number;
  readonly ident: string[];
}
export interface DotNode {
  readonly type: typeof Node.dot;
  readonly pos: number;
}
export interface NilNode {
  readonly type: typeof Node.nil;
  readonly pos: number;
}
export interface FieldNode {
  readonly type: typeof Node.field;
  readonly pos: number;
  readonly ident: string[];
}
export interface ChainNode {
  readonly type: typeof Node.chain;
  readonly pos: number;
  readonly node: ArgNode;
  readonly field: string[];
}
export interface BoolNode {
  readonly type: typeof Node.bool;
  readonly pos: number;
  readonly value: boolean;
}
export interface NumberNode {
  readonly type: typeof Node.number;
  readonly pos: number;
  readonly text: string;
  isInt: boolean;
  isUint: boolean;
  isFloat: boolean;
  isComplex: boolean;
  int64: bigint;
  uint64: bigint;
  float64: number;
  complex: [number, number];
}
export interface StringNode {
  readonly type: typeof Node.string;
  readonly pos: number;
  readonly quoted: string;
  readonly text: string;
}
export interface EndNode {
  readonly type: typeof Node.end;
  readonly pos: number;
}
export interface ElseNode {
  readonly type: typeof Node.else;
  readonly pos: number;
  readonly line: number;
}
export interface BranchNode {
  readonly type: typeof Node.if | typeof Node.range | typeof Node.with;
  readonly pos: number;
  readonly line: number;
  readonly pipe: PipeNode;
  readonly list: ListNode;
  readonly elseList: ListNode | undefined;
}
export interface BreakNode {
  readonly type: typeof Node.break | typeof Node.continue;
  readonly pos: number;
  readonly line: number;
}
export interface TemplateNode {
  readonly type: typeof Node.template;
  readonly pos: number;
  readonly line: number;
  readonly name: string;
  readonly pipe: PipeNode | undefined;
}

/** Nodes that can be an argument of a command. */
export type ArgNode =
  | IdentifierNode
  | VariableNode
  | DotNode
  | NilNode
  | FieldNode
  | ChainNode
  | BoolNode
  | NumberNode
  | StringNode
  | PipeNode;

/** Nodes that can sit in a list. */
export type ParsedNode =
  TextNode | CommentNode | ActionNode | BranchNode | BreakNode | TemplateNode | ListNode;

export type AnyNode = ParsedNode | ArgNode | CommandNode | EndNode | ElseNode;

/** A parse failure; the message is Go's complete error text. */
export class ParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ParseError";
  }
}

const fixedStrings: Readonly<Partial<Record<number, string>>> = {
  [Node.dot]: ".",
  [Node.nil]: "nil",
  [Node.end]: "{{end}}",
  [Node.else]: "{{else}}",
  [Node.break]: "{{break}}",
  [Node.continue]: "{{continue}}",
};

function branchString(n: BranchNode): string {
  const name = n.type === Node.if ? "if" : n.type === Node.range ? "range" : "with";
  let s = `{{${name} ${nodeString(n.pipe)}}}${nodeString(n.list)}`;
  if (n.elseList !== undefined) s += `{{else}}${nodeString(n.elseList)}`;
  return s + "{{end}}";
}

/** Go's Node.String(), used as the `<...>` context of execution errors. */
export function nodeString(n: AnyNode): string {
  switch (n.type) {
    case Node.text:
      return n.text;
    case Node.comment:
      return `{{${n.text}}}`;
    case Node.pipe: {
      let s = "";
      if (n.decl.length > 0) s = n.decl.map(nodeString).join(", ") + " := ";
      return s + n.cmds.map(nodeString).join(" | ");
    }
    case Node.action:
      return `{{${nodeString(n.pipe)}}}`;
    case Node.command:
      return n.args
        .map((a) => (a.type === Node.pipe ? `(${nodeString(a)})` : nodeString(a)))
        .join(" ");
    case Node.identifier:
      return n.ident;
    case Node.variable:
      return n.ident.join(".");
    case Node.field:
      return n.ident.map((id) => "." + id).join("");
    case Node.chain: {
      const base = n.node.type === Node.pipe ? `(${nodeString(n.node)})` : nodeString(n.node);
      return base + n.field.map((f) => "." + f).join("");
    }
    case Node.bool:
      return n.value ? "true" : "false";
    case Node.number:
      return n.text;
    case Node.string:
      return n.quoted;
    case Node.if:
    case Node.range:
    case Node.with:
      return branchString(n);
    case Node.template:
      return `{{template ${quote(n.name)}${n.pipe === undefined ? "" : " " + nodeString(n.pipe)}}}`;
    case Node.list:
      return n.nodes.map(nodeString).join("");
    default:
      return fixedStrings[n.type] ?? "";
  }
}

/** A parsed template body and its name. */
export interface Tree {
  name: string;
  root: ListNode;
}

/** Go's unicode.IsSpace over a whole string (bytes.TrimSpace leaves nothing). */
const goSpaceOnly = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;

/** Go's parse.IsEmptyTree: only spaces and comments. */
export function isEmptyTree(n: ParsedNode | undefined): boolean {
  if (n === undefined) return true;
  switch (n.type) {
    case Node.comment:
      return true;
    case Node.list:
      return n.nodes.every(isEmptyTree);
    case Node.text:
      return goSpaceOnly.test(n.text);
    default:
      return false;
  }
}

const zeroToken: Token = { typ: Item.error, pos: 0, val: "", line: 0 };

/** Parser state shared by the trees of one parse (one source text, one lexer). */
class Shared {
  readonly tokens: Token[];
  index = 0;
  readonly parseName: string;
  readonly hasFunction: (name: string) => boolean;
  readonly treeSet = new Map<string, Tree>();

  constructor(tokens: Token[], parseName: string, hasFunction: (name: string) => boolean) {
    this.tokens = tokens;
    this.parseName = parseName;
    this.hasFunction = hasFunction;
  }

  nextItem(): Token {
    return this.tokens[this.index++] ?? zeroToken;
  }
}

class Parser {
  name: string;
  readonly shared: Shared;
  root: ListNode | undefined;
  readonly token: [Token, Token, Token] = [zeroToken, zeroToken, zeroToken];
  peekCount = 0;
  vars: string[] = ["$"];
  actionLine = 0;
  rangeDepth = 0;

  constructor(name: string, shared: Shared) {
    this.name = name;
    this.shared = shared;
  }

  next(): Token {
    if (this.peekCount > 0) this.peekCount--;
    else this.token[0] = this.shared.nextItem();
    return this.token[this.peekCount] ?? zeroToken;
  }

  backup(): void {
    this.peekCount++;
  }

  backup2(t1: Token): void {
    this.token[1] = t1;
    this.peekCount = 2;
  }

  backup3(t2: Token, t1: Token): void {
    this.token[1] = t1;
    this.token[2] = t2;
    this.peekCount = 3;
  }

  peek(): Token {
    if (this.peekCount > 0) return this.token[this.peekCount - 1] ?? zeroToken;
    this.peekCount = 1;
    this.token[0] = this.shared.nextItem();
    return this.token[0];
  }

  nextNonSpace(): Token {
    let token: Token;
    do token = this.next();
    while (token.typ === Item.space);
    return token;
  }

  peekNonSpace(): Token {
    const token = this.nextNonSpace();
    this.backup();
    return token;
  }

  errorf(message: string): never {
    throw new ParseError(`template: ${this.shared.parseName}:${this.token[0].line}: ${message}`);
  }

  expect(expected: ItemType, context: string): Token {
    const token = this.nextNonSpace();
    if (token.typ !== expected) this.unexpected(token, context);
    return token;
  }

  unexpected(token: Token, context: string): never {
    if (token.typ === Item.error) {
      let extra = "";
      if (this.actionLine !== 0 && this.actionLine !== token.line) {
        extra = ` in action started at ${this.shared.parseName}:${this.actionLine}`;
        if (token.val.endsWith(" action")) extra = extra.slice(" in action".length);
      }
      this.errorf(`${tokenString(token)}${extra}`);
    }
    this.errorf(`unexpected ${tokenString(token)} in ${context}`);
  }

  /** Adds this tree to the set (Go's Tree.add). */
  add(): void {
    const root = this.root ?? { type: Node.list, pos: 0, nodes: [] };
    const tree = this.shared.treeSet.get(this.name);
    if (tree === undefined || isEmptyTree(tree.root)) {
      this.shared.treeSet.set(this.name, { name: this.name, root });
      return;
    }
    if (!isEmptyTree(root))
      this.errorf(`template: multiple definition of template ${quote(this.name)}`);
  }

  child(name: string): Parser {
    const p = new Parser(name, this.shared);
    // The child shares the lookahead: Go hands it the same lexer with an empty buffer, which is
    // equivalent because the parent never holds a lookahead token when a definition starts.
    return p;
  }

  parse(): void {
    this.root = { type: Node.list, pos: this.peek().pos, nodes: [] };
    while (this.peek().typ !== Item.eof) {
      if (this.peek().typ === Item.leftDelim) {
        const delim = this.next();
        if (this.nextNonSpace().typ === Item.define) {
          const newT = this.child("definition");
          newT.parseDefinition();
          continue;
        }
        this.backup2(delim);
      }
      const n = this.textOrAction();
      if (n.type === Node.end || n.type === Node.else) this.errorf(`unexpected ${nodeString(n)}`);
      this.root.nodes.push(n);
    }
  }

  parseDefinition(): void {
    const context = "define clause";
    const name = this.nextNonSpace();
    if (name.typ !== Item.string && name.typ !== Item.rawString) this.unexpected(name, context);
    this.name = this.unquote(name.val);
    this.expect(Item.rightDelim, context);
    const [list, end] = this.itemList();
    this.root = list;
    if (end.type !== Node.end) this.errorf(`unexpected ${nodeString(end)} in ${context}`);
    this.add();
  }

  unquote(s: string): string {
    try {
      return unquote(s);
    } catch (e) {
      if (e instanceof SyntaxError) this.errorf(e.message);
      throw e;
    }
  }

  itemList(): [ListNode, ParsedNode | EndNode | ElseNode] {
    const list: ListNode = { type: Node.list, pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().typ !== Item.eof) {
      const n = this.textOrAction();
      if (n.type === Node.end || n.type === Node.else) return [list, n];
      list.nodes.push(n);
    }
    this.errorf("unexpected EOF");
  }

  textOrAction(): ParsedNode | EndNode | ElseNode {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case Item.text:
        return { type: Node.text, pos: token.pos, text: token.val };
      case Item.leftDelim:
        this.actionLine = token.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
      case Item.comment:
        return { type: Node.comment, pos: token.pos, text: token.val };
      default:
        this.unexpected(token, "input");
    }
  }

  action(): ParsedNode | EndNode | ElseNode {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case Item.block:
        return this.blockControl();
      case Item.break:
        return this.breakControl(token.pos, token.line, Node.break, "{{break}}");
      case Item.continue:
        return this.breakControl(token.pos, token.line, Node.continue, "{{continue}}");
      case Item.else:
        return this.elseControl();
      case Item.end:
        return { type: Node.end, pos: this.expect(Item.rightDelim, "end").pos };
      case Item.if:
        return this.parseControl(true, "if", Node.if);
      case Item.range:
        return this.parseControl(false, "range", Node.range);
      case Item.template:
        return this.templateControl();
      case Item.with:
        return this.parseControl(false, "with", Node.with);
      default:
        break;
    }
    this.backup();
    const start = this.peek();
    return {
      type: Node.action,
      pos: start.pos,
      line: start.line,
      pipe: this.pipeline("command", Item.rightDelim),
    };
  }

  breakControl(
    pos: number,
    line: number,
    type: typeof Node.break | typeof Node.continue,
    name: string,
  ): BreakNode {
    const token = this.nextNonSpace();
    if (token.typ !== Item.rightDelim) this.unexpected(token, name);
    if (this.rangeDepth === 0) this.errorf(`${name} outside {{range}}`);
    return { type, pos, line };
  }

  pipeline(context: string, end: ItemType): PipeNode {
    const first = this.peekNonSpace();
    const pipe: PipeNode = {
      type: Node.pipe,
      pos: first.pos,
      line: first.line,
      isAssign: false,
      decl: [],
      cmds: [],
    };
    this.declarations(pipe, context);
    for (;;) {
      const token = this.nextNonSpace();
      switch (token.typ) {
        case end:
          this.checkPipeline(pipe, context);
          return pipe;
        case Item.bool:
        case Item.charConstant:
        case Item.complex:
        case Item.dot:
        case Item.field:
        case Item.identifier:
        case Item.number:
        case Item.nil:
        case Item.rawString:
        case Item.string:
        case Item.variable:
        case Item.leftParen:
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(token, context);
      }
    }
  }

  declarations(pipe: PipeNode, context: string): void {
    for (;;) {
      const v = this.peekNonSpace();
      if (v.typ !== Item.variable) return;
      this.next();
      const tokenAfterVariable = this.peek();
      const next = this.peekNonSpace();
      if (next.typ === Item.assign || next.typ === Item.declare) {
        pipe.isAssign = next.typ === Item.assign;
        this.nextNonSpace();
        pipe.decl.push(this.newVariable(v.pos, v.val));
        this.vars.push(v.val);
        return;
      }
      if (next.typ === Item.char && next.val === ",") {
        this.nextNonSpace();
        pipe.decl.push(this.newVariable(v.pos, v.val));
        this.vars.push(v.val);
        if (context === "range" && pipe.decl.length < 2) {
          const t = this.peekNonSpace().typ;
          if (t === Item.variable || t === Item.rightDelim || t === Item.rightParen) continue;
          this.errorf("range can only initialize variables");
        }
        this.errorf(`too many declarations in ${context}`);
      }
      if (tokenAfterVariable.typ === Item.space) this.backup3(v, tokenAfterVariable);
      else this.backup2(v);
      return;
    }
  }

  checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, i) => {
      const t = c.args[0]?.type;
      if (
        t === Node.bool ||
        t === Node.dot ||
        t === Node.nil ||
        t === Node.number ||
        t === Node.string
      ) {
        this.errorf(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  parseControl(
    allowElseIf: boolean,
    context: string,
    type: typeof Node.if | typeof Node.range | typeof Node.with,
  ): BranchNode {
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(context, Item.rightDelim);
      if (context === "range") this.rangeDepth++;
      const [list, next] = this.itemList();
      if (context === "range") this.rangeDepth--;
      let elseList: ListNode | undefined;
      if (next.type === Node.else) {
        if (allowElseIf && this.peek().typ === Item.if) {
          // "{{else if ...}}" is "{{else}}{{if ...}}...{{end}}{{end}}" with one {{end}}.
          this.next();
          elseList = {
            type: Node.list,
            pos: next.pos,
            nodes: [this.parseControl(true, "if", Node.if)],
          };
        } else {
          let end: ParsedNode | EndNode | ElseNode;
          [elseList, end] = this.itemList();
          if (end.type !== Node.end) this.errorf(`expected end; found ${nodeString(end)}`);
        }
      }
      return { type, pos: pipe.pos, line: pipe.line, pipe, list, elseList };
    } finally {
      this.vars.length = mark;
    }
  }

  elseControl(): ElseNode {
    const peek = this.peekNonSpace();
    if (peek.typ === Item.if) return { type: Node.else, pos: peek.pos, line: peek.line };
    const token = this.expect(Item.rightDelim, "else");
    return { type: Node.else, pos: token.pos, line: token.line };
  }

  blockControl(): TemplateNode {
    const context = "block clause";
    const token = this.nextNonSpace();
    const name = this.parseTemplateName(token, context);
    const pipe = this.pipeline(context, Item.rightDelim);
    const block = this.child(name);
    const [list, end] = block.itemList();
    block.root = list;
    if (end.type !== Node.end) this.errorf(`unexpected ${nodeString(end)} in ${context}`);
    block.add();
    return { type: Node.template, pos: token.pos, line: token.line, name, pipe };
  }

  templateControl(): TemplateNode {
    const context = "template clause";
    const token = this.nextNonSpace();
    const name = this.parseTemplateName(token, context);
    let pipe: PipeNode | undefined;
    if (this.nextNonSpace().typ !== Item.rightDelim) {
      this.backup();
      pipe = this.pipeline(context, Item.rightDelim);
    }
    return { type: Node.template, pos: token.pos, line: token.line, name, pipe };
  }

  parseTemplateName(token: Token, context: string): string {
    if (token.typ === Item.string || token.typ === Item.rawString) return this.unquote(token.val);
    this.unexpected(token, context);
  }

  command(): CommandNode {
    const cmd: CommandNode = { type: Node.command, pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand !== undefined) cmd.args.push(operand);
      const token = this.next();
      if (token.typ === Item.space) continue;
      if (token.typ === Item.rightDelim || token.typ === Item.rightParen) this.backup();
      else if (token.typ !== Item.pipe) this.unexpected(token, "operand");
      break;
    }
    if (cmd.args.length === 0) this.errorf("empty command");
    return cmd;
  }

  operand(): ArgNode | undefined {
    const node = this.term();
    if (node === undefined) return undefined;
    if (this.peek().typ !== Item.field) return node;
    const pos = this.peek().pos;
    const fields: string[] = [];
    while (this.peek().typ === Item.field) fields.push(this.next().val.slice(1));
    switch (node.type) {
      case Node.field:
        return { type: Node.field, pos, ident: [...node.ident, ...fields] };
      case Node.variable:
        return { type: Node.variable, pos, ident: [...node.ident, ...fields] };
      case Node.bool:
      case Node.string:
      case Node.number:
      case Node.nil:
      case Node.dot:
        return this.errorf(`unexpected . after term ${quote(nodeString(node))}`);
      default:
        return { type: Node.chain, pos, node, field: fields };
    }
  }

  term(): ArgNode | undefined {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case Item.identifier:
        if (!this.shared.hasFunction(token.val))
          this.errorf(`function ${quote(token.val)} not defined`);
        return { type: Node.identifier, pos: token.pos, ident: token.val };
      case Item.dot:
        return { type: Node.dot, pos: token.pos };
      case Item.nil:
        return { type: Node.nil, pos: token.pos };
      case Item.variable:
        return this.useVar(token.pos, token.val);
      case Item.field:
        return { type: Node.field, pos: token.pos, ident: token.val.slice(1).split(".") };
      case Item.bool:
        return { type: Node.bool, pos: token.pos, value: token.val === "true" };
      case Item.charConstant:
      case Item.complex:
      case Item.number:
        return this.newNumber(token.pos, token.val, token.typ);
      case Item.leftParen:
        return this.pipeline("parenthesized pipeline", Item.rightParen);
      case Item.string:
      case Item.rawString:
        return {
          type: Node.string,
          pos: token.pos,
          quoted: token.val,
          text: this.unquote(token.val),
        };
      default:
        this.backup();
        return undefined;
    }
  }

  newVariable(pos: number, ident: string): VariableNode {
    return { type: Node.variable, pos, ident: ident.split(".") };
  }

  useVar(pos: number, name: string): VariableNode {
    const v = this.newVariable(pos, name);
    const first = v.ident[0] ?? "";
    if (!this.vars.includes(first)) this.errorf(`undefined variable ${quote(first)}`);
    return v;
  }

  newNumber(pos: number, text: string, typ: ItemType): NumberNode {
    try {
      return newNumber(pos, text, typ);
    } catch (e) {
      if (e instanceof NumberError) this.errorf(e.message);
      throw e;
    }
  }
}

class NumberError extends Error {}

function emptyNumber(pos: number, text: string): NumberNode {
  return {
    type: Node.number,
    pos,
    text,
    isInt: false,
    isUint: false,
    isFloat: false,
    isComplex: false,
    int64: 0n,
    uint64: 0n,
    float64: 0,
    complex: [0, 0],
  };
}

function simplifyComplex(n: NumberNode): void {
  n.isFloat = n.complex[1] === 0;
  if (n.isFloat) {
    n.float64 = n.complex[0];
    setIntegral(n, n.float64);
  }
}

function setIntegral(n: NumberNode, f: number): void {
  if (!n.isInt && Number.isInteger(f) && f >= -(2 ** 63) && f < 2 ** 63) {
    n.isInt = true;
    n.int64 = BigInt(f);
  }
  if (!n.isUint && Number.isInteger(f) && f >= 0 && f < 2 ** 64) {
    n.isUint = true;
    n.uint64 = BigInt(f);
  }
}

/** Go's parse.newNumber: classifies a numeric literal as int, uint, float and complex. */
function newNumber(pos: number, text: string, typ: ItemType): NumberNode {
  const n = emptyNumber(pos, text);
  if (typ === Item.charConstant) {
    let r: ReturnType<typeof unquoteChar>;
    try {
      r = unquoteChar(text, 1, "'");
    } catch (e) {
      if (e instanceof SyntaxError) throw new NumberError(e.message);
      throw e;
    }
    if (text.slice(r.next) !== "'") throw new NumberError(`malformed character constant: ${text}`);
    n.isInt = n.isUint = n.isFloat = true;
    n.int64 = n.uint64 = BigInt(r.value);
    n.float64 = r.value;
    return n;
  }
  if (typ === Item.complex) {
    const m = /^([+-]?[^+-]+(?:[eEpP][+-]?[0-9_]+)?)([+-].*)i$/.exec(text);
    const re = m === null ? undefined : parseGoFloat(m[1] ?? "");
    const im = m === null ? undefined : parseGoFloat(m[2] ?? "");
    if (re === undefined || im === undefined)
      throw new NumberError(`illegal number syntax: ${quote(text)}`);
    n.isComplex = true;
    n.complex = [re, im];
    simplifyComplex(n);
    return n;
  }
  if (text.endsWith("i")) {
    const f = parseGoFloat(text.slice(0, -1));
    if (f !== undefined) {
      n.isComplex = true;
      n.complex = [0, f];
      simplifyComplex(n);
      return n;
    }
  }
  const u = parseGoInteger(text, false);
  if (u !== undefined) {
    n.isUint = true;
    n.uint64 = u;
  }
  const i = parseGoInteger(text, true);
  if (i !== undefined) {
    n.isInt = true;
    n.int64 = i;
    if (i === 0n) {
      n.isUint = true;
      n.uint64 = u ?? 0n;
    }
  }
  if (n.isInt) {
    n.isFloat = true;
    n.float64 = Number(n.int64);
  } else if (n.isUint) {
    n.isFloat = true;
    n.float64 = Number(n.uint64);
  } else {
    const f = parseGoFloat(text);
    if (f !== undefined) {
      if (!/[.eEpP]/.test(text)) throw new NumberError(`integer overflow: ${quote(text)}`);
      n.isFloat = true;
      n.float64 = f;
      setIntegral(n, f);
    }
  }
  if (!n.isInt && !n.isUint && !n.isFloat)
    throw new NumberError(`illegal number syntax: ${quote(text)}`);
  return n;
}

/**
 * Parses `text` as Go's template.New(name).Parse(text) does: the main tree under `name` plus one
 * tree per `define`/`block`. `hasFunction` says which function names exist (builtins included).
 * @throws ParseError with Go's message
 */
export function parseTemplate(
  name: string,
  text: string,
  hasFunction: (name: string) => boolean,
): Map<string, Tree> {
  const breakOK = !hasFunction("break");
  const continueOK = !hasFunction("continue");
  const shared = new Shared(lex(text, breakOK, continueOK), name, hasFunction);
  const t = new Parser(name, shared);
  t.parse();
  t.add();
  return shared.treeSet;
}

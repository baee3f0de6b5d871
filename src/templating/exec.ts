// The executor of Go's text/template (exec.go), ported node for node: the same evaluation order,
// the same "current node" bookkeeping, hence the same `template: NAME:LINE:COL: executing "NAME"
// at <...>: ...` errors. Values follow the model in value.ts; `undefined` is Go's invalid
// reflect.Value and `null` a nil interface{}.
import { builtinFunctions, reflectValue, truth } from "./builtins.js";
import { sprint } from "./fmt.js";
import {
  Node,
  nodeString,
  type AnyNode,
  type ArgNode,
  type BranchNode,
  type ChainNode,
  type CommandNode,
  type FieldNode,
  type IdentifierNode,
  type NumberNode,
  type ParsedNode,
  type PipeNode,
  type TemplateNode,
  type Tree,
  type VariableNode,
} from "./parser.js";
import { formatFloatV, quote } from "./strconv.js";
import {
  GoComplex,
  GoInt,
  GoMap,
  GoSlice,
  GoStruct,
  isPlainObject,
  isTrue,
  sortedKeys,
  stringOrBytes,
  typeName,
  utf8Length,
  zeroValue,
  type GoFunc,
  type IntKind,
} from "./value.js";

/** What a missing map key yields: Go's missingkey=default (invalid), zero, or error. */
export type MissingKey = "default" | "zero" | "error";

/** A parsed template set: the main template and the ones it defines, sharing one source. */
export interface TemplateSet {
  readonly name: string;
  readonly source: string;
  readonly trees: ReadonlyMap<string, Tree>;
  readonly funcs: ReadonlyMap<string, GoFunc>;
  readonly missingKey: MissingKey;
}

/** An execution failure; the message is Go's complete error text. */
export class ExecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExecError";
  }
}

/** Go's maximum depth of nested {{template}} calls. */
export const maxExecDepth = 100000;

/** Go's missingVal: "no final argument was piped in". */
const MISSING: unique symbol = Symbol("missing");
type Final = unknown;

// Thrown by {{break}} and {{continue}}, caught by the enclosing range; allocated once.
const BREAK = new Error("{{break}}");
const CONTINUE = new Error("{{continue}}");

interface Variable {
  name: string;
  value: unknown;
  /** The value's static type is interface{} (it came out of a []interface{} or map[string]interface{}). */
  iface: boolean;
}

const intKinds = new Set(["int", "int8", "int16", "int32", "int64"]);
const uintKinds = new Set(["uint", "uint8", "uint16", "uint32", "uint64", "uintptr"]);

function canBeNil(type: string): boolean {
  return (
    type === "interface {}" ||
    type === reflectValue ||
    type.startsWith("[]") ||
    type.startsWith("map[") ||
    type.startsWith("*") ||
    type.startsWith("func") ||
    type.startsWith("chan")
  );
}

/** The Go error column: bytes since the last newline. */
function errorLocation(source: string, pos: number): { line: number; col: number } {
  const before = source.slice(0, pos);
  const nl = before.lastIndexOf("\n");
  let line = 1;
  for (let i = before.indexOf("\n"); i !== -1; i = before.indexOf("\n", i + 1)) line++;
  return { line, col: nl === -1 ? utf8Length(before) : utf8Length(before.slice(nl + 1)) };
}

function elemIsInterface(container: unknown): boolean {
  if (container instanceof GoMap || container instanceof GoSlice)
    return container.elem === "interface {}";
  return true;
}

/** The i-th argument node of a command (the caller has checked the count). */
function argAt(args: readonly ArgNode[] | undefined, i: number): ArgNode {
  const arg = args?.[i];
  if (arg === undefined) throw new Error(`internal error: no argument ${i}`);
  return arg;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

class State {
  readonly set: TemplateSet;
  name: string;
  node: AnyNode | undefined = undefined;
  vars: Variable[];
  depth = 0;
  out = "";
  /** Static interface-ness of the last evalField result (a side channel to avoid allocating pairs). */
  fieldIface = false;
  /** The innermost {{template}} call, to report runaway recursion that exhausts the JS stack. */
  lastCall: { node: TemplateNode; name: string } | undefined = undefined;

  constructor(set: TemplateSet, root: unknown) {
    this.set = set;
    this.name = set.name;
    this.vars = [{ name: "$", value: root, iface: false }];
  }

  errorf(message: string): never {
    if (this.node === undefined) throw new ExecError(`template: ${this.name}: ${message}`);
    const { line, col } = errorLocation(this.set.source, this.node.pos);
    throw new ExecError(
      `template: ${this.set.name}:${line}:${col}: executing ${quote(this.name)} at <${nodeString(this.node)}>: ${message}`,
    );
  }

  // --- variables

  setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i];
      if (v?.name === name) {
        v.value = value;
        v.iface = false;
        return;
      }
    }
    return this.errorf(`undefined variable: ${name}`);
  }

  varLookup(name: string): Variable {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i];
      if (v?.name === name) return v;
    }
    return this.errorf(`undefined variable: ${name}`);
  }

  // --- walking

  walk(dot: unknown, dotIface: boolean, node: ParsedNode): void {
    this.node = node;
    switch (node.type) {
      case Node.action: {
        const val = this.evalPipeline(dot, dotIface, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return;
      }
      case Node.text:
        this.out += node.text;
        return;
      case Node.list:
        for (const n of node.nodes) this.walk(dot, dotIface, n);
        return;
      case Node.if:
      case Node.with:
        this.walkIfOrWith(dot, dotIface, node);
        return;
      case Node.range:
        this.walkRange(dot, dotIface, node);
        return;
      case Node.template:
        this.walkTemplate(dot, dotIface, node);
        return;
      case Node.break:
        throw BREAK;
      case Node.continue:
        throw CONTINUE;
      case Node.comment:
        return;
    }
  }

  walkIfOrWith(dot: unknown, dotIface: boolean, node: BranchNode): void {
    const mark = this.vars.length;
    try {
      const val = this.evalPipeline(dot, dotIface, node.pipe);
      if (isTrue(val)) {
        if (node.type === Node.with) this.walk(val, false, node.list);
        else this.walk(dot, dotIface, node.list);
      } else if (node.elseList !== undefined) this.walk(dot, dotIface, node.elseList);
    } finally {
      this.vars.length = mark;
    }
  }

  walkRange(dot: unknown, dotIface: boolean, r: BranchNode): void {
    this.node = r;
    const outer = this.vars.length;
    try {
      const val = this.evalPipeline(dot, dotIface, r.pipe);
      if (this.rangeOver(val, r)) return;
      if (r.elseList !== undefined) this.walk(dot, dotIface, r.elseList);
    } catch (e) {
      if (e !== BREAK) throw e;
    } finally {
      this.vars.length = outer;
    }
  }

  /** Runs the body for every element; false when there was nothing to iterate (run the else). */
  rangeOver(val: unknown, r: BranchNode): boolean {
    const mark = this.vars.length;
    const decls = r.pipe.decl.length;
    const one = (index: unknown, elem: unknown, elemIface: boolean): void => {
      // Range variables were pushed by the pipeline; the element is the last, the index before it.
      const elemVar = decls > 0 ? this.vars[mark - 1] : undefined;
      if (elemVar !== undefined) {
        elemVar.value = elem;
        elemVar.iface = elemIface;
      }
      const indexVar = decls > 1 ? this.vars[mark - 2] : undefined;
      if (indexVar !== undefined) {
        indexVar.value = index;
        indexVar.iface = false;
      }
      try {
        this.walk(elem, elemIface, r.list);
      } catch (e) {
        if (e !== CONTINUE) throw e;
      } finally {
        this.vars.length = mark;
      }
    };
    if (Array.isArray(val) || val instanceof GoSlice || val instanceof Uint8Array) {
      const items: ArrayLike<unknown> = val instanceof GoSlice ? val.items : val;
      if (items.length === 0) return false;
      const iface = elemIsInterface(val);
      for (let i = 0; i < items.length; i++) {
        const raw = items[i];
        const elem =
          val instanceof Uint8Array ? new GoInt("uint8", BigInt(raw as number)) : (raw ?? null);
        one(new GoInt("int", BigInt(i)), elem, iface);
      }
      return true;
    }
    if (val instanceof GoMap || isPlainObject(val)) {
      const entries = val instanceof GoMap ? val.entries : val;
      const keys = sortedKeys(entries);
      if (keys.length === 0) return false;
      const iface = elemIsInterface(val);
      for (const key of keys) one(key, entries[key] ?? null, iface);
      return true;
    }
    if (val === undefined) return false;
    return this.errorf(`range can't iterate over ${sprint([val])}`);
  }

  walkTemplate(dot: unknown, dotIface: boolean, t: TemplateNode): void {
    this.node = t;
    const tree = this.set.trees.get(t.name);
    if (tree === undefined) this.errorf(`template ${quote(t.name)} not defined`);
    if (this.depth === maxExecDepth)
      return this.errorf(`exceeded maximum template depth (${maxExecDepth})`);
    this.lastCall = { node: t, name: this.name };
    const newDot = this.evalPipeline(dot, dotIface, t.pipe);
    const saved = { name: this.name, vars: this.vars, node: this.node };
    this.depth++;
    this.name = t.name;
    this.vars = [{ name: "$", value: newDot, iface: false }];
    this.walk(newDot, false, tree.root);
    this.depth--;
    this.name = saved.name;
    this.vars = saved.vars;
    this.node = saved.node;
  }

  // --- evaluation

  evalPipeline(dot: unknown, dotIface: boolean, pipe: PipeNode | undefined): unknown {
    if (pipe === undefined) return undefined;
    this.node = pipe;
    let value: unknown = MISSING;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, dotIface, cmd, value);
      // A value held in an interface is taken out of it; a nil interface becomes "no value".
      if (value === null) value = undefined;
    }
    for (const variable of pipe.decl) {
      const name = variable.ident[0] ?? "";
      if (pipe.isAssign) this.setVar(name, value);
      else this.vars.push({ name, value, iface: false });
    }
    return value;
  }

  notAFunction(args: readonly ArgNode[], final: Final): void {
    if (args.length > 1 || final !== MISSING) {
      return this.errorf(
        `can't give argument to non-function ${args[0] === undefined ? "" : nodeString(args[0])}`,
      );
    }
  }

  evalCommand(dot: unknown, dotIface: boolean, cmd: CommandNode, final: Final): unknown {
    const first = cmd.args[0];
    if (first === undefined) return this.errorf("empty command");
    switch (first.type) {
      case Node.field:
        return this.evalFieldNode(dot, dotIface, first, cmd.args, final);
      case Node.chain:
        return this.evalChainNode(dot, dotIface, first, cmd.args, final);
      case Node.identifier:
        return this.evalFunction(dot, dotIface, first, cmd, cmd.args, final);
      case Node.pipe:
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, dotIface, first);
      case Node.variable:
        return this.evalVariableNode(dot, first, cmd.args, final);
      default:
        break;
    }
    this.node = first;
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case Node.bool:
        return first.value;
      case Node.dot:
        return dot;
      case Node.nil:
        return this.errorf("nil is not a command");
      case Node.number:
        return this.idealConstant(first);
      case Node.string:
        return first.text;
    }
  }

  idealConstant(n: NumberNode): unknown {
    this.node = n;
    if (n.isComplex) return new GoComplex(n.complex[0], n.complex[1]);
    const isHexInt = /^0[xX]/.test(n.text) && !/[pP]/.test(n.text);
    const isRuneInt = n.text.startsWith("'");
    if (n.isFloat && !isHexInt && !isRuneInt && /[.eEpP]/.test(n.text)) return n.float64;
    if (n.isInt) return new GoInt("int", n.int64);
    if (n.isUint) this.errorf(`${n.text} overflows int`);
    return undefined;
  }

  evalFieldNode(
    dot: unknown,
    dotIface: boolean,
    field: FieldNode,
    args: readonly ArgNode[] | undefined,
    final: Final,
  ): unknown {
    this.node = field;
    this.fieldIface = dotIface;
    return this.evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  evalChainNode(
    dot: unknown,
    dotIface: boolean,
    chain: ChainNode,
    args: readonly ArgNode[] | undefined,
    final: Final,
  ): unknown {
    this.node = chain;
    if (chain.field.length === 0) this.errorf("internal error: no fields in evalChainNode");
    if (chain.node.type === Node.nil)
      return this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, dotIface, undefined, chain.node);
    this.fieldIface = false;
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  evalVariableNode(
    dot: unknown,
    variable: VariableNode,
    args: readonly ArgNode[] | undefined,
    final: Final,
  ): unknown {
    this.node = variable;
    const v = this.varLookup(variable.ident[0] ?? "");
    if (variable.ident.length === 1) {
      // Arguments only come with a command (args from evalArg are undefined and nothing is piped).
      if (args !== undefined) this.notAFunction(args, final);
      return v.value;
    }
    this.fieldIface = v.iface;
    return this.evalFieldChain(dot, v.value, variable, variable.ident.slice(1), args, final);
  }

  /** Evaluates `.a.b.c` on `receiver`, whose interface-ness the caller put in `fieldIface`. */
  evalFieldChain(
    dot: unknown,
    receiver: unknown,
    node: AnyNode,
    ident: readonly string[],
    args: readonly ArgNode[] | undefined,
    final: Final,
  ): unknown {
    const n = ident.length;
    for (let i = 0; i < n - 1; i++) {
      receiver = this.evalField(dot, ident[i] ?? "", node, undefined, MISSING, receiver);
    }
    return this.evalField(dot, ident[n - 1] ?? "", node, args, final, receiver);
  }

  /**
   * Go's evalField. The receiver's static interface-ness comes in `fieldIface` and the result's
   * goes out there (it only shows in the "can't evaluate field X in type T" message).
   */
  evalField(
    dot: unknown,
    fieldName: string,
    node: AnyNode,
    args: readonly ArgNode[] | undefined,
    final: Final,
    receiver: unknown,
  ): unknown {
    const recvIface = this.fieldIface;
    this.fieldIface = false;
    const hasArgs = (args !== undefined && args.length > 1) || final !== MISSING;
    // Fast path: a plain object, i.e. JSON's map[string]interface{} (nearly every lookup).
    if (typeof receiver === "object" && receiver !== null) {
      const proto: unknown = Object.getPrototypeOf(receiver);
      if (proto === Object.prototype || proto === null) {
        return this.mapIndex(
          receiver as Record<string, unknown>,
          "interface {}",
          fieldName,
          hasArgs,
        );
      }
    }
    if (receiver === undefined) {
      if (this.set.missingKey === "error") {
        return this.errorf(`nil data; no entry for key ${quote(fieldName)}`);
      }
      return undefined;
    }
    const typ = recvIface || receiver === null ? "interface {}" : typeName(receiver);
    if (receiver === null) return this.errorf(`nil pointer evaluating ${typ}.${fieldName}`);
    if (receiver instanceof GoStruct) {
      const method = receiver.method(fieldName);
      if (method !== undefined) {
        return this.evalCall(dot, false, method, false, node, fieldName, args, final);
      }
      const field = receiver.field(fieldName);
      if (field !== undefined) {
        if (hasArgs) {
          return this.errorf(`${fieldName} has arguments but cannot be invoked as function`);
        }
        return field.value;
      }
    }
    if (receiver instanceof GoMap)
      return this.mapIndex(receiver.entries, receiver.elem, fieldName, hasArgs);
    return this.errorf(`can't evaluate field ${fieldName} in type ${typ}`);
  }

  /** A map field: the entry, or what missingkey says for a missing key. */
  mapIndex(
    entries: Record<string, unknown>,
    elem: string,
    fieldName: string,
    hasArgs: boolean,
  ): unknown {
    if (hasArgs) return this.errorf(`${fieldName} is not a method but has arguments`);
    this.fieldIface = elem === "interface {}";
    if (Object.hasOwn(entries, fieldName)) return entries[fieldName] ?? null;
    switch (this.set.missingKey) {
      case "zero":
        return zeroValue(elem);
      case "error":
        return this.errorf(`map has no entry for key ${quote(fieldName)}`);
      default:
        return undefined;
    }
  }

  evalFunction(
    dot: unknown,
    dotIface: boolean,
    node: IdentifierNode,
    cmd: AnyNode,
    args: readonly ArgNode[] | undefined,
    final: Final,
  ): unknown {
    this.node = node;
    const name = node.ident;
    const user = this.set.funcs.get(name);
    const fn = user ?? builtinFunctions.get(name);
    if (fn === undefined) this.errorf(`${quote(name)} is not a defined function`);
    return this.evalCall(dot, dotIface, fn, user === undefined, cmd, name, args, final);
  }

  // eslint-disable-next-line max-params -- mirrors Go's evalCall signature
  evalCall(
    dot: unknown,
    dotIface: boolean,
    fn: GoFunc,
    isBuiltin: boolean,
    node: AnyNode,
    name: string,
    args: readonly ArgNode[] | undefined,
    final: Final,
  ): unknown {
    const numArgs = args === undefined ? 0 : args.length - 1;
    const hasFinal = final !== MISSING;
    const numIn = numArgs + (hasFinal ? 1 : 0);
    let numFixed = numArgs;
    const params = fn.params;
    if (fn.variadic !== undefined) {
      numFixed = params.length;
      if (numIn < numFixed) {
        return this.errorf(
          `wrong number of args for ${name}: want at least ${params.length} got ${numArgs}`,
        );
      }
    } else if (numIn !== params.length) {
      return this.errorf(`wrong number of args for ${name}: want ${params.length} got ${numIn}`);
    }
    if (isBuiltin && (name === "and" || name === "or")) {
      return this.evalAndOr(dot, dotIface, name === "or", args, final);
    }
    const argv: unknown[] = [];
    let i = 0;
    for (; i < numFixed && i < numArgs; i++) {
      argv.push(this.evalArg(dot, dotIface, params[i], argAt(args, i + 1)));
    }
    if (fn.variadic !== undefined) {
      for (; i < numArgs; i++) {
        argv.push(this.evalArg(dot, dotIface, fn.variadic, argAt(args, i + 1)));
      }
    }
    if (hasFinal) {
      let t = params[params.length - 1];
      if (fn.variadic !== undefined) t = numIn - 1 < numFixed ? params[numIn - 1] : fn.variadic;
      argv.push(this.validateType(final, t));
    }
    try {
      return (fn.fn as (...a: unknown[]) => unknown)(...argv);
    } catch (e) {
      this.node = node;
      return this.errorf(`error calling ${name}: ${messageOf(e)}`);
    }
  }

  evalAndOr(
    dot: unknown,
    dotIface: boolean,
    isOr: boolean,
    args: readonly ArgNode[] | undefined,
    final: Final,
  ): unknown {
    let v: unknown = undefined;
    const n = args === undefined ? 0 : args.length;
    for (let i = 1; i < n; i++) {
      v = this.evalArg(dot, dotIface, reflectValue, argAt(args, i));
      if (truth(v) === isOr) return v;
    }
    if (final !== MISSING) v = this.validateType(final, reflectValue);
    return v;
  }

  validateType(value: unknown, typ: string | undefined): unknown {
    if (value === undefined) {
      if (typ === undefined || typ === reflectValue) return undefined;
      if (canBeNil(typ)) return null;
      return this.errorf(`invalid value; expected ${typ === stringOrBytes ? "string" : typ}`);
    }
    if (typ === undefined || typ === reflectValue || typ === "interface {}") return value;
    if (typ === stringOrBytes) {
      if (typeof value === "string" || value instanceof Uint8Array) return value;
      typ = "string";
    }
    if (value === null) this.errorf(`wrong type for value; expected ${typ}; got interface {}`);
    const actual = typeName(value);
    if (actual === typ) return value;
    return this.errorf(`wrong type for value; expected ${typ}; got ${actual}`);
  }

  evalArg(dot: unknown, dotIface: boolean, typ: string | undefined, n: ArgNode): unknown {
    this.node = n;
    switch (n.type) {
      case Node.dot:
        return this.validateType(dot, typ);
      case Node.nil:
        if (typ !== undefined && canBeNil(typ)) return typ === reflectValue ? undefined : null;
        return this.errorf(`cannot assign nil to ${typ ?? "<nil>"}`);
      case Node.field:
        return this.validateType(this.evalFieldNode(dot, dotIface, n, undefined, MISSING), typ);
      case Node.variable:
        return this.validateType(this.evalVariableNode(dot, n, undefined, MISSING), typ);
      case Node.pipe:
        return this.validateType(this.evalPipeline(dot, dotIface, n), typ);
      case Node.identifier:
        return this.validateType(this.evalFunction(dot, dotIface, n, n, undefined, MISSING), typ);
      case Node.chain:
        return this.validateType(this.evalChainNode(dot, dotIface, n, undefined, MISSING), typ);
      default:
        return this.evalLiteral(dot, typ ?? "interface {}", n);
    }
  }

  evalLiteral(dot: unknown, typIn: string, n: ArgNode): unknown {
    const typ = typIn === stringOrBytes ? "string" : typIn;
    const found = (): never => this.errorf(`expected ${kindWord(typ)}; found ${nodeString(n)}`);
    if (typ === "bool") return n.type === Node.bool ? n.value : found();
    if (typ === "string") return n.type === Node.string ? n.text : found();
    if (typ === "float64" || typ === "float32")
      return n.type === Node.number && n.isFloat ? n.float64 : found();
    if (intKinds.has(typ))
      return n.type === Node.number && n.isInt ? new GoInt(typ as IntKind, n.int64) : found();
    if (uintKinds.has(typ)) {
      return n.type === Node.number && n.isUint ? new GoInt(typ as IntKind, n.uint64) : found();
    }
    if (typ === "complex128") {
      return n.type === Node.number && n.isComplex
        ? new GoComplex(n.complex[0], n.complex[1])
        : found();
    }
    if (typ === "interface {}" || typ === reflectValue) return this.evalEmptyInterface(dot, n);
    return this.errorf(`can't handle ${nodeString(n)} for arg of type ${typ}`);
  }

  evalEmptyInterface(dot: unknown, n: ArgNode): unknown {
    this.node = n;
    switch (n.type) {
      case Node.bool:
        return n.value;
      case Node.dot:
        return dot;
      case Node.number:
        return this.idealConstant(n);
      case Node.string:
        return n.text;
      default:
        return this.errorf(
          `can't handle assignment of ${nodeString(n)} to empty interface argument`,
        );
    }
  }

  printValue(node: AnyNode, v: unknown): void {
    this.node = node;
    if (typeof v === "string") this.out += v;
    else if (v === undefined) this.out += "<no value>";
    else if (typeof v === "number") this.out += formatFloatV(v);
    else this.out += sprint([v]);
  }
}

function kindWord(typ: string): string {
  if (typ === "bool" || typ === "string") return typ;
  if (typ.startsWith("float")) return "float";
  if (typ.startsWith("complex")) return "complex";
  if (typ.startsWith("uint")) return "unsigned integer";
  return "integer";
}

/** Runs the set's main template over `data` and returns the output. @throws ExecError */
export function execute(set: TemplateSet, data: unknown): string {
  const root = data ?? undefined;
  const state: State = new State(set, root);
  const tree = set.trees.get(set.name);
  try {
    if (tree === undefined) state.errorf(`${quote(set.name)} is an incomplete or empty template`);
    state.walk(root, false, tree.root);
  } catch (e) {
    if (e instanceof RangeError && /call stack/i.test(e.message)) throw stackExhausted(state);
    throw e;
  }
  return state.out;
}

/**
 * The JavaScript stack ran out before Go's depth limit would have been reached. Runaway template
 * recursion is reported with Go's own message at the recursive call; anything else (absurdly deep
 * data or nesting) gets a plain error.
 */
function stackExhausted(state: State): ExecError {
  const call = state.lastCall;
  if (call !== undefined && state.depth > 0) {
    const { line, col } = errorLocation(state.set.source, call.node.pos);
    return new ExecError(
      `template: ${state.set.name}:${line}:${col}: executing ${quote(call.name)} at <${nodeString(call.node)}>: exceeded maximum template depth (${maxExecDepth})`,
    );
  }
  return new ExecError(`template: ${state.set.name}: execution nested too deeply`);
}

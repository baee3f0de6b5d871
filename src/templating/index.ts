// Go text/template, byte for byte, with the function sets of Sprig, Sealed Secrets, External
// Secrets and Argo CD, and Argo CD's fasttemplate substitution. Shared by Sealed Secrets
// `spec.template`, ExternalSecret templates and ApplicationSet templates.
//
// Values: callers pass plain JavaScript data, read the way Go reads data decoded by encoding/json
// into interface{}: string, number (float64), boolean, null, arrays ([]interface{}) and plain
// objects (map[string]interface{}); a Uint8Array is a []byte. For the few Go types JSON cannot
// produce (int, []string, map[string]string, ...), use GoInt, GoSlice and GoMap. See value.ts.
import { builtinFunctions } from "./builtins.js";
import { execute, ExecError, type MissingKey, type TemplateSet } from "./exec.js";
import { ParseError, parseTemplate } from "./parser.js";
import { argocdFunctions } from "./argocd.js";
import { esoFunctions } from "./eso.js";
import { substituteFastTemplate } from "./fasttemplate.js";
import { sprigFunctions } from "./sprig/index.js";
import { isDigit, isLetter } from "./strconv.js";
import type { GoFunc } from "./value.js";

export {
  compareGoStrings,
  GoComplex,
  GoInt,
  GoMap,
  GoSlice,
  GoStruct,
  goFunc,
  goInt,
  typeName,
} from "./value.js";
export type { GoFunc, IntKind } from "./value.js";
export type { MissingKey } from "./exec.js";
export { sprint, sprintf, sprintln } from "./fmt.js";
export { formatFloat } from "./strconv.js";
export { FastTemplateError } from "./fasttemplate.js";
export { normalizeName, slugifyName } from "./argocd.js";
export { jsonString, marshalJSON, unmarshalJSON } from "./go-json.js";
export { parseGoDuration } from "./sprig/dates.js";
export { marshalYAML, unmarshalYAML } from "./go-yaml.js";

/** Template functions by name, each with its Go signature (see goFunc). */
export type FunctionMap = Readonly<Record<string, GoFunc>>;

/** How a template is parsed and executed. */
export interface GoTemplateOptions {
  /** The template's name in error messages (`template: NAME:1:2: ...`); default "template". */
  name?: string;
  /** Go's missingkey option: what a missing map key gives; default "default" (`<no value>`). */
  missingKey?: MissingKey;
  /** Functions besides the text/template builtins (a user function overrides a builtin). */
  functions?: FunctionMap;
}

/** A parsed template: parse once, execute many times. */
export interface GoTemplate {
  /** The template's name. */
  readonly name: string;
  /**
   * Executes the template over `data` (see the value model above) and returns the output.
   * @throws TemplateError with Go's exact message (`template: NAME:LINE:COL: executing ...`)
   */
  execute(data: unknown): string;
}

/** A parse or execution failure. `message` is exactly Go's `err.Error()`. */
export class TemplateError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TemplateError";
  }
}

/** Go's goodName: a function name must be an identifier. */
function goodName(name: string): boolean {
  if (name === "") return false;
  let first = true;
  for (const ch of name) {
    const cp = ch.codePointAt(0) ?? 0;
    const ok = cp === 0x5f || isLetter(cp) || (!first && isDigit(cp));
    if (!ok) return false;
    first = false;
  }
  return true;
}

const functionMaps = new WeakMap<FunctionMap, ReadonlyMap<string, GoFunc>>();

function functionTable(functions: FunctionMap | undefined): ReadonlyMap<string, GoFunc> {
  if (functions === undefined) return new Map();
  const cached = functionMaps.get(functions);
  if (cached !== undefined) return cached;
  const table = new Map<string, GoFunc>();
  for (const [name, fn] of Object.entries(functions)) {
    if (!goodName(name))
      throw new TemplateError(`function name ${JSON.stringify(name)} is not a valid identifier`);
    table.set(name, fn);
  }
  functionMaps.set(functions, table);
  return table;
}

function rethrow(e: unknown, name: string): never {
  if (e instanceof ParseError || e instanceof ExecError)
    throw new TemplateError(e.message, { cause: e });
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    throw new TemplateError(`template: ${name}: nested too deeply`, { cause: e });
  }
  throw e;
}

/**
 * Parses a Go text/template (with its `define`s and `block`s), as
 * `template.New(name).Option("missingkey=…").Funcs(functions).Parse(source)` does.
 * @param source the template text
 * @param options name, missingkey option and functions
 * @returns a template to execute any number of times
 * @throws TemplateError with Go's parse error text (`template: NAME:LINE: ...`)
 */
export function parseGoTemplate(source: string, options: GoTemplateOptions = {}): GoTemplate {
  const name = options.name ?? "template";
  const funcs = functionTable(options.functions);
  const hasFunction = (fn: string): boolean => funcs.has(fn) || builtinFunctions.has(fn);
  let trees;
  try {
    trees = parseTemplate(name, source, hasFunction);
  } catch (e) {
    rethrow(e, name);
  }
  const set: TemplateSet = {
    name,
    source,
    trees,
    funcs,
    missingKey: options.missingKey ?? "default",
  };
  return {
    name,
    execute(data: unknown): string {
      try {
        return execute(set, data);
      } catch (e) {
        rethrow(e, name);
      }
    },
  };
}

/**
 * Parses and executes a template in one call (use parseGoTemplate to render one template often).
 * @throws TemplateError with Go's error text
 */
export function renderGoTemplate(
  source: string,
  data: unknown,
  options: GoTemplateOptions = {},
): string {
  return parseGoTemplate(source, options).execute(data);
}

/** The function sets of the tools we are compatible with. */
export type FunctionSetName = "sprig" | "sealed-secrets" | "external-secrets" | "argocd";

const functionSets: Readonly<Record<FunctionSetName, FunctionMap>> = {
  // Sprig's GenericFuncMap, without env, expandenv and getHostByName (see sprig/index.ts).
  sprig: sprigFunctions,
  // Sealed Secrets: Sprig's generic map minus env, expandenv and getHostByName.
  "sealed-secrets": sprigFunctions,
  // External Secrets v2 templates: Sprig's TxtFuncMap minus env and expandenv, plus ESO's own
  // functions (which replace Sprig's of the same name: toYaml, fromYaml).
  "external-secrets": Object.freeze({ ...sprigFunctions, ...esoFunctions }),
  // ApplicationSet goTemplate: Sprig's generic map minus env, expandenv and getHostByName, plus
  // normalize, slugify, toYaml, fromYaml and fromYamlArray.
  argocd: Object.freeze({ ...sprigFunctions, ...argocdFunctions }),
};

/**
 * The functions a tool makes available to its templates, to pass as `options.functions`. The
 * returned map is frozen and shared; parse with it once and reuse the template.
 * @param name "sprig", "sealed-secrets", "external-secrets" or "argocd"
 * @returns the function map (Go builtins are always available on top of it)
 * @throws Error for an unknown name
 */
export function functionSet(name: FunctionSetName): FunctionMap {
  const set = (functionSets as Partial<Record<string, FunctionMap>>)[name];
  if (set === undefined) throw new Error(`unknown function set ${JSON.stringify(name)}`);
  return set;
}

/**
 * Argo CD's fasttemplate substitution (ApplicationSet with goTemplate false): every `{{ name }}`
 * whose trimmed name is a key of `params` with a string value is replaced; other tags stay as
 * written. A string without `{{` followed by `}}` on one line is returned unchanged.
 * @param template the string to render
 * @param params the flat parameter map (keys may contain dots and brackets, e.g. `path[0]`)
 * @returns the rendered string
 * @throws FastTemplateError for a `{{` without a closing `}}` (fasttemplate's message)
 */
export function renderFastTemplate(
  template: string,
  params: Readonly<Record<string, unknown>>,
): string {
  return substituteFastTemplate(template, params);
}

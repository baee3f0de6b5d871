import {
  FastTemplateError,
  GoMap,
  functionSet,
  parseGoTemplate,
  renderFastTemplate,
  type GoTemplate,
  type MissingKey,
} from "../templating/index.js";
import { isObject } from "./json.js";
import type { ParamSet } from "./params.js";

/** How an ApplicationSet renders strings: its `goTemplate` flag and `goTemplateOptions`. */
export interface TemplateMode {
  readonly goTemplate: boolean;
  readonly goTemplateOptions: readonly string[];
}

/** The fasttemplate mode with no options (the ApplicationSet default). */
export const fastTemplateMode: TemplateMode = { goTemplate: false, goTemplateOptions: [] };

/** A template string prepared for one mode: renders it with a param set. */
export type StringRenderer = (params: ParamSet) => string;

/**
 * Renders one string field with a param set, as Argo CD's `Render.Replace` does. This is the one
 * place the template engines are called from.
 * @throws Error with Argo CD's text (`failed to execute go template ...`, `invalid template: ...`)
 */
export function renderTemplateString(source: string, params: ParamSet, mode: TemplateMode): string {
  return compileTemplateString(source, mode)(params);
}

/**
 * Prepares a template string once for many param sets (compiled renderers are memoized per
 * source and options list). In goTemplate mode a string made only of text and plain field
 * actions (`{{ .a.b }}`, trim markers allowed) reads each field straight from the param set when
 * every field is present and a string; any other case, and any other string, runs the shared
 * text/template engine, so the output (missingkey, `<no value>`, Go's printing, errors) is Go's.
 * @returns the renderer; it throws what renderTemplateString throws
 */
export function compileTemplateString(source: string, mode: TemplateMode): StringRenderer {
  const cache = renderersFor(mode);
  let renderer = cache.get(source);
  if (renderer === undefined) {
    renderer = !source.includes("{{")
      ? () => source
      : mode.goTemplate
        ? compileGo(source, mode.goTemplateOptions)
        : (params) => renderFast(source, params);
    // Sources repeat across every generated Application; keep the memo bounded all the same.
    if (cache.size >= cacheLimit) cache.clear();
    cache.set(source, renderer);
  }
  return renderer;
}

/**
 * Renders a goTemplate string with the text/template engine alone, never a fast path: the
 * reference the compiled renderers are tested against.
 * @throws Error with Argo CD's text (`failed to parse template ...`, `failed to execute ...`)
 */
export function renderGoGeneric(
  source: string,
  params: ParamSet,
  options: readonly string[],
): string {
  return executeGo(source, parsedGo(source, options), params);
}

function renderFast(source: string, params: ParamSet): string {
  try {
    return renderFastTemplate(source, params);
  } catch (error) {
    if (!(error instanceof FastTemplateError)) throw error;
    throw new Error(`invalid template: ${error.message}`, { cause: error });
  }
}

// A template string is compiled once per mode. The options list of an ApplicationSet is one array
// for all its strings, so it keys the cache directly; equal lists share one cache through the
// missingkey option, the only option the engine reads.
const cacheLimit = 10_000;
const fastRenderers = new Map<string, StringRenderer>();
const goRenderers = new Map<MissingKey, Map<string, StringRenderer>>();
const goRenderersByOptions = new WeakMap<readonly string[], Map<string, StringRenderer>>();
const parsedTemplates = new Map<MissingKey, Map<string, GoTemplate | Error>>();
const engineData = new WeakMap<ParamSet, unknown>();

function renderersFor(mode: TemplateMode): Map<string, StringRenderer> {
  if (!mode.goTemplate) return fastRenderers;
  const options = mode.goTemplateOptions;
  let renderers = goRenderersByOptions.get(options);
  if (renderers === undefined) {
    const missingKey = missingKeyOption(options);
    renderers = goRenderers.get(missingKey);
    if (renderers === undefined)
      goRenderers.set(missingKey, (renderers = new Map<string, StringRenderer>()));
    goRenderersByOptions.set(options, renderers);
  }
  return renderers;
}

/** The parsed template (or its parse error), parsed once per missingkey option. */
function parsedGo(source: string, options: readonly string[]): GoTemplate | Error {
  const missingKey = missingKeyOption(options);
  let templates = parsedTemplates.get(missingKey);
  if (templates === undefined)
    parsedTemplates.set(missingKey, (templates = new Map<string, GoTemplate | Error>()));
  let template = templates.get(source);
  if (template === undefined) {
    try {
      // Argo CD's template functions: Sprig (minus env, expandenv, getHostByName), normalize,
      // slugify, toYaml, fromYaml, fromYamlArray.
      template = parseGoTemplate(source, {
        name: "base",
        missingKey,
        functions: functionSet("argocd"),
      });
    } catch (error) {
      template = error as Error;
    }
    if (templates.size >= cacheLimit) templates.clear();
    templates.set(source, template);
  }
  return template;
}

function executeGo(source: string, template: GoTemplate | Error, params: ParamSet): string {
  if (template instanceof Error) {
    throw new Error(`failed to parse template ${source}: ${template.message}`, { cause: template });
  }
  let data = engineData.get(params);
  if (data === undefined) {
    data = toEngineData(params);
    engineData.set(params, data);
  }
  try {
    return template.execute(data);
  } catch (error) {
    throw new Error(`failed to execute go template ${source}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function compileGo(source: string, options: readonly string[]): StringRenderer {
  // Parsed lazily, as before: a template that never meets a param set never reports its error.
  let template: GoTemplate | Error | undefined;
  const generic = (params: ParamSet): string =>
    executeGo(source, (template ??= parsedGo(source, options)), params);
  const fields = fieldTemplate(source);
  if (fields === undefined) return generic;
  const { texts, chains } = fields;
  const [only] = chains;
  if (chains.length === 1 && only !== undefined && texts[0] === "" && texts[1] === "") {
    return (params) => fieldString(params, only) ?? generic(params);
  }
  return (params) => {
    let out = texts[0] ?? "";
    for (let i = 0; i < chains.length; i++) {
      const value = fieldString(params, chains[i] ?? []);
      if (value === undefined) return generic(params);
      out += value + (texts[i + 1] ?? "");
    }
    return out;
  };
}

/**
 * The value of a field chain when it is a string reached through plain objects only: then Go
 * prints exactly that string, whatever the missingkey option. Undefined sends the caller to the
 * engine (missing keys, numbers, maps, lists, nil: Go's own rules). A name that is not the param
 * set's own key (`constructor`, `__proto__`, ...) finds a function or Object.prototype, whose
 * members are functions, so it never ends in a string either.
 */
function fieldString(params: ParamSet, chain: readonly string[]): string | undefined {
  let value: unknown = params;
  for (const name of chain) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[name];
  }
  return typeof value === "string" ? value : undefined;
}

/** A template of text and field chains: texts[0] chains[0] texts[1] ... texts[n]. */
interface FieldTemplate {
  readonly texts: string[];
  readonly chains: string[][];
}

// One action `{{ .a.b }}`: optional trim markers (a dash and a space or tab, as Go's lexer wants),
// blanks, one chain of ASCII identifiers. Anything else (pipelines, functions, `$`, comments,
// newlines inside the action) is left to the engine.
const fieldAction =
  /\{\{(-[ \t])?[ \t]*((?:\.[A-Za-z_][A-Za-z0-9_]*)+)(?:[ \t]*|[ \t]*([ \t]-))\}\}/y;
// Go's lexer trims these around a trim marker.
const trimmedLeft = /^[ \t\r\n]+/;
const trimmedRight = /[ \t\r\n]+$/;

/**
 * Splits a goTemplate string made only of text and plain field actions, applying the trim
 * markers as Go's lexer does; undefined for anything else.
 */
function fieldTemplate(source: string): FieldTemplate | undefined {
  const texts: string[] = [];
  const chains: string[][] = [];
  let at = 0;
  let trimNext = false;
  for (;;) {
    const open = source.indexOf("{{", at);
    let text = source.slice(at, open < 0 ? source.length : open);
    if (trimNext) text = text.replace(trimmedLeft, "");
    if (open < 0) {
      texts.push(text);
      return { texts, chains };
    }
    fieldAction.lastIndex = open;
    const match = fieldAction.exec(source);
    if (match === null) return undefined;
    const chain = (match[2] ?? "").slice(1).split(".");
    texts.push(match[1] === undefined ? text : text.replace(trimmedRight, ""));
    chains.push(chain);
    trimNext = match[3] !== undefined;
    at = fieldAction.lastIndex;
  }
}

/**
 * Marks an object as a Go `map[string]string` (cluster labels and annotations, `values`): under
 * `missingkey=zero` a missing key of such a map prints "" instead of `<no value>`. The mark is an
 * enumerable symbol, so object spread keeps it and JSON ignores it.
 */
export function markStringMap<T extends object>(object: T): T {
  Object.defineProperty(object, stringMapTag, { value: true, enumerable: true });
  return object;
}

const stringMapTag = Symbol("map[string]string");

/** The last `missingkey=` option wins, as with Go's Template.Option; `invalid` means default. */
function missingKeyOption(options: readonly string[]): MissingKey {
  let result: MissingKey = "default";
  for (const option of options) {
    const value = option.startsWith("missingkey=") ? option.slice("missingkey=".length) : "";
    if (value === "zero" || value === "error" || value === "default") result = value;
    else if (value === "invalid") result = "default";
  }
  return result;
}

function toEngineData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toEngineData);
  if (!isObject(value)) return value;
  const entries: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) entries[key] = toEngineData(child);
  return stringMapTag in value ? new GoMap("string", entries) : entries;
}

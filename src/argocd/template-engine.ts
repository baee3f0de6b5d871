import {
  GoMap,
  functionSet,
  parseGoTemplate,
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

/**
 * Renders one string field with a param set, as Argo CD's `Render.Replace` does. This is the one
 * place the template engines are called from.
 * @throws Error with Argo CD's text (`failed to execute go template ...`, `invalid template: ...`)
 */
export function renderTemplateString(source: string, params: ParamSet, mode: TemplateMode): string {
  if (mode.goTemplate) return renderGo(source, params, mode.goTemplateOptions);
  return renderFast(source, params);
}

// `{{` followed later on the same line by `}}`: Go's `.*{{.*}}.*` without the s flag.
const templated = /\{\{[^\n]*\}\}/;

function renderFast(source: string, params: ParamSet): string {
  if (!templated.test(source)) return source;
  let out = "";
  let rest = source;
  for (;;) {
    const start = rest.indexOf("{{");
    if (start < 0) return out + rest;
    out += rest.slice(0, start);
    rest = rest.slice(start + 2);
    const end = rest.indexOf("}}");
    if (end < 0) {
      throw new Error(
        `invalid template: cannot find end tag="}}" in the template=${JSON.stringify(source)} starting from ${JSON.stringify(rest)}`,
      );
    }
    const tag = rest.slice(0, end);
    rest = rest.slice(end + 2);
    const value = params[goTrimSpace(tag)];
    out += typeof value === "string" && goTrimSpace(tag) !== "" ? value : `{{${tag}}}`;
  }
}

const goSpace =
  "[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
const goSpaces = new RegExp(`^${goSpace}+|${goSpace}+$`, "g");

/** Go's strings.TrimSpace: ASCII whitespace and the Unicode White_Space characters. */
function goTrimSpace(text: string): string {
  return text.replace(goSpaces, "");
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

// Parsing is the expensive step; a template string is parsed once per option set. The options
// list of an ApplicationSet is one array for all its strings, so it keys the inner map directly.
const parsed = new Map<MissingKey, Map<string, GoTemplate | Error>>();
const parsedByOptions = new WeakMap<readonly string[], Map<string, GoTemplate | Error>>();
const engineData = new WeakMap<ParamSet, unknown>();

function templatesFor(options: readonly string[]): Map<string, GoTemplate | Error> {
  let templates = parsedByOptions.get(options);
  if (templates === undefined) {
    const missingKey = missingKeyOption(options);
    templates = parsed.get(missingKey);
    if (templates === undefined)
      parsed.set(missingKey, (templates = new Map<string, GoTemplate | Error>()));
    parsedByOptions.set(options, templates);
  }
  return templates;
}

function renderGo(source: string, params: ParamSet, options: readonly string[]): string {
  const templates = templatesFor(options);
  let template = templates.get(source);
  if (template === undefined) {
    try {
      // Argo CD's template functions: Sprig (minus env, expandenv, getHostByName), normalize,
      // slugify, toYaml, fromYaml, fromYamlArray.
      template = parseGoTemplate(source, {
        name: "base",
        missingKey: missingKeyOption(options),
        functions: functionSet("argocd"),
      });
    } catch (error) {
      template = error as Error;
    }
    templates.set(source, template);
  }
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

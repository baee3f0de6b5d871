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

function renderGo(_source: string, _params: ParamSet, _options: readonly string[]): string {
  throw new Error("goTemplate rendering needs the shared Go template engine (src/templating)");
}

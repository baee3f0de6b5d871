// Argo CD's fasttemplate mode (ApplicationSet `goTemplate: false`): `{{name}}` placeholders
// replaced by string parameters, everything else left exactly as written (spec/argocd.md §4.2).
import { quote } from "./strconv.js";

/** Go's regexp `.*{{.*}}.*`: a `{{` followed on the same line by `}}`. */
function isTemplated(s: string): boolean {
  for (let open = s.indexOf("{{"); open !== -1; open = s.indexOf("{{", open + 1)) {
    const close = s.indexOf("}}", open + 2);
    if (close === -1) return false;
    const newline = s.indexOf("\n", open + 2);
    if (newline === -1 || newline > close) return true;
  }
  return false;
}

/** Go's strings.TrimSpace (Unicode white space). */
function trimSpace(s: string): string {
  return s
    .replace(/^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/, "")
    .replace(/[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/, "");
}

/** An unclosed `{{` in a string that fasttemplate parses; the message is fasttemplate's. */
export class FastTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FastTemplateError";
  }
}

/**
 * Substitutes `{{ name }}` tags with the string parameter of that (trimmed) name, as Argo CD's
 * fasttemplate mode does. Unknown names, empty tags and non-string values leave the tag as
 * written; substituted values are not rendered again.
 * @throws FastTemplateError when a `{{` has no closing `}}` in a string that has a tag
 */
export function substituteFastTemplate(
  template: string,
  params: Readonly<Record<string, unknown>>,
): string {
  if (!isTemplated(template)) return template;
  let out = "";
  let at = 0;
  for (;;) {
    const open = template.indexOf("{{", at);
    if (open === -1) break;
    const close = template.indexOf("}}", open + 2);
    if (close === -1) {
      throw new FastTemplateError(
        `cannot find end tag=${quote("}}")} in the template=${quote(template)} starting from ${quote(template.slice(open + 2))}`,
      );
    }
    out += template.slice(at, open);
    const tag = template.slice(open + 2, close);
    const name = trimSpace(tag);
    const value = name === "" || !Object.hasOwn(params, name) ? undefined : params[name];
    out += typeof value === "string" ? value : `{{${tag}}}`;
    at = close + 2;
  }
  return out + template.slice(at);
}

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

const spaces = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/;

function isSpace(ch: string): boolean {
  return ch !== "" && spaces.test(ch);
}

/** Go's strings.TrimSpace (Unicode white space). */
function trimSpace(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isSpace(s.charAt(a))) a++;
  while (b > a && isSpace(s.charAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** An unclosed `{{` in a string that fasttemplate parses; the message is fasttemplate's. */
export class FastTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FastTemplateError";
  }
}

/** A template split into texts and tags: texts[0] tag[0] texts[1] ... texts[n]. */
interface Parsed {
  texts: string[];
  tags: string[];
  names: string[];
}

const cache = new Map<string, Parsed | null>();

/** Splits a templated string as fasttemplate does (null when it has no tag on one line). */
function parse(template: string): Parsed | null {
  const cached = cache.get(template);
  if (cached !== undefined) return cached;
  let parsed: Parsed | null = null;
  if (isTemplated(template)) {
    parsed = { texts: [], tags: [], names: [] };
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
      const tag = template.slice(open + 2, close);
      parsed.texts.push(template.slice(at, open));
      parsed.tags.push(tag);
      parsed.names.push(trimSpace(tag));
      at = close + 2;
    }
    parsed.texts.push(template.slice(at));
  }
  // Templates repeat across every generated Application; keep the cache bounded all the same.
  if (cache.size >= 10000) cache.clear();
  cache.set(template, parsed);
  return parsed;
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
  const parsed = parse(template);
  if (parsed === null) return template;
  let out = parsed.texts[0] ?? "";
  for (let i = 0; i < parsed.tags.length; i++) {
    const name = parsed.names[i] ?? "";
    const value = name !== "" && Object.hasOwn(params, name) ? params[name] : undefined;
    out +=
      (typeof value === "string" ? value : `{{${parsed.tags[i] ?? ""}}}`) +
      (parsed.texts[i + 1] ?? "");
  }
  return out;
}

import { RE2JS } from "re2js";

/**
 * A compiled Go (RE2) regular expression. ESO compiles user patterns with Go's `regexp` package,
 * whose syntax and semantics differ from JavaScript's RegExp (see docs/adr/controllers-externalsecrets-core.md),
 * so patterns go through re2js, a port of the same RE2 engine: same syntax, same errors, linear time.
 */
export interface GoRegexp {
  /** The source pattern. */
  readonly source: string;
  /** Reports whether the pattern matches anywhere in `input` (Go `MatchString`: unanchored). */
  test(input: string): boolean;
  /** Go `ReplaceAllString`: every match replaced by `template` expanded with `$1`, `${name}`… */
  replaceAll(input: string, template: string): string;
}

/**
 * Compiles a Go regular expression.
 * @throws Error with Go's message (`error parsing regexp: missing closing ): ...`) when the
 *   pattern is not valid RE2 syntax
 */
export function compileGoRegexp(pattern: string): GoRegexp {
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern);
  } catch (error) {
    throw new Error((error as Error).message, { cause: error });
  }
  const names = compiled.namedGroups();
  return {
    source: pattern,
    test: (input) => compiled.test(input),
    replaceAll: (input, template) => replaceAll(compiled, names, input, template),
  };
}

interface Match {
  readonly groups: readonly (readonly [number, number] | undefined)[];
}

// Mirrors Go's (*Regexp).replaceAll: an empty match right after a previous match is not replaced,
// and the search always advances by at least one character (one code point).
function replaceAll(
  re: RE2JS,
  names: Readonly<Record<string, number>>,
  input: string,
  template: string,
): string {
  const matcher = re.matcher(input);
  const groupCount = matcher.groupCount();
  let out = "";
  let lastMatchEnd = 0;
  let searchPos = 0;
  while (searchPos <= input.length && matcher.find(searchPos)) {
    const start = matcher.start();
    const end = matcher.end();
    out += input.slice(lastMatchEnd, start);
    if (end > lastMatchEnd || start === 0) {
      const groups: Match["groups"] = Array.from({ length: groupCount + 1 }, (_, i) => {
        const s = matcher.start(i);
        return s < 0 ? undefined : ([s, matcher.end(i)] as const);
      });
      out += expandGoTemplate(template, input, { groups }, names);
    }
    lastMatchEnd = end;
    const width = (input.codePointAt(searchPos) ?? 0) > 0xffff ? 2 : 1;
    if (searchPos + width > end) searchPos += width;
    else if (searchPos + 1 > end) searchPos += 1;
    else searchPos = end;
  }
  return out + input.slice(lastMatchEnd);
}

const nameChar = /[\p{L}\p{Nd}_]/u;

/**
 * Go's `(*Regexp).Expand`: `$$` is a literal `$`; `$name` takes the longest run of letters, digits
 * and `_` (so `$1x` means group "1x", which does not exist, and expands to nothing); `${name}`
 * delimits; a reference to a missing or unmatched group expands to the empty string; a malformed
 * `$` stays as text.
 */
function expandGoTemplate(
  template: string,
  input: string,
  match: Match,
  names: Readonly<Record<string, number>>,
): string {
  let out = "";
  let rest = template;
  for (;;) {
    const dollar = rest.indexOf("$");
    if (dollar < 0) break;
    out += rest.slice(0, dollar);
    rest = rest.slice(dollar + 1);
    if (rest.startsWith("$")) {
      out += "$";
      rest = rest.slice(1);
      continue;
    }
    const reference = extractReference(rest);
    if (reference === undefined) {
      out += "$";
      continue;
    }
    rest = reference.rest;
    const index = reference.index ?? names[reference.name];
    const span = index === undefined ? undefined : match.groups[index];
    if (span !== undefined) out += input.slice(span[0], span[1]);
  }
  return out + rest;
}

function extractReference(
  text: string,
): { name: string; index: number | undefined; rest: string } | undefined {
  const brace = text.startsWith("{");
  const body = brace ? text.slice(1) : text;
  let length = 0;
  for (const char of body) {
    if (!nameChar.test(char)) break;
    length += char.length;
  }
  if (length === 0) return undefined;
  const name = body.slice(0, length);
  let consumed = length;
  if (brace) {
    if (body[length] !== "}") return undefined;
    consumed += 1;
  }
  // Go parses a number only from ASCII digits, rejects leading zeros and allows at most nine digits.
  const index = /^(0|[1-9][0-9]{0,8})$/.test(name) ? Number(name) : undefined;
  return { name, index, rest: body.slice(consumed) };
}

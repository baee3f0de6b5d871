/**
 * Argo CD's glob.Match (gobwas/glob without separators): `*` any run of characters, `?` one
 * character, `[abc]`, `[!abc]`, `[a-z]`, `{a,b}` alternatives, `\` escapes. A pattern that does not
 * compile matches nothing. The empty pattern matches only the empty string.
 */
export function globMatch(pattern: string, text: string): boolean {
  let regex = cache.get(pattern);
  if (regex === undefined) {
    regex = compile(pattern);
    cache.set(pattern, regex);
  }
  return regex?.test(text) === true;
}

const cache = new Map<string, RegExp | null>();

function compile(pattern: string): RegExp | null {
  const parsed = parseSequence(pattern, 0, false);
  if (parsed?.end !== pattern.length) return null;
  return new RegExp(`^${parsed.regex}$`, "su");
}

interface Parsed {
  regex: string;
  end: number;
}

/** Parses until the end, or (inside `{}`) until an unescaped `,` or `}`. */
function parseSequence(pattern: string, start: number, inAlternative: boolean): Parsed | undefined {
  let regex = "";
  let i = start;
  while (i < pattern.length) {
    const char = pattern.charAt(i);
    if (inAlternative && (char === "," || char === "}")) return { regex, end: i };
    if (char === "*") regex += ".*";
    else if (char === "?") regex += ".";
    else if (char === "\\") {
      if (i + 1 >= pattern.length) return undefined;
      regex += escape(pattern.charAt(++i));
    } else if (char === "[") {
      const close = pattern.indexOf("]", i + 1);
      if (close < 0) return undefined;
      let body = pattern.slice(i + 1, close);
      const negate = body.startsWith("!");
      if (negate) body = body.slice(1);
      regex += `[${negate ? "^" : ""}${body.replace(/[\\\]^]/g, "\\$&")}]`;
      i = close;
    } else if (char === "{") {
      const alternatives: string[] = [];
      let j = i + 1;
      for (;;) {
        const part = parseSequence(pattern, j, true);
        if (part === undefined || part.end >= pattern.length) return undefined;
        alternatives.push(part.regex);
        j = part.end + 1;
        if (pattern.charAt(part.end) === "}") break;
      }
      regex += `(?:${alternatives.join("|")})`;
      i = j - 1;
    } else regex += escape(char);
    i++;
  }
  return inAlternative ? undefined : { regex, end: i };
}

function escape(char: string): string {
  return char.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

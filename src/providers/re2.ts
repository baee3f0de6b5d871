/**
 * Go RE2 regular expressions on JavaScript's engine. Users write RE2 (ESO's `find.name.regexp`,
 * AVP's `AVP_PATH_VALIDATION`); JavaScript would accept more (look-around, back-references), so those
 * are refused with Go's own error text, and the RE2-only spellings are translated: `(?P<name>`,
 * leading `(?flags)`, `\A`, `\z`, POSIX classes such as `[[:alpha:]]`.
 */

const posixClasses: Record<string, string> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\\x00-\\x7F",
  blank: "\\t ",
  cntrl: "\\x00-\\x1F\\x7F",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-\\/:-@\\[-`{-~",
  space: "\\t\\n\\v\\f\\r ",
  upper: "A-Z",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};

/** A pattern Go's `regexp.Compile` rejects, with Go's message. */
export class Re2SyntaxError extends Error {
  constructor(message: string) {
    super(`error parsing regexp: ${message}`);
    this.name = "Re2SyntaxError";
  }
}

/**
 * Compiles an RE2 pattern to a JavaScript RegExp with the same meaning (unanchored, as Go's
 * `MatchString`).
 * @throws Re2SyntaxError for syntax RE2 does not accept (look-around, back-references, …) or that
 *   does not compile
 */
export function compileRe2(pattern: string): RegExp {
  let flags = "";
  let rest = pattern;
  const leading = /^\(\?([imsU]+)\)/.exec(rest);
  if (leading !== null) {
    const letters = leading[1] ?? "";
    if (letters.includes("U")) {
      throw new Re2SyntaxError("invalid or unsupported Perl syntax: `(?U`");
    }
    flags = Array.from(new Set(letters)).join("");
    rest = rest.slice(leading[0].length);
  }
  const source = translate(rest);
  if (/\\[pP]/.test(source)) flags += "u";
  try {
    return new RegExp(source, flags);
  } catch (error) {
    throw new Re2SyntaxError((error as Error).message.replace(/^Invalid regular expression: /, ""));
  }
}

function translate(pattern: string): string {
  let out = "";
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern.charAt(i);
    if (char === "\\") {
      const escaped = translateEscape(pattern, i, inClass);
      out += escaped.text;
      i += escaped.consumed - 1;
      continue;
    }
    if (inClass) {
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(pattern.slice(i));
      const range = posix === null ? undefined : posixClasses[posix[2] ?? ""];
      if (posix !== null && range !== undefined) {
        if (posix[1] === "^") {
          throw new Re2SyntaxError(`negated POSIX class \`${posix[0]}\` is not supported`);
        }
        out += range;
        i += posix[0].length - 1;
        continue;
      }
      if (char === "]") inClass = false;
      out += char;
      continue;
    }
    if (char === "[") {
      inClass = true;
      const negated = pattern.charAt(i + 1) === "^";
      out += negated ? "[^" : "[";
      if (negated) i++;
      // A `]` right after the opening bracket is a literal in RE2.
      if (pattern.charAt(i + 1) === "]") {
        out += "\\]";
        i++;
      }
      continue;
    }
    if (char === "(" && pattern.charAt(i + 1) === "?") {
      const group = groupOpening(pattern.slice(i));
      out += group.replacement;
      i += group.consumed - 1;
      continue;
    }
    out += char;
  }
  return out;
}

function translateEscape(
  pattern: string,
  at: number,
  inClass: boolean,
): { text: string; consumed: number } {
  const next = pattern.charAt(at + 1);
  if (/[1-9]/.test(next) || next === "k") {
    throw new Re2SyntaxError(`invalid escape sequence: \`\\${next}\``);
  }
  if (next === "A" && !inClass) return { text: "^", consumed: 2 };
  if (next === "z" && !inClass) return { text: "$(?![\\s\\S])", consumed: 2 };
  const letter = pattern.charAt(at + 2);
  if ((next === "p" || next === "P") && /[A-Za-z]/.test(letter)) {
    return { text: `\\${next}{${letter}}`, consumed: 3 };
  }
  return { text: `\\${next}`, consumed: 2 };
}

function groupOpening(text: string): { replacement: string; consumed: number } {
  if (text.startsWith("(?P<")) return { replacement: "(?<", consumed: 4 };
  if (/^\(\?<[A-Za-z_]/.test(text)) return { replacement: "(?<", consumed: 3 };
  if (text.startsWith("(?:")) return { replacement: "(?:", consumed: 3 };
  const flagGroup = /^\(\?([imsU-]+):/.exec(text);
  if (flagGroup !== null && !(flagGroup[1] ?? "").includes("U")) {
    return { replacement: flagGroup[0], consumed: flagGroup[0].length };
  }
  throw new Re2SyntaxError(`invalid or unsupported Perl syntax: \`${text.slice(0, 3)}\``);
}

// Go RE2 patterns (from .sops.yaml, flags and file metadata) as JavaScript RegExps. The common
// subset is the same; RE2's inline flags, \A \z and named groups are translated, and what RE2
// rejects (look-around, back-references) is rejected here too.

const POSIX_CLASSES: Record<string, string> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\\x00-\\x7F",
  blank: "\\t ",
  cntrl: "\\x00-\\x1F\\x7F",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-/:-@[-`{-~",
  space: "\\t\\n\\v\\f\\r ",
  upper: "A-Z",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};

/**
 * Compiles a Go regular expression for unanchored search.
 * @throws Error naming the pattern when RE2 would reject it or JavaScript cannot express it
 */
export function compileGoRegex(pattern: string): RegExp {
  if (/\(\?<?[=!]/.test(pattern)) {
    throw new Error(
      `invalid regular expression ${JSON.stringify(pattern)}: look-around is not supported by RE2`,
    );
  }
  if (/(^|[^\\])(\\\\)*\\[1-9]/.test(pattern)) {
    throw new Error(
      `invalid regular expression ${JSON.stringify(pattern)}: back-references are not supported by RE2`,
    );
  }
  let flags = "";
  let source = pattern;
  const leading = /^\(\?([imsU]+)\)/.exec(source);
  if (leading !== null) {
    const requested = leading[1] ?? "";
    if (requested.includes("U")) {
      throw new Error(
        `invalid regular expression ${JSON.stringify(pattern)}: the U flag is not supported`,
      );
    }
    flags = requested;
    source = source.slice(leading[0].length);
  }
  source = source
    .replace(/\(\?P</g, "(?<")
    .replace(/\\A/g, "(?<![\\s\\S])")
    .replace(/\\z/g, "(?![\\s\\S])")
    .replace(/\[:(\^?)([a-z]+):\]/g, (whole, negate: string, name: string) => {
      const cls = POSIX_CLASSES[name];
      if (cls === undefined) return whole;
      return negate === "" ? cls : whole;
    });
  try {
    return new RegExp(source, `${flags}u`);
  } catch {
    try {
      return new RegExp(source, flags);
    } catch (error) {
      throw new Error(
        `invalid regular expression ${JSON.stringify(pattern)}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }
}

/** Compiles like {@link compileGoRegex} but returns undefined instead of throwing. */
export function tryCompileGoRegex(pattern: string): RegExp | undefined {
  try {
    return compileGoRegex(pattern);
  } catch {
    return undefined;
  }
}

/** One revision of a repository as the git generator needs it. */
export interface GitTreeListing {
  /** The commit the revision resolved to. */
  readonly commit: string;
  /** Every tracked file path (blobs and symlinks), repo-relative, no leading `/`. */
  readonly files: readonly string[];
  /** Every directory (trees and submodules), repo-relative. */
  readonly directories: readonly string[];
}

/**
 * Read access to git repositories at a revision, the git generator's only way to the outside.
 * The system-git implementation is {@link GitRepositories}; tests may pass their own.
 */
export interface GitSource {
  /**
   * Resolves `revision` of the repository `repoURL` and lists its tree.
   * @throws Error when the repository is unknown or the revision does not resolve
   */
  listTree(repoURL: string, revision: string): Promise<GitTreeListing>;
  /**
   * Reads files at a resolved commit. Symlinks are followed inside the repository; a path whose
   * link leaves the repository is absent from the result.
   * @throws Error when a path is not a file of that commit
   */
  readFiles(
    repoURL: string,
    commit: string,
    paths: readonly string[],
  ): Promise<Map<string, Uint8Array>>;
}

/**
 * The directories the git directory generator sees (the repo server's WalkDir of a checkout):
 * hidden directories (`.name`) and everything below them left out, ordered depth-first with the
 * entries of each directory in byte order (`a`, `a/x`, `b`).
 */
export function visibleDirectories(listing: GitTreeListing): string[] {
  return listing.directories
    .filter((dir) => !dir.split("/").some((segment) => segment.startsWith(".")))
    .sort(compareWalkOrder);
}

/** Depth-first, byte-ordered comparison of two slash-separated paths. */
export function compareWalkOrder(a: string, b: string): number {
  const as = a.split("/");
  const bs = b.split("/");
  for (let i = 0; i < Math.min(as.length, bs.length); i++) {
    const x = as[i] ?? "";
    const y = bs[i] ?? "";
    if (x !== y) return Buffer.compare(Buffer.from(x), Buffer.from(y));
  }
  return as.length - bs.length;
}

/**
 * Which files a git files generator pattern selects (§3.5): with `newGlobbing` false, git's
 * pathspec rules (`git ls-files -- <pattern>`: `*` and `?` also match `/`, a literal pattern
 * naming a directory selects everything below it); with true, doublestar rules (`*` within one
 * segment, `**` as a whole segment for zero or more directories).
 * @throws Error `syntax error in pattern` for a malformed doublestar pattern
 */
export function matchFiles(
  files: readonly string[],
  pattern: string,
  newGlobbing: boolean,
): string[] {
  if (newGlobbing) {
    const regex = doublestarRegex(pattern);
    return files.filter((file) => regex.test(file));
  }
  const matcher = pathspecMatcher(pattern);
  return files.filter(matcher);
}

const wildcard = /[*?[\\]/;

/** A matcher for one git pathspec without magic (what `git ls-files -- <pattern>` does). */
export function pathspecMatcher(pattern: string): (path: string) => boolean {
  const item = pattern.replace(/^(\.\/)+/, "");
  if (item === "" || item === ".") return () => true;
  const literalPrefix = item.slice(0, firstWildcard(item));
  const regex = item.length === literalPrefix.length ? undefined : wildmatchRegex(item);
  return (path) => {
    if (path === item) return true;
    if (path.startsWith(item) && (item.endsWith("/") || path.charAt(item.length) === "/"))
      return true;
    return regex !== undefined && path.startsWith(literalPrefix) && regex.test(path);
  };
}

function firstWildcard(text: string): number {
  const index = text.search(wildcard);
  return index < 0 ? text.length : index;
}

const posixClasses: Record<string, string> = {
  alnum: "a-zA-Z0-9",
  alpha: "a-zA-Z",
  blank: " \\t",
  cntrl: "\\x00-\\x1f\\x7f",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-/:-@\\[-`{-~",
  space: " \\t\\n\\v\\f\\r",
  upper: "A-Z",
  xdigit: "0-9A-Fa-f",
};

/** git's wildmatch without WM_PATHNAME as a regex: `*` matches any run including `/`. */
function wildmatchRegex(pattern: string): RegExp {
  let out = "^";
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern.charAt(i);
    if (char === "*") out += "[\\s\\S]*";
    else if (char === "?") out += "[\\s\\S]";
    else if (char === "\\" && i + 1 < pattern.length) out += escapeRegex(pattern.charAt(++i));
    else if (char === "[") {
      const parsed = bracket(pattern, i, true);
      // An unterminated class makes wildmatch abort: nothing matches.
      if (parsed === undefined) return /(?!)/;
      out += parsed.regex;
      i = parsed.end;
    } else out += escapeRegex(char);
  }
  return new RegExp(`${out}$`, "u");
}

/** Parses `[...]` starting at `start`; returns the regex class and the index of `]`. */
function bracket(
  pattern: string,
  start: number,
  posix: boolean,
): { regex: string; end: number } | undefined {
  let i = start + 1;
  let negate = false;
  if (pattern.charAt(i) === "!" || pattern.charAt(i) === "^") {
    negate = true;
    i++;
  }
  let body = "";
  let first = true;
  for (; i < pattern.length; i++) {
    const char = pattern.charAt(i);
    if (char === "]" && !first) return { regex: `[${negate ? "^" : ""}${body}]`, end: i };
    first = false;
    if (posix && char === "[" && pattern.charAt(i + 1) === ":") {
      const close = pattern.indexOf(":]", i + 2);
      const name = close < 0 ? undefined : posixClasses[pattern.slice(i + 2, close)];
      if (name === undefined) return undefined;
      body += name;
      i = close + 1;
    } else if (char === "\\" && i + 1 < pattern.length) {
      body += escapeClass(pattern.charAt(++i));
    } else if (
      pattern.charAt(i + 1) === "-" &&
      pattern.charAt(i + 2) !== "]" &&
      i + 2 < pattern.length
    ) {
      body += `${escapeClass(char)}-${escapeClass(pattern.charAt(i + 2))}`;
      i += 2;
    } else body += escapeClass(char);
  }
  return undefined;
}

/**
 * doublestar's pattern syntax as a regex over a repo-relative path.
 * @throws Error `syntax error in pattern` when a class or alternative is not closed
 */
export function doublestarRegex(pattern: string): RegExp {
  const segments = pattern.replace(/^\.\//, "").split("/");
  let out = "^";
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    if (segment === "**") {
      out += last ? "[\\s\\S]*" : "(?:[^/]*/)*";
      return;
    }
    out += segmentRegex(segment) + (last ? "" : "/");
  });
  return new RegExp(`${out}$`, "u");
}

function segmentRegex(segment: string): string {
  let out = "";
  for (let i = 0; i < segment.length; i++) {
    const char = segment.charAt(i);
    if (char === "*") out += "[^/]*";
    else if (char === "?") out += "[^/]";
    else if (char === "\\") {
      if (i + 1 >= segment.length) throw new Error("syntax error in pattern");
      out += escapeRegex(segment.charAt(++i));
    } else if (char === "[") {
      const parsed = bracket(segment, i, false);
      if (parsed === undefined) throw new Error("syntax error in pattern");
      out += parsed.regex.replace(/^\[\^/, "[^/");
      i = parsed.end;
    } else if (char === "{") {
      const close = segment.indexOf("}", i);
      if (close < 0) throw new Error("syntax error in pattern");
      const alternatives = segment
        .slice(i + 1, close)
        .split(",")
        .map(segmentRegex);
      out += `(?:${alternatives.join("|")})`;
      i = close;
    } else out += escapeRegex(char);
  }
  return out;
}

/**
 * Go's path.Match: `*` any run of non-`/`, `?` one non-`/` character, `[...]` classes (`^`
 * negates), `\` escapes. Returns undefined for a malformed pattern (Go's ErrBadPattern).
 */
export function goPathMatch(pattern: string, name: string): boolean | undefined {
  let regex = pathMatchCache.get(pattern);
  if (regex === undefined) {
    regex = goPathMatchRegex(pattern);
    pathMatchCache.set(pattern, regex);
  }
  return regex === null ? undefined : regex.test(name);
}

const pathMatchCache = new Map<string, RegExp | null>();

function goPathMatchRegex(pattern: string): RegExp | null {
  let out = "^";
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern.charAt(i);
    if (char === "*") out += "[^/]*";
    else if (char === "?") out += "[^/]";
    else if (char === "\\") {
      if (i + 1 >= pattern.length) return null;
      out += escapeRegex(pattern.charAt(++i));
    } else if (char === "[") {
      const parsed = goClass(pattern, i);
      if (parsed === undefined) return null;
      out += parsed.regex;
      i = parsed.end;
    } else out += escapeRegex(char);
  }
  return new RegExp(`${out}$`, "u");
}

/** Go's path.Match class: `[^...]`, ranges `a-z`, escapes; `[]`, `[-` and open classes are bad. */
function goClass(pattern: string, start: number): { regex: string; end: number } | undefined {
  let i = start + 1;
  let negate = false;
  if (pattern.charAt(i) === "^") {
    negate = true;
    i++;
  }
  let body = "";
  let first = true;
  for (; i < pattern.length; i++) {
    let char = pattern.charAt(i);
    if (char === "]" && !first) return { regex: `[${negate ? "^" : ""}${body}]`, end: i };
    first = false;
    if (char === "-" || char === "]") return undefined;
    if (char === "\\") {
      if (++i >= pattern.length) return undefined;
      char = pattern.charAt(i);
    }
    if (pattern.charAt(i + 1) === "-") {
      let high = pattern.charAt(i + 2);
      let next = i + 2;
      if (high === "\\") high = pattern.charAt(++next);
      if (high === "" || high === "-" || high === "]") return undefined;
      body += `${escapeClass(char)}-${escapeClass(high)}`;
      i = next;
    } else body += escapeClass(char);
  }
  return undefined;
}

function escapeRegex(char: string): string {
  return char.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

function escapeClass(char: string): string {
  return char.replace(/[\\\]^-]/g, "\\$&");
}

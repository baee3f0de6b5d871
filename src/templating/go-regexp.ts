// Go's regexp semantics on top of re2js (a port of the RE2 engine Go's regexp also implements):
// the same syntax and error texts, plus Go's rules for successive empty matches, $-expansion in
// replacements, and Split.
import { RE2JS } from "re2js";

const cache = new Map<string, RE2JS>();

/**
 * Compiles a Go regular expression (cached).
 * @throws Error with Go's text, e.g. "error parsing regexp: missing closing ): `a(b`"
 */
export function compileRegexp(pattern: string): RE2JS {
  let re = cache.get(pattern);
  if (re === undefined) {
    try {
      re = RE2JS.compile(pattern);
    } catch (e) {
      throw new Error(e instanceof Error ? e.message : String(e), { cause: e });
    }
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, re);
  }
  return re;
}

type Match = number[]; // [start, end, group1start, group1end, ...]

function matchAt(re: RE2JS, s: string, pos: number): Match | undefined {
  const m = re.matcher(s);
  if (!m.find(pos)) return undefined;
  const out: number[] = [];
  for (let g = 0; g <= m.groupCount(); g++) out.push(m.start(g), m.end(g));
  return out;
}

function width(s: string, pos: number): number {
  const c = s.charCodeAt(pos);
  return c >= 0xd800 && c <= 0xdbff && pos + 1 < s.length ? 2 : 1;
}

/** Go's FindAllStringSubmatchIndex(s, n): no empty match right after a previous match. */
export function findAll(re: RE2JS, s: string, n: number): Match[] {
  const out: Match[] = [];
  let pos = 0;
  let prevEnd = -1;
  while (pos <= s.length && (n < 0 || out.length < n)) {
    const m = matchAt(re, s, pos);
    if (m === undefined) break;
    const [start = 0, end = 0] = m;
    let accept = true;
    if (end === pos) {
      if (start === prevEnd) accept = false;
      pos += pos < s.length ? width(s, pos) : 1;
    } else pos = end;
    prevEnd = end;
    if (accept) out.push(m);
  }
  return out;
}

/** Go's Regexp.Expand for `$1`, `${1}`, `$name`, `${name}` and `$$`. */
function expand(template: string, s: string, m: Match, names: Record<string, number>): string {
  let out = "";
  for (let i = 0; i < template.length; i++) {
    const c = template.charAt(i);
    if (c !== "$") {
      out += c;
      continue;
    }
    const rest = template.slice(i + 1);
    if (rest.startsWith("$")) {
      out += "$";
      i++;
      continue;
    }
    const ref = /^\{([A-Za-z0-9_]+)\}|^([A-Za-z0-9_]+)/.exec(rest);
    if (ref === null) {
      out += "$";
      continue;
    }
    const name = ref[1] ?? ref[2] ?? "";
    i += ref[0].length;
    const group = /^[0-9]+$/.test(name) ? Number(name) : names[name];
    if (group === undefined || 2 * group + 1 >= m.length) continue;
    const a = m[2 * group] ?? -1;
    const b = m[2 * group + 1] ?? -1;
    if (a >= 0 && b >= 0) out += s.slice(a, b);
  }
  return out;
}

/** Go's ReplaceAllString (with $-expansion) or ReplaceAllLiteralString. */
export function replaceAll(re: RE2JS, s: string, repl: string, literal: boolean): string {
  const names = re.namedGroups();
  let out = "";
  let lastMatchEnd = 0;
  let searchPos = 0;
  while (searchPos <= s.length) {
    const m = matchAt(re, s, searchPos);
    if (m === undefined) break;
    const [start = 0, end = 0] = m;
    out += s.slice(lastMatchEnd, start);
    if (end > lastMatchEnd || start === 0) out += literal ? repl : expand(repl, s, m, names);
    lastMatchEnd = end;
    const w = searchPos < s.length ? width(s, searchPos) : 1;
    if (searchPos + w > end) searchPos += w;
    else if (searchPos + 1 > end) searchPos++;
    else searchPos = end;
  }
  return out + s.slice(lastMatchEnd);
}

/** Go's Regexp.Split(s, n). */
export function split(re: RE2JS, pattern: string, s: string, n: number): string[] {
  if (n === 0) return [];
  if (pattern.length > 0 && s.length === 0) return [""];
  const out: string[] = [];
  let beg = 0;
  let end = 0;
  for (const m of findAll(re, s, n)) {
    if (n > 0 && out.length === n - 1) break;
    end = m[0] ?? 0;
    if ((m[1] ?? 0) !== 0) out.push(s.slice(beg, end));
    beg = m[1] ?? 0;
  }
  if (end !== s.length) out.push(s.slice(beg));
  return out;
}

/** Go's regexp.QuoteMeta. */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");
}

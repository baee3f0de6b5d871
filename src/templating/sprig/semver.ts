// Sprig's semver and semverCompare (Masterminds/semver v3): loose version parsing, comparison with
// pre-release precedence, and constraints (=, !=, >, <, >=, <=, ~, ^, wildcards, hyphen ranges,
// AND with "," or space, OR with "||"). Pre-release versions only satisfy constraints that name a
// pre-release, as upstream decides.
import { GoInt, GoStruct, goFunc, type GoFunc } from "../value.js";

const versionPattern =
  /^v?([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

/** A parsed *semver.Version. */
export class SemverVersion extends GoStruct {
  readonly goType = "*semver.Version";
  readonly major: bigint;
  readonly minor: bigint;
  readonly patch: bigint;
  readonly pre: string;
  readonly metadata: string;
  readonly original: string;

  constructor(original: string) {
    super();
    const m = versionPattern.exec(original);
    if (m === null) throw new Error("Invalid Semantic Version");
    const pre = m[4] ?? "";
    for (const part of pre === "" ? [] : pre.split(".")) {
      if (/^[0-9]+$/.test(part) && part.length > 1 && part.startsWith("0"))
        throw new Error("Version segment starts with 0");
    }
    this.major = BigInt(m[1] ?? "0");
    this.minor = BigInt(m[2] ?? "0");
    this.patch = BigInt(m[3] ?? "0");
    this.pre = pre;
    this.metadata = m[5] ?? "";
    this.original = original;
  }

  override goString(): string {
    let s = `${this.major}.${this.minor}.${this.patch}`;
    if (this.pre !== "") s += "-" + this.pre;
    if (this.metadata !== "") s += "+" + this.metadata;
    return s;
  }

  goJSON(): string {
    return this.goString();
  }

  method(name: string): GoFunc | undefined {
    const u64 = (v: bigint): GoInt => new GoInt("uint64", v);
    const methods: Record<string, GoFunc> = {
      Major: goFunc([], () => u64(this.major)),
      Minor: goFunc([], () => u64(this.minor)),
      Patch: goFunc([], () => u64(this.patch)),
      Prerelease: goFunc([], () => this.pre),
      Metadata: goFunc([], () => this.metadata),
      Original: goFunc([], () => this.original),
      String: goFunc([], () => this.goString()),
    };
    return methods[name];
  }
}

function comparePre(a: string, b: string): number {
  if (a === b) return 0;
  if (a === "") return 1;
  if (b === "") return -1;
  const pa = a.split(".");
  const pb = b.split(".");
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const nx = /^[0-9]+$/.test(x);
    const ny = /^[0-9]+$/.test(y);
    if (nx && ny) return BigInt(x) < BigInt(y) ? -1 : 1;
    if (nx) return -1;
    if (ny) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/** Semantic version precedence (metadata ignored). */
export function compareVersions(a: SemverVersion, b: SemverVersion): number {
  for (const [x, y] of [
    [a.major, b.major],
    [a.minor, b.minor],
    [a.patch, b.patch],
  ] as const) {
    if (x !== y) return x < y ? -1 : 1;
  }
  return comparePre(a.pre, b.pre);
}

interface Bound {
  op: string;
  v: SemverVersion;
  /** Parts given before a wildcard or the end (1 = major only, 2 = major.minor, 3 = full). */
  parts: number;
  dirty: boolean;
}

function parseBound(text: string): Bound {
  const m = /^(!=|>=|=>|<=|=<|>|<|=|~>|~|\^)?\s*(.*)$/.exec(text.trim());
  const op = m?.[1] ?? "";
  let version = (m?.[2] ?? "").trim();
  const segments = version.replace(/^v/, "").split(/[-+]/)[0]?.split(".") ?? [];
  let parts = 0;
  let dirty = false;
  for (const s of segments) {
    if (s === "x" || s === "X" || s === "*") {
      dirty = true;
      break;
    }
    parts++;
  }
  if (dirty || parts < 3) {
    const rest = segments.slice(0, parts);
    while (rest.length < 3) rest.push("0");
    version = rest.join(".");
    dirty = true;
  }
  try {
    return { op, v: new SemverVersion(version), parts, dirty };
  } catch {
    throw new Error(`improper constraint: ${text.trim()}`);
  }
}

function bump(v: SemverVersion, part: number): SemverVersion {
  if (part === 0) return new SemverVersion(`${v.major + 1n}.0.0`);
  if (part === 1) return new SemverVersion(`${v.major}.${v.minor + 1n}.0`);
  return new SemverVersion(`${v.major}.${v.minor}.${v.patch + 1n}`);
}

/** The first part that may not change under `^`: the first non-zero one given. */
function caretPart(b: Bound): number {
  if (b.v.major > 0n || b.parts <= 1) return 0;
  if (b.v.minor > 0n || b.parts <= 2) return 1;
  return 2;
}

function checkBound(b: Bound, v: SemverVersion): boolean {
  // A pre-release only matches a constraint that names a pre-release.
  if (v.pre !== "" && b.v.pre === "") return false;
  const c = compareVersions(v, b.v);
  const wild = Math.max(0, b.parts - 1);
  const below = (part: number): boolean => compareVersions(v, bump(b.v, part)) < 0;
  switch (b.op) {
    case "":
    case "=":
      return b.dirty ? c >= 0 && below(wild) : c === 0;
    case "!=":
      return b.dirty ? !(c >= 0 && below(wild)) : c !== 0;
    case ">":
      return b.dirty ? !below(wild) : c > 0;
    case "<":
      return c < 0;
    case ">=":
    case "=>":
      return c >= 0;
    case "<=":
    case "=<":
      return b.dirty ? below(wild) : c <= 0;
    case "~":
    case "~>":
      return c >= 0 && below(b.parts <= 1 ? 0 : 1);
    default:
      return c >= 0 && below(caretPart(b));
  }
}

function parseAnd(text: string): Bound[] {
  const hyphen = /^\s*(\S+)\s+-\s+(\S+)\s*$/.exec(text);
  if (hyphen !== null)
    return [parseBound(">=" + (hyphen[1] ?? "")), parseBound("<=" + (hyphen[2] ?? ""))];
  return text
    .replace(/(!=|>=|=>|<=|=<|>|<|=|~>|~|\^)\s+/g, "$1")
    .split(/[\s,]+/)
    .filter((s) => s !== "")
    .map(parseBound);
}

/** Sprig's semver functions. */
export const semverFunctions: Readonly<Record<string, GoFunc>> = {
  semver: goFunc(["string"], (s: string) => new SemverVersion(s)),
  semverCompare: goFunc(["string", "string"], (c: string, v: string) => {
    const groups = c.split("||").map(parseAnd);
    const version = new SemverVersion(v);
    return groups.some((g) => g.every((b) => checkBound(b, version)));
  }),
};

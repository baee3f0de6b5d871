// Sprig's JSON, encoding, hash, reflection, path, regex, URL and flow-control functions.
import { createHash, randomUUID } from "node:crypto";
import { kindOf } from "../builtins.js";
import { marshalJSON, unmarshalJSON } from "../go-json.js";
import { compileRegexp, findAll, quoteMeta, replaceAll, split } from "../go-regexp.js";
import { quote } from "../strconv.js";
import { goFunc, GoInt, typeName, utf8Bytes, utf8Decode, type GoFunc } from "../value.js";
import { deepEqual, num } from "./convert.js";
import { stringSlice } from "./strings.js";

const any = "interface {}";
type S = string;

function swallow<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

// --- encoding

const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const b64Map = new Map(Array.from(b64, (c, i) => [c.charCodeAt(0), i]));

class CorruptInput extends Error {
  constructor(offset: number) {
    super(`illegal base64 data at input byte ${offset}`);
  }
}

function isNewline(c: number | undefined): boolean {
  return c === 0x0a || c === 0x0d;
}

/** Go's base64 decodeQuantum: one 4-character group (newlines skipped), with Go's error offsets. */
function decodeQuantum(src: Uint8Array, siIn: number, out: number[]): number {
  let si = siIn;
  const dbuf = [0, 0, 0, 0];
  let dlen = 4;
  for (let j = 0; j < 4; j++) {
    if (si === src.length) {
      if (j === 0) return si;
      throw new CorruptInput(si - j);
    }
    const c = src[si] ?? 0;
    si++;
    const d = b64Map.get(c);
    if (d !== undefined) {
      dbuf[j] = d;
      continue;
    }
    if (isNewline(c)) {
      j--;
      continue;
    }
    if (c !== 0x3d || j < 2) throw new CorruptInput(si - 1);
    if (j === 2) {
      while (si < src.length && isNewline(src[si])) si++;
      if (si === src.length) throw new CorruptInput(src.length);
      if (src[si] !== 0x3d) throw new CorruptInput(si - 1);
      si++;
    }
    while (si < src.length && isNewline(src[si])) si++;
    if (si < src.length) throw new CorruptInput(si);
    dlen = j;
    break;
  }
  const val =
    ((dbuf[0] ?? 0) << 18) | ((dbuf[1] ?? 0) << 12) | ((dbuf[2] ?? 0) << 6) | (dbuf[3] ?? 0);
  const bytes = [(val >> 16) & 255, (val >> 8) & 255, val & 255];
  out.push(...bytes.slice(0, dlen - 1));
  return si;
}

/** Go's base64.StdEncoding.DecodeString. @throws CorruptInput with Go's message */
export function decodeBase64(s: string): Uint8Array {
  const src = utf8Bytes(s);
  const out: number[] = [];
  let si = 0;
  while (si < src.length) si = decodeQuantum(src, si, out);
  return Uint8Array.from(out);
}

/** Sprig's b64dec: the decoded text, or the decoder's error text. */
function base64Decode(s: string): string {
  try {
    return utf8Decode(decodeBase64(s));
  } catch (e) {
    if (e instanceof CorruptInput) return e.message;
    throw e;
  }
}

const b32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function base32Encode(s: string): string {
  const bytes = utf8Bytes(s);
  let out = "";
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += b32.charAt((value >>> (bits - 5)) & 31);
      bits -= 5;
    }
  }
  if (bits > 0) out += b32.charAt((value << (5 - bits)) & 31);
  while (out.length % 8 !== 0) out += "=";
  return out;
}

function base32Decode(s: string): string {
  const clean = s.replace(/[\r\n]/g, "");
  const body = clean.replace(/=+$/, "");
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (let i = 0; i < body.length; i++) {
    const d = b32.indexOf(body.charAt(i));
    if (d < 0) return `illegal base32 data at input byte ${i}`;
    value = (value << 5) | d;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  if (clean.length % 8 !== 0)
    return `illegal base32 data at input byte ${clean.length - (clean.length % 8)}`;
  return utf8Decode(Uint8Array.from(bytes));
}

function hash(algorithm: string, s: string): string {
  return createHash(algorithm).update(utf8Bytes(s)).digest("hex");
}

function adler32(s: string): string {
  let a = 1;
  let b = 0;
  for (const c of utf8Bytes(s)) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  return String(((b << 16) | a) >>> 0);
}

// --- paths (Go's path package)

/** Go's path.Clean. */
export function cleanPath(p: string): string {
  if (p === "") return ".";
  const rooted = p.startsWith("/");
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
      continue;
    }
    out.push(part);
  }
  const joined = out.join("/");
  if (rooted) return "/" + joined;
  return joined === "" ? "." : joined;
}

function base(p: string): string {
  if (p === "") return ".";
  const trimmed = p.replace(/\/+$/, "");
  if (trimmed === "") return "/";
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

function dir(p: string): string {
  const i = p.lastIndexOf("/");
  return cleanPath(p.slice(0, i + 1));
}

function ext(p: string): string {
  for (let i = p.length - 1; i >= 0 && p[i] !== "/"; i--) if (p[i] === ".") return p.slice(i);
  return "";
}

// --- reflection

function reflectKindName(v: unknown): string {
  if (v === null || v === undefined) return "invalid";
  const k = kindOf(v);
  return k === "ptr" ? "ptr" : k;
}

// --- URLs

function urlParse(v: string): Record<string, unknown> {
  let u: URL;
  try {
    u = new URL(v, v.includes(":") ? undefined : "relative:///");
  } catch (e) {
    throw new Error(
      `unable to parse url: parse ${quote(v)}: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
  const relative = u.protocol === "relative:";
  const userinfo =
    u.username === "" ? "" : u.username + (u.password === "" ? "" : ":" + u.password);
  return {
    scheme: relative ? "" : u.protocol.slice(0, -1),
    host: u.host,
    hostname: u.hostname.replace(/^\[|\]$/g, ""),
    path: decodeURIComponent(relative ? (v.split(/[?#]/)[0] ?? "") : u.pathname),
    query: u.search.slice(1),
    opaque: "",
    fragment: decodeURIComponent(u.hash.slice(1)),
    userinfo,
  };
}

function dictString(d: Record<string, unknown>, key: string): string {
  if (!Object.hasOwn(d, key)) return "";
  const v = d[key];
  if (typeof v !== "string") {
    throw new Error(
      `unable to parse ${key} key, must be of type string, but ${reflectKindName(v)} found`,
    );
  }
  return v;
}

function urlJoin(d: Record<string, unknown> | null): string {
  const dict = d ?? {};
  const scheme = dictString(dict, "scheme");
  const host = dictString(dict, "host");
  const path = dictString(dict, "path");
  const query = dictString(dict, "query");
  const opaque = dictString(dict, "opaque");
  const fragment = dictString(dict, "fragment");
  const userinfo = dictString(dict, "userinfo");
  let out = scheme === "" ? "" : scheme + ":";
  if (opaque !== "") out += opaque;
  else {
    if (scheme !== "" || host !== "" || userinfo !== "") {
      out += "//";
      if (userinfo !== "") out += userinfo + "@";
      out += host;
    }
    if (path !== "" && !path.startsWith("/") && host !== "") out += "/";
    out += encodeURI(path).replace(/%25/g, "%");
  }
  if (query !== "") out += "?" + query;
  if (fragment !== "") out += "#" + encodeURIComponent(fragment).replace(/%2F/g, "/");
  return out;
}

function regexFindAll(regex: S, s: S, n: GoInt): unknown {
  const re = compileRegexp(regex);
  return stringSlice(findAll(re, s, num(n)).map((m) => s.slice(m[0], m[1])));
}

function regexFind(regex: S, s: S): string {
  const m = findAll(compileRegexp(regex), s, 1)[0];
  return m === undefined ? "" : s.slice(m[0], m[1]);
}

/** Sprig's JSON, encoding, hash, reflection, path, regex, URL and flow-control functions. */
export const miscFunctions: Readonly<Record<string, GoFunc>> = {
  hello: goFunc([], () => "Hello!"),
  // JSON
  fromJson: goFunc(["string"], (s: S) => swallow(() => unmarshalJSON(s), null)),
  mustFromJson: goFunc(["string"], unmarshalJSON),
  toJson: goFunc([any], (v: unknown) => swallow(() => marshalJSON(v), "")),
  mustToJson: goFunc([any], (v: unknown) => marshalJSON(v)),
  toPrettyJson: goFunc([any], (v: unknown) => swallow(() => marshalJSON(v, { indent: "  " }), "")),
  mustToPrettyJson: goFunc([any], (v: unknown) => marshalJSON(v, { indent: "  " })),
  toRawJson: goFunc([any], (v: unknown) => marshalJSON(v, { escapeHTML: false })),
  mustToRawJson: goFunc([any], (v: unknown) => marshalJSON(v, { escapeHTML: false })),
  // encoding and hashes
  b64enc: goFunc(["string"], (s: S) => Buffer.from(utf8Bytes(s)).toString("base64")),
  b64dec: goFunc(["string"], base64Decode),
  b32enc: goFunc(["string"], base32Encode),
  b32dec: goFunc(["string"], base32Decode),
  sha1sum: goFunc(["string"], (s: S) => hash("sha1", s)),
  sha256sum: goFunc(["string"], (s: S) => hash("sha256", s)),
  sha512sum: goFunc(["string"], (s: S) => hash("sha512", s)),
  adler32sum: goFunc(["string"], adler32),
  uuidv4: goFunc([], () => randomUUID()),
  // reflection
  typeOf: goFunc([any], (v: unknown) => typeName(v)),
  typeIs: goFunc(["string", any], (t: S, v: unknown) => t === typeName(v)),
  typeIsLike: goFunc(
    ["string", any],
    (t: S, v: unknown) => t === typeName(v) || "*" + t === typeName(v),
  ),
  kindOf: goFunc([any], reflectKindName),
  kindIs: goFunc(["string", any], (t: S, v: unknown) => t === reflectKindName(v)),
  // paths
  base: goFunc(["string"], base),
  dir: goFunc(["string"], dir),
  clean: goFunc(["string"], cleanPath),
  ext: goFunc(["string"], ext),
  isAbs: goFunc(["string"], (p: S) => p.startsWith("/")),
  osBase: goFunc(["string"], base),
  osDir: goFunc(["string"], dir),
  osClean: goFunc(["string"], cleanPath),
  osExt: goFunc(["string"], ext),
  osIsAbs: goFunc(["string"], (p: S) => p.startsWith("/")),
  // regular expressions (Go's RE2 syntax)
  regexMatch: goFunc(["string", "string"], (r: S, s: S) =>
    swallow(() => compileRegexp(r).test(s), false),
  ),
  mustRegexMatch: goFunc(["string", "string"], (r: S, s: S) => compileRegexp(r).test(s)),
  regexFindAll: goFunc(["string", "string", "int"], regexFindAll),
  mustRegexFindAll: goFunc(["string", "string", "int"], regexFindAll),
  regexFind: goFunc(["string", "string"], regexFind),
  mustRegexFind: goFunc(["string", "string"], regexFind),
  regexReplaceAll: goFunc(["string", "string", "string"], (r: S, s: S, repl: S) =>
    replaceAll(compileRegexp(r), s, repl, false),
  ),
  mustRegexReplaceAll: goFunc(["string", "string", "string"], (r: S, s: S, repl: S) =>
    replaceAll(compileRegexp(r), s, repl, false),
  ),
  regexReplaceAllLiteral: goFunc(["string", "string", "string"], (r: S, s: S, repl: S) =>
    replaceAll(compileRegexp(r), s, repl, true),
  ),
  mustRegexReplaceAllLiteral: goFunc(["string", "string", "string"], (r: S, s: S, repl: S) =>
    replaceAll(compileRegexp(r), s, repl, true),
  ),
  regexSplit: goFunc(["string", "string", "int"], (r: S, s: S, n: GoInt) =>
    stringSlice(split(compileRegexp(r), r, s, num(n))),
  ),
  mustRegexSplit: goFunc(["string", "string", "int"], (r: S, s: S, n: GoInt) =>
    stringSlice(split(compileRegexp(r), r, s, num(n))),
  ),
  regexQuoteMeta: goFunc(["string"], quoteMeta),
  // URLs
  urlParse: goFunc(["string"], urlParse),
  urlJoin: goFunc(["map[string]interface {}"], urlJoin),
  // flow control
  fail: goFunc(["string"], (msg: S) => {
    throw new Error(msg);
  }),
  deepEqual: goFunc([any, any], deepEqual),
};

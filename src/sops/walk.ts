// The tree walk sops uses for encryption, decryption and the MAC: which leaves are encrypted
// (suffixes, regexes, comment regexes), their additional data (the map keys on the way, joined
// with ":" plus a trailing ":"), and the SHA-512 over the canonical cleartext of every leaf.
import { createHash, type Hash } from "node:crypto";
import type { ValueCipher } from "./cipher.js";
import { SopsError, SopsExitCode } from "./errors.js";
import { tryCompileGoRegex } from "./go-regex.js";
import {
  comment as makeComment,
  treeList,
  treeMap,
  type Comment,
  type TreeBranches,
  type TreeList,
  type TreeMap,
  type TreeValue,
} from "./tree.js";
import { toPlaintext } from "./values.js";

/** The partial-encryption settings stored in the metadata (at most one selector is set). */
export interface EncryptionRules {
  unencryptedSuffix?: string | undefined;
  encryptedSuffix?: string | undefined;
  unencryptedRegex?: string | undefined;
  encryptedRegex?: string | undefined;
  unencryptedCommentRegex?: string | undefined;
  encryptedCommentRegex?: string | undefined;
  macOnlyEncrypted?: boolean | undefined;
}

/** SHA-256("sops"): fed first into the MAC of files with `mac_only_encrypted`. */
const MAC_ONLY_ENCRYPTED_INIT = Buffer.from(
  "8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69",
  "hex",
);

type Location = readonly (string | number)[];

/** Decides, per leaf, whether it is encrypted, as sops's `shouldBeEncrypted`. */
class Selector {
  readonly #rules: EncryptionRules;
  // Go's regexp.Match errors are ignored by sops: a pattern RE2 rejects simply never matches.
  readonly #unencryptedRegex: RegExp | undefined;
  readonly #encryptedRegex: RegExp | undefined;
  readonly #unencryptedCommentRegex: RegExp | undefined;
  readonly #encryptedCommentRegex: RegExp | undefined;

  constructor(rules: EncryptionRules) {
    this.#rules = rules;
    const compile = (p: string | undefined): RegExp | undefined =>
      p === undefined || p === "" ? undefined : tryCompileGoRegex(p);
    this.#unencryptedRegex = compile(rules.unencryptedRegex);
    this.#encryptedRegex = compile(rules.encryptedRegex);
    this.#unencryptedCommentRegex = compile(rules.unencryptedCommentRegex);
    this.#encryptedCommentRegex = compile(rules.encryptedCommentRegex);
  }

  get unencryptedCommentRegex(): RegExp | undefined {
    return this.#unencryptedCommentRegex;
  }

  shouldEncrypt(path: readonly string[], stack: readonly string[][], isComment: boolean): boolean {
    const r = this.#rules;
    let encrypted = true;
    if (r.unencryptedSuffix) {
      const suffix = r.unencryptedSuffix;
      if (path.some((p) => p.endsWith(suffix))) encrypted = false;
    }
    if (r.encryptedSuffix) {
      const suffix = r.encryptedSuffix;
      encrypted = path.some((p) => p.endsWith(suffix));
    }
    if (r.unencryptedRegex) {
      const re = this.#unencryptedRegex;
      if (re !== undefined && path.some((p) => re.test(p))) encrypted = false;
    }
    if (r.encryptedRegex) {
      const re = this.#encryptedRegex;
      encrypted = re !== undefined && path.some((p) => re.test(p));
    }
    if (r.unencryptedCommentRegex) {
      const re = this.#unencryptedCommentRegex;
      if (re !== undefined && stack.some((level) => level.some((c) => re.test(c))))
        encrypted = false;
    }
    if (r.encryptedCommentRegex) {
      encrypted = this.#matchesEncryptedComment(stack, isComment);
    }
    return encrypted;
  }

  #matchesEncryptedComment(stack: readonly string[][], isComment: boolean): boolean {
    const re = this.#encryptedCommentRegex;
    if (re === undefined) return false;
    const last = stack.length - 1;
    return stack.some((level, i) =>
      level.some((c, j) => {
        // The marker comment itself stays readable: skip the innermost level's newest comment.
        if (isComment && i === last && j === level.length - 1) return false;
        return re.test(c);
      }),
    );
  }
}

type LeafVisitor = (
  leaf: TreeValue | Comment,
  path: readonly string[],
  stack: readonly string[][],
  where: Location,
) => TreeValue | Comment;

function goTypeName(value: TreeValue | Comment): string {
  if (typeof value === "string") return "string";
  if (value instanceof Uint8Array) return "[]uint8";
  if (typeof value === "boolean") return "bool";
  if (value === null) return "<nil>";
  switch (value.kind) {
    case "int":
      return "int";
    case "float":
      return "float64";
    case "time":
      return "time.Time";
    case "unsupported":
      return value.goType;
    case "comment":
      return "sops.Comment";
    case "map":
      return "sops.TreeBranch";
    case "list":
      return "[]interface {}";
  }
}

function walkError(message: string, where: Location, cause?: unknown): SopsError {
  return new SopsError(`Error walking tree: ${message}`, SopsExitCode.ErrorGeneric, {
    path: where,
    cause,
  });
}

function walkValue(
  value: TreeValue | Comment,
  path: readonly string[],
  stack: string[][],
  where: Location,
  visit: LeafVisitor,
): TreeValue | Comment {
  if (value === null) return null;
  if (typeof value === "object" && !(value instanceof Uint8Array)) {
    if (value.kind === "map") return walkMap(value, path, stack, where, visit);
    if (value.kind === "list") return walkList(value, path, stack, where, visit);
    if (value.kind === "unsupported") {
      throw walkError(`Cannot walk value, unknown type: ${value.goType}`, where);
    }
  }
  return visit(value, path, stack, where);
}

function walkList(
  list: TreeList,
  path: readonly string[],
  outer: string[][],
  where: Location,
  visit: LeafVisitor,
): TreeList {
  const stack = [...outer, []];
  const out = treeList();
  list.items.forEach((item, index) => {
    const isComment =
      typeof item === "object" && item !== null && "kind" in item && item.kind === "comment";
    if (isComment) stack[stack.length - 1]?.push(item.value);
    out.items.push(walkValue(item, path, stack, [...where, index], visit));
    if (!isComment) stack[stack.length - 1] = [];
  });
  return out;
}

function walkMap(
  map: TreeMap,
  path: readonly string[],
  outer: string[][],
  where: Location,
  visit: LeafVisitor,
): TreeMap {
  const stack = [...outer, []];
  const out = treeMap();
  for (const item of map.items) {
    const key = item.key;
    if (typeof key !== "string" && key.kind === "comment") {
      stack[stack.length - 1]?.push(key.value);
      const result = visit(key, path, stack, where);
      const newKey =
        typeof result === "string"
          ? makeComment(result, key.inline)
          : typeof result === "object" &&
              result !== null &&
              "kind" in result &&
              result.kind === "comment"
            ? makeComment(result.value, key.inline)
            : key;
      out.items.push({ key: newKey, value: null });
      continue;
    }
    if (typeof key !== "string") {
      throw walkError(
        `Tree contains a non-string key (type ${key.goType}): ${key.text}. Only string keys are supported`,
        where,
      );
    }
    const value = walkValue(item.value, [...path, key], stack, [...where, key], visit);
    out.items.push({ key, value: value as TreeValue });
    stack[stack.length - 1] = [];
  }
  return out;
}

function walkBranches(branches: TreeBranches, visit: LeafVisitor): TreeBranches {
  return branches.map((branch) => walkMap(branch, [], [], [], visit));
}

function newMacHash(rules: EncryptionRules): Hash {
  const hash = createHash("sha512");
  if (rules.macOnlyEncrypted === true) hash.update(MAC_ONLY_ENCRYPTED_INIT);
  return hash;
}

function hashLeaf(hash: Hash, leaf: TreeValue | Comment): void {
  const plain = toPlaintext(leaf);
  if (plain !== undefined) hash.update(plain.bytes);
}

const isCommentValue = (value: TreeValue | Comment): value is Comment =>
  typeof value === "object" && value !== null && "kind" in value && value.kind === "comment";

/**
 * Encrypts the selected leaves of `branches` and computes the MAC over the cleartext.
 * @returns the encrypted tree and the MAC as uppercase hex
 * @throws SopsError (`Error walking tree: …`) for non-string keys, unsupported values, or an
 * encrypted comment that matches `unencrypted_comment_regex`
 */
export function encryptTree(
  branches: TreeBranches,
  rules: EncryptionRules,
  cipher: ValueCipher,
): { branches: TreeBranches; mac: string } {
  const selector = new Selector(rules);
  const hash = newMacHash(rules);
  const encrypted = walkBranches(branches, (leaf, path, stack, where) => {
    const isComment = isCommentValue(leaf);
    const encrypt = selector.shouldEncrypt(path, stack, isComment);
    // One plaintext per leaf, shared by the MAC and the cipher (a large string is encoded once).
    const plain = toPlaintext(leaf);
    if ((rules.macOnlyEncrypted !== true || encrypt) && !isComment && plain !== undefined) {
      hash.update(plain.bytes);
    }
    if (!encrypt) return leaf;
    const aad = `${path.join(":")}:`;
    const out = cipher.encrypt(leaf, aad, plain);
    if (isComment && selector.unencryptedCommentRegex?.test(out) === true) {
      throw walkError(
        "Encrypted comment matches UnencryptedCommentRegex! Make sure that UnencryptedCommentRegex cannot match an encrypted comment.",
        where,
      );
    }
    return out;
  });
  return { branches: encrypted, mac: hash.digest("hex").toUpperCase() };
}

/** A comment that did not decrypt and was kept as written (files from old sops versions). */
export interface KeptComment {
  path: readonly (string | number)[];
}

/**
 * Decrypts the selected leaves of `branches` and computes the MAC over the result.
 * @returns the cleartext tree, the MAC as uppercase hex, and the comments kept as plaintext
 * @throws SopsError (`Error walking tree: Could not decrypt value: …`) naming the path of the
 * value that failed; never the value itself
 */
export function decryptTree(
  branches: TreeBranches,
  rules: EncryptionRules,
  cipher: ValueCipher,
): { branches: TreeBranches; mac: string; keptComments: KeptComment[] } {
  const selector = new Selector(rules);
  const hash = newMacHash(rules);
  const keptComments: KeptComment[] = [];
  const decrypted = walkBranches(branches, (leaf, path, stack, where) => {
    const isComment = isCommentValue(leaf);
    const encrypt = selector.shouldEncrypt(path, stack, isComment);
    let value: TreeValue | Comment = leaf;
    let macBytes: Uint8Array | undefined;
    if (encrypt) {
      const aad = `${path.join(":")}:`;
      if (isComment) {
        try {
          value = cipher.decrypt(leaf.value, aad);
        } catch {
          keptComments.push({ path: where });
          value = leaf;
        }
      } else if (typeof leaf === "string" || leaf instanceof Uint8Array) {
        const text = typeof leaf === "string" ? leaf : Buffer.from(leaf).toString("latin1");
        try {
          ({ value, macBytes } = cipher.open(text, aad));
        } catch (error) {
          throw walkError(`Could not decrypt value: ${(error as Error).message}`, where, error);
        }
      } else {
        throw walkError(`Expected encrypted value as string, but got ${goTypeName(leaf)}`, where);
      }
    }
    // Comments never enter the MAC, including a list comment stored as an ENC element (the
    // behaviour of sops up to 3.13.1 and again from 3.13.3; 3.13.2 hashed it by mistake).
    if ((rules.macOnlyEncrypted !== true || encrypt) && !isCommentValue(value)) {
      if (macBytes !== undefined) hash.update(macBytes);
      else hashLeaf(hash, value);
    }
    return value;
  });
  return { branches: decrypted, mac: hash.digest("hex").toUpperCase(), keptComments };
}

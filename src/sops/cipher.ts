// The value cipher: AES-256-GCM with a 32-byte random IV, written as
// ENC[AES256_GCM,data:…,iv:…,tag:…,type:…], bound to the value's key path through the AAD.
import {
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  randomBytes,
  type KeyObject,
} from "node:crypto";
import { fromPlaintext, isEmptyLeaf, toPlaintext } from "./values.js";
import type { Comment, TreeValue } from "./tree.js";

const IV_BYTES = 32;
const TAG_BYTES = 16;
const ENC_PATTERN = /^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]/s;
// With the length checked to be a multiple of 4, this linear pattern is Go's padded alphabet.
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The parts of an ENC string. */
export interface EncryptedValue {
  data: Buffer;
  iv: Buffer;
  tag: Buffer;
  type: string;
}

function decodeBase64(text: string, field: string): Buffer {
  // Go's StdEncoding skips CR and LF and is otherwise strict about alphabet and padding.
  const cleaned = text.includes("\n") || text.includes("\r") ? text.replace(/[\r\n]/g, "") : text;
  if (cleaned.length % 4 !== 0 || !BASE64.test(cleaned)) {
    throw new Error(`Error base64-decoding ${field}: illegal base64 data`);
  }
  return Buffer.from(cleaned, "base64");
}

/** True when `text` looks like an ENC string (sops's own test, anchored at the start only). */
export function isEncryptedString(text: string): boolean {
  return ENC_PATTERN.test(text);
}

/**
 * Splits an ENC string into its parts.
 * @throws Error (`does not match sops' data format`, base64 errors) without quoting the input
 */
export function parseEncryptedValue(text: string): EncryptedValue {
  const match = ENC_PATTERN.exec(text);
  if (match === null) throw new Error("Input string does not match sops' data format");
  const [, data = "", iv = "", tag = "", type = ""] = match;
  return {
    data: decodeBase64(data, "data"),
    iv: decodeBase64(iv, "iv"),
    tag: decodeBase64(tag, "tag"),
    type,
  };
}

/** AES-256-GCM open of raw parts; throws sops's text on any authentication failure. */
export function openGcm(key: Uint8Array | KeyObject, value: EncryptedValue, aad: string): Buffer {
  try {
    if (value.iv.length === 0) throw new Error("empty nonce");
    const decipher = createDecipheriv("aes-256-gcm", key, value.iv);
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(value.tag);
    return Buffer.concat([decipher.update(value.data), decipher.final()]);
  } catch (error) {
    throw new Error("Could not decrypt with AES_GCM: cipher: message authentication failed", {
      cause: error,
    });
  }
}

/** AES-256-GCM seal; returns the ENC string. */
export function sealGcm(
  key: Uint8Array | KeyObject,
  iv: Uint8Array,
  plaintext: Uint8Array,
  aad: string,
  type: string,
): string {
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  return (
    `ENC[AES256_GCM,data:${data.toString("base64")},iv:${Buffer.from(iv).toString("base64")},` +
    `tag:${tag.toString("base64")},type:${type}]`
  );
}

/**
 * Encrypts and decrypts leaves with one data key, remembering the IV of every value it decrypted.
 *
 * Why reusing those IVs is safe: an IV is reused only when the data key, the additional data (the
 * key path) and the typed plaintext are all identical to the value it was read from, so AES-GCM
 * produces the very same ciphertext and tag that are already in the file; nothing new is revealed
 * (an unchanged value was visible as unchanged anyway), and GCM's nonce-reuse weakness needs two
 * *different* plaintexts under one key and nonce, which this rule never allows. With a new data
 * key (rotate) the reused IV meets a different key, which is equally harmless.
 */
export class ValueCipher {
  // A KeyObject: Node would otherwise import the raw key again for every value.
  readonly #key: KeyObject;
  readonly #stash = new Map<string, Buffer>();
  readonly #random: (size: number) => Uint8Array;

  /**
   * @param key the 32-byte data key
   * @param random source of IV bytes (injectable for tests)
   */
  constructor(key: Uint8Array, random: (size: number) => Uint8Array = randomBytes) {
    if (key.length !== 32) throw new Error("data key must be 32 bytes");
    this.#key = createSecretKey(key);
    this.#random = random;
  }

  #ivPool: Uint8Array = new Uint8Array();
  #ivOffset = 0;

  /** A fresh 32-byte IV, cut from a pool of random bytes (one random call per 256 values). */
  #nextIv(): Uint8Array {
    if (this.#ivOffset + IV_BYTES > this.#ivPool.length) {
      this.#ivPool = this.#random(IV_BYTES * 256);
      this.#ivOffset = 0;
    }
    const iv = this.#ivPool.subarray(this.#ivOffset, this.#ivOffset + IV_BYTES);
    this.#ivOffset += IV_BYTES;
    return iv;
  }

  /** Copies the remembered IVs of another cipher (same file, new data key on rotate). */
  adoptStash(other: ValueCipher): void {
    for (const [k, v] of other.#stash) this.#stash.set(k, v);
  }

  /**
   * Encrypts one leaf; empty strings stay empty.
   * @throws Error for values that are not leaves
   */
  encrypt(value: TreeValue | Comment, aad: string): string {
    if (isEmptyLeaf(value)) return "";
    const plain = toPlaintext(value);
    if (plain === undefined) throw new Error("Value to encrypt has unsupported type");
    const stashKey = stashKeyOf(aad, plain.type, plain.bytes);
    const iv = this.#stash.get(stashKey) ?? this.#nextIv();
    return sealGcm(this.#key, iv, plain.bytes, aad, plain.type);
  }

  /**
   * Decrypts one ENC string; the empty string decrypts to itself.
   * @throws Error with sops's texts (format, base64, authentication, unknown type)
   */
  decrypt(text: string, aad: string): TreeValue | Comment {
    if (text === "") return "";
    const parsed = parseEncryptedValue(text);
    const bytes = openGcm(this.#key, parsed, aad);
    const value = fromPlaintext(parsed.type, bytes);
    const plain = toPlaintext(value);
    // Remember the IV only when re-encoding gives back exactly the bytes that were decrypted (a
    // bool written as "true" by another tool re-encodes as "True"): reusing it for different bytes
    // would be GCM nonce reuse.
    if (plain?.type === parsed.type && Buffer.from(plain.bytes).equals(bytes)) {
      this.#stash.set(stashKeyOf(aad, plain.type, plain.bytes), parsed.iv);
    }
    return value;
  }
}

function stashKeyOf(aad: string, type: string, bytes: Uint8Array): string {
  return `${aad}\u0000${type}\u0000${Buffer.from(bytes).toString("base64")}`;
}

// The value cipher: AES-256-GCM with a 32-byte random IV, written as
// ENC[AES256_GCM,data:…,iv:…,tag:…,type:…], bound to the value's key path through the AAD.
import {
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  randomBytes,
  type KeyObject,
} from "node:crypto";
import { fromPlaintext, isEmptyLeaf, toPlaintext, type ValueType } from "./values.js";
import type { Comment, TreeValue } from "./tree.js";

const IV_BYTES = 32;
const TAG_BYTES = 16;
const ENC_PREFIX = "ENC[AES256_GCM,data:";
/** Bytes re-encoded at a time when checking base64 (a multiple of 3). */
const CHECK_CHUNK = 3 * 16 * 1024;
/** Base64 length from which an ENC string is built in a buffer rather than by concatenation. */
const LARGE_ENC = 64 * 1024;
// The last quantum of padded standard base64: two symbols, then two more, one and "=", or "==".
const BASE64_LAST = /^[A-Za-z0-9+/]{2}(?:[A-Za-z0-9+/]{2}|[A-Za-z0-9+/]=|==)$/;

/** The parts of an ENC string. */
export interface EncryptedValue {
  data: Buffer;
  iv: Buffer;
  tag: Buffer;
  type: string;
}

/**
 * Go's `base64.StdEncoding.DecodeString` after sops's CR/LF removal: strict alphabet, padding
 * required, non-zero trailing bits accepted. Checked without a per-character pattern: a string is
 * padded standard base64 exactly when its full quanta are the canonical encoding of the bytes they
 * decode to (Node's decoder is lenient, so re-encoding them must give the same text back) and its
 * last quantum has a legal shape. Linear, native work only: a megabyte value costs a decode and an
 * encode.
 */
export function decodeBase64(text: string, field: string): Buffer {
  const cleaned = text.includes("\n") || text.includes("\r") ? text.replace(/[\r\n]/g, "") : text;
  const illegal = (): Error => new Error(`Error base64-decoding ${field}: illegal base64 data`);
  if (cleaned.length % 4 !== 0) throw illegal();
  if (cleaned.length === 0) return Buffer.alloc(0);
  const body = cleaned.length - 4;
  if (!BASE64_LAST.test(cleaned.slice(body))) throw illegal();
  const bytes = Buffer.from(cleaned, "base64");
  const bodyBytes = (body / 4) * 3;
  if (bytes.length < bodyBytes) throw illegal();
  // Re-encoded a chunk at a time: small strings are cheap to allocate, one megabyte-sized one is not.
  for (let at = 0; at < bodyBytes; at += CHECK_CHUNK) {
    const end = Math.min(at + CHECK_CHUNK, bodyBytes);
    const expected = cleaned.slice((at / 3) * 4, (end / 3) * 4);
    if (bytes.subarray(at, end).toString("base64") !== expected) throw illegal();
  }
  return bytes;
}

/** Where the four fields of an ENC string are, as `[start, end)` offsets. */
interface EncryptedFields {
  data: readonly [number, number];
  iv: readonly [number, number];
  tag: readonly [number, number];
  type: readonly [number, number];
}

/**
 * The match of sops's `^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]` (greedy groups,
 * anchored at the start only; `.` taken to match any character), found with four `lastIndexOf`
 * calls instead of a backtracking scan over the whole value. Greedy groups end at the last place
 * where the rest can still match, and every later field's last possible place does not depend on
 * where the earlier ones start: `]` is the last one in the text, `,type:` the last one at least
 * two characters before it (a non-empty type), `,tag:` the last one before that leaving a
 * non-empty tag, `,iv:` likewise; data must then be non-empty too.
 */
function findEncryptedFields(text: string): EncryptedFields | undefined {
  if (!text.startsWith(ENC_PREFIX)) return undefined;
  const close = text.lastIndexOf("]");
  const type = close - 7 >= 0 ? text.lastIndexOf(",type:", close - 7) : -1;
  const tag = type - 6 >= 0 ? text.lastIndexOf(",tag:", type - 6) : -1;
  const iv = tag - 5 >= 0 ? text.lastIndexOf(",iv:", tag - 5) : -1;
  if (iv < ENC_PREFIX.length + 1) return undefined;
  return {
    data: [ENC_PREFIX.length, iv],
    iv: [iv + 4, tag],
    tag: [tag + 5, type],
    type: [type + 6, close],
  };
}

/** True when `text` looks like an ENC string (sops's own test, anchored at the start only). */
export function isEncryptedString(text: string): boolean {
  return findEncryptedFields(text) !== undefined;
}

/**
 * Splits an ENC string into its parts.
 * @throws Error (`does not match sops' data format`, base64 errors) without quoting the input
 */
export function parseEncryptedValue(text: string): EncryptedValue {
  const fields = findEncryptedFields(text);
  if (fields === undefined) throw new Error("Input string does not match sops' data format");
  const field = ([start, end]: readonly [number, number]): string => text.slice(start, end);
  return {
    data: decodeBase64(field(fields.data), "data"),
    iv: decodeBase64(field(fields.iv), "iv"),
    tag: decodeBase64(field(fields.tag), "tag"),
    type: field(fields.type),
  };
}

/** AES-256-GCM open of raw parts; throws sops's text on any authentication failure. */
export function openGcm(key: Uint8Array | KeyObject, value: EncryptedValue, aad: string): Buffer {
  try {
    if (value.iv.length === 0) throw new Error("empty nonce");
    const decipher = createDecipheriv("aes-256-gcm", key, value.iv);
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(value.tag);
    // GCM is a stream mode: final() only checks the tag and adds no bytes, so no copy is needed.
    const plaintext = decipher.update(value.data);
    const rest = decipher.final();
    return rest.length === 0 ? plaintext : Buffer.concat([plaintext, rest]);
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
  const update = cipher.update(plaintext);
  const rest = cipher.final();
  const sealed = rest.length === 0 ? update : Buffer.concat([update, rest]);
  const tag = cipher.getAuthTag();
  const tail = `,iv:${Buffer.from(iv).toString("base64")},tag:${tag.toString("base64")},type:${type}]`;
  const data = sealed.toString("base64");
  if (data.length < LARGE_ENC) return `${ENC_PREFIX}${data}${tail}`;
  // A large value is assembled in one buffer and read back as one flat string. Concatenating would
  // give V8 a rope that every later scan or encoding first flattens into a fresh heap string, which
  // costs several times the encryption itself for a megabyte value (allocation and GC work). Every
  // piece is ASCII (base64 and a type name), so latin1 writes and reads are exact.
  const text = Buffer.allocUnsafe(ENC_PREFIX.length + data.length + tail.length);
  text.write(ENC_PREFIX, 0, "latin1");
  text.write(data, ENC_PREFIX.length, "latin1");
  text.write(tail, ENC_PREFIX.length + data.length, "latin1");
  return text.toString("latin1");
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
  // Values decrypted but not yet entered into the stash: only a later encrypt (edit, set, rotate)
  // needs the stash, so `decrypt` alone never pays for re-encoding and keying every value.
  #pending: PendingStash[] = [];
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

  /** Enters the values decrypted so far into the stash. */
  #settle(): Map<string, Buffer> {
    for (const { aad, type, value, bytes, iv } of this.#pending) {
      const plain = toPlaintext(value);
      // Remember the IV only when re-encoding gives back exactly the bytes that were decrypted (a
      // bool written as "true" by another tool re-encodes as "True"): reusing it for different
      // bytes would be GCM nonce reuse.
      if (plain?.type === type && Buffer.from(plain.bytes).equals(bytes)) {
        this.#stash.set(stashKeyOf(aad, plain.type, plain.bytes), iv);
      }
    }
    this.#pending = [];
    return this.#stash;
  }

  /** Copies the remembered IVs of another cipher (same file, new data key on rotate). */
  adoptStash(other: ValueCipher): void {
    for (const [k, v] of other.#settle()) this.#stash.set(k, v);
  }

  /**
   * Encrypts one leaf; empty strings stay empty.
   * @param plain the leaf's typed plaintext when the caller already has it (the MAC needs it too)
   * @throws Error for values that are not leaves
   */
  encrypt(
    value: TreeValue | Comment,
    aad: string,
    plain: { type: ValueType; bytes: Uint8Array } | undefined = toPlaintext(value),
  ): string {
    if (isEmptyLeaf(value)) return "";
    if (plain === undefined) throw new Error("Value to encrypt has unsupported type");
    const stash = this.#pending.length > 0 ? this.#settle() : this.#stash;
    const iv =
      stash.size === 0
        ? this.#nextIv()
        : (stash.get(stashKeyOf(aad, plain.type, plain.bytes)) ?? this.#nextIv());
    return sealGcm(this.#key, iv, plain.bytes, aad, plain.type);
  }

  /**
   * Decrypts one ENC string; the empty string decrypts to itself.
   * @throws Error with sops's texts (format, base64, authentication, unknown type)
   */
  decrypt(text: string, aad: string): TreeValue | Comment {
    return this.open(text, aad).value;
  }

  /**
   * Decrypts one ENC string and also returns the bytes the MAC hashes for it (the canonical
   * plaintext of the value: for strings, the decrypted bytes themselves).
   * @throws Error with sops's texts (format, base64, authentication, unknown type)
   */
  open(text: string, aad: string): { value: TreeValue | Comment; macBytes: Uint8Array } {
    if (text === "") return { value: "", macBytes: new Uint8Array() };
    const parsed = parseEncryptedValue(text);
    const bytes = openGcm(this.#key, parsed, aad);
    const value = fromPlaintext(parsed.type, bytes);
    this.#pending.push({ aad, type: parsed.type, value, bytes, iv: parsed.iv });
    // A "str" plaintext is kept as its bytes or decoded losslessly (strict UTF-8, BOM kept), so it
    // re-encodes to exactly these bytes: no need to encode a large value again for the MAC.
    const macBytes =
      parsed.type === "str" ? bytes : (toPlaintext(value)?.bytes ?? new Uint8Array());
    return { value, macBytes };
  }
}

/** A decrypted value waiting to enter the stash. */
interface PendingStash {
  aad: string;
  type: string;
  value: TreeValue | Comment;
  bytes: Buffer;
  iv: Buffer;
}

function stashKeyOf(aad: string, type: string, bytes: Uint8Array): string {
  return `${aad}\u0000${type}\u0000${Buffer.from(bytes).toString("base64")}`;
}

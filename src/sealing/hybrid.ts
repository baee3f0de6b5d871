import {
  constants,
  createCipheriv,
  createDecipheriv,
  createPublicKey,
  createSecretKey,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  type KeyObject,
} from "node:crypto";

const SESSION_KEY_BYTES = 32;
const TAG_BYTES = 16;
// Safe only because every session key is fresh and encrypts exactly one item.
const ZERO_NONCE = Buffer.alloc(12);
// A call to randomBytes costs about the same for 32 bytes as for 2 KiB (~5 µs, a third of the
// per-item cost besides RSA and AES), so one call draws the session keys of many items.
const POOLED_KEYS = 64;
let keyPool = Buffer.alloc(0);
let keyPoolOffset = 0;

// A fresh session key, used once; the caller wipes it, so the pool holds only unused keys.
function nextSessionKey(): Buffer {
  if (keyPoolOffset === keyPool.length) {
    keyPool = randomBytes(SESSION_KEY_BYTES * POOLED_KEYS);
    keyPoolOffset = 0;
  }
  const key = keyPool.subarray(keyPoolOffset, keyPoolOffset + SESSION_KEY_BYTES);
  keyPoolOffset += SESSION_KEY_BYTES;
  return key;
}

// createCipheriv's key is a string in this encoding (see hybridEncrypt).
const SESSION_KEY_TEXT = { encoding: "latin1" } as const;

const AES_BY_KEY_LENGTH: Partial<Record<number, "aes-128-gcm" | "aes-192-gcm" | "aes-256-gcm">> = {
  16: "aes-128-gcm",
  24: "aes-192-gcm",
  32: "aes-256-gcm",
};

/** An RSA public key that carries publicEncrypt's OAEP options itself. */
type OaepKey = KeyObject & { padding: number; oaepHash: string; oaepLabel: Uint8Array };
const oaepKeys = new WeakMap<KeyObject, OaepKey>();

// publicEncrypt reads padding, oaepHash and oaepLabel from the object it is given, and tells a
// KeyObject from an options object `{ key, … }` by throwing and catching inside node's
// isKeyObject and isCryptoKey: twice per call, ~6% of sealing. Given a KeyObject that carries the
// three fields itself, it takes the KeyObject path at once. Each key gets a private copy for this
// (never the caller's object), so setting the label before each synchronous call is seen by no
// one else. The interop tests (openssl pkeyutl with OAEP-SHA256 and the label) would fail if
// node ever stopped reading these fields.
function oaepKeyFor(publicKey: KeyObject): OaepKey {
  let key = oaepKeys.get(publicKey);
  if (key === undefined) {
    const copy =
      publicKey.type === "private"
        ? createPublicKey(publicKey)
        : createPublicKey({
            key: publicKey.export({ format: "der", type: "spki" }),
            format: "der",
            type: "spki",
          });
    key = Object.assign(copy, {
      padding: constants.RSA_PKCS1_OAEP_PADDING,
      oaepHash: "sha256",
      oaepLabel: new Uint8Array(0),
    });
    oaepKeys.set(publicKey, key);
  }
  return key;
}

/** Upstream's message when no key opens an item; the controller shows it in the Synced condition. */
export const noKeyMessage = "no key could decrypt secret";

/**
 * Encrypts one item the way Sealed Secrets does: a fresh AES-256-GCM session key (zero nonce, no
 * AAD) encrypts `plaintext`, RSA-OAEP-SHA256 (MGF1-SHA256) with `label` encrypts the session key,
 * and the result is `uint16be(len(rsa)) ‖ rsa ‖ aes-ciphertext ‖ tag`.
 * @param publicKey an RSA public key
 * @param label the scope label (see `labelFor`); empty for cluster-wide
 * @throws Error when the key is not an RSA key or is too small for OAEP-SHA256
 */
export function hybridEncrypt(
  publicKey: KeyObject,
  plaintext: Uint8Array,
  label: Uint8Array,
): Buffer {
  const sessionKey = nextSessionKey();
  const oaepKey = oaepKeyFor(publicKey);
  oaepKey.oaepLabel = label;
  const rsa = publicEncrypt(oaepKey, sessionKey);
  // createCipheriv tells a KeyObject from a Buffer key by throwing and catching, twice, inside
  // node's isKeyObject and isCryptoKey (~1.5 µs, about 2% of sealing); it skips both checks for a
  // string key. The string cannot be wiped, but it is garbage at once, and the plaintext it
  // protects arrives as a string in the Secret anyway. (A KeyObject avoids the throws too, but
  // costs as much in allocation and garbage collection of its native handle.)
  const cipher = createCipheriv(
    "aes-256-gcm",
    sessionKey.toString("latin1"),
    ZERO_NONCE,
    SESSION_KEY_TEXT,
  );
  sessionKey.fill(0); // both calls above took their own copy (~30 ns)
  // One output buffer written in place: Buffer.concat of five parts allocated twice as much.
  const rsaEnd = 2 + rsa.length;
  const tagStart = rsaEnd + plaintext.length;
  const blob = Buffer.allocUnsafe(tagStart + TAG_BYTES);
  blob.writeUInt16BE(rsa.length, 0);
  blob.set(rsa, 2);
  blob.set(cipher.update(plaintext), rsaEnd);
  cipher.final(); // GCM is a stream mode: final adds no bytes, it computes the tag
  blob.set(cipher.getAuthTag(), tagStart);
  return blob;
}

/**
 * Opens one item with a single private key.
 * @returns the plaintext, or undefined when this key (or label) does not open the blob
 */
export function openWithKey(
  privateKey: KeyObject,
  blob: Uint8Array,
  label: Uint8Array,
): Buffer | undefined {
  if (blob.length < 2) return undefined;
  const rsaLength = ((blob[0] ?? 0) << 8) | (blob[1] ?? 0);
  if (blob.length < rsaLength + 2) return undefined;
  const aes = blob.subarray(rsaLength + 2);
  if (aes.length < TAG_BYTES) return undefined;
  try {
    const sessionKey = privateDecrypt(
      {
        key: privateKey,
        padding: constants.RSA_PKCS1_OAEP_PADDING,
        oaepHash: "sha256",
        oaepLabel: label,
      },
      blob.subarray(2, rsaLength + 2),
    );
    // Go's aes.NewCipher picks AES-128/192/256 from the key length, so foreign sealers may too.
    const algorithm = AES_BY_KEY_LENGTH[sessionKey.length];
    if (algorithm === undefined) return undefined;
    // A KeyObject for speed, as in hybridEncrypt.
    const decipher = createDecipheriv(algorithm, createSecretKey(sessionKey), ZERO_NONCE);
    decipher.setAuthTag(aes.subarray(aes.length - TAG_BYTES));
    return Buffer.concat([
      decipher.update(aes.subarray(0, aes.length - TAG_BYTES)),
      decipher.final(),
    ]);
  } catch {
    // Wrong key, wrong label, tampered or truncated: all look the same on purpose.
    return undefined;
  }
}

/**
 * Opens one item with the first of `privateKeys` that works (upstream tries every key).
 * @throws Error `no key could decrypt secret` when none does; per-key failures are not surfaced
 */
export function hybridDecrypt(
  privateKeys: Iterable<KeyObject>,
  blob: Uint8Array,
  label: Uint8Array,
): Buffer {
  for (const key of privateKeys) {
    const plaintext = openWithKey(key, blob, label);
    if (plaintext !== undefined) return plaintext;
  }
  throw new Error(noKeyMessage);
}

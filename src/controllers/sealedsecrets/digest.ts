// The "already in sync" proof that lets a restarted controller skip RSA (see
// docs/adr/controllers-sealedsecrets-digest.md). After unsealing, the controller writes on the
// Secret an annotation holding an HMAC-SHA256 over what it unsealed (the SealedSecret's namespace,
// name, scope, encryptedData and template.data) and what that gave (the Secret's items). The HMAC
// key is derived with HKDF from the private sealing key that opened the SealedSecret, so only a
// holder of that key can make a valid digest, and the digest reveals nothing about the values.
// On restart, a Secret whose digest still verifies against the current SealedSecret and its own
// items is known to be in sync without decrypting anything.
import { createHmac, hkdfSync, timingSafeEqual, type KeyObject } from "node:crypto";
import { scopeOf, type SealedSecret } from "../../sealing/index.js";

/** The Secret annotation holding the digest: `v1;<key fingerprint>;<base64url HMAC>`. */
export const digestAnnotation = "secretfleet.io/unsealed-digest";

const version = "v1";
const salt = Buffer.from("secretfleet sealed-secrets unsealed-digest");

/** Derives the 32-byte HMAC key of a private sealing key (HKDF-SHA256 over its PKCS#1 DER). */
export function digestKey(privateKey: KeyObject): Buffer {
  const der = privateKey.export({ type: "pkcs1", format: "der" });
  return Buffer.from(hkdfSync("sha256", der, salt, version, 32));
}

/** A parsed digest annotation. */
export interface Digest {
  /** Fingerprint of the key whose derived HMAC key made the digest (which key opened it). */
  readonly fingerprint: string;
  readonly mac: string;
}

/** Reads a digest annotation; undefined when absent or not in the v1 shape. */
export function parseDigest(value: string | undefined): Digest | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(";");
  if (parts.length !== 3 || parts[0] !== version) return undefined;
  const [, fingerprint = "", mac = ""] = parts;
  if (fingerprint === "" || mac === "") return undefined;
  return { fingerprint, mac };
}

/** Formats a digest annotation value. */
export function formatDigest(digest: Digest): string {
  return `${version};${digest.fingerprint};${digest.mac}`;
}

/**
 * The names of the Secret items a SealedSecret produces (encryptedData and template.data keys),
 * or undefined for the legacy whole-Secret `spec.data`, whose item names are only known after
 * decryption (no digest is kept for those).
 */
export function producedItems(sealed: SealedSecret): string[] | undefined {
  if (sealed.spec.data !== undefined && sealed.spec.data !== null) return undefined;
  const names = new Set([
    ...Object.keys(sealed.spec.encryptedData),
    ...Object.keys(sealed.spec.template?.data ?? {}),
  ]);
  return [...names].sort();
}

/**
 * Computes the HMAC of a SealedSecret's inputs and the Secret items they gave.
 * @param key the derived key (digestKey)
 * @param data the produced items, base64 as in Secret.data (only the producedItems names)
 */
export function computeMac(
  key: Uint8Array,
  sealed: SealedSecret,
  data: Readonly<Record<string, string>>,
): string {
  const hmac = createHmac("sha256", key);
  const field = (text: string): void => {
    const bytes = Buffer.from(text, "utf8");
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hmac.update(length).update(bytes);
  };
  const map = (entries: Readonly<Record<string, string>>): void => {
    const keys = Object.keys(entries).sort();
    field(String(keys.length));
    for (const name of keys) {
      field(name);
      field(entries[name] ?? "");
    }
  };
  const meta = sealed.metadata;
  field(version);
  field(meta.namespace ?? "");
  field(meta.name ?? "");
  field(scopeOf(meta.annotations));
  map(sealed.spec.encryptedData);
  map(sealed.spec.template?.data ?? {});
  map(data);
  return hmac.digest("base64url");
}

/**
 * The items of `secretData` that the SealedSecret produces, if the Secret holds all of them.
 * @returns undefined when one is missing (the Secret cannot be in sync)
 */
export function producedData(
  sealed: SealedSecret,
  secretData: Readonly<Record<string, string>> | undefined,
): Record<string, string> | undefined {
  const names = producedItems(sealed);
  if (names === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = secretData?.[name];
    if (value === undefined) return undefined;
    out[name] = value;
  }
  return out;
}

/** A Secret's items proven in sync by its digest, and the key that opened them. */
export interface VerifiedDigest {
  /** The produced items (base64), exactly as unsealing would give them. */
  readonly data: Record<string, string>;
  readonly fingerprint: string;
}

/**
 * Checks a Secret's digest annotation against the current SealedSecret and the Secret's items.
 * @param keyFor the derived HMAC key of a loaded sealing key, by fingerprint (undefined when that
 *   key is not loaded: a retired key proves nothing)
 * @returns the verified items, or undefined when the Secret is not provably in sync
 */
export function verifyDigest(
  sealed: SealedSecret,
  secretAnnotations: Readonly<Record<string, string>> | undefined,
  secretData: Readonly<Record<string, string>> | undefined,
  keyFor: (fingerprint: string) => Uint8Array | undefined,
): VerifiedDigest | undefined {
  const digest = parseDigest(secretAnnotations?.[digestAnnotation]);
  if (digest === undefined) return undefined;
  const key = keyFor(digest.fingerprint);
  const data = producedData(sealed, secretData);
  if (key === undefined || data === undefined) return undefined;
  const expected = Buffer.from(computeMac(key, sealed, data));
  const actual = Buffer.from(digest.mac);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
  return { data, fingerprint: digest.fingerprint };
}

import type { KeyObject, X509Certificate } from "node:crypto";
import type { KeySecretEntry } from "./key-secret.js";
import type { Secret } from "./types.js";

/** `--key-order-priority` values: which time makes a key the newest. */
export const KeyOrderPriority = {
  certNotBefore: "CertNotBefore",
  secretCreationTimestamp: "SecretCreationTimestamp",
} as const;
export type KeyOrderPriority = (typeof KeyOrderPriority)[keyof typeof KeyOrderPriority];

/**
 * The ordering time of a key: its certificate's NotBefore (default), or its Secret's
 * creationTimestamp with `SecretCreationTimestamp` (the epoch when the Secret has none).
 */
export function keyOrderingTime(
  entry: KeySecretEntry,
  priority: string = KeyOrderPriority.certNotBefore,
): Date {
  if (priority === KeyOrderPriority.secretCreationTimestamp)
    return entry.creationTimestamp ?? new Date(0);
  return new Date(entry.certificate.validFrom);
}

/** Sorts key Secrets by creationTimestamp (seconds; missing first), the order upstream registers them. */
export function sortByCreationTimestamp(secrets: readonly Secret[]): Secret[] {
  const seconds = (secret: Secret): number => {
    const created = secret.metadata.creationTimestamp;
    const time = typeof created === "string" ? Date.parse(created) : Number.NaN;
    return Number.isNaN(time) ? 0 : Math.floor(time / 1000);
  };
  return [...secrets].sort((a, b) => seconds(a) - seconds(b));
}

/** A key known to a registry. */
export interface RegisteredKey {
  name: string;
  privateKey: KeyObject;
  certificate: X509Certificate;
  fingerprint: string;
  orderingTime: Date;
}

/**
 * The set of sealing keys a controller holds: every key decrypts; the one with the greatest
 * ordering time (the first registered on a tie) seals and is served as the certificate.
 * Keys are de-duplicated by fingerprint; re-registering a key replaces its entry.
 */
export class KeyRegistry {
  readonly #keys = new Map<string, RegisteredKey>();
  #latest: RegisteredKey | undefined;

  /** Adds a key and returns its entry. */
  register(
    entry: Pick<KeySecretEntry, "name" | "privateKey" | "certificate" | "fingerprint">,
    orderingTime: Date,
  ): RegisteredKey {
    const key: RegisteredKey = {
      name: entry.name,
      privateKey: entry.privateKey,
      certificate: entry.certificate,
      fingerprint: entry.fingerprint,
      orderingTime,
    };
    this.#keys.set(key.fingerprint, key);
    if (
      this.#latest === undefined ||
      this.#latest.orderingTime.getTime() < orderingTime.getTime()
    ) {
      this.#latest = key;
    }
    return key;
  }

  /** The newest key, or undefined when the registry is empty. */
  get latest(): RegisteredKey | undefined {
    return this.#latest;
  }

  /** How many distinct keys are registered. */
  get size(): number {
    return this.#keys.size;
  }

  /** Every registered key. */
  keys(): RegisteredKey[] {
    return [...this.#keys.values()];
  }

  /** Every private key, for decryption. */
  privateKeys(): KeyObject[] {
    return this.keys().map((key) => key.privateKey);
  }
}

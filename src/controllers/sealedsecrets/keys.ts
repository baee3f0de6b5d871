// The controller's sealing keys (§7.3–7.6): every key Secret in the controller namespace labelled
// `sealedsecrets.bitnami.com/sealed-secrets-key: active` (plus the legacy `<key-prefix>` Secret),
// kept current from a watch so a key dropped in (BYO) or relabelled takes effect without a
// restart; new keys generated on first start, on schedule and on demand.
import type { KeyObject, X509Certificate } from "node:crypto";
import {
  KeyRegistry,
  generateSealingKey,
  keyOrderingTime,
  keySecretManifest,
  parseKeySecret,
  sealingKeyLabel,
  sortByCreationTimestamp,
  type RegisteredKey,
  type Secret,
  type SealingKey,
} from "../../sealing/index.js";
import type { Logger } from "../../kube/index.js";
import { digestKey } from "./digest.js";

/** One loaded key, as the unsealers and the HTTP API see it. */
export interface LoadedKey {
  /** Name of its Secret. */
  readonly name: string;
  readonly fingerprint: string;
  readonly privateKey: KeyObject;
  readonly certificate: X509Certificate;
  /** The time that orders keys (cert NotBefore or Secret creationTimestamp), ms epoch. */
  readonly orderingTime: number;
}

/** True when a Secret of the controller namespace holds a sealing key the controller loads. */
export function isKeySecret(secret: Secret, keyPrefix: string): boolean {
  return (
    secret.metadata.labels?.[sealingKeyLabel] === "active" || secret.metadata.name === keyPrefix
  );
}

/**
 * The set of loaded keys. `replace` rebuilds it from the key Secrets (in creationTimestamp
 * order, as upstream registers them, unparsable ones logged and skipped); keys this process
 * generated are loaded at once, before the watch shows their Secret, and keep their exact
 * creation time as ordering time. Listeners hear of every change.
 */
export class KeyRing {
  readonly #priority: string;
  readonly #log: Logger;
  readonly #listeners = new Set<() => void>();
  readonly #generated = new Map<
    string,
    { entry: Parameters<KeyRegistry["register"]>[0]; at: number }
  >();
  readonly #digestKeys = new Map<string, Buffer>();
  readonly #skipped = new Set<string>();
  #registry = new KeyRegistry();
  #keys: readonly LoadedKey[] = [];
  #byFingerprint = new Map<string, LoadedKey>();
  #signature = "";

  /** @param priority `--key-order-priority`: CertNotBefore (default) or SecretCreationTimestamp */
  constructor(priority: string, logger: Logger) {
    this.#priority = priority;
    this.#log = logger;
  }

  /** Rebuilds the ring from every key Secret; notifies listeners if the set or newest changed. */
  replace(secrets: readonly Secret[]): void {
    const registry = new KeyRegistry();
    const seen = new Set<string>();
    for (const secret of sortByCreationTimestamp(secrets)) {
      const name = secret.metadata.name ?? "";
      let entry;
      try {
        entry = parseKeySecret(secret);
      } catch (error) {
        // Upstream crashes here (§7.4 step 6); one bad Secret must not take every key down.
        if (!this.#skipped.has(name))
          this.#log.error({ err: error, secret: name }, "skipping unparsable key Secret");
        this.#skipped.add(name);
        continue;
      }
      this.#skipped.delete(name);
      seen.add(entry.fingerprint);
      // A key made here keeps its exact creation time: certificates have whole seconds, and two
      // keys made within one second (SIGUSR1 twice) must still order as they were made.
      const made = this.#generated.get(entry.fingerprint)?.at;
      registry.register(
        entry,
        made === undefined ? keyOrderingTime(entry, this.#priority) : new Date(made),
      );
    }
    for (const [fingerprint, { entry, at }] of this.#generated) {
      if (!seen.has(fingerprint)) registry.register(entry, new Date(at));
    }
    this.#install(registry);
  }

  /** Loads a key this process just wrote (used at once, before its Secret is watched). */
  addGenerated(name: string, key: SealingKey, at: number): void {
    const entry = {
      name,
      privateKey: key.privateKey,
      certificate: key.certificate,
      fingerprint: key.fingerprint,
    };
    this.#generated.set(key.fingerprint, { entry, at });
    const registry = new KeyRegistry();
    for (const loaded of this.#keys) registry.register(loaded, new Date(loaded.orderingTime));
    registry.register(entry, new Date(at));
    this.#install(registry);
  }

  /** Every loaded key (decryption tries them all). */
  keys(): readonly LoadedKey[] {
    return this.#keys;
  }

  /** The key with this fingerprint, if loaded. */
  byFingerprint(fingerprint: string): LoadedKey | undefined {
    return this.#byFingerprint.get(fingerprint);
  }

  /** The newest key: it seals (/v1/rotate) and is served as /v1/cert.pem. */
  latest(): LoadedKey | undefined {
    const latest = this.#registry.latest;
    return latest === undefined ? undefined : this.#byFingerprint.get(latest.fingerprint);
  }

  /** The HMAC key of the digest annotation for a loaded key (see digest.ts). */
  digestKey(fingerprint: string): Buffer | undefined {
    const key = this.#byFingerprint.get(fingerprint);
    if (key === undefined) return undefined;
    let derived = this.#digestKeys.get(fingerprint);
    if (derived === undefined) {
      derived = digestKey(key.privateKey);
      this.#digestKeys.set(fingerprint, derived);
    }
    return derived;
  }

  /** Calls `listener` after every change of the loaded keys; returns a function to stop. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #install(registry: KeyRegistry): void {
    const keys = registry.keys().map(loaded);
    const signature = JSON.stringify([
      keys.map((key) => [key.fingerprint, key.orderingTime]),
      registry.latest?.fingerprint,
    ]);
    this.#registry = registry;
    this.#keys = keys;
    this.#byFingerprint = new Map(keys.map((key) => [key.fingerprint, key]));
    for (const fingerprint of this.#digestKeys.keys())
      if (!this.#byFingerprint.has(fingerprint)) this.#digestKeys.delete(fingerprint);
    if (signature === this.#signature) return;
    this.#signature = signature;
    this.#log.info({ keys: keys.length, latest: registry.latest?.name }, "sealing keys loaded");
    for (const listener of this.#listeners) listener();
  }
}

function loaded(key: RegisteredKey): LoadedKey {
  return {
    name: key.name,
    fingerprint: key.fingerprint,
    privateKey: key.privateKey,
    certificate: key.certificate,
    orderingTime: key.orderingTime.getTime(),
  };
}

/** How new keys are made (§7.5, flags §7.14). */
export interface KeyGenerationOptions {
  readonly namespace: string;
  /** `--key-prefix`: the Secret's generateName. */
  readonly keyPrefix: string;
  /** `--key-size` bits. */
  readonly keySize: number;
  /** `--key-ttl` in ms. */
  readonly keyTtlMs: number;
  /** `--my-cn`. */
  readonly commonName: string;
  /** `--privatekey-labels` and `--privatekey-annotations`, parsed. */
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/**
 * The key Secret upstream writes for a new key (§7.3): generateName `<prefix>`, type
 * kubernetes.io/tls, the active label plus extra labels (never overriding it), extra annotations.
 */
export function newKeySecret(key: SealingKey, options: KeyGenerationOptions): Secret {
  const secret = keySecretManifest(key, {
    namespace: options.namespace,
    labels: { ...options.labels },
    annotations: { ...options.annotations },
  });
  delete secret.metadata.name;
  secret.metadata.generateName = options.keyPrefix;
  return secret;
}

/** Generates an RSA key and its certificate as the controller does. */
export function generateKey(options: KeyGenerationOptions, now: number): Promise<SealingKey> {
  return generateSealingKey({
    bits: options.keySize,
    validForMs: options.keyTtlMs,
    commonName: options.commonName,
    now: new Date(now),
  });
}

/**
 * When the renewal timer first fires (§7.6): `period - age(newest key)`, at once if overdue.
 * @returns milliseconds from `now`, or undefined when renewal is off (period 0)
 */
export function firstRenewalDelay(
  periodMs: number,
  newest: number | undefined,
  now: number,
): number | undefined {
  if (periodMs <= 0) return undefined;
  if (newest === undefined) return periodMs;
  return Math.max(0, periodMs - (now - newest));
}

/**
 * True when a key must be generated at start (§7.6): there is none, or the newest one's ordering
 * time is before `--key-cutoff-time`.
 */
export function needsKeyAtStart(newest: number | undefined, cutoff: number | undefined): boolean {
  return newest === undefined || (cutoff !== undefined && newest < cutoff);
}

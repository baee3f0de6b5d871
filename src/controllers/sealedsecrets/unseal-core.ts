// Unsealing one SealedSecret with an ordered guess of which key opens it, counting RSA
// operations. Runs on worker threads (unseal-worker.ts) or inline; pure apart from the crypto.
import type { KeyObject } from "node:crypto";
import {
  openWithKey,
  unsealSealedSecret,
  type ItemOpener,
  type SealedSecret,
  type UnsealResult,
} from "../../sealing/index.js";

/** A private key as the unsealers hold it. */
export interface UnsealKey {
  readonly fingerprint: string;
  readonly privateKey: KeyObject;
}

/** One SealedSecret to unseal. */
export interface UnsealJob {
  readonly sealed: SealedSecret;
  /**
   * Fingerprints of the keys most likely to open it, best first (the key that opened it
   * before, the key that was newest when it was created); the others are tried after them.
   */
  readonly hints: readonly string[];
  /** `--accept-deprecated-v1-data`. */
  readonly acceptV1Data: boolean;
}

/** What unsealing gave. */
export interface UnsealOutcome {
  readonly result: UnsealResult;
  /** The key that opened the items (absent when none did, or there were no items). */
  readonly fingerprint?: string;
  /** RSA private-key operations made (one per key tried per item). */
  readonly rsaOperations: number;
}

/**
 * Unseals `job.sealed` with `keys` (newest first). Each item is tried first with the key that
 * opened the previous item, then the hinted keys, then the rest, so a SealedSecret sealed with
 * one key costs one RSA operation per item once its key is known.
 */
export function unsealWithKeys(keys: readonly UnsealKey[], job: UnsealJob): UnsealOutcome {
  const byFingerprint = new Map(keys.map((key) => [key.fingerprint, key]));
  const preferred: UnsealKey[] = [];
  for (const fingerprint of job.hints) {
    const key = byFingerprint.get(fingerprint);
    if (key !== undefined && !preferred.includes(key)) preferred.push(key);
  }
  let order = [...preferred, ...keys.filter((key) => !preferred.includes(key))];
  let rsaOperations = 0;
  let opener: UnsealKey | undefined;
  const open: ItemOpener = (blob, label) => {
    for (const key of order) {
      rsaOperations++;
      const plaintext = openWithKey(key.privateKey, blob, label);
      if (plaintext === undefined) continue;
      if (opener !== key) {
        opener = key;
        order = [key, ...order.filter((other) => other !== key)];
      }
      return plaintext;
    }
    return undefined;
  };
  const result = unsealSealedSecret(job.sealed, [], { acceptV1Data: job.acceptV1Data, open });
  return {
    result,
    rsaOperations,
    ...(opener === undefined ? {} : { fingerprint: opener.fingerprint }),
  };
}

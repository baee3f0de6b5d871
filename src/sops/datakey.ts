// The data key and its master keys: wrapping a new or existing data key for every key group
// (split with Shamir when there are several groups), and recovering it, with sops's group report
// when that fails.
import { randomBytes } from "node:crypto";
import { SopsError, SopsExitCode } from "./errors.js";
import {
  loadAgeIdentities,
  wrapForAgeRecipient,
  type AgeIdentities,
  type Environment,
} from "./keys/age.js";
import { PgpKeyring } from "./keys/pgp.js";
import { keyId, type KeyTypeId, type MasterKey, type Metadata } from "./metadata.js";
import { shamirCombine, shamirSplit } from "./shamir.js";

/** The decryption order sops uses when none is given. */
export const DEFAULT_DECRYPTION_ORDER: readonly KeyTypeId[] = ["age", "pgp"];

/** Every master key type id, as `--decryption-order` spells them. */
export const KEY_TYPE_IDS: readonly KeyTypeId[] = [
  "age",
  "pgp",
  "kms",
  "gcp_kms",
  "azure_kv",
  "hc_vault",
  "hckms",
];

/**
 * Where master keys come from: the age identities (loaded on first use, once) and the PGP keyring.
 * One instance serves a whole run, so a hundred files cost one identity load.
 */
export class KeySources {
  readonly #env: Environment;
  #age: AgeIdentities | undefined;
  readonly pgp: PgpKeyring;

  /**
   * @param env environment to read SOPS_AGE_KEY… and GNUPGHOME from
   * @param options explicit age identities or PGP keys (they replace the environment's age
   * identities; PGP keys are tried before GnuPG's)
   */
  constructor(
    env: Environment,
    options: {
      ageIdentities?: AgeIdentities;
      pgpPrivateKeys?: readonly string[];
      pgpPublicKeys?: readonly string[];
      useGnuPG?: boolean;
    } = {},
  ) {
    this.#env = env;
    this.#age = options.ageIdentities;
    this.pgp = new PgpKeyring({
      env,
      ...(options.pgpPrivateKeys === undefined ? {} : { privateKeys: options.pgpPrivateKeys }),
      ...(options.pgpPublicKeys === undefined ? {} : { publicKeys: options.pgpPublicKeys }),
      ...(options.useGnuPG === undefined ? {} : { useGnuPG: options.useGnuPG }),
    });
  }

  /** The age identities, loaded from the environment on first use. */
  age(recipient?: string): AgeIdentities {
    this.#age ??= loadAgeIdentities(this.#env, recipient);
    return this.#age;
  }
}

/** Wraps `part` for one master key; keys of other types cannot be used by secretfleet. */
async function wrapKey(key: MasterKey, part: Uint8Array, sources: KeySources): Promise<MasterKey> {
  switch (key.type) {
    case "age":
      return { ...key, enc: await wrapForAgeRecipient(key.recipient, part) };
    case "pgp":
      return { ...key, enc: await sources.pgp.wrap(key.fingerprint, part) };
    default:
      throw new Error(
        `${key.type} master keys are not supported by secretfleet (metadata is kept, but it cannot encrypt with them)`,
      );
  }
}

async function unwrapKey(key: MasterKey, sources: KeySources): Promise<Uint8Array> {
  switch (key.type) {
    case "age":
      return sources.age(key.recipient).unwrap(key.enc);
    case "pgp":
      return sources.pgp.unwrap(key.fingerprint, key.enc);
    default:
      throw new Error(`${key.type} master keys are not supported by secretfleet`);
  }
}

/** Generates a fresh 32-byte data key. */
export function newDataKey(random: (size: number) => Uint8Array = randomBytes): Uint8Array {
  return random(32);
}

/**
 * Wraps `dataKey` for every key of every group (Shamir shares when there are several groups).
 * `reuse` may return a key's existing `enc` when it still wraps the same part (only meaningful
 * with one group, where the part is the data key itself).
 * @returns the groups with `enc` filled in, and the threshold to record
 * @throws SopsError `Could not generate data key: […]` listing every failure
 */
export async function wrapDataKey(
  groups: readonly (readonly MasterKey[])[],
  threshold: number,
  dataKey: Uint8Array,
  sources: KeySources,
  reuse?: (key: MasterKey) => string | undefined,
): Promise<{ keyGroups: MasterKey[][]; shamirThreshold: number }> {
  if (groups.length === 0) {
    throw new SopsError(
      "Could not generate data key: [no key groups provided]",
      SopsExitCode.ErrorGeneric,
    );
  }
  if (groups.some((g) => g.length === 0)) {
    throw new SopsError(
      "Could not generate data key: [empty key group provided]",
      SopsExitCode.ErrorGeneric,
    );
  }
  let parts: Uint8Array[];
  let shamirThreshold = threshold;
  if (groups.length === 1) {
    parts = [dataKey];
  } else {
    if (shamirThreshold === 0) shamirThreshold = groups.length;
    try {
      parts = shamirSplit(dataKey, groups.length, shamirThreshold);
    } catch (error) {
      throw new SopsError(
        `Could not generate data key: [could not split data key into parts for Shamir: ${(error as Error).message}]`,
        SopsExitCode.ErrorGeneric,
      );
    }
  }
  const failures: string[] = [];
  const keyGroups = await Promise.all(
    groups.map((group, i) =>
      Promise.all(
        group.map(async (key) => {
          const existing = groups.length === 1 ? reuse?.(key) : undefined;
          if (existing !== undefined) return { ...key, enc: existing } as MasterKey;
          try {
            return await wrapKey(key, parts[i] ?? dataKey, sources);
          } catch (error) {
            failures.push(
              `failed to encrypt new data key with master key ${JSON.stringify(keyId(key))}: ${(error as Error).message}`,
            );
            return key;
          }
        }),
      ),
    ),
  );
  if (failures.length > 0) {
    throw new SopsError(
      `Could not generate data key: [${failures.join(" ")}]`,
      SopsExitCode.ErrorGeneric,
    );
  }
  return { keyGroups, shamirThreshold: groups.length === 1 ? threshold : shamirThreshold };
}

/** go-wordwrap's WrapString: greedy wrapping at spaces, long words left whole. */
export function wordWrap(text: string, limit: number): string {
  return text
    .split("\n")
    .map((line) => {
      const words = line.split(" ");
      const lines: string[] = [];
      let current = "";
      for (const word of words) {
        if (current === "") current = word;
        else if (current.length + 1 + word.length <= limit) current += ` ${word}`;
        else {
          lines.push(current);
          current = word;
        }
      }
      lines.push(current);
      return lines.join("\n");
    })
    .join("\n");
}

const prefixLines = (text: string, prefix: string): string =>
  text
    .split("\n")
    .map((line) => (line === "" ? line : `${prefix}${line}`))
    .join("\n");

interface GroupResult {
  part?: Uint8Array;
  failures: { key: string; error: string }[];
}

function groupReport(index: number, result: GroupResult): string {
  if (result.part !== undefined) return `Group ${index}: SUCCESS`;
  const keys = result.failures.map(({ key, error }) => {
    const wrapped = prefixLines(wordWrap(error, 60), "  | ");
    return `${key}: FAILED\n${prefixLines(`-${wrapped.slice(1)}`, "  ")}`;
  });
  return `Group ${index}: FAILED\n${prefixLines(keys.join("\n\n"), "  ")}`;
}

function recoveryError(results: GroupResult[], threshold: number): SopsError {
  const succeeded = results.filter((r) => r.part !== undefined).length;
  const trailer =
    threshold === 0
      ? "Recovery failed because no master key was able to decrypt the file. In order for SOPS to recover the file, at least one key has to be successful, but none were."
      : `Recovery failed because the file was encrypted with a Shamir threshold of ${threshold}, but only ${succeeded} part(s) were successfully recovered, one for each successful key group. In order for SOPS to recover the file, at least ${threshold} groups have to be successful. In order for a group to be successful, decryption has to succeed with any of the keys in that key group.`;
  const report = results.map((r, i) => groupReport(i, r)).join("\n\n");
  return new SopsError(
    `Failed to get the data key required to decrypt the SOPS file.\n\n${report}\n\n${wordWrap(trailer, 75)}`,
    SopsExitCode.CouldNotRetrieveKey,
  );
}

function sortedForDecryption(
  group: readonly MasterKey[],
  order: readonly KeyTypeId[],
): MasterKey[] {
  const priority = (key: MasterKey): number => {
    const index = order.indexOf(key.type);
    return index === -1 ? order.length : index;
  };
  return group
    .map((key, i) => ({ key, i }))
    .sort((a, b) => priority(a.key) - priority(b.key) || a.i - b.i)
    .map(({ key }) => key);
}

/**
 * Recovers the data key: every group is tried (keys in decryption order, first success wins);
 * one group must succeed, or with several groups at least `shamir_threshold`.
 * @throws SopsError exit 128 with sops's group report
 */
export async function recoverDataKey(
  metadata: Metadata,
  sources: KeySources,
  order: readonly KeyTypeId[] = DEFAULT_DECRYPTION_ORDER,
): Promise<Uint8Array> {
  const results: GroupResult[] = [];
  for (const group of metadata.keyGroups) {
    const result: GroupResult = { failures: [] };
    for (const key of sortedForDecryption(group, order)) {
      try {
        result.part = await unwrapKey(key, sources);
        break;
      } catch (error) {
        result.failures.push({ key: keyId(key), error: (error as Error).message });
      }
    }
    results.push(result);
  }
  const parts = results.flatMap((r) => (r.part === undefined ? [] : [r.part]));
  if (metadata.keyGroups.length > 1) {
    if (parts.length < metadata.shamirThreshold)
      throw recoveryError(results, metadata.shamirThreshold);
    try {
      return shamirCombine(parts);
    } catch (error) {
      throw new SopsError(
        `could not get data key from shamir parts: ${(error as Error).message}`,
        SopsExitCode.ErrorGeneric,
      );
    }
  }
  const [part] = parts;
  if (part === undefined || parts.length !== 1)
    throw recoveryError(results, metadata.shamirThreshold);
  return part;
}

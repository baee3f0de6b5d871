// File-level operations on bytes, composed from the stores, the key sources and the document
// walk: what the CLI commands and other modules call.
import {
  recoverDataKey,
  newDataKey,
  wrapDataKey,
  type KeySources,
  DEFAULT_DECRYPTION_ORDER,
} from "./datakey.js";
import {
  SOPS_FORMAT_VERSION,
  decryptWithKey,
  encryptWithKey,
  validateForEncryption,
  type DecryptedDocument,
} from "./document.js";
import { SopsError, SopsExitCode } from "./errors.js";
import type { CreationSettings } from "./config.js";
import { ValueCipher } from "./cipher.js";
import { keyId, type KeyTypeId, type MasterKey, type Metadata } from "./metadata.js";
import { storeFor, type Format, type Store, type StoreOptions } from "./stores/index.js";
import type { TreeBranches } from "./tree.js";

/** Options shared by the operations that decrypt. */
export interface OpenOptions {
  format: Format;
  storeOptions?: StoreOptions;
  sources: KeySources;
  decryptionOrder?: readonly KeyTypeId[];
  ignoreMac?: boolean;
}

function loadError(error: unknown): SopsError {
  if (error instanceof SopsError) return error;
  return new SopsError((error as Error).message, SopsExitCode.ErrorGeneric, { cause: error });
}

/**
 * Parses an encrypted file without decrypting anything.
 * @throws SopsError (exit 1): syntax errors, `sops metadata not found`, bad metadata
 */
export function loadEncrypted(
  bytes: Uint8Array,
  format: Format,
  storeOptions: StoreOptions = {},
): { store: Store; branches: TreeBranches; metadata: Metadata } {
  const store = storeFor(format, storeOptions);
  try {
    return { store, ...store.loadEncrypted(bytes) };
  } catch (error) {
    throw loadError(error);
  }
}

/**
 * Decrypts an encrypted file: recovers the data key, decrypts the values, verifies the MAC.
 * @throws SopsError with sops's messages and exit codes (1 load, 128 key, 25 value, 51 MAC)
 */
export async function openEncrypted(
  bytes: Uint8Array,
  options: OpenOptions,
): Promise<DecryptedDocument & { store: Store; encrypted: TreeBranches }> {
  const { store, branches, metadata } = loadEncrypted(bytes, options.format, options.storeOptions);
  const dataKey = await recoverDataKey(
    metadata,
    options.sources,
    options.decryptionOrder ?? DEFAULT_DECRYPTION_ORDER,
  );
  if (dataKey.length !== 32) {
    throw new SopsError(
      "recovered data key has the wrong length",
      SopsExitCode.CouldNotRetrieveKey,
    );
  }
  const doc = decryptWithKey(
    branches,
    metadata,
    dataKey,
    options.ignoreMac === true ? { ignoreMac: true } : {},
  );
  return { ...doc, store, encrypted: branches };
}

/**
 * Parses a plaintext file.
 * @throws SopsError exit 2 `Error unmarshalling file: …`
 */
export function loadPlain(
  bytes: Uint8Array,
  format: Format,
  storeOptions: StoreOptions = {},
): TreeBranches {
  try {
    return storeFor(format, storeOptions).loadPlain(bytes);
  } catch (error) {
    throw new SopsError(
      `Error unmarshalling file: ${(error as Error).message}`,
      SopsExitCode.CouldNotReadInputFile,
      {
        cause: error,
      },
    );
  }
}

/** Serialises with the store, mapping failures to sops's exit 4. */
function emit(produce: () => Uint8Array): Uint8Array {
  try {
    return produce();
  } catch (error) {
    if (error instanceof SopsError) throw error;
    throw new SopsError(
      `Could not marshal tree: ${(error as Error).message}`,
      SopsExitCode.ErrorDumpingTree,
      {
        cause: error,
      },
    );
  }
}

/**
 * Encrypts plaintext branches with a fresh data key for `settings`.
 * @returns the encrypted file's bytes, written by `output`
 * @throws SopsError (92 empty, 203 already encrypted, key wrapping, 23 values)
 */
export async function encryptBranches(
  branches: TreeBranches,
  output: Store,
  settings: CreationSettings,
  sources: KeySources,
  now: Date = new Date(),
): Promise<Uint8Array> {
  validateForEncryption(branches, (b) => output.hasSopsTopLevelKey(b));
  const dataKey = newDataKey();
  const wrapped = await wrapDataKey(settings.keyGroups, settings.shamirThreshold, dataKey, sources);
  const metadata: Metadata = {
    keyGroups: wrapped.keyGroups,
    shamirThreshold: wrapped.shamirThreshold,
    lastModified: "",
    mac: "",
    rules: settings.rules,
    version: SOPS_FORMAT_VERSION,
  };
  const sealed = encryptWithKey(branches, metadata, dataKey, { now });
  return emit(() => output.emitEncrypted(sealed.branches, sealed.metadata));
}

/**
 * Writes edited plaintext back with the data key it was decrypted with: unchanged values keep
 * their ciphertext (IV reuse, see {@link ValueCipher}), `lastmodified` and the MAC are renewed.
 * @param raiseVersion true for `edit` (sops raises `version` there, not on set/unset)
 */
export function reencrypt(
  doc: DecryptedDocument,
  branches: TreeBranches,
  output: Store,
  options: { raiseVersion?: boolean; now?: Date } = {},
): Uint8Array {
  const metadata = {
    ...doc.metadata,
    version: options.raiseVersion === true ? SOPS_FORMAT_VERSION : doc.metadata.version,
  };
  const sealed = encryptWithKey(branches, metadata, doc.dataKey, {
    cipher: doc.cipher,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  return emit(() => output.emitEncrypted(sealed.branches, sealed.metadata));
}

/**
 * `rotate`: a new data key for the same (adjusted) key groups; every value re-encrypted.
 * @param add keys added to the first group; @param remove key ids removed from every group
 */
export async function rotate(
  doc: DecryptedDocument,
  output: Store,
  sources: KeySources,
  changes: { add?: readonly MasterKey[]; remove?: readonly string[] } = {},
  now: Date = new Date(),
): Promise<Uint8Array> {
  const removed = new Set(changes.remove ?? []);
  const groups = doc.metadata.keyGroups.map((group, i) => [
    ...group.filter((key) => !removed.has(keyId(key))),
    ...(i === 0 ? (changes.add ?? []) : []),
  ]);
  const dataKey = newDataKey();
  const wrapped = await wrapDataKey(groups, doc.metadata.shamirThreshold, dataKey, sources);
  const cipher = new ValueCipher(dataKey);
  cipher.adoptStash(doc.cipher);
  const metadata: Metadata = {
    ...doc.metadata,
    keyGroups: wrapped.keyGroups,
    shamirThreshold: wrapped.shamirThreshold,
  };
  const sealed = encryptWithKey(doc.branches, metadata, dataKey, { cipher, now });
  return emit(() => output.emitEncrypted(sealed.branches, sealed.metadata));
}

/** What `updatekeys` would change in one file. */
export interface KeyChanges {
  /** Per group index: key ids added and removed. */
  groups: { added: string[]; removed: string[] }[];
  thresholdBefore: number;
  thresholdAfter: number;
  /** True when nothing differs. */
  upToDate: boolean;
}

function groupIds(group: readonly MasterKey[]): string[] {
  return group.map((key) => `${key.type}:${keyId(key)}`);
}

/** Compares a file's key groups with the wanted ones. */
export function diffKeyGroups(
  current: Metadata,
  wanted: readonly (readonly MasterKey[])[],
  threshold: number,
): KeyChanges {
  const count = Math.max(current.keyGroups.length, wanted.length);
  const groups = Array.from({ length: count }, (_, i) => {
    const before = groupIds(current.keyGroups[i] ?? []);
    const after = groupIds(wanted[i] ?? []);
    return {
      added: after.filter((k) => !before.includes(k)).map((k) => k.slice(k.indexOf(":") + 1)),
      removed: before.filter((k) => !after.includes(k)).map((k) => k.slice(k.indexOf(":") + 1)),
    };
  });
  const upToDate =
    groups.every((g) => g.added.length === 0 && g.removed.length === 0) &&
    threshold === current.shamirThreshold;
  return { groups, thresholdBefore: current.shamirThreshold, thresholdAfter: threshold, upToDate };
}

/**
 * `updatekeys`: replaces the key groups, re-wrapping the same data key; values, MAC and
 * `lastmodified` are untouched. Keys that stay (same group, one group) keep their `enc`.
 * @returns the new bytes (undefined when already up to date) and the changes
 */
export async function updateKeys(
  bytes: Uint8Array,
  format: Format,
  wanted: CreationSettings,
  sources: KeySources,
  options: {
    storeOptions?: StoreOptions;
    decryptionOrder?: readonly KeyTypeId[];
    threshold?: number;
  } = {},
): Promise<{ bytes: Uint8Array | undefined; changes: KeyChanges }> {
  const { store, branches, metadata } = loadEncrypted(bytes, format, options.storeOptions);
  // As sops: the file's threshold (or the flag's), capped by the number of groups; the rule's own
  // shamir_threshold is not consulted by updatekeys.
  const requested =
    options.threshold !== undefined && options.threshold !== 0
      ? options.threshold
      : metadata.shamirThreshold;
  const threshold = Math.min(requested, wanted.keyGroups.length);
  const changes = diffKeyGroups(metadata, wanted.keyGroups, threshold);
  if (changes.upToDate) return { bytes: undefined, changes };
  const dataKey = await recoverDataKey(
    metadata,
    sources,
    options.decryptionOrder ?? DEFAULT_DECRYPTION_ORDER,
  );
  const existing = new Map(
    metadata.keyGroups.length === 1
      ? (metadata.keyGroups[0] ?? []).map((k) => [`${k.type}:${keyId(k)}`, k])
      : [],
  );
  const wrapped = await wrapDataKey(wanted.keyGroups, threshold, dataKey, sources, (key) => {
    const old = existing.get(`${key.type}:${keyId(key)}`);
    return old === undefined ? undefined : enc(old);
  });
  // A kept key keeps its whole entry (created_at included), not just its ciphertext.
  const keyGroups = wrapped.keyGroups.map((group) =>
    group.map((key) =>
      wanted.keyGroups.length === 1 ? (existing.get(`${key.type}:${keyId(key)}`) ?? key) : key,
    ),
  );
  const next: Metadata = { ...metadata, keyGroups, shamirThreshold: wrapped.shamirThreshold };
  return { bytes: emit(() => store.emitEncrypted(branches, next)), changes };
}

function enc(key: MasterKey): string | undefined {
  if (key.type === "age" || key.type === "pgp") return key.enc;
  const value = key.fields.enc;
  return typeof value === "string" && value !== "" ? value : undefined;
}

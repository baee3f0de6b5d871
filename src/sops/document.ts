// Whole-document operations: encrypt a plaintext tree, decrypt an encrypted one (MAC checked), and
// re-encrypt an edited tree with the same data key so unchanged values keep their ciphertext.
import { ValueCipher } from "./cipher.js";
import { SopsError, SopsExitCode } from "./errors.js";
import { canonicalRfc3339Seconds, rfc3339SecondsUtc } from "./go-time.js";
import type { Metadata } from "./metadata.js";
import type { TreeBranches } from "./tree.js";
import { decryptTree, encryptTree, type KeptComment } from "./walk.js";

/** The sops version secretfleet writes into `version` (the format it is compatible with). */
export const SOPS_FORMAT_VERSION = "3.13.2";

/** sops's message for a plaintext that already carries metadata (exit 203). */
export const ALREADY_ENCRYPTED =
  "The file you have provided contains a top-level entry called 'sops', or for flat file formats top-level entries starting with 'sops_'. This is generally due to the file already being encrypted. SOPS uses a top-level entry called 'sops' to store the metadata required to decrypt the file. For this reason, SOPS can not encrypt files that already contain such an entry.\n\nIf this is an unencrypted file, rename the 'sops' entry.\n\nIf this is an encrypted file and you want to edit it, use the editor mode, for example: `sops my_file.yaml`";

/** sops's message for an input without any document (exit 92). */
export const NEED_ONE_DOCUMENT =
  "File cannot be completely empty, it must contain at least one document";

/** A decrypted document and what is needed to write it back with minimal changes. */
export interface DecryptedDocument {
  branches: TreeBranches;
  metadata: Metadata;
  dataKey: Uint8Array;
  /** Remembers the IV of every value, so re-encrypting unchanged values reproduces them. */
  cipher: ValueCipher;
  /** Comments that did not decrypt and were kept as written (files from old sops versions). */
  keptComments: KeptComment[];
}

/**
 * Decrypts the values of an encrypted tree with its data key and checks the MAC.
 * @throws SopsError: exit 25 for a value that fails (naming its path), exit 51 for MAC problems
 */
export function decryptWithKey(
  encrypted: TreeBranches,
  metadata: Metadata,
  dataKey: Uint8Array,
  options: { ignoreMac?: boolean } = {},
): DecryptedDocument {
  const cipher = new ValueCipher(dataKey);
  let result;
  try {
    result = decryptTree(encrypted, metadata.rules, cipher);
  } catch (error) {
    const e = error as SopsError;
    throw new SopsError(`Error decrypting tree: ${e.message}`, SopsExitCode.ErrorDecryptingTree, {
      cause: error,
      ...(e.path === undefined ? {} : { path: e.path }),
    });
  }
  const macAad = canonicalRfc3339Seconds(metadata.lastModified) ?? metadata.lastModified;
  let fileMac: string | undefined;
  let macError: Error | undefined;
  try {
    const value = cipher.decrypt(metadata.mac, macAad);
    fileMac = typeof value === "string" ? value : "";
  } catch (error) {
    macError = error as Error;
  }
  if (options.ignoreMac !== true) {
    if (macError !== undefined) {
      throw new SopsError(`Cannot decrypt MAC: ${macError.message}`, SopsExitCode.MacMismatch, {
        cause: macError,
      });
    }
    if (fileMac !== result.mac) {
      const shown = fileMac === "" || fileMac === undefined ? "no MAC" : fileMac;
      throw new SopsError(
        `MAC mismatch. File has ${shown}, computed ${result.mac}`,
        SopsExitCode.MacMismatch,
      );
    }
  }
  return {
    branches: result.branches,
    metadata,
    dataKey,
    cipher,
    keptComments: result.keptComments,
  };
}

/**
 * Encrypts a plaintext tree with `dataKey` and seals the MAC with a new `lastmodified`.
 * @param cipher a cipher that already decrypted this file's values (edit, set), so unchanged
 * values reuse their IVs; a fresh one otherwise
 * @returns the encrypted branches and the metadata with `lastmodified` and `mac` updated
 * @throws SopsError exit 23 when a value cannot be encrypted
 */
export function encryptWithKey(
  plain: TreeBranches,
  metadata: Metadata,
  dataKey: Uint8Array,
  options: { cipher?: ValueCipher; now?: Date } = {},
): { branches: TreeBranches; metadata: Metadata } {
  const cipher = options.cipher ?? new ValueCipher(dataKey);
  let result;
  try {
    result = encryptTree(plain, metadata.rules, cipher);
  } catch (error) {
    const e = error as SopsError;
    throw new SopsError(`Error encrypting tree: ${e.message}`, SopsExitCode.ErrorEncryptingTree, {
      cause: error,
      ...(e.path === undefined ? {} : { path: e.path }),
    });
  }
  const lastModified = rfc3339SecondsUtc(options.now ?? new Date());
  const mac = cipher.encrypt(result.mac, lastModified);
  return { branches: result.branches, metadata: { ...metadata, lastModified, mac } };
}

/**
 * Checks a plaintext before encryption as sops does.
 * @throws SopsError exit 92 (no document) or 203 (already encrypted)
 */
export function validateForEncryption(
  branches: TreeBranches,
  hasSopsKey: (branch: TreeBranches[number]) => boolean,
): void {
  const first = branches[0];
  if (first === undefined)
    throw new SopsError(NEED_ONE_DOCUMENT, SopsExitCode.NeedAtLeastOneDocument);
  if (hasSopsKey(first)) throw new SopsError(ALREADY_ENCRYPTED, SopsExitCode.FileAlreadyEncrypted);
}

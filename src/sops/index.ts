// The SOPS file format, wire-compatible with getsops/sops 3.13: stores (YAML, JSON, dotenv, INI,
// binary), the value cipher, the MAC, key groups with Shamir, age and PGP master keys, and
// `.sops.yaml`. Other modules import only from here.
import { KeySources } from "./datakey.js";
import type { Environment } from "./keys/age.js";
import { AgeIdentities, parseAgeIdentities } from "./keys/age.js";
import { openEncrypted } from "./file.js";
import type { KeyTypeId } from "./metadata.js";
import type { Format } from "./stores/index.js";
import type { TreeBranches, TreeValue } from "./tree.js";

export { SopsError, SopsExitCode, formatIndexPath } from "./errors.js";
export { KeySources, DEFAULT_DECRYPTION_ORDER, KEY_TYPE_IDS, recoverDataKey } from "./datakey.js";
export {
  AgeIdentities,
  loadAgeIdentities,
  parseAgeIdentities,
  defaultAgeKeyFile,
} from "./keys/age.js";
export type { Environment } from "./keys/age.js";
export { PgpKeyring } from "./keys/pgp.js";
export type { PgpOptions } from "./keys/pgp.js";
export { formatForPath, storeFor, FORMATS } from "./stores/index.js";
export type { Format, Store, StoreOptions } from "./stores/index.js";
export type { Comment, TreeBranches, TreeItem, TreeList, TreeMap, TreeValue } from "./tree.js";
export type { Metadata, MasterKey, KeyTypeId } from "./metadata.js";
export { keyId } from "./metadata.js";
export type { EncryptionRules } from "./walk.js";
export {
  loadEncrypted,
  openEncrypted,
  loadPlain,
  encryptBranches,
  reencrypt,
  rotate,
  updateKeys,
  diffKeyGroups,
} from "./file.js";
export type { KeyChanges, OpenOptions } from "./file.js";
export type { DecryptedDocument } from "./document.js";
export { SOPS_FORMAT_VERSION } from "./document.js";
export {
  findConfigFile,
  parseConfig,
  creationSettingsFor,
  keyList,
  newAgeKey,
  newPgpKey,
  newKmsKey,
  newGcpKmsKey,
  newAzureKeyFromUrl,
  newVaultKey,
  newHckmsKey,
} from "./config.js";
export type { CreationSettings, SopsConfig } from "./config.js";
export { parseIndexPath, valueAt, setValueAt, unsetValueAt } from "./tree-path.js";
export { exampleDocument } from "./examples.js";
export { splitShellWords } from "./keys/shell-words.js";
export type { IndexPath } from "./tree-path.js";

/** A decrypted value as plain JavaScript data (see {@link toPlain}). */
export type PlainValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | Uint8Array
  | PlainValue[]
  | { [key: string]: PlainValue };

/**
 * Converts a tree value to plain JavaScript data: maps become objects (own properties, so a key
 * named `__proto__` is safe; integer-like keys follow JavaScript's property order), lists arrays
 * without their comments, integers numbers when they are safe integers and bigints otherwise,
 * timestamps their RFC 3339 text, raw bytes Uint8Arrays.
 */
export function toPlain(value: TreeValue): PlainValue {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (value instanceof Uint8Array) return value;
  switch (value.kind) {
    case "map":
      return Object.fromEntries(
        value.items.flatMap((item) =>
          typeof item.key === "string" ? [[item.key, toPlain(item.value)]] : [],
        ),
      );
    case "list":
      return value.items.flatMap((item) =>
        typeof item === "object" &&
        item !== null &&
        !(item instanceof Uint8Array) &&
        item.kind === "comment"
          ? []
          : [toPlain(item)],
      );
    case "int":
      return Number.isSafeInteger(Number(value.value)) ? Number(value.value) : value.value;
    case "float":
      return value.value;
    case "time":
      return value.text;
    case "unsupported":
      return value.text;
  }
}

/** Options of {@link decryptFile}. */
export interface DecryptFileOptions {
  /** The file's format; see {@link formatForPath} to pick it from a file name. */
  format: Format;
  /**
   * Where identities come from: `process.env`-like variables (SOPS_AGE_KEY, SOPS_AGE_KEY_FILE,
   * SOPS_AGE_KEY_CMD, XDG_CONFIG_HOME/HOME for the default keys.txt, GNUPGHOME, SOPS_GPG_EXEC).
   * Defaults to an empty environment: pass `process.env` explicitly to use the caller's.
   */
  env?: Environment;
  /** age identities (`AGE-SECRET-KEY-1…` text); when given, the environment's are not loaded. */
  ageIdentities?: string;
  /** Armored PGP private keys to try before GnuPG. */
  pgpPrivateKeys?: readonly string[];
  /** Whether the `gpg` binary may be used (default true). */
  useGnuPG?: boolean;
  /** A shared source of keys for many files (wins over the options above). */
  sources?: KeySources;
  /** Key types to try first (default age, then pgp). */
  decryptionOrder?: readonly KeyTypeId[];
  /** Skip MAC verification (sops's `--ignore-mac`). */
  ignoreMac?: boolean;
}

/** The result of {@link decryptFile}: the first document as plain data, and every document. */
export interface DecryptedFile {
  /** The first (for YAML, often the only) document as plain data. */
  data: Record<string, PlainValue>;
  /** All documents as ordered trees (comments kept). */
  documents: TreeBranches;
}

/**
 * Decrypts a SOPS-encrypted file (as used by argocd-vault-plugin's SOPS backend): recovers the
 * data key from an age or PGP master key, decrypts every value and verifies the MAC.
 *
 * @param bytes the encrypted file's content
 * @param options format and key sources
 * @returns the decrypted documents, the first also as plain data
 * @throws SopsError with sops's message and exit code (`exitCode`): 1 unparsable or no
 * metadata, 128 no key could recover the data key, 25 a value failed authentication (its `path`
 * is set), 51 MAC mismatch; never quoting a secret value
 * @example
 * const file = await decryptFile(readFileSync("secrets.enc.yaml"), {
 *   format: formatForPath("secrets.enc.yaml"),
 *   env: process.env,
 * });
 * file.data.password;
 */
export async function decryptFile(
  bytes: Uint8Array,
  options: DecryptFileOptions,
): Promise<DecryptedFile> {
  const sources =
    options.sources ??
    new KeySources(options.env ?? {}, {
      ...(options.ageIdentities === undefined
        ? {}
        : { ageIdentities: new AgeIdentities(parseAgeIdentities(options.ageIdentities, true)) }),
      ...(options.pgpPrivateKeys === undefined ? {} : { pgpPrivateKeys: options.pgpPrivateKeys }),
      ...(options.useGnuPG === undefined ? {} : { useGnuPG: options.useGnuPG }),
    });
  const doc = await openEncrypted(bytes, {
    format: options.format,
    sources,
    ...(options.decryptionOrder === undefined ? {} : { decryptionOrder: options.decryptionOrder }),
    ...(options.ignoreMac === undefined ? {} : { ignoreMac: options.ignoreMac }),
  });
  const first = doc.branches[0];
  const data = first === undefined ? {} : (toPlain(first) as Record<string, PlainValue>);
  return { data, documents: doc.branches };
}

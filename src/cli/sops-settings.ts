// How `secretfleet sops` turns flags, environment and `.sops.yaml` into formats, store options,
// key sources and creation settings, with sops's precedence rules and exit codes.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import type * as Sops from "../sops/index.js";
import { CliError } from "./errors.js";

type SopsModule = typeof Sops;

/** Flags shared by the sops commands (commander's camel-cased names). */
export interface CommonFlags {
  inputType?: string;
  outputType?: string;
  filenameOverride?: string;
  config?: string;
  indent?: string;
  ignoreMac?: boolean;
  decryptionOrder?: string;
}

/** Key and selector flags of encrypt/edit (and the `--add-*` variants of rotate). */
export interface KeyFlags {
  age?: string;
  pgp?: string;
  kms?: string;
  gcpKms?: string;
  azureKv?: string;
  hcVaultTransit?: string;
  hckms?: string;
  awsProfile?: string;
  encryptionContext?: string;
  unencryptedSuffix?: string;
  encryptedSuffix?: string;
  unencryptedRegex?: string;
  encryptedRegex?: string;
  unencryptedCommentRegex?: string;
  encryptedCommentRegex?: string;
  macOnlyEncrypted?: boolean;
  shamirSecretSharingThreshold?: string;
}

/** A SopsError as the CLI reports it: file first, sops's text, then where in the file. */
export function toCliError(sops: SopsModule, error: unknown, file: string | undefined): unknown {
  if (!(error instanceof sops.SopsError)) return error;
  const where =
    error.path !== undefined && error.path.length > 0
      ? ` (at ${sops.formatIndexPath(error.path)})`
      : "";
  const prefix = file === undefined ? "" : `${file}: `;
  return new CliError(`${prefix}${error.message}${where}`, error.exitCode, { cause: error });
}

/** The input and output formats: a valid `--input-type`/`--output-type`, else the file name's. */
export function formats(
  sops: SopsModule,
  flags: CommonFlags,
  file: string | undefined,
): { input: Sops.Format; output: Sops.Format } {
  const name = flags.filenameOverride ?? file;
  const pick = (flag: string | undefined): Sops.Format =>
    flag !== undefined && (sops.FORMATS as readonly string[]).includes(flag)
      ? (flag as Sops.Format)
      : sops.formatForPath(name);
  return { input: pick(flags.inputType), output: pick(flags.outputType) };
}

/** The loaded `.sops.yaml` (from --config, SOPS_CONFIG, or the search from the cwd), if any. */
export function loadConfig(
  sops: SopsModule,
  flags: CommonFlags,
  env: NodeJS.ProcessEnv,
): Sops.SopsConfig | undefined {
  let path = flags.config ?? env.SOPS_CONFIG;
  if (path === undefined || path === "") {
    const found = sops.findConfigFile(process.cwd());
    if (found.warning !== undefined) process.stderr.write(`warning: ${found.warning}\n`);
    path = found.path;
  }
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new CliError(`could not read config file: ${(error as Error).message}`, 1, {
      cause: error,
    });
  }
  return sops.parseConfig(text, path);
}

/** Store options: `--indent`, else the config's `stores:` setting for the format. */
export function storeOptions(
  config: Sops.SopsConfig | undefined,
  format: Sops.Format,
  indentFlag: string | undefined,
): Sops.StoreOptions {
  if (indentFlag !== undefined) {
    const indent = Number(indentFlag);
    if (!Number.isInteger(indent)) throw new CliError(`invalid --indent "${indentFlag}"`, 2);
    return { indent };
  }
  const stores = config?.stores;
  if (format === "yaml" && stores?.yamlIndent !== undefined) return { indent: stores.yamlIndent };
  if (format === "json" && stores?.jsonIndent !== undefined) return { indent: stores.jsonIndent };
  if (format === "binary" && stores?.jsonBinaryIndent !== undefined)
    return { indent: stores.jsonBinaryIndent };
  return {};
}

/**
 * `--decryption-order` / SOPS_DECRYPTION_ORDER as key type ids.
 * @throws CliError exit 112 on a duplicate entry
 */
export function decryptionOrder(
  sops: SopsModule,
  flags: CommonFlags,
  env: NodeJS.ProcessEnv,
): Sops.KeyTypeId[] {
  const text = flags.decryptionOrder ?? env.SOPS_DECRYPTION_ORDER;
  if (text === undefined || text === "") return [...sops.DEFAULT_DECRYPTION_ORDER];
  const order = text.split(",").map((t) => t.trim());
  const seen = new Set<string>();
  for (const id of order) {
    if (seen.has(id))
      throw new CliError(
        `Error: decryption order contains duplicate entry: ${id}`,
        sops.SopsExitCode.DuplicateDecryptionKeyType,
      );
    seen.add(id);
  }
  return order.filter((id): id is Sops.KeyTypeId =>
    (sops.KEY_TYPE_IDS as readonly string[]).includes(id),
  );
}

/** The key flags' values, falling back to their environment variables as sops's flags do. */
function keyFlagValues(flags: KeyFlags, env: NodeJS.ProcessEnv): Record<string, string> {
  const pick = (flag: string | undefined, name: string): string => flag ?? env[name] ?? "";
  return {
    kms: pick(flags.kms, "SOPS_KMS_ARN"),
    gcpKms: pick(flags.gcpKms, "SOPS_GCP_KMS_IDS"),
    hckms: pick(flags.hckms, "SOPS_HUAWEICLOUD_KMS_IDS"),
    azureKv: pick(flags.azureKv, "SOPS_AZURE_KEYVAULT_URLS"),
    pgp: pick(flags.pgp, "SOPS_PGP_FP"),
    hcVaultTransit: pick(flags.hcVaultTransit, "SOPS_VAULT_URIS"),
    age: pick(flags.age, "SOPS_AGE_RECIPIENTS"),
  };
}

function parseContext(text: string | undefined): Record<string, string | null> | undefined {
  if (text === undefined || text === "") return undefined;
  const context: Record<string, string | null> = {};
  for (const pair of text.split(",")) {
    const at = pair.indexOf(":");
    if (at <= 0) throw new CliError("Invalid KMS encryption context format", 6);
    context[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return context;
}

/**
 * Master keys named by flags (one group, in sops's order kms, gcp_kms, hckms, azure_kv, pgp,
 * hc_vault, age), or undefined when no key flag is set.
 */
export function keysFromFlags(
  sops: SopsModule,
  flags: KeyFlags,
  env: NodeJS.ProcessEnv,
  now: Date,
): Sops.MasterKey[] | undefined {
  const v = keyFlagValues(flags, env);
  if (Object.values(v).every((x) => x === "")) return undefined;
  const list = (text: string | undefined): string[] => sops.keyList(text ?? "", "key");
  const context = parseContext(flags.encryptionContext);
  return [
    ...list(v.kms).map((arn) => sops.newKmsKey(arn, now, context, flags.awsProfile ?? "")),
    ...list(v.gcpKms).map((id) => sops.newGcpKmsKey(id, now)),
    ...list(v.hckms).map((id) => sops.newHckmsKey(id, now)),
    ...list(v.azureKv).map((url) => sops.newAzureKeyFromUrl(url, now)),
    ...list(v.pgp).map((fp) => sops.newPgpKey(fp, now)),
    ...list(v.hcVaultTransit).map((uri) => sops.newVaultKey(uri, now)),
    ...list(v.age).map((r) => sops.newAgeKey(r)),
  ];
}

const SELECTOR_FLAGS = [
  ["unencryptedSuffix", "unencryptedSuffix"],
  ["encryptedSuffix", "encryptedSuffix"],
  ["unencryptedRegex", "unencryptedRegex"],
  ["encryptedRegex", "encryptedRegex"],
  ["unencryptedCommentRegex", "unencryptedCommentRegex"],
  ["encryptedCommentRegex", "encryptedCommentRegex"],
] as const;

const SELECTOR_CONFLICT =
  "Error: cannot use more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex, unencrypted_regex, encrypted_comment_regex, or unencrypted_comment_regex in the same file";

/**
 * What a new file is encrypted with: keys from flags or the first matching creation rule,
 * selectors per selector (a flag replaces only the same-named rule setting), `--mac-only-encrypted`
 * OR-ed with the rule, `--shamir-secret-sharing-threshold` over the rule's.
 * @throws CliError: exit 8 for two selectors, exit 1 without keys or without a matching rule
 */
export function creationSettings(context: {
  sops: SopsModule;
  flags: KeyFlags;
  env: NodeJS.ProcessEnv;
  config: Sops.SopsConfig | undefined;
  file: string;
  inputFormat: Sops.Format;
  now: Date;
}): Sops.CreationSettings {
  const { sops, flags, env, config, file, inputFormat, now } = context;
  const rule =
    config === undefined ? undefined : sops.creationSettingsFor(config, resolve(file), now);
  const rules: Sops.EncryptionRules = {};
  let selectors = 0;
  for (const [flag, prop] of SELECTOR_FLAGS) {
    const value = flags[flag] ?? rule?.rules[prop];
    if (value !== undefined && value !== "") {
      // The binary store's single value is always encrypted; selectors could only disable that.
      if (inputFormat !== "binary") rules[prop] = value;
      selectors++;
    }
  }
  if (inputFormat === "binary") {
    if (selectors > 0)
      process.stderr.write("warning: selectors are ignored with the binary store\n");
    selectors = 0;
  } else if (flags.macOnlyEncrypted === true || rule?.rules.macOnlyEncrypted === true) {
    rules.macOnlyEncrypted = true;
  }
  if (selectors > 1)
    throw new CliError(SELECTOR_CONFLICT, sops.SopsExitCode.ErrorConflictingParameters);
  if (selectors === 0 && inputFormat !== "binary") rules.unencryptedSuffix = "_unencrypted";
  const flagged = keysFromFlags(sops, flags, env, now);
  const keyGroups = flagged === undefined ? rule?.keyGroups : [flagged];
  if (keyGroups === undefined) {
    throw new CliError(
      "config file not found, or has no creation rules, and no keys provided through command line options",
      1,
    );
  }
  const thresholdFlag = Number(flags.shamirSecretSharingThreshold ?? "0");
  return {
    keyGroups,
    shamirThreshold: thresholdFlag !== 0 ? thresholdFlag : (rule?.shamirThreshold ?? 0),
    rules,
  };
}

/**
 * A missing input file is sops's exit 100 with the absolute path.
 * @throws CliError when `file` does not exist
 */
export function requireExisting(file: string): void {
  if (!existsSync(file))
    throw new CliError(`Error: cannot operate on non-existent file "${resolve(file)}"`, 100);
}

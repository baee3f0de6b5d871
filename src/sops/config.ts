// `.sops.yaml`: finding it (cwd and up to 99 parents), its creation rules (first match on the
// path relative to the config's folder), key groups with merge and de-duplication, selectors and
// store settings; and building master keys from recipients, fingerprints, ARNs and URIs.
import { existsSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { parse as parseYamlText } from "yaml";
import { SopsError, SopsExitCode } from "./errors.js";
import { compileGoRegex } from "./go-regex.js";
import { rfc3339SecondsUtc } from "./go-time.js";
import { validateAgeRecipient } from "./keys/age.js";
import { SELECTOR_FIELDS, keyId, type MasterKey, type OtherMasterKey } from "./metadata.js";
import type { EncryptionRules } from "./walk.js";

/** What a creation rule (or the command line) says about a new file. */
export interface CreationSettings {
  keyGroups: MasterKey[][];
  shamirThreshold: number;
  rules: EncryptionRules;
}

/** A parsed `.sops.yaml`. */
export interface SopsConfig {
  /** Absolute path of the file. */
  path: string;
  /** Undefined when the file has no `creation_rules` (it then counts as "no config"). */
  creationRules: Readonly<Record<string, unknown>>[] | undefined;
  stores: { yamlIndent?: number; jsonIndent?: number; jsonBinaryIndent?: number };
}

/**
 * Finds `.sops.yaml` in `cwd` or its ancestors (100 folders in total), as sops does.
 * @returns the path and a warning when a `.sops.yml` was seen and ignored
 */
export function findConfigFile(
  cwd: string,
  exists: (path: string) => boolean = existsSync,
): { path?: string; warning?: string } {
  let dir = resolve(cwd);
  let alternate: string | undefined;
  for (let i = 0; i < 100; i++) {
    const candidate = join(dir, ".sops.yaml");
    if (exists(candidate)) {
      return alternate === undefined
        ? { path: candidate }
        : {
            path: candidate,
            warning: `ignoring "${alternate}" when searching for config file; the config file must be called ".sops.yaml"; using "${candidate}" instead`,
          };
    }
    const other = join(dir, ".sops.yml");
    if (alternate === undefined && exists(other)) alternate = other;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return alternate === undefined
    ? {}
    : {
        warning: `ignoring "${alternate}" when searching for config file; the config file must be called ".sops.yaml"`,
      };
}

function configError(message: string): SopsError {
  return new SopsError(message, SopsExitCode.ErrorGeneric);
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function optionalInt(v: unknown, name: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "number" && Number.isInteger(v)) return v;
  throw configError(
    `error loading config: Could not unmarshal config file: field ${name} must be an integer`,
  );
}

/**
 * Parses the text of a `.sops.yaml`.
 * @throws SopsError (exit 1) for YAML errors and fields of the wrong type
 */
export function parseConfig(text: string, path: string): SopsConfig {
  let doc: unknown;
  try {
    doc = parseYamlText(text, { uniqueKeys: false });
  } catch (error) {
    throw configError(
      `error loading config: Could not unmarshal config file: ${(error as Error).message.split("\n")[0] ?? ""}`,
    );
  }
  const root = isRecord(doc) ? doc : {};
  const rules = root.creation_rules;
  if (rules !== undefined && rules !== null && !Array.isArray(rules)) {
    throw configError(
      "error loading config: Could not unmarshal config file: creation_rules must be a list",
    );
  }
  const stores = isRecord(root.stores) ? root.stores : {};
  const indentOf = (name: string): number | undefined => {
    const section = stores[name];
    return isRecord(section) ? optionalInt(section.indent, `stores.${name}.indent`) : undefined;
  };
  const storeSettings: SopsConfig["stores"] = {};
  const yamlIndent = indentOf("yaml");
  const jsonIndent = indentOf("json");
  const jsonBinaryIndent = indentOf("json_binary");
  if (yamlIndent !== undefined) storeSettings.yamlIndent = yamlIndent;
  if (jsonIndent !== undefined) storeSettings.jsonIndent = jsonIndent;
  if (jsonBinaryIndent !== undefined) storeSettings.jsonBinaryIndent = jsonBinaryIndent;
  return {
    path: resolve(path),
    creationRules:
      rules === undefined || rules === null
        ? undefined
        : rules.map((r: unknown) => (isRecord(r) ? r : {})),
    stores: storeSettings,
  };
}

/** A comma-separated string or a YAML list of strings (sops's parseKeyField). */
export function keyList(field: unknown, name: string): string[] {
  if (field === undefined || field === null) return [];
  if (typeof field === "string") {
    return field
      .split(",")
      .map((k) => k.trim())
      .filter((k) => k !== "");
  }
  if (Array.isArray(field)) {
    return field.map((item: unknown) => {
      if (typeof item !== "string") {
        throw configError(
          `invalid ${name} key configuration: expected string in list, got ${typeof item}`,
        );
      }
      return item;
    });
  }
  throw configError(`invalid ${name} key configuration: expected string, []string, or nil`);
}

// ---------------------------------------------------------------------------------------------
// Master keys from their string forms

/** A new age master key (no `enc` yet). */
export function newAgeKey(recipient: string): MasterKey {
  return { type: "age", recipient: validateAgeRecipient(recipient), enc: "" };
}

/** A new PGP master key: spaces removed from the fingerprint, created now. */
export function newPgpKey(fingerprint: string, now: Date): MasterKey {
  return {
    type: "pgp",
    fingerprint: fingerprint.replaceAll(" ", ""),
    createdAt: rfc3339SecondsUtc(now),
    enc: "",
  };
}

function other(type: OtherMasterKey["type"], fields: OtherMasterKey["fields"]): MasterKey {
  return { type, fields };
}

/** A new AWS KMS key from `arn[+role-arn]`. */
export function newKmsKey(
  arnText: string,
  now: Date,
  context?: Record<string, string | null>,
  awsProfile = "",
): MasterKey {
  const arn = arnText.replaceAll(" ", "");
  const roleAt = arn.indexOf("+arn:");
  const fields: Record<string, string | Record<string, string | null>> = {
    arn: roleAt > 0 ? arn.slice(0, roleAt) : arn,
    created_at: rfc3339SecondsUtc(now),
    enc: "",
    aws_profile: awsProfile,
  };
  if (roleAt > 0) fields.role = arn.slice(roleAt + 1);
  if (context !== undefined && Object.keys(context).length > 0) fields.context = context;
  return other("kms", fields);
}

/** A new GCP KMS key. */
export function newGcpKmsKey(resourceId: string, now: Date): MasterKey {
  return other("gcp_kms", {
    resource_id: resourceId.replaceAll(" ", ""),
    created_at: rfc3339SecondsUtc(now),
    enc: "",
  });
}

/** A new Azure Key Vault key from its URL or parts. */
export function newAzureKey(vaultUrl: string, name: string, version: string, now: Date): MasterKey {
  return other("azure_kv", {
    vault_url: vaultUrl,
    name,
    version,
    created_at: rfc3339SecondsUtc(now),
    enc: "",
  });
}

/**
 * A new Azure key from `https://<vault>/keys/<name>[/<version>]`.
 * @throws SopsError for other URL shapes
 */
export function newAzureKeyFromUrl(url: string, now: Date): MasterKey {
  const match = /^(https:\/\/[^/]+)\/keys\/([^/]+)\/?([^/]*)$/.exec(url.trim());
  if (match === null)
    throw configError(`could not parse ${JSON.stringify(url)} as a valid Azure Key Vault key URL`);
  return newAzureKey(match[1] ?? "", match[2] ?? "", match[3] ?? "", now);
}

/**
 * A new HashiCorp Vault transit key from `https://host:8200/v1/<engine>/keys/<name>`.
 * @throws SopsError for URIs without scheme or `/keys/`
 */
export function newVaultKey(uri: string, now: Date): MasterKey {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw configError(
      `missing scheme in Vault URL (should be like this: https://vault.example.com:8200/v1/transit/keys/keyName), got: ${uri}`,
    );
  }
  const match = /^\/v1\/(.+)\/keys\/([^/]+)\/?$/.exec(url.pathname);
  if (match === null)
    throw configError(`vault path does not seem to be formatted correctly: ${url.pathname}`);
  return other("hc_vault", {
    vault_address: `${url.protocol}//${url.host}`,
    engine_path: match[1] ?? "",
    key_name: match[2] ?? "",
    created_at: rfc3339SecondsUtc(now),
    enc: "",
  });
}

/** A new Huawei Cloud KMS key (`region:uuid`). */
export function newHckmsKey(keyIdText: string, now: Date): MasterKey {
  if (!/^[^:]+:[^:]+$/.test(keyIdText.trim())) {
    throw configError(
      `invalid HuaweiCloud KMS key ID format: ${JSON.stringify(keyIdText)} (expected region:uuid)`,
    );
  }
  return other("hckms", { key_id: keyIdText.trim(), created_at: rfc3339SecondsUtc(now), enc: "" });
}

function stringMap(value: unknown): Record<string, string | null> | undefined {
  if (!isRecord(value)) return undefined;
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(value)) out[k] = typeof v === "string" ? v : null;
  return out;
}

function dedupe(group: MasterKey[]): MasterKey[] {
  const seen = new Set<string>();
  return group.filter((key) => {
    const id = `${key.type}/${keyId(key)}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

function groupFromConfig(group: Record<string, unknown>, now: Date): MasterKey[] {
  const keys: MasterKey[] = [];
  const list = (name: string): unknown[] => {
    const value = group[name];
    return Array.isArray(value) ? (value as unknown[]) : [];
  };
  for (const merged of list("merge"))
    if (isRecord(merged)) keys.push(...groupFromConfig(merged, now));
  for (const r of list("age"))
    if (typeof r === "string") keys.push(...keyList(r, "age").map(newAgeKey));
  for (const fp of list("pgp")) if (typeof fp === "string") keys.push(newPgpKey(fp, now));
  for (const k of list("kms")) {
    if (isRecord(k)) {
      const arn = typeof k.arn === "string" ? k.arn : "";
      const role = typeof k.role === "string" && k.role !== "" ? `+${k.role}` : "";
      keys.push(
        newKmsKey(
          `${arn}${role}`,
          now,
          stringMap(k.context),
          typeof k.aws_profile === "string" ? k.aws_profile : "",
        ),
      );
    }
  }
  for (const k of list("gcp_kms"))
    if (isRecord(k) && typeof k.resource_id === "string")
      keys.push(newGcpKmsKey(k.resource_id, now));
  for (const k of list("hckms"))
    if (isRecord(k) && typeof k.key_id === "string") keys.push(newHckmsKey(k.key_id, now));
  for (const k of list("azure_keyvault")) {
    if (isRecord(k)) {
      const s = (n: string): string => (typeof k[n] === "string" ? k[n] : "");
      keys.push(newAzureKey(s("vaultUrl"), s("key"), s("version"), now));
    }
  }
  for (const uri of list("hc_vault")) if (typeof uri === "string") keys.push(newVaultKey(uri, now));
  return dedupe(keys);
}

function flatGroup(rule: Record<string, unknown>, now: Date): MasterKey[] {
  const profile = typeof rule.aws_profile === "string" ? rule.aws_profile : "";
  return [
    ...keyList(rule.age, "age").map(newAgeKey),
    ...keyList(rule.pgp, "pgp").map((fp) => newPgpKey(fp, now)),
    ...keyList(rule.kms, "kms").map((arn) => newKmsKey(arn, now, undefined, profile)),
    ...keyList(rule.gcp_kms, "gcp_kms").map((id) => newGcpKmsKey(id, now)),
    ...keyList(rule.hckms, "hckms").map((id) => newHckmsKey(id, now)),
    ...keyList(rule.azure_keyvault, "azure_keyvault").map((url) => newAzureKeyFromUrl(url, now)),
    ...keyList(rule.hc_vault_transit_uri, "hc_vault_transit_uri").map((uri) =>
      newVaultKey(uri, now),
    ),
  ];
}

/** The selectors and `mac_only_encrypted` of a rule. @throws SopsError for more than one selector */
function rulesOf(rule: Record<string, unknown>): EncryptionRules {
  const rules: EncryptionRules = {};
  let count = 0;
  for (const [name, prop] of SELECTOR_FIELDS) {
    const value = rule[name];
    if (typeof value === "string" && value !== "") {
      rules[prop] = value;
      count++;
    }
  }
  if (count > 1) {
    throw configError(
      "error loading config: cannot use more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex, unencrypted_regex, encrypted_comment_regex, or unencrypted_comment_regex for the same rule",
    );
  }
  if (rule.mac_only_encrypted === true) rules.macOnlyEncrypted = true;
  return rules;
}

/**
 * The creation settings for `filePath` from the first matching rule.
 * @returns undefined when the config has no `creation_rules`
 * @throws SopsError `error loading config: no matching creation rules found`, bad regexes, keys
 */
export function creationSettingsFor(
  config: SopsConfig,
  filePath: string,
  now: Date,
): CreationSettings | undefined {
  if (config.creationRules === undefined) return undefined;
  const configDir = dirname(config.path);
  let relative = resolve(filePath);
  if (relative.startsWith(configDir + sep)) relative = relative.slice(configDir.length + 1);
  const rule = config.creationRules.find((r) => {
    const pattern = r.path_regex;
    if (typeof pattern !== "string" || pattern === "") return true;
    let re: RegExp;
    try {
      re = compileGoRegex(pattern);
    } catch (error) {
      throw configError(`can not compile regexp: ${(error as Error).message}`);
    }
    return re.test(relative);
  });
  if (rule === undefined)
    throw configError("error loading config: no matching creation rules found");
  const rules = rulesOf(rule);
  const groupsField = rule.key_groups;
  const keyGroups =
    Array.isArray(groupsField) && groupsField.length > 0
      ? groupsField.map((g: unknown) => groupFromConfig(isRecord(g) ? g : {}, now))
      : [flatGroup(rule, now)];
  return {
    keyGroups,
    shamirThreshold: optionalInt(rule.shamir_threshold, "shamir_threshold") ?? 0,
    rules,
  };
}

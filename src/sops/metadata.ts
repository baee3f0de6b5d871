// The `sops` metadata block: reading every variant sops has written (old key orders, `null` and
// `[]` lists, weak typing in flattened stores) and writing it exactly as sops 3.13 does (every map
// sorted by key, empty lists omitted, `age`/`hc_vault` always present inside key groups).
import { SopsError, SopsExitCode } from "./errors.js";
import { canonicalRfc3339Seconds } from "./go-time.js";
import { formatFloatForFlatStores } from "./go-format.js";
import {
  intValue,
  treeList,
  treeMap,
  type TreeItem,
  type TreeMap,
  type TreeValue,
} from "./tree.js";
import type { EncryptionRules } from "./walk.js";

/** An age master key: the recipient and the armored age file holding the data key (or share). */
export interface AgeMasterKey {
  readonly type: "age";
  readonly recipient: string;
  enc: string;
}

/** A PGP master key: fingerprint, creation time and the armored PGP message. */
export interface PgpMasterKey {
  readonly type: "pgp";
  readonly fingerprint: string;
  readonly createdAt: string;
  enc: string;
}

/** The master key types secretfleet carries but cannot use (cloud KMS, Vault transit). */
export type OtherKeyType = "kms" | "gcp_kms" | "azure_kv" | "hc_vault" | "hckms";

/**
 * A master key of another type, kept field by field so a rewrite preserves it. `fields` holds the
 * metadata fields sops defines for the type (strings; `context` of kms is a string map).
 */
export interface OtherMasterKey {
  readonly type: OtherKeyType;
  readonly fields: Readonly<Record<string, string | Readonly<Record<string, string | null>>>>;
}

/** Any master key. */
export type MasterKey = AgeMasterKey | PgpMasterKey | OtherMasterKey;

/** The type identifiers used by `--decryption-order`. */
export type KeyTypeId = MasterKey["type"];

/** The metadata of an encrypted file. */
export interface Metadata {
  keyGroups: MasterKey[][];
  /** 0 when absent. */
  shamirThreshold: number;
  /** As written in the file (RFC 3339). */
  lastModified: string;
  /** The encrypted MAC (ENC string), possibly empty. */
  mac: string;
  rules: EncryptionRules;
  version: string;
}

/** The six selector names, in sops's error message order. */
export const SELECTOR_FIELDS = [
  ["encrypted_suffix", "encryptedSuffix"],
  ["unencrypted_suffix", "unencryptedSuffix"],
  ["encrypted_regex", "encryptedRegex"],
  ["unencrypted_regex", "unencryptedRegex"],
  ["encrypted_comment_regex", "encryptedCommentRegex"],
  ["unencrypted_comment_regex", "unencryptedCommentRegex"],
] as const;

/** sops's text when more than one selector is set. */
export const SELECTOR_CONFLICT =
  "more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex, unencrypted_regex, encrypted_comment_regex, or unencrypted_comment_regex in the same file";

const OTHER_KEY_FIELDS: Record<OtherKeyType, readonly string[]> = {
  kms: ["arn", "role", "context", "created_at", "enc", "aws_profile"],
  gcp_kms: ["resource_id", "created_at", "enc"],
  azure_kv: ["vault_url", "name", "version", "created_at", "enc"],
  hc_vault: ["vault_address", "engine_path", "key_name", "created_at", "enc"],
  hckms: ["key_id", "created_at", "enc"],
};

/** The order sops's loader builds a group in: kms, gcp_kms, hckms, azure_kv, hc_vault, pgp, age. */
const LOAD_ORDER = ["kms", "gcp_kms", "hckms", "azure_kv", "hc_vault", "pgp", "age"] as const;

/** The string form sops uses to name a key (`--rm-*` flags, reports, de-duplication). */
export function keyId(key: MasterKey): string {
  switch (key.type) {
    case "age":
      return key.recipient;
    case "pgp":
      return key.fingerprint;
    default:
      return otherKeyId(key);
  }
}

function otherKeyId(key: OtherMasterKey): string {
  const f = (name: string): string => {
    const v = key.fields[name];
    return typeof v === "string" ? v : "";
  };
  switch (key.type) {
    case "kms": {
      const arnRole = f("role") === "" ? f("arn") : `${f("arn")}+${f("role")}`;
      const contextValue = key.fields.context;
      const context =
        typeof contextValue === "object"
          ? Object.keys(contextValue)
              .sort()
              .map((k) => `${k}:${contextValue[k] ?? ""}`)
              .join(",")
          : "";
      if (f("aws_profile") !== "") return `${arnRole}|${context}|${f("aws_profile")}`;
      return context === "" ? arnRole : `${arnRole}|${context}`;
    }
    case "gcp_kms":
      return f("resource_id");
    case "azure_kv":
      return `${f("vault_url")}/keys/${f("name")}/${f("version")}`;
    case "hc_vault":
      return `${f("vault_address")}/v1/${f("engine_path")}/keys/${f("key_name")}`;
    case "hckms":
      return f("key_id");
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

function metadataError(message: string): SopsError {
  return new SopsError(message, SopsExitCode.ErrorGeneric, { path: ["sops"] });
}

/** The value of `name` in `map`, or undefined. */
function field(map: TreeMap, name: string): TreeValue | undefined {
  return map.items.find((item) => item.key === name)?.value;
}

/** mapstructure's weak typing to string: numbers and bools become their text. */
function weakString(value: TreeValue | undefined, name: string): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "1" : "0";
  if (value instanceof Uint8Array) return Buffer.from(value).toString("utf8");
  if (value.kind === "int") return value.value.toString();
  if (value.kind === "float") return formatFloatForFlatStores(value.value);
  if (value.kind === "time") return value.text;
  throw metadataError(`'${name}' expected type 'string', got unconvertible type`);
}

function weakInt(value: TreeValue | undefined, name: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "string") {
    if (value === "") return 0;
    if (/^[+-]?\d+$/.test(value)) return Number(value);
    throw metadataError(`cannot parse '${name}' as int: ${JSON.stringify(value)}`);
  }
  if (typeof value === "object" && !(value instanceof Uint8Array)) {
    if (value.kind === "int") return Number(value.value);
    if (value.kind === "float" && Number.isInteger(value.value)) return value.value;
  }
  throw metadataError(`'${name}' expected type 'int', got unconvertible type`);
}

function weakBool(value: TreeValue | undefined, name: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === "boolean") return value;
  if (typeof value === "string") {
    if (value === "") return false;
    if (["1", "t", "T", "TRUE", "true", "True"].includes(value)) return true;
    if (["0", "f", "F", "FALSE", "false", "False"].includes(value)) return false;
    throw metadataError(`cannot parse '${name}' as bool: ${JSON.stringify(value)}`);
  }
  if (typeof value === "object" && !(value instanceof Uint8Array) && value.kind === "int") {
    return value.value !== 0n;
  }
  throw metadataError(`'${name}' expected type 'bool', got unconvertible type`);
}

function listOf(value: TreeValue | undefined, name: string): TreeMap[] {
  if (value === undefined || value === null) return [];
  if (typeof value === "object" && !(value instanceof Uint8Array) && value.kind === "list") {
    return value.items.map((item) => {
      if (
        typeof item === "object" &&
        item !== null &&
        !(item instanceof Uint8Array) &&
        item.kind === "map"
      ) {
        return item;
      }
      throw metadataError(`'${name}': source data must be an array of maps`);
    });
  }
  throw metadataError(`'${name}': source data must be an array or slice`);
}

function checkTime(text: string, name: string): void {
  if (canonicalRfc3339Seconds(text) === undefined) {
    throw metadataError(`parsing time ${JSON.stringify(text)} in '${name}': not RFC 3339`);
  }
}

function readOtherKey(type: OtherKeyType, entry: TreeMap): OtherMasterKey {
  const fields: Record<string, string | Record<string, string | null>> = {};
  for (const name of OTHER_KEY_FIELDS[type]) {
    const value = field(entry, name);
    if (name === "context") {
      if (value === undefined || value === null) continue;
      if (typeof value !== "object" || value instanceof Uint8Array || value.kind !== "map") {
        throw metadataError(`'kms.context' expected a map`);
      }
      const context: Record<string, string | null> = {};
      for (const item of value.items) {
        if (typeof item.key !== "string") continue;
        context[item.key] = item.value === null ? null : weakString(item.value, "kms.context");
      }
      fields.context = context;
      continue;
    }
    const text = weakString(value, `${type}.${name}`);
    if (name === "role" && text === "") continue;
    fields[name] = text;
  }
  return { type, fields };
}

function readGroup(map: TreeMap): MasterKey[] {
  const group: MasterKey[] = [];
  for (const type of LOAD_ORDER) {
    for (const entry of listOf(field(map, type), type)) {
      if (type === "age") {
        group.push({
          type: "age",
          recipient: weakString(field(entry, "recipient"), "age.recipient"),
          enc: weakString(field(entry, "enc"), "age.enc"),
        });
      } else if (type === "pgp") {
        const createdAt = weakString(field(entry, "created_at"), "pgp.created_at");
        checkTime(createdAt, "pgp.created_at");
        group.push({
          type: "pgp",
          fingerprint: weakString(field(entry, "fp"), "pgp.fp"),
          createdAt,
          enc: weakString(field(entry, "enc"), "pgp.enc"),
        });
      } else {
        group.push(readOtherKey(type, entry));
      }
    }
  }
  return group;
}

/**
 * Reads the (already unflattened) `sops` map.
 * @throws SopsError for a bad `lastmodified`, no keys, or more than one selector
 */
export function parseMetadata(map: TreeMap): Metadata {
  const lastModified = weakString(field(map, "lastmodified"), "lastmodified");
  if (canonicalRfc3339Seconds(lastModified) === undefined) {
    throw metadataError(
      `parsing time ${JSON.stringify(lastModified)} as "2006-01-02T15:04:05Z07:00": cannot parse`,
    );
  }
  const flat = readGroup(map);
  let keyGroups: MasterKey[][];
  if (flat.length > 0) {
    keyGroups = [flat];
  } else {
    keyGroups = listOf(field(map, "key_groups"), "key_groups").map(readGroup);
    if (keyGroups.length === 0) throw metadataError("No keys found in file");
  }
  const rules: EncryptionRules = {};
  let selectors = 0;
  for (const [name, prop] of SELECTOR_FIELDS) {
    const value = weakString(field(map, name), name);
    if (value !== "") {
      rules[prop] = value;
      selectors++;
    }
  }
  if (selectors > 1) throw metadataError(`Cannot use ${SELECTOR_CONFLICT}`);
  if (selectors === 0) rules.unencryptedSuffix = "_unencrypted";
  rules.macOnlyEncrypted = weakBool(field(map, "mac_only_encrypted"), "mac_only_encrypted");
  return {
    keyGroups,
    shamirThreshold: weakInt(field(map, "shamir_threshold"), "shamir_threshold"),
    lastModified,
    mac: weakString(field(map, "mac"), "mac"),
    rules,
    version: weakString(field(map, "version"), "version"),
  };
}

// ---------------------------------------------------------------------------------------------
// Writing

/** A map whose keys are written sorted by byte value, as Go's sort.Strings over map keys. */
function sortedMap(entries: [string, TreeValue][]): TreeMap {
  const sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return treeMap(sorted.map(([key, value]): TreeItem => ({ key, value })));
}

function keyEntry(key: MasterKey): TreeMap {
  switch (key.type) {
    case "age":
      return sortedMap([
        ["recipient", key.recipient],
        ["enc", key.enc],
      ]);
    case "pgp":
      return sortedMap([
        ["created_at", key.createdAt],
        ["enc", key.enc],
        ["fp", key.fingerprint],
      ]);
    default:
      return sortedMap(
        Object.entries(key.fields).map(([name, value]): [string, TreeValue] => [
          name,
          typeof value === "string"
            ? value
            : sortedMap(Object.entries(value).map(([k, v]): [string, TreeValue] => [k, v])),
        ]),
      );
  }
}

function keyLists(group: readonly MasterKey[]): Map<string, TreeMap[]> {
  const lists = new Map<string, TreeMap[]>();
  for (const key of group) {
    const list = lists.get(key.type) ?? [];
    list.push(keyEntry(key));
    lists.set(key.type, list);
  }
  return lists;
}

/**
 * The `sops` map as sops 3.13 writes it: keys sorted, empty lists and zero values omitted
 * (`lastmodified`, `mac` and `version` always present).
 */
export function serializeMetadata(md: Metadata): TreeMap {
  const entries: [string, TreeValue][] = [];
  if (md.keyGroups.length === 1) {
    for (const [type, list] of keyLists(md.keyGroups[0] ?? [])) {
      entries.push([type, treeList(list)]);
    }
  } else {
    const groups = md.keyGroups.map((group) => {
      const lists = keyLists(group);
      const groupEntries: [string, TreeValue][] = [
        ["age", treeList(lists.get("age") ?? [])],
        ["hc_vault", treeList(lists.get("hc_vault") ?? [])],
      ];
      for (const [type, list] of lists) {
        if (type !== "age" && type !== "hc_vault") groupEntries.push([type, treeList(list)]);
      }
      return sortedMap(groupEntries);
    });
    if (groups.length > 0) entries.push(["key_groups", treeList(groups)]);
  }
  if (md.shamirThreshold !== 0) entries.push(["shamir_threshold", intValue(md.shamirThreshold)]);
  entries.push(["lastmodified", md.lastModified], ["mac", md.mac], ["version", md.version]);
  for (const [name, prop] of SELECTOR_FIELDS) {
    const value = md.rules[prop];
    if (value !== undefined && value !== "") entries.push([name, value]);
  }
  if (md.rules.macOnlyEncrypted === true) entries.push(["mac_only_encrypted", true]);
  return sortedMap(entries);
}

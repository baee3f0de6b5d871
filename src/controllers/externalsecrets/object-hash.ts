import { createHash } from "node:crypto";
import { goSortKeys } from "./json-value.js";

/**
 * ESO's `esutils.ObjectHash`: lower-case hex SHA3-224 over Go's `fmt.Sprintf("%+v", v)`. The
 * functions below produce that text for the three shapes ESO hashes; they must stay bit-identical
 * (spec §3.3), or ESO and secretfleet rewrite each other's Secrets forever.
 */
export function sha3224Hex(text: string | Uint8Array): string {
  return createHash("sha3-224").update(text).digest("hex");
}

/** `%+v` of a Go `map[string][]byte`: `map[a:[1 2] b:[]]`. */
export function formatByteMap(data: ReadonlyMap<string, Uint8Array>): string {
  const entries = goSortKeys(data.keys()).map(
    (key) => `${key}:[${(data.get(key) ?? new Uint8Array()).join(" ")}]`,
  );
  return `map[${entries.join(" ")}]`;
}

/** `%+v` of a Go `map[string]string`: `map[a:x b:y]`, keys and values unquoted. */
export function formatStringMap(map: Readonly<Record<string, string>> | undefined): string {
  const record = map ?? {};
  const entries = goSortKeys(Object.keys(record)).map((key) => `${key}:${record[key] ?? ""}`);
  return `map[${entries.join(" ")}]`;
}

/**
 * The data-hash annotation value for a Secret's data (`reconcile.external-secrets.io/data-hash`).
 * @param data the decoded bytes of every key (all keys, including ones another writer owns)
 */
export function secretDataHash(data: ReadonlyMap<string, Uint8Array>): string {
  return sha3224Hex(formatByteMap(data));
}

/** The created-by label value for an Owner ExternalSecret: the hash of `<namespace>/<name>`. */
export function createdByHash(namespace: string, name: string): string {
  return sha3OfName(`${namespace}/${name}`);
}

/** How many hashes of names {@link sha3OfName} keeps (about 150 bytes each). */
const namesKept = 50_000;
const nameHashes = new Map<string, string>();

/**
 * sha3224Hex of a name, uid or key path (never of secret data), remembered: every refresh of an
 * ExternalSecret hashes its namespaced name and the keys it reads again. When full, the memory
 * starts over rather than track use.
 */
export function sha3OfName(text: string): string {
  let hash = nameHashes.get(text);
  if (hash === undefined) {
    if (nameHashes.size >= namesKept) nameHashes.clear();
    hash = sha3224Hex(text);
    nameHashes.set(text, hash);
  }
  return hash;
}

/** ESO `ctrlutil.HashMeta`: the hash of an object's labels and annotations. */
export function metadataHash(
  labels: Readonly<Record<string, string>> | undefined,
  annotations: Readonly<Record<string, string>> | undefined,
): string {
  return sha3224Hex(
    `{annotations:${formatStringMap(annotations)} labels:${formatStringMap(labels)}}`,
  );
}

/**
 * `status.syncedResourceVersion` for an ExternalSecret or PushSecret: `<generation>-<metadataHash>`.
 * A change of labels or annotations (the force-sync convention) changes it.
 */
export function syncedResourceVersion(metadata: {
  readonly generation?: number | undefined;
  readonly labels?: Readonly<Record<string, string>> | undefined;
  readonly annotations?: Readonly<Record<string, string>> | undefined;
}): string {
  const { generation, labels, annotations } = metadata;
  const known = syncedVersions.get(metadata);
  if (
    known !== undefined &&
    known.generation === generation &&
    known.labels === labels &&
    known.annotations === annotations
  )
    return known.value;
  const value = `${generation ?? 0}-${metadataHash(labels, annotations)}`;
  syncedVersions.set(metadata, { generation, labels, annotations, value });
  return value;
}

// Per metadata object, with what the value was computed from: every reconcile and every informer
// event of an ExternalSecret asks for it, each time a SHA3 over its labels and annotations.
const syncedVersions = new WeakMap<
  object,
  {
    generation: number | undefined;
    labels: object | undefined;
    annotations: object | undefined;
    value: string;
  }
>();

/**
 * The field manager ESO writes a target Secret as: `externalsecrets.external-secrets.io/<es-name>`,
 * or, when that exceeds 63 characters, `externalsecrets.external-secrets.io/sha3/<sha3-224(name)>`.
 * Upstream's label/annotation cleanup uses a different length rule (spec §3.2); we use this one
 * everywhere, as the spec recommends.
 */
export function fieldManagerFor(externalSecretName: string): string {
  const plain = `externalsecrets.external-secrets.io/${externalSecretName}`;
  return Buffer.byteLength(plain) > 63
    ? `externalsecrets.external-secrets.io/sha3/${sha3224Hex(externalSecretName)}`
    : plain;
}

/**
 * How Vault API paths are built from what users write. ESO and argocd-vault-plugin follow different
 * rules, so both are kept here as separate, explicit functions.
 */

/** KV engine version, as ESO's `provider.vault.version` names it. */
export type KvVersion = "v1" | "v2";

/**
 * ESO's data path for `remoteRef.key` (external-secrets.md §8.1, `buildPath`).
 *
 * With a mount `M` (`provider.vault.path`): a key starting with `M/` loses that prefix (and, on v2, a
 * following `data/`); the result is `M/data/<rest>` on v2, `M/<rest>` on v1. Without a mount: v2
 * inserts `data` after the first segment unless the key already contains `/data/`; v1 uses the key.
 */
export function esoDataPath(key: string, mount: string | undefined, version: KvVersion): string {
  if (mount !== undefined) {
    let rest = key;
    if (rest.startsWith(`${mount}/`)) {
      rest = rest.slice(mount.length + 1);
      if (version === "v2" && rest.startsWith("data/")) rest = rest.slice("data/".length);
    }
    return version === "v2" ? `${mount}/data/${rest}` : `${mount}/${rest}`;
  }
  if (version === "v1" || key.includes("/data/")) return key;
  const [first, ...rest] = key.split("/");
  return [first, "data", ...rest].join("/");
}

/**
 * ESO's metadata path for `key` (KV v2). With a mount: `M/metadata/<key>`, with no prefix
 * stripping (upstream behaviour). Without a mount: the first `/data/` becomes `/metadata/`.
 * On v1 there is no metadata endpoint: the data path is returned.
 * @throws Error "provided Path isn't a valid kv v2 path" for a v2 key without `data` and no mount
 */
export function esoMetadataPath(
  key: string,
  mount: string | undefined,
  version: KvVersion,
): string {
  if (version === "v1") return esoDataPath(key, mount, version);
  if (mount !== undefined) return `${mount}/metadata/${key}`;
  if (!key.includes("data")) throw new Error("provided Path isn't a valid kv v2 path");
  return key.includes("/data/")
    ? key.replace("/data/", "/metadata/")
    : key.replace("data", "metadata");
}

/**
 * ESO's folder to LIST for `find.path` (recursively): `M/metadata/<path>` on v2 (`M/<path>` on v1).
 * @throws Error when the store has no mount (ESO requires one for find; see §8.1)
 */
export function esoListPath(
  path: string | undefined,
  mount: string | undefined,
  version: KvVersion,
): string {
  if (mount === undefined)
    throw new Error("find needs provider.vault.path (the KV mount) to be set");
  const folder = path === undefined || path === "" ? "" : `${path.replace(/\/+$/, "")}/`;
  return version === "v2" ? `${mount}/metadata/${folder}` : `${mount}/${folder}`;
}

/**
 * argocd-vault-plugin's rule: the path in a manifest IS the Vault API path (a KV v2 path must
 * already contain `/data/`), read as `GET /v1/<path>`, with `?version=N` only on KV v2.
 */
export function avpReadPath(path: string): string {
  return path.replace(/^\/+/, "");
}

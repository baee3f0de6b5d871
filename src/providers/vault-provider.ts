import { gjsonGet } from "./gjson.js";
import {
  formatFloatF,
  goJsonFloat,
  goJsonMarshal,
  isJsonObject,
  jsonValueToBytes,
  parseJson,
  type JsonObject,
  type JsonValue,
  jsonNumber,
  isJsonNumber,
} from "./json-values.js";
import {
  managedByKey,
  managedByValue,
  ProviderError,
  type FindRef,
  type PushRemoteRef,
  type PushSecretData,
  type RemoteRef,
  type SecretData,
  type SecretsProvider,
  type ValidationResult,
} from "./provider.js";
import { compileRe2 } from "./re2.js";
import { VaultClient, type VaultClientOptions } from "./vault-client.js";
import { esoDataPath, esoListPath, esoMetadataPath, type KvVersion } from "./vault-paths.js";

/**
 * A Vault store as ESO's `provider.vault` describes it (external-secrets.md §8.1), with every
 * referenced Secret already resolved to its value by the caller.
 */
export interface VaultProviderOptions {
  /** The client to use (shared between stores is fine), or the options to create one. */
  readonly client: VaultClient | VaultClientOptions;
  /** The KV mount (`provider.vault.path`); required for find, push and delete. */
  readonly path?: string;
  /** KV engine version (default v2). */
  readonly version?: KvVersion;
  /** `checkAndSet.required`: send `options.cas` on KV v2 writes. */
  readonly checkAndSetRequired?: boolean;
  /**
   * secretfleet's owner identity for pushes (e.g. `hub-eu/argocd/db-push`). When set, it is written
   * to `custom_metadata` beside ESO's marker, and a push or delete refuses a remote secret that
   * another owner wrote, so two hubs pushing to one path fail instead of overwriting each other.
   */
  readonly pushOwner?: string;
  /** Revoke a token this provider logged in for on `close()` (default true, as ESO does). */
  readonly revokeOnClose?: boolean;
}

/** The `custom_metadata` key that holds {@link VaultProviderOptions.pushOwner}. */
export const ownerMetadataKey = "secretfleet.io/owner";

interface Current {
  readonly data: JsonObject;
  readonly customMetadata: Readonly<Record<string, string>>;
  readonly currentVersion: number;
}

/**
 * Creates the Vault provider: KV v1 and v2 reads with ESO's path rules, `property` lookup (exact key
 * first, then a gjson path), `metadataPolicy: Fetch`, find by name / tags / path, and PushSecret
 * writes guarded by the `managed-by: external-secrets` marker in `custom_metadata`.
 */
export function createVaultProvider(options: VaultProviderOptions): SecretsProvider {
  return new VaultProvider(options);
}

class VaultProvider implements SecretsProvider {
  readonly type = "vault";
  readonly capabilities = "ReadWrite" as const;
  readonly #client: VaultClient;
  readonly #mount: string | undefined;
  readonly #version: KvVersion;
  readonly #options: VaultProviderOptions;

  constructor(options: VaultProviderOptions) {
    this.#client =
      options.client instanceof VaultClient ? options.client : new VaultClient(options.client);
    this.#mount = options.path?.replace(/^\/+|\/+$/g, "");
    this.#version = options.version ?? "v2";
    this.#options = options;
  }

  async getSecret(ref: RemoteRef): Promise<Uint8Array | undefined> {
    const value = await this.#getValue(ref);
    return value === undefined ? undefined : jsonValueToBytes(value);
  }

  async getSecretMap(ref: RemoteRef): Promise<Record<string, Uint8Array> | undefined> {
    const value = await this.#getValue(ref);
    if (value === undefined) return undefined;
    // ESO re-parses the value as JSON with float64 numbers before coercing each entry.
    const object = typeof value === "string" ? parseObject(value) : value;
    if (!isJsonObject(object)) {
      throw new ProviderError(
        "vault",
        `cannot extract "${ref.key}": the secret is not a JSON object`,
      );
    }
    const out: Record<string, Uint8Array> = {};
    for (const [key, entry] of Object.entries(object)) out[key] = extractedBytes(entry);
    return out;
  }

  async getAllSecrets(find: FindRef): Promise<Record<string, Uint8Array> | undefined> {
    const listPath = this.#guard(() => esoListPath(find.path, this.#mount, this.#version));
    const prefix = this.#version === "v2" ? `${this.#mount}/metadata/` : `${this.#mount}/`;
    const candidates = await this.#listRecursive(listPath, listPath.slice(prefix.length));
    if (candidates === undefined) return undefined;
    let names: string[];
    if (find.name !== undefined) {
      const pattern = this.#guard(() => compileRe2(find.name?.regexp ?? ""));
      names = candidates.filter((name) => pattern.test(name));
    } else {
      if (this.#version === "v1" && find.tags !== undefined) {
        throw new ProviderError("vault", "find by tags is not supported on a KV v1 store");
      }
      names = await this.#filterByTags(candidates, find.tags ?? {});
    }
    const out: Record<string, Uint8Array> = {};
    for (const name of names) {
      const data = await this.#readData(name, undefined);
      if (data !== undefined) out[name] = Buffer.from(goJsonMarshal(data), "utf8");
    }
    return out;
  }

  async pushSecret(secret: SecretData, push: PushSecretData): Promise<void> {
    const key = push.remoteRef.remoteKey;
    this.#requireMount("push");
    const value = pushedValue(secret, push);
    const current = await this.#readCurrent(key);
    if (current !== undefined) this.#checkOwnership(key, current);
    let next: JsonObject;
    if (push.remoteRef.property === undefined) {
      const object = parseObject(value);
      if (!isJsonObject(object)) {
        throw new ProviderError("vault", `cannot push to "${key}": the value is not a JSON object`);
      }
      next = object;
    } else {
      const existing = current?.data[push.remoteRef.property];
      if (existing !== undefined && typeof existing !== "string") {
        throw new ProviderError(
          "vault",
          `cannot push to "${key}": property "${push.remoteRef.property}" is not a string`,
        );
      }
      next = { ...current?.data, [push.remoteRef.property]: value };
    }
    if (current !== undefined && goJsonMarshal(current.data) === goJsonMarshal(next)) return;
    await this.#write(key, next, current);
  }

  async deleteSecret(ref: PushRemoteRef): Promise<void> {
    const key = ref.remoteKey;
    this.#requireMount("delete");
    const current = await this.#readCurrent(key);
    if (current === undefined || !this.#owned(current)) return;
    if (ref.property !== undefined) {
      if (!Object.hasOwn(current.data, ref.property)) return;
      const rest = Object.fromEntries(
        Object.entries(current.data).filter(([name]) => name !== ref.property),
      );
      if (Object.keys(rest).length > 0) {
        await this.#write(key, rest, current);
        return;
      }
    }
    await this.#client.delete(esoDataPath(key, this.#mount, this.#version));
    if (this.#version === "v2")
      await this.#client.delete(esoMetadataPath(key, this.#mount, this.#version));
  }

  async secretExists(ref: PushRemoteRef): Promise<boolean> {
    const data = await this.#readData(ref.remoteKey, undefined);
    if (data === undefined) return false;
    return ref.property === undefined || Object.hasOwn(data, ref.property);
  }

  async validate(): Promise<ValidationResult> {
    try {
      await this.#client.lookupSelf();
      return { status: "Ready" };
    } catch (error) {
      return {
        status: "Error",
        message: `cannot validate the vault store: ${(error as Error).message}`,
      };
    }
  }

  async close(): Promise<void> {
    await this.#client.close({ revoke: this.#options.revokeOnClose ?? true });
  }

  async #getValue(ref: RemoteRef): Promise<JsonValue | undefined> {
    const source =
      ref.metadataPolicy === "Fetch"
        ? await this.#readMetadataMap(ref.key)
        : await this.#readData(ref.key, ref.version);
    if (source === undefined) return undefined;
    if (ref.property === undefined || ref.property === "") return goJsonMarshal(source);
    const exact = Object.hasOwn(source, ref.property) ? source[ref.property] : undefined;
    const found = exact ?? gjsonGet(source, ref.property);
    if (found === undefined) {
      throw new ProviderError("vault", `cannot find secret data for key: "${ref.property}"`);
    }
    return found;
  }

  /** The secret's key/values, or undefined when missing (404, or a deleted/destroyed version). */
  async #readData(key: string, version: string | undefined): Promise<JsonObject | undefined> {
    const path = esoDataPath(key, this.#mount, this.#version);
    const query =
      version !== undefined && version !== "" && this.#version === "v2" ? { version } : undefined;
    const response = await this.#client.read(path, query);
    if (response?.data === undefined || response.data === null) return undefined;
    if (this.#version === "v1") return response.data;
    const data = response.data.data;
    return isJsonObject(data) ? data : undefined;
  }

  async #readMetadataMap(key: string): Promise<JsonObject> {
    if (this.#version === "v1")
      throw new ProviderError("vault", "metadataPolicy Fetch is not supported on a KV v1 store");
    const path = this.#guard(() => esoMetadataPath(key, this.#mount, this.#version));
    const response = await this.#client.read(path);
    const data = response?.data;
    if (data === undefined || data === null)
      throw new ProviderError("vault", `secret not found: "${key}"`);
    const out: JsonObject = {};
    for (const field of ["created_time", "current_version", "delete_version_after"]) {
      const value = data[field];
      if (value !== undefined && value !== null)
        out[field] = typeof value === "string" ? value : goJsonMarshal(value);
    }
    if (isJsonObject(data.custom_metadata)) {
      for (const [name, value] of Object.entries(data.custom_metadata)) {
        out[name] = typeof value === "string" ? value : goJsonMarshal(value);
      }
    }
    return out;
  }

  async #listRecursive(folder: string, relative: string): Promise<string[] | undefined> {
    const keys = await this.#client.list(folder);
    if (keys === undefined) return undefined;
    const out: string[] = [];
    for (const key of keys) {
      if (key.endsWith("/")) {
        const nested = await this.#listRecursive(`${folder}${key}`, `${relative}${key}`);
        if (nested === undefined) return undefined;
        out.push(...nested);
      } else {
        out.push(`${relative}${key}`);
      }
    }
    return out;
  }

  async #filterByTags(
    candidates: readonly string[],
    tags: Readonly<Record<string, string>>,
  ): Promise<string[]> {
    const out: string[] = [];
    for (const name of candidates) {
      const path = esoMetadataPath(name, this.#mount, this.#version);
      const response = this.#version === "v2" ? await this.#client.read(path) : undefined;
      const custom = response?.data?.custom_metadata;
      if (this.#version === "v2" && (response?.data === undefined || response.data === null)) {
        throw new ProviderError("vault", `secret not found: "${name}"`);
      }
      const metadata = isJsonObject(custom) ? custom : {};
      if (Object.entries(tags).every(([tag, value]) => metadata[tag] === value)) out.push(name);
    }
    return out;
  }

  async #readCurrent(key: string): Promise<Current | undefined> {
    const data = await this.#readData(key, undefined);
    if (data === undefined) return undefined;
    if (this.#version === "v1") {
      const custom = data.custom_metadata;
      const rest = Object.fromEntries(
        Object.entries(data).filter(([name]) => name !== "custom_metadata"),
      );
      return { data: rest, customMetadata: stringMap(custom), currentVersion: 0 };
    }
    const metadata = await this.#client.read(esoMetadataPath(key, this.#mount, this.#version));
    const version = metadata?.data?.current_version;
    return {
      data,
      customMetadata: stringMap(metadata?.data?.custom_metadata),
      currentVersion: isJsonNumber(version) ? Number(version.text) : 0,
    };
  }

  #owned(current: Current): boolean {
    if (current.customMetadata[managedByKey] !== managedByValue) return false;
    const owner = current.customMetadata[ownerMetadataKey];
    return (
      this.#options.pushOwner === undefined ||
      owner === undefined ||
      owner === this.#options.pushOwner
    );
  }

  #checkOwnership(key: string, current: Current): void {
    if (current.customMetadata[managedByKey] !== managedByValue) {
      throw new ProviderError(
        "vault",
        `cannot push to "${key}": secret not managed by external-secrets`,
      );
    }
    const owner = current.customMetadata[ownerMetadataKey];
    if (
      this.#options.pushOwner !== undefined &&
      owner !== undefined &&
      owner !== this.#options.pushOwner
    ) {
      throw new ProviderError(
        "vault",
        `cannot push to "${key}": secret is owned by "${owner}", not "${this.#options.pushOwner}"`,
      );
    }
  }

  async #write(key: string, data: JsonObject, current: Current | undefined): Promise<void> {
    const marker: JsonObject = { [managedByKey]: managedByValue };
    if (this.#options.pushOwner !== undefined) marker[ownerMetadataKey] = this.#options.pushOwner;
    const dataPath = esoDataPath(key, this.#mount, this.#version);
    if (this.#version === "v1") {
      await this.#client.write(dataPath, { ...data, custom_metadata: marker });
      return;
    }
    await this.#client.write(esoMetadataPath(key, this.#mount, this.#version), {
      custom_metadata: marker,
    });
    const body: JsonObject = { data };
    if (this.#options.checkAndSetRequired === true) {
      body.options = { cas: jsonNumber(String(current?.currentVersion ?? 0)) };
    }
    await this.#client.write(dataPath, body);
  }

  #requireMount(operation: string): void {
    if (this.#mount === undefined) {
      throw new ProviderError(
        "vault",
        `${operation} needs provider.vault.path (the KV mount) to be set`,
      );
    }
  }

  #guard<T>(build: () => T): T {
    try {
      return build();
    } catch (error) {
      throw new ProviderError("vault", (error as Error).message, { cause: error });
    }
  }
}

function pushedValue(secret: SecretData, push: PushSecretData): string {
  if (push.secretKey === undefined) {
    const object = Object.fromEntries(
      Object.entries(secret).map(([key, bytes]) => [key, Buffer.from(bytes).toString("utf8")]),
    );
    return goJsonMarshal(object);
  }
  const bytes = secret[push.secretKey];
  if (bytes === undefined) {
    throw new ProviderError(
      "vault",
      `cannot push: the source Secret has no key "${push.secretKey}"`,
    );
  }
  return Buffer.from(bytes).toString("utf8");
}

function parseObject(text: string): JsonValue | undefined {
  try {
    return parseJson(text);
  } catch {
    return undefined;
  }
}

function stringMap(value: JsonValue | undefined): Record<string, string> {
  if (!isJsonObject(value)) return {};
  return Object.fromEntries(
    Object.entries(value).filter(
      (entry): entry is [string, string] => typeof entry[1] === "string",
    ),
  );
}

/**
 * One `extract` entry after ESO's `json.Unmarshal` into `interface{}`: a top-level number prints in
 * 'f' format, numbers nested in objects/arrays as `json.Marshal` prints a float64.
 */
function extractedBytes(value: JsonValue): Uint8Array {
  if (isJsonNumber(value)) return Buffer.from(formatFloatF(Number(value.text)), "utf8");
  return jsonValueToBytes(asFloat64(value));
}

function asFloat64(value: JsonValue): JsonValue {
  if (isJsonNumber(value)) return jsonNumber(goJsonFloat(Number(value.text)));
  if (Array.isArray(value)) return value.map(asFloat64);
  if (isJsonObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, asFloat64(inner)]));
  }
  return value;
}

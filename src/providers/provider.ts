/**
 * The one interface every secret backend implements, shaped on External Secrets Operator's provider
 * contract (external-secrets.md §8.0) so that the ExternalSecret and PushSecret controllers can drive
 * any backend, and argocd-vault-plugin can reuse the same clients.
 *
 * "Missing" is a value, not an error: a read of a remote secret that does not exist resolves to
 * `undefined` (ESO's `NoSecretError`), which drives `deletionPolicy`. Anything else that goes wrong
 * (auth refused, backend down, a property that does not resolve) rejects with a {@link ProviderError}.
 */

/** `spec.data[].remoteRef` / `dataFrom[].extract`: which remote value to read. */
export interface RemoteRef {
  /** Provider key (for Vault: the secret path, mount-relative when the store has `path`). */
  readonly key: string;
  /** A field inside the structured value (gjson path for most providers). */
  readonly property?: string;
  /** Provider-specific version selector (Vault KV v2: a version number). */
  readonly version?: string;
  /** `Fetch` returns the secret's metadata (tags, labels, custom_metadata) instead of its value. */
  readonly metadataPolicy?: "None" | "Fetch";
}

/** `spec.dataFrom[].find`: which remote secrets to list. */
export interface FindRef {
  /** Provider-specific prefix or folder. */
  readonly path?: string;
  /** Go RE2 regular expression, unanchored, matched against the remote name. Wins over `tags`. */
  readonly name?: { readonly regexp: string };
  /** Exact key/value matches, all required. */
  readonly tags?: Readonly<Record<string, string>>;
}

/** `PushSecret.spec.data[].match.remoteRef`: where a pushed value goes. */
export interface PushRemoteRef {
  readonly remoteKey: string;
  readonly property?: string;
}

/** One `PushSecret.spec.data[]` entry. */
export interface PushSecretData {
  /** The key of the source Secret to push; undefined pushes the whole Secret (as a JSON object). */
  readonly secretKey?: string;
  readonly remoteRef: PushRemoteRef;
  /** Provider-specific metadata (`PushSecretMetadata`), as found in the PushSecret. */
  readonly metadata?: unknown;
}

/** The bytes of a Kubernetes Secret's `data`, by key. */
export type SecretData = Readonly<Record<string, Uint8Array>>;

/** What a store's validation found (ESO: Ready, Unknown — counts as valid — or Error). */
export type ValidationResult =
  | { readonly status: "Ready" }
  | { readonly status: "Unknown" }
  | { readonly status: "Error"; readonly message: string };

/** What a store can do, as ESO reports in `status.capabilities`. */
export type Capabilities = "ReadOnly" | "WriteOnly" | "ReadWrite";

/**
 * A secret backend. Instances hold a client (and its token): create one per store, reuse it across
 * reconciles, and `close()` it when the store changes or goes away.
 *
 * Every method may reject with {@link ProviderError}; none of them puts a secret value into an
 * error message.
 */
export interface SecretsProvider {
  /** The provider's name as in the store spec (`vault`, `kubernetes`, `fake`). */
  readonly type: string;
  readonly capabilities: Capabilities;

  /**
   * One value (`data[]`): the whole remote secret as JSON, or the selected `property`.
   * @returns the value's bytes, or undefined when the remote secret is missing
   */
  getSecret(ref: RemoteRef): Promise<Uint8Array | undefined>;

  /**
   * A map of values (`dataFrom[].extract`): the remote secret, or the object at `property`, as
   * key → bytes (nested values as compact JSON).
   * @returns the map, or undefined when the remote secret is missing
   */
  getSecretMap(ref: RemoteRef): Promise<Record<string, Uint8Array> | undefined>;

  /**
   * Every remote secret matching `find` (`dataFrom[].find`), keyed by its remote name (for Vault the
   * full path relative to the mount, `/` kept: the controller converts keys).
   * @returns the map, or undefined when the listed folder is missing
   */
  getAllSecrets(find: FindRef): Promise<Record<string, Uint8Array> | undefined>;

  /**
   * Writes one PushSecret entry. `secret` is the source Secret's data. Refuses (rejects) to overwrite
   * a remote secret that it does not own, for providers that mark ownership.
   */
  pushSecret(secret: SecretData, data: PushSecretData): Promise<void>;

  /** Removes what a push wrote. A missing or foreign remote secret is left alone (no error). */
  deleteSecret(ref: PushRemoteRef): Promise<void>;

  /** Whether the remote secret (and `property`, if set) exists: `updatePolicy: IfNotExists`. */
  secretExists(ref: PushRemoteRef): Promise<boolean>;

  /** Checks that the store can be used (credentials accepted). Never rejects. */
  validate(): Promise<ValidationResult>;

  /** Releases the client: revokes a token the provider logged in for, closes connections. */
  close(): Promise<void>;
}

/**
 * A provider call that failed for a reason other than "missing". `retryable` is true for outages
 * (connection refused, timeouts, 5xx, 429) so a controller can keep the last good Secret and retry
 * with backoff. Messages name the provider, operation and remote path, never a value.
 */
export class ProviderError extends Error {
  /** The provider type (`vault`, `kubernetes`, `fake`). */
  readonly provider: string;
  /** HTTP status from the backend, when there was a response. */
  readonly status: number | undefined;
  readonly retryable: boolean;

  constructor(
    provider: string,
    message: string,
    details: { status?: number; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "ProviderError";
    this.provider = provider;
    this.status = details.status;
    this.retryable = details.retryable ?? false;
  }
}

/** The ownership marker ESO writes on pushed secrets (Vault custom_metadata, cloud tags). */
export const managedByKey = "managed-by";
/** The value of {@link managedByKey} that ESO (and we) write. */
export const managedByValue = "external-secrets";

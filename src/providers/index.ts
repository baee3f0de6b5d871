/**
 * Secret backends behind one interface, shared by the External Secrets controllers (ExternalSecret,
 * PushSecret) and by argocd-vault-plugin.
 *
 * ## The interface: {@link SecretsProvider}
 *
 * It mirrors External Secrets Operator's provider contract (external-secrets.md §8.0):
 *
 * | method | ESO | returns |
 * | --- | --- | --- |
 * | `getSecret(ref)` | `GetSecret` (`data[]`) | bytes of the value or of `ref.property`; `undefined` = missing |
 * | `getSecretMap(ref)` | `GetSecretMap` (`dataFrom.extract`) | key → bytes; `undefined` = missing |
 * | `getAllSecrets(find)` | `GetAllSecrets` (`dataFrom.find`: name regexp, tags, path) | remote name → bytes; `undefined` = missing |
 * | `pushSecret(secret, data)` | `PushSecret` | writes, refusing remote secrets it does not own |
 * | `deleteSecret(ref)` | `DeleteSecret` | removes what a push wrote; foreign or missing = no-op |
 * | `secretExists(ref)` | `SecretExists` (`updatePolicy: IfNotExists`) | boolean |
 * | `validate()` | `Validate` | `{status: Ready \| Unknown \| Error}`; never rejects |
 * | `close()` | client-manager eviction | revokes a login token, closes connections |
 *
 * **Missing vs error.** A remote secret that does not exist is a value (`undefined`, ESO's
 * `NoSecretError`): the ExternalSecret controller applies `deletionPolicy` on it. Every other
 * failure rejects with {@link ProviderError} (`retryable` for outages: keep the last good Secret and
 * retry with backoff). Messages name the provider, operation and remote path, never a value.
 *
 * **Lifecycle.** A provider instance holds one authenticated client: create it once per store (and
 * per referent namespace), reuse it across reconciles (tokens are cached and renewed inside), and
 * `close()` it when the store changes. Callers resolve every Secret reference of the store spec
 * (tokens, AppRole secret IDs, CA bundles) before creating the provider: providers read no
 * Kubernetes objects for credentials.
 *
 * **Keys of `getAllSecrets`.** Remote names as the backend knows them (Vault: the path relative to
 * the mount, `/` kept). Key conversion (`conversionStrategy`, rewrites) is the controller's job.
 *
 * ## Providers
 *
 * - {@link createVaultProvider}: HashiCorp Vault / OpenBao KV v1 and v2 (ESO `provider.vault`), on a
 *   {@link VaultClient} (token, AppRole, Kubernetes, JWT and userpass logins; namespaces; CA bundle;
 *   token renewal; timeouts and retries). PushSecret ownership: `custom_metadata["managed-by"]`.
 * - {@link createKubernetesProvider}: ESO `provider.kubernetes`, Secrets of one namespace in this or
 *   another cluster, over src/kube's client ({@link kubeClientForCluster} builds one from a URL, CA
 *   and token or client certificate; {@link kubeClientFromKubeconfig} from an `authRef` kubeconfig).
 *   As upstream, `getSecret` reports a missing remote Secret as an error (404) and only
 *   `getSecretMap` maps it to missing; pushes carry no ownership marker.
 * - {@link createFakeProvider}: ESO `provider.fake`, for tests and demos.
 *
 * Lower-level pieces are exported for argocd-vault-plugin, which reads Vault with its own path rules
 * ({@link avpReadPath}) through the same {@link VaultClient}.
 */

export {
  managedByKey,
  managedByValue,
  ProviderError,
  type Capabilities,
  type FindRef,
  type PushRemoteRef,
  type PushSecretData,
  type RemoteRef,
  type SecretData,
  type SecretsProvider,
  type ValidationResult,
} from "./provider.js";
export {
  compareCodePoints,
  formatFloatF,
  goJsonFloat,
  goJsonMarshal,
  goJsonString,
  isJsonObject,
  isJsonNumber,
  jsonNumber,
  type JsonNumber,
  jsonValueToBytes,
  parseJson,
  type JsonObject,
  type JsonValue,
} from "./json-values.js";
export { gjsonGet } from "./gjson.js";
export { compileRe2, Re2SyntaxError } from "./re2.js";
export {
  VaultClient,
  VaultError,
  type VaultAuth,
  type VaultClientOptions,
  type VaultResponse,
  type VaultTokenInfo,
} from "./vault-client.js";
export {
  avpReadPath,
  esoDataPath,
  esoListPath,
  esoMetadataPath,
  type KvVersion,
} from "./vault-paths.js";
export {
  createVaultProvider,
  ownerMetadataKey,
  type VaultProviderOptions,
} from "./vault-provider.js";
export { createFakeProvider, type FakeEntry, type FakeProviderOptions } from "./fake-provider.js";
export {
  createKubernetesProvider,
  kubeClientForCluster,
  kubeClientFromKubeconfig,
  type ClusterConnection,
  type KubernetesProviderOptions,
} from "./kubernetes-provider.js";

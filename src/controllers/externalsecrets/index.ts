/**
 * External Secrets Operator-compatible core (ESO v2.9, spec/external-secrets.md): the parts of the
 * ExternalSecret, SecretStore, ClusterExternalSecret and PushSecret reconcilers that are pure
 * functions of their inputs. Every export is documented where it is defined.
 */
export {
  apiVersionV1,
  apiVersionV1alpha1,
  CreationPolicy,
  DeletionPolicy,
  RefreshPolicy,
  StoreKind,
} from "./types.js";
export type {
  ClusterExternalSecret,
  ClusterSecretStoreCondition,
  Condition,
  ExternalSecret,
  ExternalSecretData,
  ExternalSecretDataFrom,
  ExternalSecretSpec,
  ExternalSecretStatus,
  ExternalSecretTemplate,
  FindRef,
  LabelSelector,
  ManagedFieldsEntry,
  ObjectMeta,
  OwnerReference,
  PushSecret,
  PushSecretData,
  PushSecretStatus,
  PushSecretStoreRef,
  SecretStoreStatus,
  ClusterExternalSecretStatus,
  RemoteRef,
  Rewrite,
  Secret,
  SecretStore,
  SecretStoreRef,
} from "./types.js";
export { FieldReader, ObjectError } from "./object-error.js";
export {
  parseExternalSecret,
  externalSecretApiVersions,
  templateProblem,
} from "./parse-external-secret.js";
export { parseGoDuration } from "../../templating/index.js";
export { compileGoRegexp, type GoRegexp } from "./go-regexp.js";
export { decodeGoBase64, decodeMap, decodeValue, DecodingStrategy } from "./decoding.js";
export {
  createdByHash,
  fieldManagerFor,
  formatByteMap,
  formatStringMap,
  metadataHash,
  secretDataHash,
  sha3224Hex,
  syncedResourceVersion,
} from "./object-hash.js";
export { convertKey, convertKeys, reverseKey, reverseKeys, validateKeys } from "./secret-keys.js";
export { goByteValue, goJsonText } from "./json-value.js";
export { rewriteMap } from "./rewrite.js";
export { templateContext, type TemplateRenderer } from "./template-renderer.js";
export {
  fetchProviderData,
  noSecretMessage,
  type PipelineEvent,
  type ProviderData,
  type ReaderResolver,
  type SecretsReader,
} from "./data-pipeline.js";
export { renderTemplateInto, templateSourceNames, type TemplateSources } from "./apply-template.js";
export {
  desiredSecret,
  MutationError,
  MutationFailure,
  planSecretWrite,
  secretData,
  targetSecretName,
  type MutationContext,
  type SecretWrite,
} from "./desired-secret.js";
export { ownedKeys, type OwnedKeys } from "./managed-fields.js";
export { Annotations, eventSource, Finalizers, Labels } from "./labels.js";
export {
  EsEvent,
  EsMessage,
  EsReason,
  getCondition,
  PushMessage,
  PushReason,
  setCondition,
  StoreMessage,
  StoreReason,
} from "./conditions.js";
export {
  defaultJitter,
  defaultRefreshIntervalMs,
  isTargetValid,
  nextRefreshDelay,
  phaseOf,
  refreshDecision,
  refreshIntervalMs,
  type JitterOptions,
  type RefreshCause,
  type RefreshClock,
  type RefreshDecision,
} from "./refresh.js";
export { doneStatus, failedStatus, redactValues } from "./status.js";
export { matchesLabelSelector } from "./label-selector.js";
export {
  isManagedStore,
  storeAccessProblem,
  storeAllowsNamespace,
  type NamespaceInfo,
} from "./store-access.js";
export {
  defaultStoreRequeueMs,
  parseSecretStore,
  providerKeys,
  storeProviderKey,
  storeRequeueMs,
} from "./parse-store.js";
export { storeStatusAfter, type StoreStatusUpdate, type StoreValidation } from "./store-status.js";
export {
  fanOutStatus,
  isOwnedByClusterExternalSecret,
  parseClusterExternalSecret,
  planFanOut,
  selectedNamespaces,
  type ExistingExternalSecret,
  type FannedOutExternalSecret,
  type FanOutNamespace,
  type FanOutPlan,
} from "./cluster-external-secret.js";
export {
  parsePushSecret,
  pushEntryKey,
  pushItems,
  pushOwnerIdentity,
  pushSecretApiVersion,
  selectPushStores,
  staleRemoteEntries,
  storeStatusKey,
  type PushItem,
} from "./push-secret.js";
export { externalSecretsCrds } from "./crds.js";
export {
  esoTemplateRenderer,
  setupExternalSecrets,
  type ExternalSecretsHandle,
  type ExternalSecretsOptions,
} from "./setup.js";
export { throttledClient, type ApiClient, type ClientRateLimit } from "./api-client.js";

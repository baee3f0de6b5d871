// Sealed Secrets wire format (bitnami-labs/sealed-secrets, spec/sealed-secrets.md): pure functions
// with no cluster access, shared by `secretfleet seal`/`keys` and the Sealed Secrets controller.
// Each export is documented where it is defined; this file only chooses what is public.

/** Hybrid RSA-OAEP-SHA256 + AES-256-GCM encryption of one item (§2). */
export { hybridDecrypt, hybridEncrypt, noKeyMessage, openWithKey } from "./hybrid.js";
/** Scopes, their annotations and OAEP labels (§2.4, §3). */
export {
  clusterWideAnnotation,
  labelFor,
  namespaceWideAnnotation,
  parseScope,
  Scope,
  scopeOf,
  scopeRank,
  withScopeAnnotations,
} from "./scope.js";
/** The Kubernetes objects, in wire shape. */
export type { ObjectMeta, OwnerReference, SealedSecret, Secret, SecretTemplate } from "./types.js";
export { sealedSecretApiVersion, sealedSecretKind } from "./types.js";
/** Reading manifests (YAML documents or JSON streams) into Secrets and SealedSecrets. */
export {
  decodeSealedSecret,
  decodeSecret,
  describeDocument,
  isEmptySecret,
  ManifestError,
  parseManifests,
  type ManifestDocument,
} from "./manifest.js";
/** Secret → SealedSecret (§6.5, §6.6). */
export { prepareSecret, sealRawValue, sealSecret, type SealOptions } from "./seal.js";
/** SealedSecret → Secret (§5). */
export {
  formatTaggedErrors,
  skipSetOwnerReferencesAnnotation,
  type ItemOpener,
  unsealSealedSecret,
  type UnsealOptions,
  type UnsealResult,
} from "./unseal.js";
export type { TaggedError } from "./template-data.js";
/** Certificates (§6.4). */
export {
  certificateToPem,
  goLongDate,
  parseCertificates,
  parseSealingCertificate,
  type SealingCertificate,
} from "./certificate.js";
/** Key generation shaped like the controller's (§7.5). */
export {
  buildSealingCertificate,
  generateSealingKey,
  sealingKeyDefaults,
  sealingKeyFrom,
  type CertificateOptions,
  type SealingKey,
} from "./sealing-key.js";
/** Key Secrets (§7.3) and the key registry (§7.4). */
export {
  defaultControllerNamespace,
  defaultKeyPrefix,
  generatedName,
  isActiveKeySecret,
  keySecretManifest,
  parseKeySecret,
  parsePrivateKeyPem,
  sealingKeyLabel,
  type KeySecretEntry,
  type KeySecretOptions,
} from "./key-secret.js";
export {
  KeyOrderPriority,
  keyOrderingTime,
  KeyRegistry,
  sortByCreationTimestamp,
  type RegisteredKey,
} from "./key-registry.js";
export { readRecoveryKeys } from "./recovery-keys.js";
/** Key fingerprints (§2.6). */
export { publicKeyFingerprint } from "./fingerprint.js";
/** kubeseal's output formatting (§6.3). */
export { formatObject, formatSecretList, parseOutputFormat, type OutputFormat } from "./format.js";
export { goJsonIndent, goJsonString, GoMap, GoStruct, type GoValue } from "./go-json.js";
export { goYamlMarshal, yamlKeyLess } from "./go-yaml.js";
/** Go's base64 decoder with its error offsets. */
export { Base64Error, decodeGoBase64 } from "./go-base64.js";
/** PEM helpers. */
export { pemBlocks, pemEncode, type PemBlock } from "./pem.js";

/**
 * argocd-vault-plugin, wire-compatible (argocd-vault-plugin.md): placeholders in Kubernetes
 * manifests (`<key>` with the `avp.kubernetes.io/path` annotation, `<path:p#key#version>` inline),
 * the seven modifiers, the annotations, Secret base64 handling, AVP's configuration and error texts,
 * and output serialised byte for byte as upstream's go-yaml v2 writes it.
 *
 * Entry point: {@link generate} (what `secretfleet avp generate` runs). The pieces are exported for
 * tests and for other callers (the audit module reads placeholders, the dashboard may preview).
 */

export {
  AvpError,
  createBackend,
  fileTokenCache,
  generate,
  listManifestFiles,
  type GenerateRequest,
} from "./generate.js";
export { ConfigError, loadSettings, type AvpSettings, type ConfigSources } from "./config.js";
export {
  createKubernetesSecretBackend,
  createSopsBackend,
  createVaultBackend,
  sopsFileDecrypter,
  sopsTreeToValue,
  splitSecretName,
  type AvpVaultAuth,
  type SecretReader,
  type SopsDecrypt,
  type TokenCache,
  type VaultBackendOptions,
} from "./backends.js";
export {
  annotations,
  MissingValueError,
  parseGoBool,
  replacePlaceholders,
  type AvpBackend,
  type Resource,
} from "./substitute.js";
export {
  decodeYamlDocument,
  ManifestError,
  readManifests,
  splitYamlDocuments,
} from "./manifest-reader.js";
export { emitYamlDocument, type YamlMap, type YamlNode } from "./yaml-emitter.js";
export { isAvpObject, toYamlNode, type AvpObject, type AvpValue } from "./value.js";
export { findModifier, goBase64Decode, ModifierError } from "./modifiers.js";
export { JsonPathError, parseJsonPath } from "./jsonpath.js";
export { compareKeys, formatGoFloatG, resolvePlain, type Resolved } from "./go-yaml.js";

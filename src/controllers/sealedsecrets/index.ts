/**
 * The Sealed Secrets controller (bitnami-labs/sealed-secrets, spec/sealed-secrets.md §7), on
 * src/kube: SealedSecrets become Secrets, keys are loaded, generated and renewed in the
 * controller namespace, and the HTTP API (/v1/cert.pem, /v1/verify, /v1/rotate, /healthz) and
 * the metrics are served. Beyond upstream: a restart decrypts nothing for Secrets already in
 * sync (digest.ts), each item costs one RSA operation once its key is known, RSA runs on worker
 * threads, new objects jump ahead of a backlog, and replicas may run with leader election.
 *
 * @example
 * ```ts
 * const controller = new SealedSecretsController({ client, config: defaultConfig(), logger });
 * await controller.start();
 * process.once("SIGTERM", () => void controller.stop());
 * process.exitCode = (await controller.done()) === "lost" ? 1 : 0;
 * ```
 * @module
 */

/** The controller process. */
export {
  SealedSecretsController,
  type ControllerEnd,
  type ControllerStats,
  type SealedSecretsControllerOptions,
} from "./controller.js";
/** Its configuration (upstream's flags) and the parsers the CLI uses for them. */
export {
  defaultConfig,
  parseKeyValuePairs,
  parseListenAddress,
  parseRfc1123z,
  validateKeyPrefix,
  watchedNamespaces,
  type ControllerConfig,
  type ListenAddress,
} from "./config.js";
/** The digest annotation that proves a Secret in sync (also read by `keys report`). */
export { digestAnnotation, parseDigest, type Digest } from "./digest.js";
/** Annotations and reasons users and tools see. */
export { managedAnnotation, patchAnnotation } from "./secret-plan.js";
export { eventReasons, unsealedMessage } from "./reconciler.js";
export { syncedCondition, type SealedSecretCondition, type SealedSecretStatus } from "./status.js";

/**
 * src/kube: the runtime every secretfleet controller shares.
 *
 * This entry point is the only one other modules import. A controller is a reconcile function,
 * the informers it watches and which keys their events map to; the Manager runs it with leader
 * election, metrics, probes and an orderly shutdown, and no transport code lives in controllers.
 *
 * @example
 * ```ts
 * import { createKubeClient, createLogger, runController } from "../kube/index.js";
 *
 * const client = createKubeClient({ env: process.env, fieldManager: "copier" });
 * const end = await runController(
 *   { client, logger: createLogger(), health: { port: 8080 },
 *     leaderElection: { namespace: "kube-system", name: "copier" } },
 *   (mgr) => {
 *     const configMaps = mgr.informer({ apiVersion: "v1", kind: "ConfigMap" });
 *     mgr.addController({
 *       name: "copier",
 *       watches: [{ informer: configMaps }],
 *       reconcile: async (key, { namespace, name, signal }) => {
 *         const source = configMaps.cache.get(key);
 *         if (source === undefined) return; // deleted: nothing to copy
 *         await client.apply(
 *           { apiVersion: "v1", kind: "ConfigMap",
 *             metadata: { namespace, name: `${name}-copy` }, data: source.data },
 *           { signal, force: true },
 *         );
 *         return { requeueAfter: 10 * 60_000 };
 *       },
 *     });
 *   },
 * );
 * process.exitCode = end === "lost" ? 1 : 0;
 * ```
 *
 * @module
 */

export type { Clock } from "./clock.js";
export { FakeClock, flushMicrotasks, sleep, systemClock } from "./clock.js";

export type { BackoffOptions } from "./backoff.js";
export { Backoff } from "./backoff.js";

export type { RateLimiter } from "./rate-limiter.js";
export {
  ItemExponentialRateLimiter,
  MaxOfRateLimiter,
  TokenBucketRateLimiter,
  defaultControllerRateLimiter,
} from "./rate-limiter.js";

export type { WorkQueueMetricsSink, WorkQueueOptions } from "./work-queue.js";
export { Priority, WorkQueue } from "./work-queue.js";

export type { CacheReader, IndexFunc, ReplaceDiff } from "./cache.js";
export { Cache, namespaceIndex } from "./cache.js";

export type { KubeObject, ObjectMeta, ObjectRef, OwnerReference, ResourceRef } from "./types.js";
export { objectKey, splitKey } from "./types.js";

export type {
  LeaderCallbacks,
  LeaderElectionEnd,
  LeaderElectionOptions,
  LeaseLock,
  LeaseRecord,
} from "./leader-election.js";
export { LeaderElector, microTime } from "./leader-election.js";

export type { ReconcileMetrics, ReconcileResult } from "./metrics.js";
export { createReconcileMetrics, createWorkQueueMetrics, setLeaderStatus } from "./metrics.js";

export type { Logger, LoggerOptions } from "./logger.js";
export { createLogger, redactPaths, silentLogger } from "./logger.js";

export type { StatusDetails } from "./api-error.js";
export { ApiError, isAlreadyExists, isConflict, isGone, isNotFound } from "./api-error.js";

export type { KubeConfigOptions } from "./kubeconfig.js";
export { loadKubeConfig } from "./kubeconfig.js";

export type {
  ApplyOptions,
  CallOptions,
  DeleteOptions,
  KubeClientOptions,
  ListOptions,
  ObjectList,
  PatchType,
  WatchEvent,
  WatchHandle,
  WatchOptions,
  WriteOptions,
} from "./client.js";
export { KubeClient, createKubeClient } from "./client.js";

export type {
  InformerHandlers,
  InformerOptions,
  InformerStats,
  ListerWatcher,
  Selection,
} from "./informer.js";
export { Informer, listerWatcher } from "./informer.js";

export type { EventRecorderOptions, EventType } from "./events.js";
export { EventRecorder } from "./events.js";

export { leaseLock } from "./lease-lock.js";

export type { HealthCheck, HealthServer, HealthServerOptions } from "./health-server.js";
export { startHealthServer } from "./health-server.js";
export { listenHttp, type ListeningServer } from "./listen.js";

export type {
  ControllerOptions,
  KeyMapper,
  ReconcileContext,
  ReconcileOutcome,
  Reconciler,
} from "./controller.js";
export { Controller, ownerKeys } from "./controller.js";

export type {
  ControllerDefinition,
  ManagerEnd,
  ManagerLeaderElection,
  ManagerOptions,
  RunControllerOptions,
  WatchSpec,
} from "./manager.js";
export { Manager, runController } from "./manager.js";

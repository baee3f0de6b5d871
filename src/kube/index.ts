/**
 * src/kube: the runtime every secretfleet controller shares.
 *
 * This entry point is the only one other modules import. So far it holds the pure parts: time
 * (Clock, FakeClock), backoff, rate limiters, the work queue, the indexed cache, leader election
 * over a LeaseLock, metrics and logging.
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

import type { Registry } from "prom-client";
import { Counter, Gauge, Histogram, exponentialBuckets } from "prom-client";
import type { Clock } from "./clock.js";
import { systemClock } from "./clock.js";
import type { WorkQueueMetricsSink } from "./work-queue.js";

// Metric names and labels are controller-runtime's (pkg/metrics/workqueue.go and
// pkg/internal/controller/metrics), so dashboards and alerts written for Go controllers work
// unchanged. They are deliberately not prefixed: the names are the compatibility surface.

interface SharedMetrics {
  readonly depth: Gauge<"name" | "controller" | "priority">;
  readonly adds: Counter<"name" | "controller">;
  readonly queueDuration: Histogram<"name" | "controller">;
  readonly workDuration: Histogram<"name" | "controller">;
  readonly retries: Counter<"name" | "controller">;
  readonly reconcileTotal: Counter<"controller" | "result">;
  readonly reconcileErrors: Counter<"controller">;
  readonly reconcileTime: Histogram<"controller">;
  readonly maxConcurrent: Gauge<"controller">;
  readonly activeWorkers: Gauge<"controller">;
  readonly leaderStatus: Gauge<"name">;
  /** Per queue name: start times (ms) of the items in flight, and the clock to age them. */
  readonly inFlight: Map<string, { startTimes: () => Iterable<number>; clock: Clock }>;
}

const byRegistry = new WeakMap<Registry, SharedMetrics>();

const queueBuckets = exponentialBuckets(10e-9, 10, 12);
const reconcileBuckets = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1,
  1.25, 1.5, 1.75, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];

/** Registers the runtime's metrics in `registry` once; later calls return the same objects. */
function shared(registry: Registry): SharedMetrics {
  const existing = byRegistry.get(registry);
  if (existing !== undefined) return existing;
  const registers = [registry];
  const queue = ["name", "controller"] as const;
  const inFlight: SharedMetrics["inFlight"] = new Map();
  // Ages of in-flight items are computed when scraped, as client-go's updateUnfinishedWork does
  // on a timer; computing on scrape needs no timer of our own.
  const ages = (name: string): number[] => {
    const entry = inFlight.get(name);
    if (entry === undefined) return [];
    const now = entry.clock.now();
    return [...entry.startTimes()].map((start) => (now - start) / 1000);
  };
  const metrics: SharedMetrics = {
    depth: new Gauge({
      name: "workqueue_depth",
      help: "Current depth of workqueue by workqueue and priority",
      labelNames: [...queue, "priority"],
      registers,
    }),
    adds: new Counter({
      name: "workqueue_adds_total",
      help: "Total number of adds handled by workqueue",
      labelNames: queue,
      registers,
    }),
    queueDuration: new Histogram({
      name: "workqueue_queue_duration_seconds",
      help: "How long in seconds an item stays in workqueue before being requested",
      labelNames: queue,
      buckets: queueBuckets,
      registers,
    }),
    workDuration: new Histogram({
      name: "workqueue_work_duration_seconds",
      help: "How long in seconds processing an item from workqueue takes.",
      labelNames: queue,
      buckets: queueBuckets,
      registers,
    }),
    retries: new Counter({
      name: "workqueue_retries_total",
      help: "Total number of retries handled by workqueue",
      labelNames: queue,
      registers,
    }),
    reconcileTotal: new Counter({
      name: "controller_runtime_reconcile_total",
      help: "Total number of reconciliations per controller",
      labelNames: ["controller", "result"],
      registers,
    }),
    reconcileErrors: new Counter({
      name: "controller_runtime_reconcile_errors_total",
      help: "Total number of reconciliation errors per controller",
      labelNames: ["controller"],
      registers,
    }),
    reconcileTime: new Histogram({
      name: "controller_runtime_reconcile_time_seconds",
      help: "Length of time per reconciliation per controller",
      labelNames: ["controller"],
      buckets: reconcileBuckets,
      registers,
    }),
    maxConcurrent: new Gauge({
      name: "controller_runtime_max_concurrent_reconciles",
      help: "Maximum number of concurrent reconciles per controller",
      labelNames: ["controller"],
      registers,
    }),
    activeWorkers: new Gauge({
      name: "controller_runtime_active_workers",
      help: "Number of currently used workers per controller",
      labelNames: ["controller"],
      registers,
    }),
    leaderStatus: new Gauge({
      name: "leader_election_master_status",
      help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease.",
      labelNames: ["name"],
      registers,
    }),
    inFlight,
  };
  new Gauge({
    name: "workqueue_unfinished_work_seconds",
    help: "How many seconds of work has been done that is in progress and hasn't been observed by work_duration. Large values indicate stuck threads. One can deduce the number of stuck threads by observing the rate at which this increases.",
    labelNames: queue,
    registers,
    collect() {
      for (const name of inFlight.keys()) {
        this.set(
          { name, controller: name },
          ages(name).reduce((sum, age) => sum + age, 0),
        );
      }
    },
  });
  new Gauge({
    name: "workqueue_longest_running_processor_seconds",
    help: "How many seconds has the longest running processor for workqueue been running.",
    labelNames: queue,
    registers,
    collect() {
      for (const name of inFlight.keys()) {
        this.set({ name, controller: name }, Math.max(0, ...ages(name)));
      }
    },
  });
  byRegistry.set(registry, metrics);
  return metrics;
}

/**
 * The workqueue metrics of one queue, labelled `name` and `controller` with `name` (as
 * controller-runtime does), in `registry`.
 */
export function createWorkQueueMetrics(
  registry: Registry,
  name: string,
  clock: Clock = systemClock,
): WorkQueueMetricsSink {
  const m = shared(registry);
  const labels = { name, controller: name };
  // Show the series at zero from the start, as Go's client does once a queue exists.
  m.adds.inc(labels, 0);
  m.retries.inc(labels, 0);
  m.depth.set({ ...labels, priority: "0" }, 0);
  return {
    added: () => {
      m.adds.inc(labels);
    },
    depthChanged: (priority, delta) => {
      m.depth.inc({ ...labels, priority: String(priority) }, delta);
    },
    dequeued: (waitedMs) => {
      m.queueDuration.observe(labels, waitedMs / 1000);
    },
    finished: (workedMs) => {
      m.workDuration.observe(labels, workedMs / 1000);
    },
    retried: () => {
      m.retries.inc(labels);
    },
    observeInFlight: (startTimes) => {
      m.inFlight.set(name, { startTimes, clock });
    },
  };
}

/** Outcome label values of controller_runtime_reconcile_total. */
export type ReconcileResult = "success" | "error" | "requeue" | "requeue_after";

/** The reconcile metrics of one controller. */
export interface ReconcileMetrics {
  /** Counts one reconcile with its outcome, and its duration. */
  observe(result: ReconcileResult, seconds: number): void;
  /** Sets the number of workers busy now. */
  setActiveWorkers(count: number): void;
}

/** The controller_runtime_* metrics of the controller `controller` in `registry`. */
export function createReconcileMetrics(
  registry: Registry,
  controller: string,
  workers: number,
): ReconcileMetrics {
  const m = shared(registry);
  const labels = { controller };
  m.maxConcurrent.set(labels, workers);
  m.activeWorkers.set(labels, 0);
  m.reconcileErrors.inc(labels, 0);
  for (const result of ["success", "error", "requeue", "requeue_after"] as const) {
    m.reconcileTotal.inc({ controller, result }, 0);
  }
  return {
    observe: (result, seconds) => {
      m.reconcileTotal.inc({ controller, result });
      if (result === "error") m.reconcileErrors.inc(labels);
      m.reconcileTime.observe(labels, seconds);
    },
    setActiveWorkers: (count) => {
      m.activeWorkers.set(labels, count);
    },
  };
}

/** Sets leader_election_master_status{name} to 1 while leading, 0 otherwise. */
export function setLeaderStatus(registry: Registry, name: string, leading: boolean): void {
  shared(registry).leaderStatus.set({ name }, leading ? 1 : 0);
}

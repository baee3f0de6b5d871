import { Counter, Gauge, type Registry } from "prom-client";

/** The kinds whose condition and duration gauges ESO exports (spec §11). */
export type MetricKind =
  "externalsecret" | "clusterexternalsecret" | "secretstore" | "clustersecretstore" | "pushsecret";

const extendedLabelNames = [
  "app_kubernetes_io_name",
  "app_kubernetes_io_instance",
  "app_kubernetes_io_version",
  "app_kubernetes_io_component",
  "app_kubernetes_io_part_of",
  "app_kubernetes_io_managed_by",
] as const;

/** The object a metric is about. */
export interface MetricObject {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

interface KindMetrics {
  readonly condition: Gauge;
  readonly duration: Gauge;
}

/**
 * ESO's Prometheus metrics under ESO's names and labels (spec §11), so that dashboards and
 * alerts written for ESO keep working. Names carry no prefix on purpose: they are the
 * compatibility surface. No label ever holds a secret value.
 */
export class EsoMetrics {
  readonly #extended: boolean;
  readonly #kinds = new Map<MetricKind, KindMetrics>();
  readonly #syncCalls: Counter;
  readonly #syncErrors: Counter;
  readonly #apiCalls: Counter<"provider" | "call" | "status">;
  /** The label sets written per object, so that a deleted object's series can all be removed. */
  readonly #seen = new Map<
    string,
    { labelSets: Map<string, Record<string, string>>; conditions: Set<string> }
  >();

  /**
   * @param extendedLabels add the `app_kubernetes_io_*` labels (`--enable-extended-metric-labels`)
   */
  constructor(registry: Registry, extendedLabels = false) {
    this.#extended = extendedLabels;
    const objectLabels = ["name", "namespace", ...(extendedLabels ? extendedLabelNames : [])];
    const registers = [registry];
    for (const kind of [
      "externalsecret",
      "clusterexternalsecret",
      "secretstore",
      "clustersecretstore",
      "pushsecret",
    ] as const) {
      this.#kinds.set(kind, {
        condition: new Gauge({
          name: `${kind}_status_condition`,
          help: `The status condition of a specific ${kind}`,
          labelNames: [...objectLabels, "condition", "status"],
          registers,
        }),
        duration: new Gauge({
          name: `${kind}_reconcile_duration`,
          help: `The duration time to reconcile the ${kind} (nanoseconds)`,
          labelNames: objectLabels,
          registers,
        }),
      });
    }
    this.#syncCalls = new Counter({
      name: "externalsecret_sync_calls_total",
      help: "Total number of the External Secret sync calls",
      labelNames: objectLabels,
      registers,
    });
    this.#syncErrors = new Counter({
      name: "externalsecret_sync_calls_error",
      help: "Total number of the External Secret sync errors",
      labelNames: objectLabels,
      registers,
    });
    this.#apiCalls = new Counter({
      name: "externalsecret_provider_api_calls_count",
      help: "Number of API calls towards the secret provider",
      labelNames: ["provider", "call", "status"],
      registers,
    });
  }

  /** Counts one sync attempt of an ExternalSecret, and whether it failed. */
  syncCall(object: MetricObject, failed: boolean): void {
    const labels = this.#track("externalsecret", object);
    this.#syncCalls.inc(labels);
    if (failed) this.#syncErrors.inc(labels);
  }

  /** Sets the condition gauges: 1 for the current status of `condition`, 0 for the opposite. */
  condition(kind: MetricKind, object: MetricObject, condition: string, status: string): void {
    const gauge = this.#kind(kind).condition;
    const labels = this.#track(kind, object, condition);
    const opposite = status === "True" ? "False" : "True";
    gauge.set({ ...labels, condition, status }, 1);
    gauge.set({ ...labels, condition, status: opposite }, 0);
  }

  /** Records how long the last reconcile took, in nanoseconds as upstream does. */
  duration(kind: MetricKind, object: MetricObject, milliseconds: number): void {
    this.#kind(kind).duration.set(this.#track(kind, object), Math.round(milliseconds * 1e6));
  }

  /** Drops every gauge and counter of a deleted object. */
  forget(kind: MetricKind, object: MetricObject): void {
    const key = seenKey(kind, object);
    const seen = this.#seen.get(key);
    if (seen === undefined) return;
    this.#seen.delete(key);
    const { condition, duration } = this.#kind(kind);
    for (const labels of seen.labelSets.values()) {
      duration.remove(labels);
      for (const type of seen.conditions) {
        condition.remove({ ...labels, condition: type, status: "True" });
        condition.remove({ ...labels, condition: type, status: "False" });
      }
      if (kind === "externalsecret") {
        this.#syncCalls.remove(labels);
        this.#syncErrors.remove(labels);
      }
    }
  }

  /** Counts one provider API call (`provider` as ESO names it, e.g. `HashiCorp/Vault`). */
  apiCall(provider: string, call: string, ok: boolean): void {
    this.#apiCalls.inc({ provider, call, status: ok ? "success" : "error" });
  }

  #kind(kind: MetricKind): KindMetrics {
    const found = this.#kinds.get(kind);
    if (found === undefined) throw new Error(`unknown metric kind ${kind}`);
    return found;
  }

  #track(kind: MetricKind, object: MetricObject, condition?: string): Record<string, string> {
    const labels = this.#labels(object);
    const key = seenKey(kind, object);
    let seen = this.#seen.get(key);
    if (seen === undefined) {
      seen = { labelSets: new Map(), conditions: new Set() };
      this.#seen.set(key, seen);
    }
    seen.labelSets.set(JSON.stringify(labels), labels);
    if (condition !== undefined) seen.conditions.add(condition);
    return labels;
  }

  #labels(object: MetricObject): Record<string, string> {
    const labels: Record<string, string> = {
      name: object.name,
      namespace: object.namespace ?? "",
    };
    if (this.#extended) {
      for (const label of extendedLabelNames) {
        const source = label
          .replace(/^app_kubernetes_io_/, "app.kubernetes.io/")
          .replace(/_/g, "-");
        labels[label] = (object.labels?.[source] ?? "").replace(/[^a-zA-Z0-9]/g, "_");
      }
    }
    return labels;
  }
}

function seenKey(kind: MetricKind, object: MetricObject): string {
  return `${kind}/${object.namespace ?? ""}/${object.name}`;
}

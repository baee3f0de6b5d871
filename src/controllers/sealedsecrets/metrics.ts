// The controller's Prometheus metrics (§7.13) under upstream's names, on an injected registry,
// plus a few of ours (prefixed secretfleet_sealedsecrets_) that the benchmark and dashboards read.
// No label ever carries secret material: namespace, name, reason, path, code and method only.
import { Counter, Gauge, Histogram, collectDefaultMetrics, type Registry } from "prom-client";
import { conditionGaugeValue, type SealedSecretStatus } from "./status.js";

/** `unseal_errors_total` reasons. */
export type UnsealErrorReason = "fetch" | "unseal" | "update" | "unmanaged" | "status";

const upstream = "sealed_secrets_controller";
const ours = "secretfleet_sealedsecrets";
const instanceLabel = "app.kubernetes.io/instance";

/** The metrics of one controller process. */
export class ControllerMetrics {
  readonly registry: Registry;
  readonly #unsealRequests: Counter;
  readonly #unsealErrors: Counter<"reason" | "namespace">;
  readonly #condition: Gauge<"namespace" | "name" | "condition" | "ss_app_kubernetes_io_instance">;
  readonly #httpRequests: Counter<"path" | "code" | "method">;
  readonly #httpDuration: Histogram<"path" | "method">;
  readonly #rsaOperations: Counter;
  readonly #inSync: Counter;
  readonly #secretWrites: Counter<"verb">;

  /**
   * Registers every metric on `registry`.
   * @param version the `revision` label of build_info
   * @param processMetrics also register prom-client's process_* and nodejs_* collectors (the
   *   counterpart of upstream's go_* and process_*); off in tests that run several controllers
   */
  constructor(registry: Registry, version: string, processMetrics = true) {
    this.registry = registry;
    const registers = [registry];
    new Gauge({
      name: `${upstream}_build_info`,
      help: "Build information.",
      labelNames: ["revision"],
      registers,
    })
      .labels({ revision: version })
      .set(0);
    this.#unsealRequests = new Counter({
      name: `${upstream}_unseal_requests_total`,
      help: "Total number of sealed secret unseal requests",
      registers,
    });
    this.#unsealErrors = new Counter({
      name: `${upstream}_unseal_errors_total`,
      help: "Total number of sealed secret unseal errors by reason",
      labelNames: ["reason", "namespace"],
      registers,
    });
    this.#condition = new Gauge({
      name: `${upstream}_condition_info`,
      help: "Current SealedSecret condition status. Values are -1 (false), 0 (unknown or absent), 1 (true)",
      labelNames: ["namespace", "name", "condition", "ss_app_kubernetes_io_instance"],
      registers,
    });
    this.#httpRequests = new Counter({
      name: `${upstream}_http_requests_total`,
      help: "A counter for requests to the wrapped handler.",
      labelNames: ["path", "code", "method"],
      registers,
    });
    this.#httpDuration = new Histogram({
      name: `${upstream}_http_request_duration_seconds`,
      help: "A histogram of latencies for requests.",
      labelNames: ["path", "method"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.#rsaOperations = new Counter({
      name: `${ours}_rsa_private_operations_total`,
      help: "RSA private-key operations (OAEP decryptions) made to unseal items.",
      registers,
    });
    this.#inSync = new Counter({
      name: `${ours}_in_sync_skips_total`,
      help: "Reconciles that proved the Secret in sync by its digest and decrypted nothing.",
      registers,
    });
    this.#secretWrites = new Counter({
      name: `${ours}_secret_writes_total`,
      help: "Secrets created or updated by the controller.",
      labelNames: ["verb"],
      registers,
    });
    if (processMetrics) collectDefaultMetrics({ register: registry });
  }

  /** One reconcile started (deletions included, as upstream counts them). */
  unsealRequest(): void {
    this.#unsealRequests.inc();
  }

  /** One failure; `namespace` is "" for `fetch`. */
  unsealError(reason: UnsealErrorReason, namespace: string): void {
    this.#unsealErrors.inc({ reason, namespace });
  }

  /** Sets condition_info from a SealedSecret's status (nothing while status is absent). */
  observeCondition(meta: SealedSecretMeta, status: SealedSecretStatus | undefined): void {
    for (const condition of status?.conditions ?? []) {
      this.#condition.set(
        conditionLabels(meta, condition.type),
        conditionGaugeValue(condition.status),
      );
    }
  }

  /** Removes the condition_info series of a deleted SealedSecret. */
  forgetCondition(meta: SealedSecretMeta, status: SealedSecretStatus | undefined): void {
    for (const condition of status?.conditions ?? [])
      this.#condition.remove(conditionLabels(meta, condition.type));
  }

  /** One HTTP API request; `method` as received (lower-cased here, unknown verbs → "unknown"). */
  httpRequest(path: string, method: string, code: number, seconds: number): void {
    const verb = httpMethod(method);
    this.#httpRequests.inc({ path, code: String(code), method: verb });
    this.#httpDuration.observe({ path, method: verb }, seconds);
  }

  /** RSA private operations made by an unseal. */
  rsaOperations(count: number): void {
    if (count > 0) this.#rsaOperations.inc(count);
  }

  /** A reconcile proved its Secret in sync without decrypting. */
  inSyncSkip(): void {
    this.#inSync.inc();
  }

  /** A Secret was created or updated. */
  secretWrite(verb: "create" | "update"): void {
    this.#secretWrites.inc({ verb });
  }
}

/** The metadata condition_info reads. */
export interface SealedSecretMeta {
  readonly namespace?: string;
  readonly name?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

function conditionLabels(
  meta: SealedSecretMeta,
  condition: string,
): Record<"namespace" | "name" | "condition" | "ss_app_kubernetes_io_instance", string> {
  return {
    namespace: meta.namespace ?? "",
    name: meta.name ?? "",
    condition,
    ss_app_kubernetes_io_instance: meta.labels?.[instanceLabel] ?? "",
  };
}

// promhttp's sanitizeMethod: the standard verbs lower-cased, anything else "unknown".
const knownMethods = new Set([
  "get",
  "put",
  "head",
  "post",
  "delete",
  "connect",
  "options",
  "notify",
  "trace",
  "patch",
]);

function httpMethod(method: string): string {
  const lower = method.toLowerCase();
  return knownMethods.has(lower) ? lower : "unknown";
}

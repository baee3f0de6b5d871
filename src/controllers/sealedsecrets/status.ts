// The SealedSecret status the controller writes (§7.10): one `Synced` condition and the
// observed generation, written only when the condition's status or the generation changed.

/** One entry of `status.conditions`, as the CRD defines it. */
export interface SealedSecretCondition {
  type: string;
  status: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** `status` of a SealedSecret. */
export interface SealedSecretStatus {
  observedGeneration?: number;
  conditions?: SealedSecretCondition[];
}

/** The condition type the controller maintains. */
export const syncedCondition = "Synced";

/** What `nextStatus` decided. */
export interface StatusDecision {
  /** The status to store (the input is never modified). */
  status: SealedSecretStatus;
  /** True when the status subresource must be written (§7.10). */
  write: boolean;
}

/** Kubernetes' metav1.Time format: RFC 3339 in UTC with whole seconds. */
export function kubeTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * Computes the status after one reconcile attempt, as upstream's updateSealedSecretStatus does:
 * the Synced condition (appended if missing) becomes "True" with an empty message on success or
 * "False" with the error text (absent, not "", on success: Go's omitempty); lastUpdateTime is now; lastTransitionTime moves only when the
 * status value changes. A write is needed when the status value changed or observedGeneration
 * differs from `generation`; observedGeneration is then set to it.
 * @param current the SealedSecret's current status (absent on a new object)
 * @param generation the SealedSecret's metadata.generation (0 when absent, as Go reads it)
 * @param error the error text, or undefined on success
 * @param now milliseconds since the epoch
 */
export function nextStatus(
  current: SealedSecretStatus | undefined,
  generation: number,
  error: string | undefined,
  now: number,
): StatusDecision {
  const conditions = (current?.conditions ?? []).map((condition) => ({ ...condition }));
  let synced = conditions.find((condition) => condition.type === syncedCondition);
  if (synced === undefined) {
    synced = { type: syncedCondition, status: "" };
    conditions.push(synced);
  }
  const value = error === undefined ? "True" : "False";
  // Go writes the struct with `omitempty`: an empty message is absent, not "".
  if (error === undefined) delete synced.message;
  else synced.message = error;
  synced.lastUpdateTime = kubeTime(now);
  let write = false;
  if (synced.status !== value) {
    synced.status = value;
    synced.lastTransitionTime = synced.lastUpdateTime;
    write = true;
  }
  const status: SealedSecretStatus = { ...current, conditions };
  if ((current?.observedGeneration ?? 0) !== generation) write = true;
  if (write) {
    if (generation === 0) delete status.observedGeneration;
    else status.observedGeneration = generation;
  }
  return { status, write };
}

/** The condition_info gauge value of a condition status: -1 False, 0 Unknown, 1 True. */
export function conditionGaugeValue(status: string): number {
  if (status === "True") return 1;
  if (status === "False") return -1;
  return 0;
}

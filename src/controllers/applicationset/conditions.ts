/** An ApplicationSet status condition as stored (spec §5.6). */
export interface AppSetStatusCondition {
  readonly type: string;
  readonly status: "True" | "False" | "Unknown";
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime?: string;
}

/** Reasons of the conditions this controller writes (upstream's names, spec §5.6). */
export const Reason = {
  ApplicationSetUpToDate: "ApplicationSetUpToDate",
  ParametersGenerated: "ParametersGenerated",
  ErrorOccurred: "ErrorOccurred",
  ApplicationGenerationFromParamsError: "ApplicationGenerationFromParamsError",
  RenderTemplateParamsError: "RenderTemplateParamsError",
  ApplicationValidationError: "ApplicationValidationError",
  CreateApplicationError: "CreateApplicationError",
  UpdateApplicationError: "UpdateApplicationError",
  DeleteApplicationError: "DeleteApplicationError",
  RefreshApplicationError: "RefreshApplicationError",
} as const;

/** The outcome of one reconcile, as the conditions report it. */
export interface ReconcileOutcomeReport {
  /** An error that makes ErrorOccurred true; absent on success. */
  readonly error?: { readonly reason: string; readonly message: string };
  /** Whether every generator produced its parameters. */
  readonly parametersGenerated: boolean;
}

const successMessage = "All applications have been generated successfully";

/** The types this controller owns; conditions of other types (rollouts) are left alone. */
const evaluatedTypes = new Set(["ErrorOccurred", "ParametersGenerated", "ResourcesUpToDate"]);

/**
 * The three conditions Argo CD writes for an outcome (setApplicationSetStatusCondition):
 * ErrorOccurred, ParametersGenerated and ResourcesUpToDate. An error makes ResourcesUpToDate
 * false with reason ErrorOccurred and the same message; success makes ErrorOccurred false with
 * the success reason and message.
 */
export function outcomeConditions(outcome: ReconcileOutcomeReport): AppSetStatusCondition[] {
  const { error } = outcome;
  const parameters: AppSetStatusCondition = outcome.parametersGenerated
    ? {
        type: "ParametersGenerated",
        status: "True",
        reason: Reason.ParametersGenerated,
        message: "Successfully generated parameters for all Applications",
      }
    : {
        type: "ParametersGenerated",
        status: "False",
        reason: Reason.ErrorOccurred,
        message: error?.message ?? "",
      };
  if (error === undefined) {
    const upToDate = { reason: Reason.ApplicationSetUpToDate, message: successMessage };
    return [
      { type: "ErrorOccurred", status: "False", ...upToDate },
      parameters,
      { type: "ResourcesUpToDate", status: "True", ...upToDate },
    ];
  }
  return [
    { type: "ErrorOccurred", status: "True", reason: error.reason, message: error.message },
    parameters,
    {
      type: "ResourcesUpToDate",
      status: "False",
      reason: Reason.ErrorOccurred,
      message: error.message,
    },
  ];
}

function sameCondition(a: AppSetStatusCondition, b: AppSetStatusCondition): boolean {
  return (
    a.type === b.type && a.status === b.status && a.reason === b.reason && a.message === b.message
  );
}

/**
 * Merges new conditions into the stored ones as Argo CD's SetConditions does: a condition whose
 * type, status, reason and message are unchanged keeps its lastTransitionTime; others get `now`;
 * stored conditions of types this controller does not evaluate are kept; the result is sorted
 * by type.
 * @returns the conditions and whether they differ from the stored ones (nothing to write if not)
 */
export function mergeConditions(
  stored: readonly AppSetStatusCondition[],
  next: readonly AppSetStatusCondition[],
  now: string,
): { conditions: AppSetStatusCondition[]; changed: boolean } {
  const merged = stored.filter((condition) => !evaluatedTypes.has(condition.type));
  for (const condition of next) {
    const previous = stored.find((c) => c.type === condition.type);
    merged.push(
      previous !== undefined && sameCondition(previous, condition)
        ? previous
        : { ...condition, lastTransitionTime: now },
    );
  }
  merged.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  const changed =
    merged.length !== stored.length ||
    merged.some((condition, index) => {
      const old = stored[index];
      return old === undefined || !sameCondition(condition, old);
    });
  return { conditions: merged, changed };
}

/** Reads `status.conditions` of an ApplicationSet, skipping entries that are not conditions. */
export function storedConditions(status: unknown): AppSetStatusCondition[] {
  if (typeof status !== "object" || status === null) return [];
  const list = (status as { conditions?: unknown }).conditions;
  if (!Array.isArray(list)) return [];
  return list.filter(
    (item): item is AppSetStatusCondition =>
      typeof item === "object" &&
      item !== null &&
      typeof (item as { type?: unknown }).type === "string" &&
      typeof (item as { status?: unknown }).status === "string",
  );
}

import { isDeepStrictEqual } from "node:util";
import type { JsonObject } from "../../argocd/index.js";
import type { KubeObject } from "../../kube/index.js";
import type { AppSetStatusCondition } from "./conditions.js";

/** Argo CD's default `--max-resources-status-count`. */
export const defaultMaxResourcesStatusCount = 5000;

/** One `status.resources[]` entry: an owned Application with its sync and health state. */
export interface ResourceStatus {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly status?: string;
  readonly health: { readonly status?: string; readonly message?: string };
}

/**
 * `status.resources` and `status.resourcesCount` for the owned Applications (Argo CD's
 * BuildResourceStatus): sorted by name, truncated to `cap` entries; the count is not truncated.
 */
export function resourceStatuses(
  apps: readonly KubeObject[],
  cap = defaultMaxResourcesStatusCount,
): { resources: ResourceStatus[]; resourcesCount: number } {
  const entries = apps.map((app): ResourceStatus => {
    const status = (app.status ?? {}) as {
      sync?: { status?: unknown };
      health?: { status?: unknown; message?: unknown };
    };
    const sync = status.sync?.status;
    const healthStatus = status.health?.status;
    const healthMessage = status.health?.message;
    return {
      group: "argoproj.io",
      version: "v1alpha1",
      kind: "Application",
      namespace: app.metadata?.namespace ?? "",
      name: app.metadata?.name ?? "",
      ...(typeof sync === "string" && sync !== "" ? { status: sync } : {}),
      health: {
        ...(typeof healthStatus === "string" && healthStatus !== ""
          ? { status: healthStatus }
          : {}),
        ...(typeof healthMessage === "string" && healthMessage !== ""
          ? { message: healthMessage }
          : {}),
      },
    };
  });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    resources: cap > 0 ? entries.slice(0, cap) : entries,
    resourcesCount: entries.length,
  };
}

/**
 * The merge patch for `status` (conditions, resources, resourcesCount), or undefined when the
 * stored status already says exactly that: a reconcile that changes nothing writes nothing.
 */
export function statusPatch(
  stored: unknown,
  conditions: { conditions: AppSetStatusCondition[]; changed: boolean },
  resources: { resources: ResourceStatus[]; resourcesCount: number },
): JsonObject | undefined {
  const current = (typeof stored === "object" && stored !== null ? stored : {}) as {
    resources?: unknown;
    resourcesCount?: unknown;
  };
  const patch: JsonObject = {};
  if (conditions.changed) patch.conditions = conditions.conditions as unknown as JsonObject[];
  const storedResources = current.resources ?? [];
  if (!isDeepStrictEqual(storedResources, resources.resources))
    patch.resources = resources.resources as unknown as JsonObject[];
  if ((current.resourcesCount ?? 0) !== resources.resourcesCount)
    patch.resourcesCount = resources.resourcesCount;
  return Object.keys(patch).length === 0 ? undefined : { status: patch };
}

import { defineResource } from "../define-resource.js";
import { ensureObject, objectAt, stringAt } from "../json.js";
import type { Json, JsonObject } from "../json.js";
import type { ResourceType } from "../resource-type.js";
import { builtinTable, column } from "../tables.js";

function count(obj: JsonObject, section: string, field: string): number {
  const value = objectAt(obj, section)?.[field];
  return typeof value === "number" ? value : 0;
}

function replicas(obj: JsonObject): number {
  const value = objectAt(obj, "spec")?.replicas;
  return typeof value === "number" ? value : 1;
}

function defaultReplicas(obj: JsonObject): void {
  const spec = ensureObject(obj, "spec");
  if (typeof spec.replicas !== "number") spec.replicas = 1;
}

const workload = {
  group: "apps",
  version: "v1",
  namespaced: true,
  categories: ["all"],
  subresources: ["scale", "status"],
  hasGeneration: true,
  statusSubresource: true,
} as const;

/** apps/v1 deployments: stored with generation and status; nothing runs them. */
export const deployments: ResourceType = defineResource({
  ...workload,
  resource: "deployments",
  kind: "Deployment",
  shortNames: ["deploy"],
  prepareCreate: defaultReplicas,
  prepareUpdate: defaultReplicas,
  table: builtinTable(
    [
      column("Ready", "string", "Number of the pod with ready state"),
      column(
        "Up-to-date",
        "string",
        "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
      ),
      column(
        "Available",
        "string",
        "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
      ),
    ],
    (obj) => [
      `${count(obj, "status", "readyReplicas")}/${replicas(obj)}`,
      count(obj, "status", "updatedReplicas"),
      count(obj, "status", "availableReplicas"),
    ],
  ),
});

/** apps/v1 statefulsets. */
export const statefulSets: ResourceType = defineResource({
  ...workload,
  resource: "statefulsets",
  kind: "StatefulSet",
  shortNames: ["sts"],
  prepareCreate: defaultReplicas,
  prepareUpdate: defaultReplicas,
  table: builtinTable([column("Ready", "string", "Number of the pod with ready state")], (obj) => [
    `${count(obj, "status", "readyReplicas")}/${replicas(obj)}`,
  ]),
});

/** apps/v1 daemonsets. */
export const daemonSets: ResourceType = defineResource({
  ...workload,
  resource: "daemonsets",
  kind: "DaemonSet",
  shortNames: ["ds"],
  subresources: ["status"],
  table: builtinTable(
    [
      column("Desired", "integer", "The desired number of daemon pods."),
      column("Current", "integer", "The number of nodes running at least one daemon pod."),
      column(
        "Ready",
        "integer",
        "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.",
      ),
      column(
        "Up-to-date",
        "integer",
        "The total number of nodes that are running updated daemon pod",
      ),
      column(
        "Available",
        "integer",
        "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.",
      ),
    ],
    (obj): Json[] => [
      count(obj, "status", "desiredNumberScheduled"),
      count(obj, "status", "currentNumberScheduled"),
      count(obj, "status", "numberReady"),
      count(obj, "status", "updatedNumberScheduled"),
      count(obj, "status", "numberAvailable"),
    ],
  ),
});

/** coordination.k8s.io/v1 leases (leader election). */
export const leases: ResourceType = defineResource({
  group: "coordination.k8s.io",
  version: "v1",
  resource: "leases",
  kind: "Lease",
  namespaced: true,
  table: builtinTable([column("Holder", "string", "The holder of the lease")], (obj) => [
    stringAt(objectAt(obj, "spec"), "holderIdentity") ?? "",
  ]),
});

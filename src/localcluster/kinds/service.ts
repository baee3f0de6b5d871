import { randomInt } from "node:crypto";
import { defineResource } from "../define-resource.js";
import { arrayAt, ensureObject, isObject, objectAt, scalarText, stringAt } from "../json.js";
import type { JsonObject } from "../json.js";
import type { ResourceType } from "../resource-type.js";
import { builtinTable, column } from "../tables.js";

function defaultService(obj: JsonObject): void {
  const spec = ensureObject(obj, "spec");
  if (typeof spec.type !== "string") spec.type = "ClusterIP";
  if (typeof spec.sessionAffinity !== "string") spec.sessionAffinity = "None";
  for (const port of arrayAt(spec, "ports") ?? []) {
    if (!isObject(port)) continue;
    if (typeof port.protocol !== "string") port.protocol = "TCP";
    if (port.targetPort === undefined && typeof port.port === "number") port.targetPort = port.port;
  }
  if (spec.type !== "ExternalName" && typeof spec.clusterIP !== "string") {
    // Addresses are cosmetic here: nothing routes to them; they only fill the Table.
    const ip = `10.96.${randomInt(0, 256)}.${randomInt(1, 255)}`;
    spec.clusterIP = ip;
    spec.clusterIPs = [ip];
    spec.ipFamilies = ["IPv4"];
    spec.ipFamilyPolicy = "SingleStack";
    spec.internalTrafficPolicy = "Cluster";
  }
  if (!isObject(obj.status)) obj.status = { loadBalancer: {} };
}

function portsCell(spec: JsonObject | undefined): string {
  const ports = (arrayAt(spec, "ports") ?? []).filter(isObject);
  if (ports.length === 0) return "<none>";
  return ports
    .map((p) => {
      const node = typeof p.nodePort === "number" ? `:${p.nodePort}` : "";
      return `${scalarText(p.port)}${node}/${stringAt(p, "protocol") ?? "TCP"}`;
    })
    .join(",");
}

/** core/v1 services (stored; `proxy` forwards to registered endpoints). */
export const services: ResourceType = defineResource({
  group: "",
  version: "v1",
  resource: "services",
  kind: "Service",
  namespaced: true,
  shortNames: ["svc"],
  categories: ["all"],
  verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
  subresources: ["proxy", "status"],
  statusSubresource: true,
  nameRule: "label",
  prepareCreate: defaultService,
  prepareUpdate(obj, old) {
    const spec = ensureObject(obj, "spec");
    const oldSpec = objectAt(old, "spec");
    if (typeof spec.clusterIP !== "string" && typeof oldSpec?.clusterIP === "string") {
      spec.clusterIP = oldSpec.clusterIP;
      spec.clusterIPs = oldSpec.clusterIPs ?? [oldSpec.clusterIP];
    }
    defaultService(obj);
  },
  table: builtinTable(
    [
      column("Type", "string", "The type of the service"),
      column("Cluster-IP", "string", "The cluster IP of the service"),
      column("External-IP", "string", "The external IP of the service"),
      column("Port(s)", "string", "The ports of the service"),
    ],
    (obj) => {
      const spec = objectAt(obj, "spec");
      const external = (arrayAt(spec, "externalIPs") ?? []).map(scalarText).join(",");
      return [
        stringAt(spec, "type") ?? "",
        stringAt(spec, "clusterIP") ?? "<none>",
        external === "" ? "<none>" : external,
        portsCell(spec),
      ];
    },
  ),
});

/** core/v1 serviceaccounts. */
export const serviceAccounts: ResourceType = defineResource({
  group: "",
  version: "v1",
  resource: "serviceaccounts",
  kind: "ServiceAccount",
  namespaced: true,
  shortNames: ["sa"],
  subresources: ["token"],
  returnsDeletedObject: true,
  table: builtinTable([column("Secrets", "string", "Secrets is the list of secrets")], (obj) => [
    (arrayAt(obj, "secrets") ?? []).length,
  ]),
});

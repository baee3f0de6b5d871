import { createHash } from "node:crypto";
import { scalarText } from "./json.js";
import type { JsonObject } from "./json.js";
import { compareKubeVersions } from "./kube-versions.js";
import { apiVersionOf } from "./resource-type.js";
import type { ResourceType } from "./resource-type.js";

/** The fixed order of built-in groups in /apis (the apiserver's priority order, roughly). */
const groupOrder = [
  "apps",
  "events.k8s.io",
  "authorization.k8s.io",
  "coordination.k8s.io",
  "apiextensions.k8s.io",
];

function subresourceVerbs(sub: string): string[] {
  switch (sub) {
    case "finalize":
      return ["update"];
    case "token":
      return ["create"];
    case "proxy":
      return ["create", "delete", "get", "patch", "update"];
    default:
      return ["get", "patch", "update"];
  }
}

function subresourceKind(type: ResourceType, sub: string): JsonObject {
  if (sub === "scale") return { group: "autoscaling", version: "v1", kind: "Scale" };
  if (sub === "token")
    return { group: "authentication.k8s.io", version: "v1", kind: "TokenRequest" };
  return { group: type.group, version: type.version, kind: type.kind };
}

/** Groups present, each with its versions ordered preferred first. */
export function groupVersions(types: readonly ResourceType[]): Map<string, string[]> {
  const groups = new Map<string, Set<string>>();
  for (const type of types) {
    if (type.group === "") continue;
    let versions = groups.get(type.group);
    if (versions === undefined) {
      versions = new Set();
      groups.set(type.group, versions);
    }
    versions.add(type.version);
  }
  const names = [...groups.keys()].sort((a, b) => {
    const ia = groupOrder.indexOf(a);
    const ib = groupOrder.indexOf(b);
    if (ia >= 0 || ib >= 0)
      return (ia < 0 ? groupOrder.length : ia) - (ib < 0 ? groupOrder.length : ib);
    return a.localeCompare(b);
  });
  return new Map(
    names.map((name) => [name, [...(groups.get(name) ?? [])].sort(compareKubeVersions)]),
  );
}

function discoveryResource(type: ResourceType): JsonObject {
  const entry: JsonObject = {
    resource: type.resource,
    responseKind: { group: type.group, version: type.version, kind: type.kind },
    scope: type.namespaced ? "Namespaced" : "Cluster",
    singularResource: type.singular,
    verbs: [...type.verbs],
  };
  if (type.shortNames.length > 0) entry.shortNames = [...type.shortNames];
  if (type.categories.length > 0) entry.categories = [...type.categories];
  if (type.subresources.length > 0) {
    entry.subresources = type.subresources.map((sub) => ({
      subresource: sub,
      responseKind: subresourceKind(type, sub),
      verbs: subresourceVerbs(sub),
    }));
  }
  return entry;
}

function versionEntry(types: readonly ResourceType[], version: string): JsonObject {
  return {
    version,
    freshness: "Current",
    resources: types
      .filter((t) => t.version === version)
      .sort((a, b) => a.resource.localeCompare(b.resource))
      .map(discoveryResource),
  };
}

/**
 * The aggregated discovery document (`APIGroupDiscoveryList`) for /api (core) or /apis.
 * @param version v2 or v2beta1, as the client asked
 */
export function aggregatedDiscovery(
  types: readonly ResourceType[],
  core: boolean,
  version: string,
): JsonObject {
  const items: JsonObject[] = [];
  if (core) {
    const coreTypes = types.filter((t) => t.group === "");
    items.push({
      metadata: { creationTimestamp: null },
      versions: [versionEntry(coreTypes, "v1")],
    });
  } else {
    for (const [group, versions] of groupVersions(types)) {
      const groupTypes = types.filter((t) => t.group === group);
      items.push({
        metadata: { name: group, creationTimestamp: null },
        versions: versions.map((v) => versionEntry(groupTypes, v)),
      });
    }
  }
  return {
    kind: "APIGroupDiscoveryList",
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items,
  };
}

/** Legacy `GET /api`. */
export function apiVersions(serverAddress: string): JsonObject {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

function groupEntry(group: string, versions: readonly string[]): JsonObject {
  const list = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions: list, preferredVersion: list[0] ?? null };
}

/** Legacy `GET /apis`. */
export function apiGroupList(types: readonly ResourceType[]): JsonObject {
  const groups = [...groupVersions(types)].map(([group, versions]) => groupEntry(group, versions));
  return { kind: "APIGroupList", apiVersion: "v1", groups };
}

/** Legacy `GET /apis/GROUP`, or undefined when no such group is served. */
export function apiGroup(types: readonly ResourceType[], group: string): JsonObject | undefined {
  const versions = groupVersions(types).get(group);
  if (versions === undefined) return undefined;
  return { kind: "APIGroup", apiVersion: "v1", ...groupEntry(group, versions) };
}

/** `storageVersionHash`: base64 of the first 8 bytes of SHA-256 of `group/version/kind`. */
function storageVersionHash(type: ResourceType): string {
  const digest = createHash("sha256").update(`${type.group}/${type.version}/${type.kind}`).digest();
  return digest.subarray(0, 8).toString("base64");
}

/** Legacy `GET /api/v1` or `/apis/GROUP/VERSION`, or undefined when not served. */
export function apiResourceList(
  types: readonly ResourceType[],
  group: string,
  version: string,
): JsonObject | undefined {
  const served = types.filter((t) => t.group === group && t.version === version);
  if (served.length === 0) return undefined;
  const resources: JsonObject[] = [];
  for (const type of [...served].sort((a, b) => a.resource.localeCompare(b.resource))) {
    const entry: JsonObject = {
      name: type.resource,
      singularName: type.singular,
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: [...type.verbs],
    };
    if (type.shortNames.length > 0) entry.shortNames = [...type.shortNames];
    if (type.categories.length > 0) entry.categories = [...type.categories];
    if (!type.verbs.every((v) => v === "create"))
      entry.storageVersionHash = storageVersionHash(type);
    resources.push(entry);
    for (const sub of type.subresources) {
      const kind = subresourceKind(type, sub);
      const subEntry: JsonObject = {
        name: `${type.resource}/${sub}`,
        singularName: "",
        namespaced: type.namespaced,
        kind: scalarText(kind.kind),
        verbs: subresourceVerbs(sub),
      };
      if (sub === "scale") Object.assign(subEntry, { group: "autoscaling", version: "v1" });
      resources.push(subEntry);
    }
  }
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: apiVersionOf({ group, version }),
    resources,
  };
}

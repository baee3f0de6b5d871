import type { FieldSchema, ListType } from "./resource-type.js";

const byName: ListType = { type: "map", keys: ["name"] };
const atomic: ListType = { type: "atomic" };
const set: ListType = { type: "set" };

/** Lists keyed by `name` wherever they appear in core/apps kinds (their patchMergeKey). */
const nameKeyedLists = new Set([
  "containers",
  "initContainers",
  "ephemeralContainers",
  "env",
  "volumes",
  "imagePullSecrets",
  "schedulingGates",
  "resourceClaims",
]);

/** Lists keyed by something other than `name`, by field name. */
const otherKeyedLists: Readonly<Record<string, ListType>> = {
  volumeMounts: { type: "map", keys: ["mountPath"] },
  volumeDevices: { type: "map", keys: ["devicePath"] },
  hostAliases: { type: "map", keys: ["ip"] },
  topologySpreadConstraints: { type: "map", keys: ["topologyKey", "whenUnsatisfiable"] },
  conditions: { type: "map", keys: ["type"] },
};

/** Object-valued fields whose keys are data, not struct fields. */
const mapFields = new Set([
  "labels",
  "annotations",
  "data",
  "binaryData",
  "stringData",
  "matchLabels",
  "nodeSelector",
  "limits",
  "requests",
]);

/**
 * The merge semantics of the built-in kinds (core, apps, coordination, events), from their Go
 * struct tags: `patchStrategy=merge` + `patchMergeKey` lists, sets, atomic lists, maps.
 * @param kind the object's kind, for the few lists that depend on it (Service ports)
 */
export function builtinSchema(kind: string): FieldSchema {
  return {
    listType(path) {
      const last = path.at(-1) ?? "";
      if (path.length === 2 && path[0] === "metadata") {
        if (last === "ownerReferences") return { type: "map", keys: ["uid"] };
        if (last === "finalizers") return set;
        return atomic;
      }
      if (last === "finalizers" && path.length === 2 && path[0] === "spec") return set;
      if (nameKeyedLists.has(last)) return byName;
      if (kind === "ServiceAccount" && path.length === 1 && last === "secrets") return byName;
      if (last === "ports") {
        if (kind === "Service" && path.length === 2)
          return { type: "map", keys: ["port", "protocol"] };
        if (path.includes("containers") || path.includes("initContainers")) {
          return { type: "map", keys: ["containerPort", "protocol"] };
        }
        return atomic;
      }
      return otherKeyedLists[last] ?? atomic;
    },
    isMap(path) {
      const last = path.at(-1) ?? "";
      if (kind === "Service" && path.length === 2 && last === "selector") return true;
      return mapFields.has(last);
    },
  };
}

import { defineResource } from "../define-resource.js";
import { objectAt, stringAt } from "../json.js";
import type { Json, JsonObject } from "../json.js";
import type { ResourceType } from "../resource-type.js";
import { ageCell, column, creationTimestamp } from "../tables.js";

/**
 * Field renames between core/v1 Event (the storage form) and events.k8s.io/v1 Event; fields not
 * listed keep their names.
 */
const renames: readonly (readonly [core: string, events: string])[] = [
  ["involvedObject", "regarding"],
  ["message", "note"],
  ["reportingComponent", "reportingController"],
  ["source", "deprecatedSource"],
  ["firstTimestamp", "deprecatedFirstTimestamp"],
  ["lastTimestamp", "deprecatedLastTimestamp"],
  ["count", "deprecatedCount"],
];

function rename(obj: JsonObject, pairs: readonly (readonly [string, string])[]): JsonObject {
  const out: JsonObject = {};
  const map = new Map(pairs);
  for (const [key, value] of Object.entries(obj)) out[map.get(key) ?? key] = value;
  return out;
}

function involvedField(field: string) {
  return (obj: JsonObject): string => {
    const value = objectAt(obj, "involvedObject")?.[field];
    return typeof value === "string" ? value : "";
  };
}

const fieldLabels: Record<string, (obj: JsonObject) => string> = {
  reason: (obj) => stringAt(obj, "reason") ?? "",
  type: (obj) => stringAt(obj, "type") ?? "",
  reportingComponent: (obj) => stringAt(obj, "reportingComponent") ?? "",
  source: (obj) => stringAt(objectAt(obj, "source"), "component") ?? "",
};
for (const field of [
  "kind",
  "namespace",
  "name",
  "uid",
  "apiVersion",
  "resourceVersion",
  "fieldPath",
]) {
  fieldLabels[`involvedObject.${field}`] = involvedField(field);
  fieldLabels[`regarding.${field}`] = involvedField(field);
}

function lastSeen(obj: JsonObject, now: Date): string {
  const series = objectAt(obj, "series");
  const timestamp =
    stringAt(series, "lastObservedTime") ??
    stringAt(obj, "lastTimestamp") ??
    stringAt(obj, "eventTime") ??
    creationTimestamp(obj);
  return ageCell(timestamp, now);
}

function objectCell(obj: JsonObject): Json {
  const involved = objectAt(obj, "involvedObject");
  const kind = (stringAt(involved, "kind") ?? "").toLowerCase();
  return `${kind}/${stringAt(involved, "name") ?? ""}`;
}

/** core/v1 events (also served as events.k8s.io/v1 from the same storage). */
export const coreEvents: ResourceType = defineResource({
  group: "",
  version: "v1",
  resource: "events",
  kind: "Event",
  namespaced: true,
  shortNames: ["ev"],
  storageKey: "/events",
  fieldLabels,
  table: {
    columns: [
      column("Last Seen", "string", "Time when this Event was last seen"),
      column("Type", "string", "Type of this event (Normal, Warning)"),
      column("Reason", "string", "Reason is why the action was taken."),
      column("Object", "string", "The object that this event is about"),
      column("Message", "string", "A human-readable description of the status of this operation."),
      column("Name", "string", "Name of the event", { format: "name", priority: 1 }),
    ],
    cells: (obj, now) => [
      lastSeen(obj, now),
      stringAt(obj, "type") ?? "",
      stringAt(obj, "reason") ?? "",
      objectCell(obj),
      stringAt(obj, "message") ?? "",
      stringAt(objectAt(obj, "metadata"), "name") ?? "",
    ],
  },
});

/** events.k8s.io/v1 events, converted to and from the core storage form. */
export const eventsV1: ResourceType = defineResource({
  group: "events.k8s.io",
  version: "v1",
  resource: "events",
  kind: "Event",
  namespaced: true,
  shortNames: ["ev"],
  storageKey: "/events",
  storageApiVersion: "v1",
  fieldLabels,
  table: coreEvents.table,
  toVersion(stored) {
    return { ...rename(stored, renames), apiVersion: "events.k8s.io/v1", kind: "Event" };
  },
  toStorage(obj) {
    const reversed = renames.map(([core, events]) => [events, core] as const);
    const stored = rename(obj, reversed);
    stored.apiVersion = "v1";
    stored.kind = "Event";
    return stored;
  },
});

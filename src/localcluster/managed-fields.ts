import { changedFields, collectFields, scopedView, trackedView } from "./field-paths.js";
import { FieldSet } from "./fieldset.js";
import { arrayAt, deepEqual, isObject, objectAt } from "./json.js";
import type { Json, JsonObject } from "./json.js";
import type { FieldSchema } from "./resource-type.js";

/** One managedFields entry with its field set decoded. */
export interface ManagedEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time: string;
  subresource: string;
  fields: FieldSet;
}

/** Reads `metadata.managedFields` (entries that are not FieldsV1 objects are skipped). */
export function decodeManagedFields(obj: JsonObject): ManagedEntry[] {
  const raw = arrayAt(objectAt(obj, "metadata"), "managedFields") ?? [];
  return raw.filter(isObject).flatMap((entry) => {
    const operation = entry.operation;
    if (operation !== "Apply" && operation !== "Update") return [];
    return [
      {
        manager: typeof entry.manager === "string" ? entry.manager : "",
        operation,
        apiVersion: typeof entry.apiVersion === "string" ? entry.apiVersion : "",
        time: typeof entry.time === "string" ? entry.time : "",
        subresource: typeof entry.subresource === "string" ? entry.subresource : "",
        fields: FieldSet.fromFieldsV1(entry.fieldsV1),
      },
    ];
  });
}

/** Entries as stored: Apply before Update, then by time, manager, apiVersion, subresource. */
export function encodeManagedFields(entries: readonly ManagedEntry[]): Json[] {
  const sorted = [...entries].sort(
    (a, b) =>
      (a.operation === b.operation ? 0 : a.operation === "Apply" ? -1 : 1) ||
      a.time.localeCompare(b.time) ||
      a.manager.localeCompare(b.manager) ||
      a.apiVersion.localeCompare(b.apiVersion) ||
      a.subresource.localeCompare(b.subresource),
  );
  return sorted.map((entry) => {
    const out: JsonObject = {
      manager: entry.manager,
      operation: entry.operation,
      apiVersion: entry.apiVersion,
      time: entry.time,
      fieldsType: "FieldsV1",
      fieldsV1: entry.fields.toFieldsV1(),
    };
    if (entry.subresource !== "") out.subresource = entry.subresource;
    return out;
  });
}

/** RFC 3339 with whole seconds, as managedFields and timestamps are written. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Who is writing, for managedFields. */
export interface FieldManagerContext {
  manager: string;
  apiVersion: string;
  subresource: string;
  now: Date;
  schema: FieldSchema;
  statusSubresource: boolean;
}

/**
 * The ownership the server starts from for a write: the stored entries, unless the request
 * carries a different non-empty managedFields list (taken as the new ownership, as kubectl's
 * client-side → server-side migration relies on); `[{}]` clears every entry.
 */
export function baseEntries(stored: JsonObject | undefined, incoming: JsonObject): ManagedEntry[] {
  const storedEntries = stored === undefined ? [] : decodeManagedFields(stored);
  const requested = objectAt(incoming, "metadata")?.managedFields;
  if (!Array.isArray(requested) || requested.length === 0) return storedEntries;
  if (requested.length === 1 && isObject(requested[0]) && Object.keys(requested[0]).length === 0)
    return [];
  const storedRaw = stored === undefined ? undefined : objectAt(stored, "metadata")?.managedFields;
  if (deepEqual(requested, storedRaw)) return storedEntries;
  return decodeManagedFields(incoming);
}

/** Drops fields no longer present and empty entries; sets the entries on the object. */
export function finishEntries(
  obj: JsonObject,
  entries: readonly ManagedEntry[],
  schema: FieldSchema,
  fieldsMayBeGone = true,
): void {
  // A create has no earlier fields to drop; every other write may have removed some.
  const present = fieldsMayBeGone ? collectFields(trackedView(obj), schema, true) : undefined;
  const kept = entries
    .map((entry) =>
      present === undefined ? entry : { ...entry, fields: entry.fields.intersection(present) },
    )
    .filter((entry) => !entry.fields.empty);
  const meta = objectAt(obj, "metadata");
  if (meta === undefined) return;
  if (kept.length === 0) delete meta.managedFields;
  else meta.managedFields = encodeManagedFields(mergeAncientChanges(kept));
}

const maxUpdateEntries = 10;

function mergeAncientChanges(entries: ManagedEntry[]): ManagedEntry[] {
  const updates = entries
    .filter((e) => e.operation === "Update")
    .sort((a, b) => a.time.localeCompare(b.time));
  if (updates.length <= maxUpdateEntries) return entries;
  const ancient = updates.slice(0, updates.length - maxUpdateEntries + 1);
  const merged: ManagedEntry = {
    manager: "ancient-changes",
    operation: "Update",
    apiVersion: ancient.at(-1)?.apiVersion ?? "",
    time: ancient.at(-1)?.time ?? "",
    subresource: "",
    fields: ancient.reduce((set, e) => set.union(e.fields), new FieldSet()),
  };
  return [...entries.filter((e) => !ancient.includes(e)), merged];
}

/**
 * Records an Update operation (create, update, non-apply patch): the fields it added or changed
 * move to the manager's Update entry and leave every other entry. Never conflicts.
 */
export function recordUpdate(
  before: JsonObject | undefined,
  after: JsonObject,
  entries: readonly ManagedEntry[],
  ctx: FieldManagerContext,
): void {
  const scope = (obj: JsonObject): JsonObject =>
    scopedView(trackedView(obj), ctx.subresource, ctx.statusSubresource);
  const changed = changedFields(
    before === undefined ? undefined : scope(before),
    scope(after),
    ctx.schema,
  );
  const isMine = (e: ManagedEntry): boolean =>
    e.operation === "Update" &&
    e.manager === ctx.manager &&
    e.apiVersion === ctx.apiVersion &&
    e.subresource === ctx.subresource;
  const result = entries
    .filter((e) => !isMine(e))
    .map((e) => ({ ...e, fields: e.fields.difference(changed) }));
  const mine = entries.find(isMine);
  const fields = mine === undefined ? changed : mine.fields.union(changed);
  const time = mine?.fields.equals(fields) === true ? mine.time : rfc3339(ctx.now);
  result.push({
    manager: ctx.manager,
    operation: "Update",
    apiVersion: ctx.apiVersion,
    time,
    subresource: ctx.subresource,
    fields,
  });
  finishEntries(after, result, ctx.schema, before !== undefined);
}

import { evaluateJsonPath } from "./jsonpath.js";
import { isObject, objectAt, stringAt } from "./json.js";
import type { Json, JsonObject } from "./json.js";
import type { ColumnDefinition, TableSpec } from "./resource-type.js";

/**
 * Renders a duration as kubectl's AGE column does (apimachinery `duration.HumanDuration`).
 */
export function humanDuration(milliseconds: number): string {
  const seconds = Math.trunc(milliseconds / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const d = days % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${years}y`;
}

/** The age of a timestamp as a Table cell (`<unknown>` when absent). */
export function ageCell(timestamp: string | undefined, now: Date): string {
  if (timestamp === undefined) return "<unknown>";
  const then = Date.parse(timestamp);
  return Number.isNaN(then) ? "<unknown>" : humanDuration(now.getTime() - then);
}

/** A column definition (priority 0 unless given). */
export function column(
  name: string,
  type: string,
  description: string,
  options: { format?: string; priority?: number } = {},
): ColumnDefinition {
  return { name, type, format: options.format ?? "", description, priority: options.priority ?? 0 };
}

/** The Name column every table starts with. */
export const nameColumn: ColumnDefinition = column(
  "Name",
  "string",
  "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
  { format: "name" },
);

/** The Age column of built-in printers. */
export const ageColumn: ColumnDefinition = column(
  "Age",
  "string",
  "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
);

/** `metadata.creationTimestamp` of an object. */
export function creationTimestamp(obj: JsonObject): string | undefined {
  return stringAt(objectAt(obj, "metadata"), "creationTimestamp");
}

/** The printer of kinds without one: Name and `Created At` (a date cell). */
export const defaultTable: TableSpec = {
  columns: [
    nameColumn,
    column(
      "Created At",
      "date",
      "CreationTimestamp is a timestamp representing the server time when this object was created.",
    ),
  ],
  cells: (obj) => [
    stringAt(objectAt(obj, "metadata"), "name") ?? "",
    creationTimestamp(obj) ?? null,
  ],
};

/** A printer of Name, then `columns`, then Age; `cells` gives the middle cells. */
export function builtinTable(
  columns: readonly ColumnDefinition[],
  cells: (obj: JsonObject, now: Date) => Json[],
): TableSpec {
  return {
    columns: [nameColumn, ...columns, ageColumn],
    cells: (obj, now) => [
      stringAt(objectAt(obj, "metadata"), "name") ?? "",
      ...cells(obj, now),
      ageCell(creationTimestamp(obj), now),
    ],
  };
}

/** One `additionalPrinterColumns` entry of a CRD version. */
export interface PrinterColumn {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
  jsonPath: string;
}

/**
 * The printer of a custom resource: Name plus the CRD's columns; Age when it declares none.
 * Cells follow the apiserver: strings as printed by JSONPath, numbers and booleans as values,
 * dates as ages, missing values as null.
 */
export function printerColumnsTable(printerColumns: readonly PrinterColumn[]): TableSpec {
  const effective: PrinterColumn[] =
    printerColumns.length > 0
      ? [...printerColumns]
      : [
          {
            name: "Age",
            type: "date",
            format: "",
            description: ageColumn.description,
            priority: 0,
            jsonPath: ".metadata.creationTimestamp",
          },
        ];
  return {
    columns: [
      nameColumn,
      ...effective.map((c) =>
        column(c.name, c.type, c.description, { format: c.format, priority: c.priority }),
      ),
    ],
    cells: (obj, now) => [
      stringAt(objectAt(obj, "metadata"), "name") ?? "",
      ...effective.map((c) => printerCell(obj, c, now)),
    ],
  };
}

function printerCell(obj: JsonObject, printer: PrinterColumn, now: Date): Json {
  let results: Json[];
  try {
    results = evaluateJsonPath(obj, printer.jsonPath);
  } catch {
    return null;
  }
  const first = results[0];
  if (first === undefined || first === null) return null;
  switch (printer.type) {
    case "integer":
    case "number":
      return typeof first === "number" ? first : null;
    case "boolean":
      return typeof first === "boolean" ? first : null;
    case "date":
      return typeof first === "string" ? ageCell(first, now) : null;
    default:
      return results.map((value) => printValue(value)).join(" ");
  }
}

function printValue(value: Json): string {
  if (typeof value === "string") return value;
  if (isObject(value) || Array.isArray(value)) return JSON.stringify(value);
  return String(value);
}

/** The shape a Table request selects for each row's `object`. */
export type IncludeObject = "None" | "Metadata" | "Object";

/**
 * Builds a `meta.k8s.io/v1` Table for `objects` (already converted to the served version).
 * Column definitions are left out when `withColumns` is false (watch events after the first).
 */
export function buildTable(
  spec: TableSpec,
  objects: readonly JsonObject[],
  options: { now: Date; includeObject: IncludeObject; withColumns: boolean; listMeta: JsonObject },
): JsonObject {
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: options.listMeta,
    columnDefinitions: options.withColumns ? spec.columns.map((c) => ({ ...c })) : null,
    rows: objects.map((obj) => ({
      cells: spec.cells(obj, options.now),
      object: rowObject(obj, options.includeObject),
    })),
  };
}

function rowObject(obj: JsonObject, include: IncludeObject): Json {
  if (include === "None") return null;
  if (include === "Object") return obj;
  return {
    kind: "PartialObjectMetadata",
    apiVersion: "meta.k8s.io/v1",
    metadata: objectAt(obj, "metadata") ?? {},
  };
}

import type { Json, JsonObject } from "./json.js";
import type { FieldError } from "./status.js";
import type { NameRule } from "./validation.js";

/** How a list merges in strategic merge patch and server-side apply. */
export type ListType =
  | { readonly type: "map"; readonly keys: readonly string[] }
  | { readonly type: "set" }
  | { readonly type: "atomic" };

/**
 * What the patch engines and managedFields need to know about an object's shape. Paths are field
 * names from the root; list items are not part of the path.
 */
export interface FieldSchema {
  /** Merge behaviour of the list at `path`. */
  listType(path: readonly string[]): ListType;
  /** True when the object at `path` is a map whose keys are data (labels, data), not a struct. */
  isMap(path: readonly string[]): boolean;
}

/** One column of a Table. */
export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

/** The columns a kind prints and how to fill them. */
export interface TableSpec {
  columns: readonly ColumnDefinition[];
  cells(obj: JsonObject, now: Date): Json[];
}

/** What a write hook may read or report. */
export interface WriteContext {
  readonly now: Date;
  /** "" for the main resource, "status" for /status. */
  readonly subresource: string;
  /** Warnings to send back as `Warning: 299` headers. */
  readonly warnings: string[];
  /** Field validation mode (Strict, Warn, Ignore). */
  readonly fieldValidation: string;
}

/**
 * A resource served at /api/v1 or /apis/GROUP/VERSION: its names, scope, verbs, and the hooks
 * that give it the behaviour of its kind. One per (group, version, resource).
 */
export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly kind: string;
  readonly listKind: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly verbs: readonly string[];
  /** Subresource names: status, finalize, proxy, scale. */
  readonly subresources: readonly string[];
  /** Key of the storage shared by every version of this resource (`group/resource`). */
  readonly storageKey: string;
  /** True for kinds that carry metadata.generation (CRs, CRDs, workloads). */
  readonly hasGeneration: boolean;
  /** True when status is written only through /status. */
  readonly statusSubresource: boolean;
  /** True when DELETE answers with the object rather than a success Status. */
  readonly returnsDeletedObject: boolean;
  /** False for kinds whose PUT must carry a resourceVersion (custom resources, CRDs). */
  readonly unconditionalUpdate: boolean;
  /** Refuses a delete (protected namespaces); throws ApiError. */
  readonly checkDelete?: (obj: JsonObject) => void;
  /** True while kind-specific finalizers hold a deleted object (namespace spec.finalizers). */
  readonly holdsDeletion?: (obj: JsonObject) => boolean;
  /** Marks the start of deletion on the object (namespace phase Terminating). */
  readonly beginDeletion?: (obj: JsonObject) => void;
  /** Finalizers the server adds when deletion starts (CRDs: instance cleanup). */
  readonly deletionFinalizers?: readonly string[];
  /** Patch content types accepted (custom resources have no strategic merge patch). */
  readonly patchTypes: readonly string[];
  readonly nameRule: NameRule;
  readonly schema: FieldSchema;
  readonly table: TableSpec;
  /** Set when the resource is being removed (CRD terminating): create is refused. */
  readonly terminating?: boolean;
  /** Field selector labels beyond metadata.name / metadata.namespace, with their readers. */
  readonly fieldLabels?: Readonly<Record<string, (obj: JsonObject) => string>>;
  /** Converts a stored object to this version (default: rewrite apiVersion). */
  readonly toVersion?: (stored: JsonObject) => JsonObject;
  /** Converts an object of this version to the storage form (default: rewrite apiVersion). */
  readonly toStorage?: (obj: JsonObject) => JsonObject;
  /** apiVersion objects are stored with. */
  readonly storageApiVersion: string;
  /** Normalises a decoded body; throws ApiError 400 for data the typed decoder would refuse. */
  readonly decode?: (obj: JsonObject) => void;
  /** Defaults and server-owned fields on create. */
  readonly prepareCreate?: (obj: JsonObject, ctx: WriteContext) => void;
  /** Carries server-owned state forward on update. */
  readonly prepareUpdate?: (obj: JsonObject, old: JsonObject, ctx: WriteContext) => void;
  /** Kind-specific validation (metadata is checked generically). */
  readonly validate?: (obj: JsonObject, old: JsonObject | undefined) => FieldError[];
  /** Removes (and reports) fields the schema does not know; custom resources only. */
  readonly prune?: (obj: JsonObject) => string[];
  /** Fills schema defaults; custom resources only. */
  readonly applyDefaults?: (obj: JsonObject) => void;
}

/** `group/version`, or `version` for core. */
export function apiVersionOf(type: { group: string; version: string }): string {
  return type.group === "" ? type.version : `${type.group}/${type.version}`;
}

/** The verbs of a full read-write resource, in the order kube-apiserver lists them. */
export const allVerbs = [
  "create",
  "delete",
  "deletecollection",
  "get",
  "list",
  "patch",
  "update",
  "watch",
] as const;

/** Patch media types. */
export const PatchType = {
  json: "application/json-patch+json",
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  apply: "application/apply-patch+yaml",
} as const;

/** Patch types of built-in kinds, in the order the 415 message lists them. */
export const builtinPatchTypes: readonly string[] = [
  PatchType.json,
  PatchType.merge,
  PatchType.strategic,
  PatchType.apply,
];

/** Patch types of custom resources. */
export const customPatchTypes: readonly string[] = [
  PatchType.json,
  PatchType.merge,
  PatchType.apply,
];

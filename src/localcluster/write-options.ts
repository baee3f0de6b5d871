import type { JsonObject } from "./json.js";
import { isObject } from "./json.js";
import { fieldError, invalid } from "./status.js";

/** Per-request options of a write. */
export interface WriteOptions {
  /** `dryRun=All`: run everything, store nothing. */
  dryRun: boolean;
  /** The field manager (from `fieldManager`, else the User-Agent's product name). */
  manager: string;
  /** Strict, Warn or Ignore. */
  fieldValidation: "Strict" | "Warn" | "Ignore";
  /** `force=true` on an apply patch. */
  force: boolean;
  /** Collected `Warning` texts. */
  warnings: string[];
}

/** Delete options from the query and/or a DeleteOptions body. */
export interface DeleteOptions {
  dryRun: boolean;
  propagationPolicy: "Orphan" | "Background" | "Foreground" | undefined;
  preconditions: { uid?: string; resourceVersion?: string };
}

const patchOptionsKind = { group: "meta.k8s.io", kind: "PatchOptions" };

/**
 * Reads write options from the query string.
 * @throws ApiError 422 for an unknown fieldValidation value or an over-long manager name
 */
export function writeOptions(query: URLSearchParams, userAgent: string | undefined): WriteOptions {
  const validation = query.get("fieldValidation") ?? "Warn";
  const optionsKind = { group: "meta.k8s.io", kind: "CreateOptions" };
  if (validation !== "Strict" && validation !== "Warn" && validation !== "Ignore") {
    throw invalid(optionsKind, "", [
      fieldError.notSupported("fieldValidation", validation, ["Ignore", "Warn", "Strict"]),
    ]);
  }
  const explicit = query.get("fieldManager");
  if (explicit !== null && explicit.length > 128) {
    throw invalid(optionsKind, "", [
      fieldError.tooLong("fieldManager", "may not be more than 128 bytes"),
    ]);
  }
  const manager = explicit ?? managerFromUserAgent(userAgent);
  return {
    dryRun: query.getAll("dryRun").includes("All"),
    manager,
    fieldValidation: validation,
    force: query.get("force") === "true",
    warnings: [],
  };
}

/** `kubectl/v1.32.4 (linux/amd64) …` → `kubectl`, as the apiserver derives a default manager. */
export function managerFromUserAgent(userAgent: string | undefined): string {
  const text = userAgent ?? "";
  const slash = text.indexOf("/");
  const head = slash < 0 ? text : text.slice(0, slash);
  return head.slice(0, 128);
}

/** The 422 PatchOptions error for `force` on a non-apply patch or a missing apply manager. */
export function patchOptionsError(field: "force" | "fieldManager"): ReturnType<typeof invalid> {
  return invalid(patchOptionsKind, "", [
    field === "force"
      ? fieldError.forbidden("force", "may not be specified for non-apply patch")
      : fieldError.required("fieldManager", "is required for apply patch"),
  ]);
}

/** Merges query-string and body delete options (body wins, as the apiserver decodes both). */
export function deleteOptions(query: URLSearchParams, body: JsonObject | undefined): DeleteOptions {
  const policyFrom = (value: unknown): DeleteOptions["propagationPolicy"] =>
    value === "Orphan" || value === "Background" || value === "Foreground" ? value : undefined;
  let policy = policyFrom(query.get("propagationPolicy"));
  const orphanQuery = query.get("orphanDependents");
  if (policy === undefined && orphanQuery !== null)
    policy = orphanQuery === "true" ? "Orphan" : "Background";
  const preconditions: DeleteOptions["preconditions"] = {};
  let dryRun = query.getAll("dryRun").includes("All");
  if (body !== undefined) {
    policy = policyFrom(body.propagationPolicy) ?? policy;
    if (policy === undefined && typeof body.orphanDependents === "boolean") {
      policy = body.orphanDependents ? "Orphan" : "Background";
    }
    const pre = body.preconditions;
    if (isObject(pre)) {
      if (typeof pre.uid === "string") preconditions.uid = pre.uid;
      if (typeof pre.resourceVersion === "string")
        preconditions.resourceVersion = pre.resourceVersion;
    }
    if (Array.isArray(body.dryRun) && body.dryRun.includes("All")) dryRun = true;
  }
  return { dryRun, propagationPolicy: policy, preconditions };
}

import type { JsonObject } from "./json.js";

/** One entry of `details.causes` in a Status. */
export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

/** What a Status body says beyond code, reason and message. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** The group and plural a message names: `secrets` or `sealedsecrets.bitnami.com`. */
export interface GroupResource {
  group: string;
  resource: string;
}

/**
 * An API failure that the server answers with a `Status` body, carrying the HTTP code and the
 * machine-readable reason exactly as kube-apiserver would.
 */
export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: StatusDetails | undefined;

  constructor(code: number, reason: string, message: string, details?: StatusDetails) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  /** The Status object for the response body. */
  toStatus(): JsonObject {
    const status: JsonObject = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
    };
    if (this.details !== undefined) status.details = detailsJson(this.details);
    status.code = this.code;
    return status;
  }
}

function detailsJson(details: StatusDetails): JsonObject {
  const out: JsonObject = {};
  if (details.name !== undefined) out.name = details.name;
  if (details.group !== undefined && details.group !== "") out.group = details.group;
  if (details.kind !== undefined) out.kind = details.kind;
  if (details.uid !== undefined) out.uid = details.uid;
  if (details.causes !== undefined) {
    out.causes = details.causes.map((cause) => {
      const entry: JsonObject = { reason: cause.reason, message: cause.message };
      if (cause.field !== undefined) entry.field = cause.field;
      return entry;
    });
  }
  if (details.retryAfterSeconds !== undefined) out.retryAfterSeconds = details.retryAfterSeconds;
  return out;
}

/** `secrets` for core, `sealedsecrets.bitnami.com` otherwise. */
export function qualifiedResource(gr: GroupResource): string {
  return gr.group === "" ? gr.resource : `${gr.resource}.${gr.group}`;
}

/** 404 for a missing object. */
export function notFound(gr: GroupResource, name: string): ApiError {
  return new ApiError(404, "NotFound", `${qualifiedResource(gr)} "${name}" not found`, {
    name,
    group: gr.group,
    kind: gr.resource,
  });
}

/** 404 for a path or resource the server does not serve. */
export function unknownPath(): ApiError {
  return new ApiError(404, "NotFound", "the server could not find the requested resource", {});
}

/** 409 for a create whose name is taken. */
export function alreadyExists(gr: GroupResource, name: string): ApiError {
  return new ApiError(409, "AlreadyExists", `${qualifiedResource(gr)} "${name}" already exists`, {
    name,
    group: gr.group,
    kind: gr.resource,
  });
}

/** 409 for a stale resourceVersion or a failed precondition. */
export function conflict(gr: GroupResource, name: string, why?: string): ApiError {
  const text =
    why ??
    "the object has been modified; please apply your changes to the latest version and try again";
  return new ApiError(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualifiedResource(gr)} "${name}": ${text}`,
    { name, group: gr.group, kind: gr.resource },
  );
}

/** One validation problem, rendered as kube-apiserver's field.Error. */
export interface FieldError {
  /** Cause type, e.g. FieldValueRequired. */
  type: string;
  /** Field path such as `metadata.name` or `data[bad key]`. */
  field: string;
  /** Text without the field, e.g. `Required value` or `Invalid value: "x": why`. */
  detail: string;
}

/** Builders for the usual field errors, worded as apimachinery's field package words them. */
export const fieldError = {
  required(field: string, detail = ""): FieldError {
    return { type: "FieldValueRequired", field, detail: join("Required value", detail) };
  },
  invalid(field: string, value: unknown, detail: string): FieldError {
    return {
      type: "FieldValueInvalid",
      field,
      detail: join(`Invalid value: ${renderValue(value)}`, detail),
    };
  },
  notSupported(field: string, value: unknown, supported: readonly string[]): FieldError {
    const list = supported.map((s) => `"${s}"`).join(", ");
    return {
      type: "FieldValueNotSupported",
      field,
      detail: `Unsupported value: ${renderValue(value)}: supported values: ${list}`,
    };
  },
  forbidden(field: string, detail: string): FieldError {
    return { type: "FieldValueForbidden", field, detail: join("Forbidden", detail) };
  },
  tooLong(field: string, detail: string): FieldError {
    return { type: "FieldValueTooLong", field, detail: join("Too long", detail) };
  },
  duplicate(field: string, value: unknown): FieldError {
    return { type: "FieldValueDuplicate", field, detail: `Duplicate value: ${renderValue(value)}` };
  },
  typeInvalid(field: string, value: unknown, detail: string): FieldError {
    return {
      type: "FieldValueTypeInvalid",
      field,
      detail: join(`Invalid value: ${renderValue(value)}`, detail),
    };
  },
};

function join(head: string, detail: string): string {
  return detail === "" ? head : `${head}: ${detail}`;
}

/** Renders a value as Go's field errors do: strings quoted, objects as JSON-ish. */
function renderValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === undefined || value === null) return "null";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/**
 * 422 Invalid: `<Kind[.group]> "<name>" is invalid: <errors>` with one cause per error.
 */
export function invalid(
  kind: { group: string; kind: string },
  name: string,
  errors: readonly FieldError[],
): ApiError {
  const qualifiedKind = kind.group === "" ? kind.kind : `${kind.kind}.${kind.group}`;
  const rendered = errors.map((e) => (e.field === "" ? e.detail : `${e.field}: ${e.detail}`));
  const summary = rendered.length === 1 ? (rendered[0] ?? "") : `[${rendered.join(", ")}]`;
  return new ApiError(422, "Invalid", `${qualifiedKind} "${name}" is invalid: ${summary}`, {
    name,
    group: kind.group,
    kind: kind.kind,
    causes: errors.map((e) => ({ reason: e.type, message: e.detail, field: e.field })),
  });
}

/** 400 BadRequest with free text. */
export function badRequest(message: string): ApiError {
  return new ApiError(400, "BadRequest", message);
}

/** 403 Forbidden, optionally with causes. */
export function forbidden(
  gr: GroupResource,
  name: string,
  why: string,
  causes?: StatusCause[],
): ApiError {
  const subject = name === "" ? qualifiedResource(gr) : `${qualifiedResource(gr)} "${name}"`;
  const details: StatusDetails = { name, group: gr.group, kind: gr.resource };
  if (causes !== undefined) details.causes = causes;
  return new ApiError(403, "Forbidden", `${subject} is forbidden: ${why}`, details);
}

/** 405 for a verb the resource does not support. */
export function methodNotAllowed(verb: string, gr: GroupResource): ApiError {
  return new ApiError(
    405,
    "MethodNotAllowed",
    `${verb} is not supported on resources of kind "${qualifiedResource(gr)}"`,
    { group: gr.group, kind: gr.resource },
  );
}

/** 415 naming the media types that would have been accepted. */
export function unsupportedMediaType(accepted: readonly string[]): ApiError {
  return new ApiError(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`,
    {},
  );
}

/** 406 when nothing in Accept can be produced. */
export function notAcceptable(accepted: readonly string[]): ApiError {
  return new ApiError(
    406,
    "NotAcceptable",
    `only the following media types are accepted: ${accepted.join(", ")}`,
    {},
  );
}

/** 410 Expired for a watch or continue token older than the history kept. */
export function expired(message: string): ApiError {
  return new ApiError(410, "Expired", message);
}

/** 401 for a missing or unknown bearer token. */
export function unauthorized(): ApiError {
  return new ApiError(401, "Unauthorized", "Unauthorized");
}

/** 500 with the error as a cause. */
export function internalError(error: unknown): ApiError {
  const text = error instanceof Error ? error.message : String(error);
  return new ApiError(500, "InternalError", `Internal error occurred: ${text}`, {
    causes: [{ reason: "", message: text }],
  });
}

/** A success Status (delete of an object that is gone at once). */
export function successStatus(details: StatusDetails): JsonObject {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Success",
    details: detailsJson(details),
  };
}

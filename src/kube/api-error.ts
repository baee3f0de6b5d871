/** The `details` of a Kubernetes Status. */
export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly uid?: string;
  readonly causes?: readonly { reason?: string; message?: string; field?: string }[];
  readonly retryAfterSeconds?: number;
}

/**
 * A failed API call, keeping the HTTP status `code` and the Status `reason` ("NotFound",
 * "Conflict", "AlreadyExists", "Invalid", "Expired", …; "" when the server sent none) so callers
 * branch on them instead of parsing messages. The message names the verb and object:
 * `cannot get ConfigMap "team-a/db": configmaps "db" not found`.
 */
export class ApiError extends Error {
  /** The HTTP status code. */
  readonly code: number;
  /** The Status reason, "" when absent. */
  readonly reason: string;
  /** The server's own message (the Status `message`, or the raw body if it sent no Status). */
  readonly serverMessage: string;
  readonly details: StatusDetails | undefined;

  constructor(
    message: string,
    fields: { code: number; reason: string; serverMessage: string; details?: StatusDetails },
  ) {
    super(message);
    this.name = "ApiError";
    this.code = fields.code;
    this.reason = fields.reason;
    this.serverMessage = fields.serverMessage;
    this.details = fields.details;
  }
}

/** Builds an ApiError from an HTTP status and response body (a Status, or anything else). */
export function apiErrorFromResponse(action: string, code: number, body: string): ApiError {
  let status: { message?: unknown; reason?: unknown; details?: unknown } | undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === "object" && parsed !== null) status = parsed;
  } catch {
    // Not JSON (a proxy's HTML page, a plain-text 500): keep the text below.
  }
  const serverMessage =
    typeof status?.message === "string"
      ? status.message
      : body.trim().slice(0, 200) || `HTTP ${code}`;
  const reason = typeof status?.reason === "string" ? status.reason : "";
  const details =
    typeof status?.details === "object" && status.details !== null
      ? (status.details as StatusDetails)
      : undefined;
  return new ApiError(`${action}: ${serverMessage}`, {
    code,
    reason,
    serverMessage,
    ...(details === undefined ? {} : { details }),
  });
}

/** True for a 404 (the object or resource does not exist). */
export function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.code === 404;
}

/** True for a 409 Conflict (stale resourceVersion, or an apply conflict). */
export function isConflict(error: unknown): boolean {
  return error instanceof ApiError && error.code === 409 && error.reason !== "AlreadyExists";
}

/** True for a 409 AlreadyExists (create of an existing name). */
export function isAlreadyExists(error: unknown): boolean {
  return error instanceof ApiError && error.code === 409 && error.reason === "AlreadyExists";
}

/** True for a 410 Gone/Expired (a resourceVersion or continue token too old). */
export function isGone(error: unknown): boolean {
  return error instanceof ApiError && error.code === 410;
}

import { EsMessage, EsReason, setCondition } from "./conditions.js";
import { syncedResourceVersion } from "./object-hash.js";
import type { ExternalSecret, ExternalSecretStatus } from "./types.js";

/**
 * The status after a successful reconcile (ESO `markAsDone`): Ready=True with `reason`/`message`,
 * `refreshTime` = the reconcile's start, `syncedResourceVersion` from the current metadata.
 * @param startedAt RFC 3339 start of this reconcile
 * @param bindingName the target Secret's name when it was created or updated
 */
export function doneStatus(
  es: ExternalSecret,
  reason: (typeof EsReason)[keyof typeof EsReason],
  message: string,
  startedAt: string,
  bindingName?: string,
): ExternalSecretStatus {
  const status = es.status ?? {};
  return {
    ...status,
    conditions: setCondition(
      status.conditions,
      { type: "Ready", status: "True", reason, message },
      startedAt,
    ),
    refreshTime: startedAt,
    syncedResourceVersion: syncedResourceVersion(es.metadata),
    ...(bindingName === undefined ? {} : { binding: { name: bindingName } }),
  };
}

/**
 * The status after a failed reconcile (ESO `markAsFailed`): Ready=False `SecretSyncedError` with
 * one of upstream's fixed messages (never the error text, which goes to the Warning event).
 */
export function failedStatus(
  es: ExternalSecret,
  message: (typeof EsMessage)[keyof typeof EsMessage],
  now: string,
  bindingName?: string,
): ExternalSecretStatus {
  const status = es.status ?? {};
  return {
    ...status,
    conditions: setCondition(
      status.conditions,
      { type: "Ready", status: "False", reason: EsReason.syncedError, message },
      now,
    ),
    ...(bindingName === undefined ? {} : { binding: { name: bindingName } }),
  };
}

/**
 * Removes every occurrence of the given secret values from a message that is about to reach an
 * event, a log or a status: a provider or template engine may quote the data it choked on.
 * Values shorter than 4 bytes are left alone (they would shred ordinary words).
 */
export function redactValues(message: string, values: Iterable<Uint8Array>): string {
  let out = message;
  const texts = [...values]
    .map((value) => Buffer.from(value).toString("utf8"))
    .filter((text) => text.length >= 4)
    .sort((a, b) => b.length - a.length);
  for (const text of texts) out = out.split(text).join("[redacted]");
  return out;
}

import type { Condition } from "./types.js";

/** ExternalSecret Ready reasons (spec §3.1). */
export const EsReason = {
  synced: "SecretSynced",
  syncedError: "SecretSyncedError",
  deleted: "SecretDeleted",
  missing: "SecretMissing",
} as const;

/** ExternalSecret Ready messages, word for word as upstream writes them. */
export const EsMessage = {
  synced: "secret synced",
  syncedRetain: "secret retained due to DeletionPolicy=Retain",
  deleted: "secret deleted due to DeletionPolicy=Delete",
  missing: "secret will not be created due to CreationPolicy=Merge",
  errorGetSecretData: "could not get secret data from provider",
  errorDeleteSecret: "could not delete secret",
  errorDeleteOrphaned: "could not delete orphaned secrets",
  errorUpdateSecret: "could not update secret",
  errorUpdateImmutable: "could not update secret, target is immutable",
  errorBecomeOwner: "failed to take ownership of target secret",
  errorIsOwned: "target is owned by another ExternalSecret",
} as const;

/** ExternalSecret event reasons and messages (spec §3.4). */
export const EsEvent = {
  created: { reason: "Created", message: "secret created" },
  updated: { reason: "Updated", message: "secret updated" },
  deleted: { reason: "Deleted", message: "secret deleted due to DeletionPolicy=Delete" },
  deletedOrphaned: { reason: "Deleted", message: "secret deleted because it was orphaned" },
  updateFailedReason: "UpdateFailed",
} as const;

/** SecretStore / ClusterSecretStore Ready reasons and messages (spec §7.3). */
export const StoreReason = {
  valid: "Valid",
  invalidProviderConfig: "InvalidProviderConfig",
  validationUnknown: "ValidationUnknown",
} as const;

export const StoreMessage = {
  validated: "store validated",
  unableCreateClient: "unable to create client",
  unableValidate: "unable to validate store",
  validationUnknown: "could not determine validation status",
} as const;

/** PushSecret Ready reasons and messages (spec §9). */
export const PushReason = {
  synced: "Synced",
  errored: "Errored",
  sourceDeleted: "SourceDeleted",
} as const;
export const PushMessage = {
  synced: "PushSecret synced successfully",
  syncedUnchanged: "PushSecret synced successfully. Existing secrets in providers unchanged.",
  sourceDeleted: "source secret deleted; provider secrets cleaned up",
} as const;

/**
 * Sets a condition the way upstream does: an identical condition (status, reason, message) is
 * left as it is; `lastTransitionTime` only moves when the status flips; the condition is moved to
 * the end of the list.
 * @param now RFC 3339 time to stamp a transition with
 * @returns a new list (the input is not modified)
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  condition: Omit<Condition, "lastTransitionTime">,
  now: string,
): Condition[] {
  const list = [...(conditions ?? [])];
  const current = list.find((item) => item.type === condition.type);
  if (
    current?.status === condition.status &&
    current.reason === condition.reason &&
    current.message === condition.message
  ) {
    return list;
  }
  const lastTransitionTime =
    current?.status === condition.status ? (current.lastTransitionTime ?? now) : now;
  return [
    ...list.filter((item) => item.type !== condition.type),
    { ...condition, lastTransitionTime },
  ];
}

/** The condition of a given type, if present. */
export function getCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((item) => item.type === type);
}

import type { ManagedFieldsEntry } from "./types.js";

/** The keys one field manager owns in a Secret, read from `metadata.managedFields`. */
export interface OwnedKeys {
  readonly data: readonly string[];
  readonly labels: readonly string[];
  readonly annotations: readonly string[];
}

/**
 * Reads which data, label and annotation keys `manager` owns (ESO `getManagedFieldKeys`): every
 * entry of that manager, its `f:data`, `f:metadata.f:labels` and `f:metadata.f:annotations` keys
 * with the `f:` prefix removed.
 */
export function ownedKeys(
  entries: readonly ManagedFieldsEntry[] | undefined,
  manager: string,
): OwnedKeys {
  const data: string[] = [];
  const labels: string[] = [];
  const annotations: string[] = [];
  for (const entry of entries ?? []) {
    if (entry.manager !== manager) continue;
    const fields = asRecord(entry.fieldsV1);
    const metadata = asRecord(fields["f:metadata"]);
    data.push(...fieldKeys(fields["f:data"]));
    labels.push(...fieldKeys(metadata["f:labels"]));
    annotations.push(...fieldKeys(metadata["f:annotations"]));
  }
  return { data, labels, annotations };
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function fieldKeys(value: unknown): string[] {
  return Object.keys(asRecord(value))
    .filter((key) => key !== ".")
    .map((key) => (key.startsWith("f:") ? key.slice(2) : key));
}

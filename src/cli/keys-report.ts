// `secretfleet keys report`: which SealedSecrets still depend on which sealing key, so an old key
// can be retired once nothing needs it. Upstream has no such command (users have asked since
// 2019); the answer comes from opening every item with the keys at hand, trying first the key a
// Secret's digest annotation names (the key the controller last opened it with) and then the key
// that opened the previous item, so a consistent repository costs about one RSA operation per item.
import type { KeyObject, X509Certificate } from "node:crypto";
import type { SealedSecret } from "../sealing/index.js";

type Sealing = typeof import("../sealing/index.js");

/** A key the report checks, with where it came from. */
export interface ReportKey {
  /** The key Secret's name, or the PEM file's path. */
  readonly name: string;
  readonly fingerprint: string;
  readonly privateKey: KeyObject;
  /** The key label's value (`active`, `compromised`, …), `legacy`, or undefined for a PEM file. */
  readonly state?: string;
  readonly certificate?: X509Certificate;
  /** Where it was read: a file path or `cluster`. */
  readonly source: string;
}

/** A SealedSecret to report on, or one that could not be read. */
export interface ReportSubject {
  /** `namespace/name`. */
  readonly object: string;
  /** A file path relative to the folder searched, or `cluster`. */
  readonly source: string;
  readonly sealed?: SealedSecret;
  /** Why `sealed` is missing (a malformed manifest). */
  readonly error?: string;
  /** Fingerprints of the keys most likely to open it, best first. */
  readonly hints?: readonly string[];
}

/** One SealedSecret in the report. */
export interface ReportEntry {
  readonly object: string;
  readonly source: string;
}

/** One key in the report, with the SealedSecrets that need it. */
export interface ReportKeyEntry {
  readonly name: string;
  readonly fingerprint: string;
  /** The key label's value, `legacy`, or null for a PEM file. */
  readonly state: string | null;
  /** The certificate's NotBefore (ISO 8601), or null without a certificate. */
  readonly notBefore: string | null;
  readonly source: string;
  readonly sealedSecrets: ReportEntry[];
}

/** A SealedSecret no key opens entirely. */
export interface UnopenedEntry extends ReportEntry {
  /** The items no key opens (empty with `error`, or when it has no items at all). */
  readonly items: string[];
  readonly error?: string;
}

/** The report: keys with their dependents, and what no key opens. */
export interface KeyReport {
  readonly keys: ReportKeyEntry[];
  readonly unopened: UnopenedEntry[];
  /** How many SealedSecrets were checked. */
  readonly sealedSecrets: number;
  /** RSA private-key operations made (about one per item when the hints are right). */
  readonly rsaOperations: number;
}

/** The OAEP label and the decoded items of a SealedSecret (undefined: an item is not base64). */
export function sealedItems(
  sealing: Sealing,
  sealed: SealedSecret,
): { label: Buffer; items: [string, Buffer | undefined][] } {
  const label = sealing.labelFor(
    sealed.metadata.namespace ?? "",
    sealed.metadata.name ?? "",
    sealing.scopeOf(sealed.metadata.annotations),
  );
  const decode = (value: string): Buffer | undefined => {
    try {
      return sealing.decodeGoBase64(value);
    } catch {
      return undefined;
    }
  };
  const items: [string, Buffer | undefined][] = Object.keys(sealed.spec.encryptedData)
    .sort()
    .map((name) => [name, decode(sealed.spec.encryptedData[name] ?? "")]);
  if (sealed.spec.data !== undefined && sealed.spec.data !== null)
    items.push(["(data)", decode(sealed.spec.data)]);
  return { label, items };
}

/**
 * Opens every item of every subject with `keys` and groups the subjects by the keys they need.
 * A SealedSecret whose items were sealed with different keys is listed under each of them; one
 * with an item no key opens is listed as unopened (and under the keys its other items need).
 */
export function buildKeyReport(
  sealing: Sealing,
  keys: readonly ReportKey[],
  subjects: readonly ReportSubject[],
): KeyReport {
  const dependents = new Map<string, ReportEntry[]>(keys.map((key) => [key.fingerprint, []]));
  const byFingerprint = new Map(keys.map((key) => [key.fingerprint, key]));
  const unopened: UnopenedEntry[] = [];
  let rsaOperations = 0;
  let last: ReportKey | undefined;
  for (const subject of subjects) {
    const entry = { object: subject.object, source: subject.source };
    if (subject.sealed === undefined) {
      unopened.push({ ...entry, items: [], error: subject.error ?? "unreadable" });
      continue;
    }
    const hinted = (subject.hints ?? [])
      .map((fingerprint) => byFingerprint.get(fingerprint))
      .filter((key) => key !== undefined);
    const { label, items } = sealedItems(sealing, subject.sealed);
    const used = new Set<string>();
    const failed: string[] = [];
    for (const [name, blob] of items) {
      const order = [...new Set([...hinted, ...(last === undefined ? [] : [last]), ...keys])];
      const opener =
        blob === undefined
          ? undefined
          : order.find((key) => {
              rsaOperations++;
              return sealing.openWithKey(key.privateKey, blob, label) !== undefined;
            });
      if (opener === undefined) failed.push(name);
      else {
        used.add(opener.fingerprint);
        last = opener;
      }
    }
    for (const fingerprint of used) dependents.get(fingerprint)?.push(entry);
    if (failed.length > 0 || items.length === 0) unopened.push({ ...entry, items: failed });
  }
  return {
    keys: keys.map((key) => ({
      name: key.name,
      fingerprint: key.fingerprint,
      state: key.state ?? null,
      notBefore:
        key.certificate === undefined ? null : new Date(key.certificate.validFrom).toISOString(),
      source: key.source,
      sealedSecrets: dependents.get(key.fingerprint) ?? [],
    })),
    unopened,
    sealedSecrets: subjects.length,
    rsaOperations,
  };
}

/** The report as text: each key with its dependents, then what no key opens. */
export function formatKeyReport(report: KeyReport): string {
  const lines: string[] = [];
  for (const key of report.keys) {
    const facts = [
      key.fingerprint,
      ...(key.state === null ? [] : [key.state]),
      ...(key.notBefore === null ? [] : [`since ${key.notBefore}`]),
      key.source,
    ].join(", ");
    const count = key.sealedSecrets.length;
    lines.push(
      `key "${key.name}" (${facts}): ${
        count === 0
          ? "no SealedSecret depends on it, it can be retired"
          : `${count} SealedSecret(s) depend on it`
      }`,
    );
    for (const entry of key.sealedSecrets) lines.push(`  ${entry.object}\t${entry.source}`);
  }
  if (report.unopened.length > 0) {
    lines.push(`no key opens ${report.unopened.length} SealedSecret(s):`);
    for (const entry of report.unopened) {
      const why =
        entry.error ?? (entry.items.length === 0 ? "no items" : `items ${entry.items.join(", ")}`);
      lines.push(`  ${entry.object}\t${entry.source}\t${why}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

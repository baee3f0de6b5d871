import { parseGoDuration } from "../../templating/index.js";
import { Annotations, Labels } from "./labels.js";
import { secretDataHash, sha3OfName, syncedResourceVersion } from "./object-hash.js";
import { secretData } from "./desired-secret.js";
import type { ExternalSecret, Secret } from "./types.js";

/** The controller's fallback refresh interval (the CRD defaults the field to 1h anyway). */
export const defaultRefreshIntervalMs = 3_600_000;

/** The refresh interval of an ExternalSecret in milliseconds (0 or less: no periodic refresh). */
export function refreshIntervalMs(es: ExternalSecret): number {
  const text = es.spec.refreshInterval;
  return text === undefined ? defaultRefreshIntervalMs : parseGoDuration(text);
}

/**
 * Whether the target Secret lets a refresh be skipped (spec §3.3): it exists, carries the managed
 * label, and its data-hash annotation equals the hash of its current data. Under Orphan it always
 * counts as valid.
 */
export function isTargetValid(existing: Secret | undefined, es: ExternalSecret): boolean {
  if (es.spec.target?.creationPolicy === "Orphan") return true;
  if (existing === undefined || (existing.metadata.uid ?? "") === "") return false;
  if (existing.metadata.labels?.[Labels.managed] !== Labels.managedValue) return false;
  let matches = hashMatches.get(existing);
  if (matches === undefined) {
    matches =
      existing.metadata.annotations?.[Annotations.dataHash] ===
      secretDataHash(secretData(existing));
    hashMatches.set(existing, matches);
  }
  return matches;
}

// Whether a Secret's data-hash annotation matches its data, per Secret object: the informer cache
// never mutates an object, and each refresh and each Secret event asks again.
const hashMatches = new WeakMap<Secret, boolean>();

/**
 * Timing knobs beyond upstream: refreshes are spread so that a crowd of ExternalSecrets created or
 * restarted together does not stay in lockstep (see docs/adr/controllers-externalsecrets-core.md).
 */
export interface JitterOptions {
  /** Each object refreshes up to this fraction of its interval early, by a fixed per-object phase. */
  readonly earlyFraction: number;
  /** Refreshes found overdue at controller start are spread over this window (ms, capped by the interval). */
  readonly catchUpWindowMs: number;
}

export const defaultJitter: JitterOptions = { earlyFraction: 0.1, catchUpWindowMs: 10 * 60_000 };

function unitHash(text: string): number {
  return Number.parseInt(sha3OfName(text).slice(0, 8), 16) / 0x1_0000_0000;
}

/** How far apart (as a fraction of the interval) ExternalSecrets reading the same keys refresh. */
const sameKeysSpread = 0.05;

// The remote keys an ExternalSecret reads, with their store: ExternalSecrets that read the same
// keys (a ClusterExternalSecret's fan-out, copies in many namespaces) get nearly the same phase.
function readIdentity(es: ExternalSecret): string | undefined {
  const store = (ref: { name: string; kind?: string } | undefined): string => {
    const kind = ref?.kind ?? "SecretStore";
    return kind === "ClusterSecretStore"
      ? `${kind}/${ref?.name ?? ""}`
      : `${kind}/${es.metadata.namespace}/${ref?.name ?? ""}`;
  };
  const keys = new Set<string>();
  for (const entry of es.spec.data ?? []) {
    keys.add(
      `${store(entry.sourceRef?.storeRef ?? es.spec.secretStoreRef)}/${entry.remoteRef.key}`,
    );
  }
  for (const entry of es.spec.dataFrom ?? []) {
    const source = store(entry.sourceRef?.storeRef ?? es.spec.secretStoreRef);
    if (entry.extract !== undefined) keys.add(`${source}/${entry.extract.key}`);
    if (entry.find !== undefined) keys.add(`${source}/find/${JSON.stringify(entry.find)}`);
  }
  return keys.size === 0 ? undefined : [...keys].sort().join("\n");
}

/**
 * A stable phase in [0, 1) for an object: from the remote keys it reads, so that ExternalSecrets
 * reading the same keys refresh within 5 % of the interval of each other (and share their reads),
 * plus a small per-object offset from its uid (or namespace/name) so they do not all write at
 * the same instant. Different keys get independent phases.
 */
export function phaseOf(es: ExternalSecret): number {
  const id = es.metadata.uid ?? `${es.metadata.namespace}/${es.metadata.name}`;
  const known = phases.get(es.spec);
  if (known?.id === id) return known.phase;
  const own = unitHash(id);
  const keys = readIdentity(es);
  const phase = keys === undefined ? own : (unitHash(keys) + own * sameKeysSpread) % 1;
  phases.set(es.spec, { id, phase });
  return phase;
}

// Phases per parsed spec (with the id they were computed for): a reconcile asks twice, and a
// parsed ExternalSecret is kept per cached object.
const phases = new WeakMap<object, { id: string; phase: number }>();

/** The clock a refresh decision reads: now, and when this controller process started. */
export interface RefreshClock {
  readonly now: number;
  readonly startedAt: number;
}

export type RefreshCause =
  "neverSynced" | "specChanged" | "invalidTarget" | "due" | "refreshTimeInFuture";

export interface RefreshDecision {
  /** Fetch from the provider and write the Secret now. */
  readonly sync: boolean;
  readonly cause?: RefreshCause;
  /** When not syncing: requeue after this many ms (undefined: no timed requeue). */
  readonly requeueAfterMs?: number;
}

/**
 * Decides whether an ExternalSecret must be synced now (ESO `shouldRefresh` + `isSecretValid`,
 * spec §2.5): by refresh policy, `syncedResourceVersion` (so any label or annotation change, e.g.
 * `force-sync`, triggers one), the interval, and an invalid target, which always triggers a sync.
 * `refreshInterval: 0` never refreshes again after the first sync except for an invalid target.
 * Time-based refreshes are jittered (beyond upstream; earlier, never later, than the interval,
 * except for refreshes overdue when the controller started, spread over the catch-up window).
 */
export function refreshDecision(
  es: ExternalSecret,
  targetValid: boolean,
  clock: RefreshClock,
  jitter: JitterOptions = defaultJitter,
): RefreshDecision {
  const cause = refreshCause(es, clock, jitter);
  if (cause !== undefined) return { sync: true, cause };
  if (!targetValid) return { sync: true, cause: "invalidTarget" };
  const after = nextRefreshDelay(es, clock, jitter);
  return after === undefined ? { sync: false } : { sync: false, requeueAfterMs: after };
}

function refreshCause(
  es: ExternalSecret,
  clock: RefreshClock,
  jitter: JitterOptions,
): RefreshCause | undefined {
  const synced = es.status?.syncedResourceVersion ?? "";
  const refreshTime = es.status?.refreshTime ?? "";
  const neverSynced = synced === "" || refreshTime === "";
  const current = syncedResourceVersion(es.metadata);
  switch (es.spec.refreshPolicy ?? "Periodic") {
    case "CreatedOnce":
      return neverSynced ? "neverSynced" : undefined;
    case "OnChange":
      if (neverSynced) return "neverSynced";
      return synced === current ? undefined : "specChanged";
    default:
      if (refreshIntervalMs(es) <= 0 && synced !== "") return undefined;
      if (synced !== current) return synced === "" ? "neverSynced" : "specChanged";
      if (refreshTime === "") return "neverSynced";
      if (Date.parse(refreshTime) > clock.now) return "refreshTimeInFuture";
      return dueAt(es, clock, jitter) <= clock.now ? "due" : undefined;
  }
}

function dueAt(es: ExternalSecret, clock: RefreshClock, jitter: JitterOptions): number {
  const interval = refreshIntervalMs(es);
  const phase = phaseOf(es);
  const due =
    Date.parse(es.status?.refreshTime ?? "") + interval - phase * jitter.earlyFraction * interval;
  // Overdue since before this process started: spread the catch-up instead of refreshing all at once.
  if (due < clock.startedAt)
    return clock.startedAt + phase * Math.min(interval, jitter.catchUpWindowMs);
  return due;
}

/**
 * How long until the next timed refresh after a successful sync or a skipped one (ESO
 * `getRequeueResult`, jittered): undefined for `refreshInterval` 0 or for refresh policies that
 * never refresh on time.
 */
export function nextRefreshDelay(
  es: ExternalSecret,
  clock: RefreshClock,
  jitter: JitterOptions = defaultJitter,
): number | undefined {
  const interval = refreshIntervalMs(es);
  if (interval <= 0) return undefined;
  // Upstream requeues OnChange and CreatedOnce objects on the interval too; the requeue then finds
  // nothing due unless the target became invalid, which is how drift gets noticed without a watch.
  if ((es.status?.refreshTime ?? "") === "") return interval;
  return Math.max(0, dueAt(es, clock, jitter) - clock.now);
}

import {
  applyIgnoreRules,
  groupOf,
  managersFor,
  type DiffSettings,
  type PatchReport,
} from "./ignore-differences.js";
import { isObject, omitKeys, type JsonObject, type JsonValue } from "./json.js";
import { normalizeManagedFields } from "./managed-fields.js";

/**
 * Argo CD's built-in normalization (§10.3 step 4, gitops-engine Normalize): drops
 * `metadata.creationTimestamp`; Secrets fold `stringData` into `data` and empty values become "";
 * Role/ClusterRole: an empty `rules` becomes null (and with ignoreAggregatedRoles an aggregated
 * role gets `rules: null`); Endpoints: ports get protocol TCP by default and subsets are sorted.
 */
export function normalizeBuiltin(object: JsonObject, ignoreAggregatedRoles = false): JsonObject {
  let out = structuredClone(object);
  if (isObject(out.metadata)) out.metadata = omitKeys(out.metadata, ["creationTimestamp"]);
  const group = groupOf(out);
  if (group === "" && out.kind === "Secret") out = normalizeSecret(out);
  else if (
    group === "rbac.authorization.k8s.io" &&
    (out.kind === "Role" || out.kind === "ClusterRole")
  ) {
    if (Array.isArray(out.rules) && out.rules.length === 0) out.rules = null;
    if (ignoreAggregatedRoles && isObject(out.aggregationRule)) out.rules = null;
  } else if (group === "" && out.kind === "Endpoints") normalizeEndpoints(out);
  return out;
}

/**
 * gitops-engine NormalizeSecret: `stringData` values are base64-encoded into `data` (non-string
 * values copied as they are) and `stringData` removed; then null or empty data values become "".
 */
export function normalizeSecret(secret: JsonObject): JsonObject {
  if (groupOf(secret) !== "" || secret.kind !== "Secret") return secret;
  let out = secret;
  if (isObject(out.stringData)) {
    const data: JsonObject = isObject(out.data) ? { ...out.data } : {};
    for (const [key, value] of Object.entries(out.stringData)) {
      data[key] = typeof value === "string" ? Buffer.from(value, "utf8").toString("base64") : value;
    }
    out = omitKeys({ ...out, data }, ["stringData"]);
  }
  if (isObject(out.data)) {
    const data: JsonObject = {};
    for (const [key, value] of Object.entries(out.data)) data[key] = value ?? "";
    out = { ...out, data };
  }
  return out;
}

function normalizeEndpoints(endpoints: JsonObject): void {
  if (!Array.isArray(endpoints.subsets)) return;
  for (const subset of endpoints.subsets) {
    if (!isObject(subset) || !Array.isArray(subset.ports)) continue;
    for (const port of subset.ports)
      if (isObject(port) && port.protocol === undefined) port.protocol = "TCP";
    subset.ports.sort(byJson);
    for (const key of ["addresses", "notReadyAddresses"]) {
      const list = subset[key];
      if (Array.isArray(list)) list.sort(byJson);
    }
  }
  endpoints.subsets.sort(byJson);
}

function byJson(a: JsonValue, b: JsonValue): number {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The normalized pair and what the rules did, for `--explain`. */
export interface NormalizedPair {
  live: JsonObject | undefined;
  desired: JsonObject | undefined;
  /** Paths removed by managedFieldsManagers. */
  managedFieldsRemoved: string[][];
  /** Why a rule could not take effect, when that is knowable. */
  notes: string[];
  /** Ignore patches tried on the live and the desired object. */
  livePatches: PatchReport[];
  desiredPatches: PatchReport[];
}

/**
 * The status-diff pipeline of §10.3 on a live/desired pair: managedFieldsManagers (when both
 * exist), built-in normalization, then the ignore rules (Application rules, then system overrides).
 * Steps Argo CD also runs but this port leaves out: tracking-label normalization, typed
 * re-marshalling of built-in kinds (quantities) and knownTypeFields.
 * @throws Error when a jq expression does not compile
 */
export function normalizePair(
  live: JsonObject | undefined,
  desired: JsonObject | undefined,
  settings: DiffSettings,
): NormalizedPair {
  let managedFieldsRemoved: string[][] = [];
  const notes: string[] = [];
  if (live !== undefined && desired !== undefined) {
    const managers = managersFor(settings, desired);
    if (
      managers.length > 0 &&
      isObject(desired.stringData) &&
      Object.keys(desired.stringData).length > 0
    ) {
      // Argo CD folds stringData into data only after this step, so owned data keys written as
      // stringData in Git never compare here.
      notes.push(
        `managedFieldsManagers cannot ignore stringData keys (${Object.keys(desired.stringData).join(", ")}): ` +
          "Argo CD folds stringData into data after that step; write them under data (base64) in Git",
      );
    }
    const result = normalizeManagedFields(live, desired, managers);
    live = result.live;
    desired = result.desired;
    managedFieldsRemoved = result.removed;
  }
  const livePatches: PatchReport[] = [];
  const desiredPatches: PatchReport[] = [];
  const run = (object: JsonObject | undefined, report: PatchReport[]): JsonObject | undefined =>
    object === undefined
      ? undefined
      : applyIgnoreRules(
          normalizeBuiltin(object, settings.ignoreAggregatedRoles),
          settings,
          report,
        );
  return {
    live: run(live, livePatches),
    desired: run(desired, desiredPatches),
    managedFieldsRemoved,
    notes,
    livePatches,
    desiredPatches,
  };
}

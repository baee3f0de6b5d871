import { isObject, jsonEqual, type JsonObject, type JsonValue } from "./json.js";
import { normalizePair, type NormalizedPair } from "./normalize.js";
import type { DiffSettings } from "./ignore-differences.js";
import { hideSecretData } from "./secret-mask.js";

const lastApplied = "kubectl.kubernetes.io/last-applied-configuration";

/** The comparison of one resource (gitops-engine DiffResult). */
export interface ResourceDiff {
  /** True when syncing would change the live object: the resource is OutOfSync. */
  readonly modified: boolean;
  /** The live object after normalization (undefined when it does not exist). */
  readonly normalizedLive: JsonObject | undefined;
  /** What live would be after applying the desired object (undefined when it is to be deleted). */
  readonly predictedLive: JsonObject | undefined;
  /** What the rules did, for explanations. */
  readonly normalization: NormalizedPair;
}

/**
 * Argo CD's client-side comparison of a desired and a live object: the §10.3 normalization, then
 * a three-way JSON merge diff against the live object's last-applied-configuration (or a two-way
 * diff using the desired object as the original), with live fields the original never set left
 * out, as gitops-engine does for kinds without a registered scheme. Secrets are compared on real
 * values; mask them with {@link maskDiff} before showing anything.
 * @throws Error when a jq expression does not compile
 */
export function diffResource(
  desired: JsonObject | undefined,
  live: JsonObject | undefined,
  settings: DiffSettings,
): ResourceDiff {
  const normalization = normalizePair(live, desired, settings);
  const config = normalization.desired;
  const current = normalization.live;
  if (config === undefined || current === undefined) {
    return {
      modified: config !== undefined,
      normalizedLive: current,
      predictedLive: config,
      normalization,
    };
  }
  const original = lastAppliedOf(current) ?? config;
  const orig = withoutNamespaceAndEmptyAnnotations(original);
  const target = withoutNamespaceAndEmptyAnnotations(config);
  const trimmedLive = removeMapFields(orig, current);
  const patch = threeWayMergePatch(orig, target, trimmedLive);
  const predicted = mergePatch(trimmedLive, patch) as JsonObject;
  return {
    modified: !jsonEqual(predicted, trimmedLive),
    normalizedLive: trimmedLive,
    predictedLive: predicted,
    normalization,
  };
}

/** Masks Secret values in a diff result for display (§10.5). */
export function maskDiff(
  diff: ResourceDiff,
  sensitiveAnnotations: readonly string[] = [],
): ResourceDiff {
  const masked = hideSecretData(diff.predictedLive, diff.normalizedLive, sensitiveAnnotations);
  // The normalized pair holds the same values: mask it too, so nothing in the result leaks them.
  const pair = hideSecretData(
    diff.normalization.desired,
    diff.normalization.live,
    sensitiveAnnotations,
  );
  return {
    ...diff,
    predictedLive: masked.target,
    normalizedLive: masked.live,
    normalization: { ...diff.normalization, desired: pair.target, live: pair.live },
  };
}

function lastAppliedOf(live: JsonObject): JsonObject | undefined {
  const annotations = isObject(live.metadata) ? live.metadata.annotations : undefined;
  const text = isObject(annotations) ? annotations[lastApplied] : undefined;
  if (typeof text !== "string") return undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    return isObject(parsed) ? parsed : undefined;
  } catch {
    // Upstream falls back to the two-way diff when the annotation is unreadable.
    return undefined;
  }
}

function withoutNamespaceAndEmptyAnnotations(object: JsonObject): JsonObject {
  if (!isObject(object.metadata)) return object;
  const metadata: JsonObject = { ...object.metadata };
  delete metadata.namespace;
  const annotations = metadata.annotations;
  if (annotations === null || (isObject(annotations) && Object.keys(annotations).length === 0))
    delete metadata.annotations;
  return { ...object, metadata };
}

/** gitops-engine RemoveMapFields: keep only the live fields the config also has. */
export function removeMapFields(config: JsonObject, live: JsonObject): JsonObject {
  const result: JsonObject = {};
  for (const [key, configValue] of Object.entries(config)) {
    if (!Object.hasOwn(live, key)) continue;
    const liveValue = live[key] ?? null;
    result[key] = liveValue === null ? null : removeFields(configValue, liveValue);
  }
  return result;
}

function removeFields(config: JsonValue, live: JsonValue): JsonValue {
  if (isObject(config) && isObject(live)) return removeMapFields(config, live);
  if (Array.isArray(config) && Array.isArray(live)) {
    // Extra live elements are kept so that they show in the diff.
    return live.map((item, index) =>
      index < config.length && item !== null ? removeFields(config[index] ?? null, item) : item,
    );
  }
  return live;
}

/** Kubernetes CreateThreeWayJSONMergePatch: changes current→modified plus deletions original→modified. */
function threeWayMergePatch(
  original: JsonObject,
  modified: JsonObject,
  current: JsonObject,
): JsonObject {
  const patch = additions(current, modified);
  mergeDeletions(patch, deletions(original, modified));
  return patch;
}

function additions(current: JsonObject, modified: JsonObject): JsonObject {
  const patch: JsonObject = {};
  for (const [key, value] of Object.entries(modified)) {
    const existing = current[key];
    if (existing === undefined) patch[key] = value;
    else if (isObject(existing) && isObject(value)) {
      const nested = additions(existing, value);
      if (Object.keys(nested).length > 0) patch[key] = nested;
    } else if (!jsonEqual(existing, value)) patch[key] = value;
  }
  return patch;
}

function deletions(original: JsonObject, modified: JsonObject): JsonObject {
  const patch: JsonObject = {};
  for (const [key, value] of Object.entries(original)) {
    const next = modified[key];
    if (next === undefined) patch[key] = null;
    else if (isObject(value) && isObject(next)) {
      const nested = deletions(value, next);
      if (Object.keys(nested).length > 0) patch[key] = nested;
    }
  }
  return patch;
}

function mergeDeletions(patch: JsonObject, removed: JsonObject): void {
  for (const [key, value] of Object.entries(removed)) {
    const existing = patch[key];
    if (isObject(existing) && isObject(value)) mergeDeletions(existing, value);
    else if (existing === undefined) patch[key] = value;
  }
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: JsonValue, patch: JsonValue): JsonValue {
  if (!isObject(patch)) return patch;
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) Reflect.deleteProperty(out, key);
    else out[key] = mergePatch(out[key] ?? null, value);
  }
  return out;
}

import { goJsonMarshal } from "./go-print.js";
import { groupOf } from "./ignore-differences.js";
import { isObject, type JsonObject } from "./json.js";
import { normalizeSecret } from "./normalize.js";

const lastApplied = "kubectl.kubernetes.io/last-applied-configuration";
const firstMask = "++++++++";

/**
 * Argo CD's Secret masking (§10.5, gitops-engine HideSecretData) for display: `stringData` is
 * folded on target, live and both last-applied annotations; for each data key (and each sensitive
 * annotation) the distinct values, visited in the order target, live, target-last-applied,
 * live-last-applied, become `++++++++`, then 12, 16, ... `+`. Equal values share a mask, so a change
 * stays visible while content and length are hidden. Last-applied annotations are rewritten with
 * masked data, or replaced by `++++++++` when they are not JSON (fail closed).
 * Non-Secret objects are returned unchanged.
 */
export function hideSecretData(
  target: JsonObject | undefined,
  live: JsonObject | undefined,
  sensitiveAnnotations: readonly string[] = [],
): { target: JsonObject | undefined; live: JsonObject | undefined } {
  const isSecret = (object: JsonObject | undefined): boolean =>
    object !== undefined && groupOf(object) === "" && object.kind === "Secret";
  if (!isSecret(target) && !isSecret(live)) return { target, live };
  const targetApplied = readLastApplied(target);
  const liveApplied = readLastApplied(live);
  const objects: (JsonObject | undefined)[] = [
    target === undefined ? undefined : normalizeSecret(structuredClone(target)),
    live === undefined ? undefined : normalizeSecret(structuredClone(live)),
    targetApplied.object === undefined ? undefined : normalizeSecret(targetApplied.object),
    liveApplied.object === undefined ? undefined : normalizeSecret(liveApplied.object),
  ];
  const dataKeys = new Set<string>();
  for (const object of objects)
    if (isObject(object?.data)) for (const key of Object.keys(object.data)) dataKeys.add(key);
  mask(objects, dataKeys, (object) => object.data);
  mask(objects, new Set(sensitiveAnnotations), (object) =>
    isObject(object.metadata) ? object.metadata.annotations : undefined,
  );
  const [maskedTarget, maskedLive, maskedTargetApplied, maskedLiveApplied] = objects;
  const hideWholeAnnotation = sensitiveAnnotations.includes(lastApplied);
  return {
    target: withLastApplied(
      maskedTarget,
      maskedTargetApplied,
      targetApplied.invalid,
      hideWholeAnnotation,
    ),
    live: withLastApplied(maskedLive, maskedLiveApplied, liveApplied.invalid, hideWholeAnnotation),
  };
}

function mask(
  objects: (JsonObject | undefined)[],
  keys: ReadonlySet<string>,
  mapOf: (object: JsonObject) => unknown,
): void {
  for (const key of keys) {
    let next = firstMask;
    const masks = new Map<string, string>();
    for (const object of objects) {
      if (object === undefined) continue;
      const map = mapOf(object);
      if (!isObject(map) || !Object.hasOwn(map, key)) continue;
      const value = map[key];
      const text =
        value === null || value === undefined
          ? ""
          : typeof value === "string"
            ? value
            : JSON.stringify(value);
      let replacement = masks.get(text);
      if (replacement === undefined) {
        replacement = next;
        next += "++++";
        masks.set(text, replacement);
      }
      map[key] = replacement;
    }
  }
}

function readLastApplied(object: JsonObject | undefined): {
  object?: JsonObject;
  invalid: boolean;
} {
  const annotations = isObject(object?.metadata) ? object.metadata.annotations : undefined;
  if (!isObject(annotations) || typeof annotations[lastApplied] !== "string")
    return { invalid: false };
  try {
    const parsed = JSON.parse(annotations[lastApplied]) as unknown;
    return isObject(parsed) ? { object: parsed, invalid: false } : { invalid: true };
  } catch {
    return { invalid: true };
  }
}

function withLastApplied(
  object: JsonObject | undefined,
  applied: JsonObject | undefined,
  invalid: boolean,
  hideWhole: boolean,
): JsonObject | undefined {
  if (object === undefined || (applied === undefined && !invalid)) return object;
  const metadata: JsonObject = isObject(object.metadata) ? object.metadata : {};
  const annotations: JsonObject = isObject(metadata.annotations) ? metadata.annotations : {};
  annotations[lastApplied] = hideWhole || invalid ? firstMask : goJsonMarshal(applied);
  metadata.annotations = annotations;
  object.metadata = metadata;
  return object;
}

/** One Secret manifest with its values masked as Argo CD shows a desired Secret (others unchanged). */
export function maskSecret(manifest: JsonObject): JsonObject {
  return hideSecretData(manifest, undefined).target ?? manifest;
}

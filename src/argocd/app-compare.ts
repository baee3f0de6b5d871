import {
  applyIgnoreRules,
  emptyDiffSettings,
  type DiffSettings,
  type IgnoreDifferencesRule,
} from "./ignore-differences.js";
import { isObject, jsonEqual, omitKeys, type JsonObject, type JsonValue } from "./json.js";

/** Annotations the ApplicationSet controller always keeps from the live Application (§5.3). */
export const defaultPreservedAnnotations = [
  "notified.notifications.argoproj.io",
  "argocd.argoproj.io/refresh",
  "argocd.argoproj.io/hydrate",
] as const;

const preservedFinalizerPrefixes = [
  "pre-delete-finalizer.argocd.argoproj.io",
  "post-delete-finalizer.argocd.argoproj.io",
];

/** How the controller updates an existing Application. */
export interface ApplicationUpdateOptions {
  /** `spec.preservedFields.annotations` plus the controller-wide list. */
  readonly preservedAnnotations?: readonly string[];
  /** `spec.preservedFields.labels` plus the controller-wide list. */
  readonly preservedLabels?: readonly string[];
  /** The ApplicationSet's `spec.ignoreApplicationDifferences`. */
  readonly ignoreApplicationDifferences?: readonly JsonValue[];
  /** jq time limit (the ApplicationSet controller always uses 1 s). */
  readonly jqTimeoutMs?: number;
}

/** The outcome of comparing a live Application with a generated one. */
export interface ApplicationUpdate {
  /** False when nothing needs writing. */
  readonly changed: boolean;
  /** The object the controller would end up with (live with desired spec and metadata). */
  readonly desired: JsonObject;
  /** The JSON merge patch from the normalized live Application to `desired` (when changed). */
  readonly patch: JsonObject | undefined;
}

/**
 * Argo CD's ApplicationSet create-or-update comparison (§5.1, §5.3, §5.4): the generated spec
 * replaces the live one; labels and annotations are replaced except preserved keys; finalizers are
 * the generated ones plus live pre-/post-delete finalizers; both sides are normalized (empty
 * project → default, empty syncPolicy/helm/kustomize/directory removed); ignoreApplicationDifferences
 * rules are applied to both; equal → no write, else a merge patch. `status` and `operation` of
 * the live object are never touched.
 * @throws Error when an ignoreApplicationDifferences rule is malformed or its jq does not compile
 */
export function compareApplications(
  live: JsonObject,
  generated: JsonObject,
  options: ApplicationUpdateOptions = {},
): ApplicationUpdate {
  const liveMeta = isObject(live.metadata) ? live.metadata : {};
  const generatedMeta = isObject(generated.metadata) ? generated.metadata : {};
  const preservedAnnotations =
    options.preservedAnnotations === undefined
      ? defaultPreservedAnnotations
      : [...options.preservedAnnotations, ...defaultPreservedAnnotations];
  const preservedLabels = options.preservedLabels ?? [];
  const rules = options.ignoreApplicationDifferences ?? [];
  const liveSpec = normalizeApplicationSpec(live.spec);
  const generatedSpec = normalizeApplicationSpec(generated.spec);
  // In sync, the common case on every reconcile: decided without building the desired object.
  if (
    rules.length === 0 &&
    isObject(live.metadata) &&
    jsonEqual(generatedSpec, liveSpec) &&
    metadataInSync(generatedMeta, liveMeta, preservedLabels, preservedAnnotations)
  ) {
    return {
      changed: false,
      desired: liveSpec === live.spec ? live : { ...live, spec: liveSpec },
      patch: undefined,
    };
  }
  const annotations = preserve(
    generatedMeta.annotations,
    liveMeta.annotations,
    preservedAnnotations,
  );
  const labels = preserve(generatedMeta.labels, liveMeta.labels, preservedLabels);
  const finalizers = desiredFinalizers(generatedMeta, liveMeta);
  const metadata: JsonObject = omitKeys({ ...liveMeta }, ["labels", "annotations", "finalizers"]);
  if (labels !== undefined) metadata.labels = labels;
  if (annotations !== undefined) metadata.annotations = annotations;
  if (finalizers.length > 0) metadata.finalizers = finalizers;
  const desired: JsonObject = { ...live, metadata, spec: generatedSpec };
  const normalizedLive: JsonObject = { ...live, spec: liveSpec };
  const settings = applicationDiffSettings(options);
  // Both sides are normalized already; only what the ignore rules removed needs it again.
  const [liveForCompare, desiredForCompare] = [normalizedLive, desired].map((app) =>
    settings.rules.length === 0
      ? withApplicationKind(app)
      : renormalize(applyIgnoreRules(withApplicationKind(app), settings)),
  ) as [JsonObject, JsonObject];
  if (jsonEqual(liveForCompare, desiredForCompare))
    return { changed: false, desired: normalizedLive, patch: undefined };
  return { changed: true, desired, patch: createMergePatch(liveForCompare, desiredForCompare) };
}

/** The generated finalizers plus the live pre-/post-delete finalizers the generated ones lack. */
function desiredFinalizers(generatedMeta: JsonObject, liveMeta: JsonObject): string[] {
  const generated = stringList(generatedMeta.finalizers);
  return [
    ...generated,
    ...stringList(liveMeta.finalizers).filter(
      (f) =>
        preservedFinalizerPrefixes.some((prefix) => f.startsWith(prefix)) && !generated.includes(f),
    ),
  ];
}

/**
 * True when the desired metadata (live metadata with the generated labels, annotations and
 * finalizers, preserved keys kept) equals the live metadata: the comparison compareApplications
 * makes when there are no ignore rules, without building the desired metadata.
 */
function metadataInSync(
  generatedMeta: JsonObject,
  liveMeta: JsonObject,
  preservedLabels: readonly string[],
  preservedAnnotations: readonly string[],
): boolean {
  if (
    !mapInSync(generatedMeta.labels, liveMeta.labels, preservedLabels) ||
    !mapInSync(generatedMeta.annotations, liveMeta.annotations, preservedAnnotations)
  )
    return false;
  const live = liveMeta.finalizers;
  const generated = generatedMeta.finalizers;
  // Without live pre-/post-delete finalizers (nearly always) the desired list is the generated
  // one: compare it as it is.
  if (
    (generated === undefined || (Array.isArray(generated) && generated.every(isString))) &&
    (live === undefined || (Array.isArray(live) && !live.some(isPreservedFinalizer)))
  ) {
    return generated === undefined || generated.length === 0
      ? !Object.hasOwn(liveMeta, "finalizers")
      : jsonEqual(generated, live);
  }
  const desired = desiredFinalizers(generatedMeta, liveMeta);
  return desired.length === 0
    ? !Object.hasOwn(liveMeta, "finalizers")
    : jsonEqual(desired, liveMeta.finalizers);
}

/** True when preserve(generated, live, keys) equals `live` (both possibly absent). */
function mapInSync(
  generated: JsonValue | undefined,
  live: JsonValue | undefined,
  keys: readonly string[],
): boolean {
  // preserve() copies live values over the generated map; with none to copy it is that map.
  let copies = false;
  if (isObject(live)) for (const key of keys) if (Object.hasOwn(live, key)) copies = true;
  const desired = copies
    ? preserve(generated, live, keys)
    : isObject(generated)
      ? generated
      : undefined;
  return jsonEqual(desired, live);
}

function isString(value: JsonValue): value is string {
  return typeof value === "string";
}

function isPreservedFinalizer(value: JsonValue): boolean {
  return (
    typeof value === "string" &&
    preservedFinalizerPrefixes.some((prefix) => value.startsWith(prefix))
  );
}

function withApplicationKind(app: JsonObject): JsonObject {
  return { ...app, apiVersion: "argoproj.io/v1alpha1", kind: "Application" };
}

function renormalize(app: JsonObject): JsonObject {
  return { ...app, spec: normalizeApplicationSpec(app.spec) };
}

function applicationDiffSettings(options: ApplicationUpdateOptions): DiffSettings {
  const rules: IgnoreDifferencesRule[] = (options.ignoreApplicationDifferences ?? []).map(
    (rule, index) => {
      const where = `ignoreApplicationDifferences[${index}]`;
      if (!isObject(rule)) throw new Error(`${where}: must be an object`);
      const list = (key: string): string[] => {
        const value = rule[key];
        if (value === undefined || value === null) return [];
        if (!Array.isArray(value) || !value.every((v) => typeof v === "string"))
          throw new Error(`${where}.${key}: must be a list of strings`);
        return value;
      };
      return {
        group: "argoproj.io",
        kind: "Application",
        name: typeof rule.name === "string" ? rule.name : "",
        namespace: "",
        jsonPointers: list("jsonPointers"),
        jqPathExpressions: list("jqPathExpressions"),
        managedFieldsManagers: [],
      };
    },
  );
  return { ...emptyDiffSettings, rules, jqTimeoutMs: options.jqTimeoutMs ?? 1000 };
}

function preserve(
  generated: JsonValue | undefined,
  live: JsonValue | undefined,
  keys: readonly string[],
): JsonObject | undefined {
  let out: JsonObject | undefined = isObject(generated) ? { ...generated } : undefined;
  for (const key of keys) {
    if (isObject(live) && Object.hasOwn(live, key)) {
      out ??= {};
      out[key] = live[key] ?? "";
    }
  }
  return out;
}

function stringList(value: JsonValue | undefined): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/**
 * Argo CD's NormalizeApplicationSpec on JSON: project "" → "default"; a syncPolicy whose fields
 * are all empty is removed; in each source, empty helm and kustomize blocks are removed and a
 * directory block with nothing but include/exclude keeps only those. Returns `spec` itself when
 * it is normalized already (the common case, so comparing thousands of Applications copies
 * nothing), else a normalized copy: treat the result as read-only.
 */
export function normalizeApplicationSpec(spec: JsonValue | undefined): JsonObject {
  if (isObject(spec) && isNormalized(spec)) return spec;
  const out: JsonObject = isObject(spec) ? structuredClone(spec) : {};
  if (typeof out.project !== "string" || out.project === "") out.project = "default";
  if (out.syncPolicy !== undefined && isZero(out.syncPolicy)) delete out.syncPolicy;
  const sources =
    Array.isArray(out.sources) && out.sources.length > 0
      ? out.sources
      : isObject(out.source)
        ? [out.source]
        : [];
  for (const source of sources) if (isObject(source)) normalizeSource(source);
  return out;
}

/** True when normalizeApplicationSpec would change nothing in `spec`. */
function isNormalized(spec: JsonObject): boolean {
  if (typeof spec.project !== "string" || spec.project === "") return false;
  if (spec.syncPolicy !== undefined && isZero(spec.syncPolicy)) return false;
  if (Array.isArray(spec.sources) && spec.sources.length > 0)
    return spec.sources.every(isNormalizedSource);
  return isNormalizedSource(spec.source ?? null);
}

function isNormalizedSource(source: JsonValue): boolean {
  return (
    !isObject(source) ||
    (source.directory === undefined &&
      (source.kustomize === undefined || !isZero(source.kustomize)) &&
      (source.helm === undefined || !isZero(source.helm)))
  );
}

function normalizeSource(source: JsonObject): void {
  if (source.kustomize !== undefined && isZero(source.kustomize)) delete source.kustomize;
  if (source.helm !== undefined && isZero(source.helm)) delete source.helm;
  const directory = source.directory;
  if (isObject(directory) && isZero(omitKeys(directory, ["include", "exclude"]))) {
    const kept = Object.fromEntries(
      Object.entries(directory).filter(
        ([key, value]) => (key === "include" || key === "exclude") && value !== "",
      ),
    );
    if (Object.keys(kept).length === 0) delete source.directory;
    else source.directory = kept;
  } else if (directory === null) delete source.directory;
}

function isZero(value: JsonValue | undefined): boolean {
  if (value === undefined || value === null || value === "" || value === false || value === 0)
    return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isObject(value)) {
    for (const key in value) if (Object.hasOwn(value, key) && !isZero(value[key])) return false;
    return true;
  }
  return false;
}

/** A JSON merge patch turning `from` into `to` (controller-runtime client.MergeFrom). */
export function createMergePatch(from: JsonObject, to: JsonObject): JsonObject {
  const patch: JsonObject = {};
  for (const key of Object.keys(from)) if (!Object.hasOwn(to, key)) patch[key] = null;
  for (const [key, value] of Object.entries(to)) {
    const before = from[key];
    if (isObject(before) && isObject(value)) {
      const nested = createMergePatch(before, value);
      if (Object.keys(nested).length > 0) patch[key] = nested;
    } else if (!jsonEqual(before, value)) patch[key] = value;
  }
  return patch;
}

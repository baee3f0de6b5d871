import { ApplicationSetError, type JsonObject, type JsonValue } from "../../argocd/index.js";

/** The annotation that asks for a reconcile bypassing caches; removed afterwards (spec §3.5). */
export const refreshAnnotation = "argocd.argoproj.io/application-set-refresh";

/** The ApplicationSet fields only the controller reads (generation reads the rest). */
export interface ControllerFields {
  /** `spec.syncPolicy.applicationsSync`, undefined when the field is absent. */
  readonly ownPolicy: string | undefined;
  /** `spec.preservedFields.annotations` / `.labels`. */
  readonly preservedAnnotations: readonly string[];
  readonly preservedLabels: readonly string[];
  /** `spec.ignoreApplicationDifferences`, checked for shape. */
  readonly ignoreApplicationDifferences: readonly JsonObject[];
  /** The refresh annotation is present. */
  readonly refreshRequested: boolean;
}

const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function stringList(value: JsonValue | undefined, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ApplicationSetError("must be a list of strings", field);
  return value.map((item, index) => {
    if (typeof item !== "string")
      throw new ApplicationSetError("must be a string", `${field}[${index}]`);
    return item;
  });
}

/**
 * Reads the controller's fields of an ApplicationSet object.
 * @throws ApplicationSetError naming the bad field (`spec.preservedFields.labels[1]: must be a string`)
 */
export function readControllerFields(object: JsonObject): ControllerFields {
  const spec = isObject(object.spec) ? object.spec : {};
  const syncPolicy = isObject(spec.syncPolicy) ? spec.syncPolicy : {};
  const own = syncPolicy.applicationsSync;
  if (own !== undefined && own !== null && typeof own !== "string")
    throw new ApplicationSetError("must be a string", "spec.syncPolicy.applicationsSync");
  const preserved = spec.preservedFields ?? {};
  if (!isObject(preserved))
    throw new ApplicationSetError("must be an object", "spec.preservedFields");
  const rules = spec.ignoreApplicationDifferences ?? [];
  if (!Array.isArray(rules))
    throw new ApplicationSetError("must be a list", "spec.ignoreApplicationDifferences");
  const ignoreApplicationDifferences = rules.map((rule, index) => {
    const field = `spec.ignoreApplicationDifferences[${index}]`;
    if (!isObject(rule)) throw new ApplicationSetError("must be an object", field);
    if (rule.name !== undefined && rule.name !== null && typeof rule.name !== "string")
      throw new ApplicationSetError("must be a string", `${field}.name`);
    stringList(rule.jsonPointers, `${field}.jsonPointers`);
    stringList(rule.jqPathExpressions, `${field}.jqPathExpressions`);
    return rule;
  });
  const metadata = isObject(object.metadata) ? object.metadata : {};
  const annotations = isObject(metadata.annotations) ? metadata.annotations : {};
  return {
    ownPolicy: typeof own === "string" ? own : undefined,
    preservedAnnotations: stringList(preserved.annotations, "spec.preservedFields.annotations"),
    preservedLabels: stringList(preserved.labels, "spec.preservedFields.labels"),
    ignoreApplicationDifferences,
    refreshRequested: Object.hasOwn(annotations, refreshAnnotation),
  };
}

/** Generators that poll their source (all but list and clusters, which never do). */
const pollingKinds = new Set([
  "git",
  "scmProvider",
  "pullRequest",
  "clusterDecisionResource",
  "plugin",
]);

/**
 * Argo CD's getMinRequeueAfter: the smallest positive poll interval of the generators, in
 * milliseconds (0 when no generator polls). A polling generator's `requeueAfterSeconds` wins over
 * `defaultMs`; `requeueAfterSeconds: 0` turns its polling off. Matrix and merge take the smallest
 * positive interval of their children.
 * @throws ApplicationSetError for a `requeueAfterSeconds` that is not a non-negative integer
 */
export function requeueAfterMs(
  generators: readonly JsonValue[],
  defaultMs: number,
  field = "spec.generators",
): number {
  let smallest = 0;
  generators.forEach((entry, index) => {
    if (!isObject(entry)) return;
    for (const [kind, generator] of Object.entries(entry)) {
      const where = `${field}[${index}].${kind}`;
      let interval = 0;
      if ((kind === "matrix" || kind === "merge") && isObject(generator)) {
        const children = Array.isArray(generator.generators) ? generator.generators : [];
        interval = requeueAfterMs(children, defaultMs, `${where}.generators`);
      } else if (pollingKinds.has(kind)) {
        interval = pollInterval(generator, defaultMs, where);
      }
      if (interval > 0 && (smallest === 0 || interval < smallest)) smallest = interval;
    }
  });
  return smallest;
}

function pollInterval(generator: JsonValue | undefined, defaultMs: number, where: string): number {
  const seconds = isObject(generator) ? generator.requeueAfterSeconds : undefined;
  if (seconds === undefined || seconds === null) return defaultMs;
  if (typeof seconds !== "number" || !Number.isInteger(seconds) || seconds < 0)
    throw new ApplicationSetError("must be a non-negative integer", `${where}.requeueAfterSeconds`);
  return seconds * 1000;
}

/**
 * The label selectors of every clusters generator of an ApplicationSet, at any nesting level:
 * `undefined` when there is none; an entry `"any"` for a selector that cannot be judged without
 * rendering (templated in a matrix, or not an object), which must be treated as matching
 * every cluster.
 */
export function clusterSelectors(
  generators: readonly JsonValue[],
): (JsonObject | "any")[] | undefined {
  const found: (JsonObject | "any")[] = [];
  const walk = (entries: readonly JsonValue[]): void => {
    for (const entry of entries) {
      if (!isObject(entry)) continue;
      for (const [kind, generator] of Object.entries(entry)) {
        if ((kind === "matrix" || kind === "merge") && isObject(generator))
          walk(Array.isArray(generator.generators) ? generator.generators : []);
        if (kind !== "clusters") continue;
        const selector = isObject(generator) ? (generator.selector ?? {}) : {};
        found.push(
          isObject(selector) && !JSON.stringify(selector).includes("{{") ? selector : "any",
        );
      }
    }
  };
  walk(generators);
  return found.length === 0 ? undefined : found;
}

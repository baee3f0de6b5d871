import { formatGoValue, goJsonMarshal } from "./go-print.js";
import { clustersGenerator } from "./generator-clusters.js";
import { GeneratorError, type GeneratorContext } from "./generator-context.js";
import { gitGenerator } from "./generator-git.js";
import { listGenerator } from "./generator-list.js";
import { isObject, type JsonObject, type JsonValue } from "./json.js";
import { flattenToStrings, type ParamSet } from "./params.js";
import { renderDeep } from "./render.js";
import { compileSelector, type Selector } from "./selector.js";
import { renderTemplateString } from "./template-engine.js";

/** Generator kinds in the order Argo CD's ApplicationSetGenerator struct lists them. */
export const generatorKinds = [
  "list",
  "clusters",
  "git",
  "scmProvider",
  "clusterDecisionResource",
  "pullRequest",
  "matrix",
  "merge",
  "plugin",
] as const;

/** Generators that carry a `values` map. */
const kindsWithValues = new Set([
  "clusters",
  "git",
  "scmProvider",
  "pullRequest",
  "clusterDecisionResource",
  "plugin",
]);
const unsupported = new Set(["scmProvider", "clusterDecisionResource", "pullRequest", "plugin"]);

/** The output of one generator of an entry: its param sets and its effective template. */
export interface TransformResult {
  readonly kind: string;
  readonly params: readonly (ParamSet | null)[];
  readonly template: JsonObject;
}

/**
 * Runs every generator of one generator entry (Argo CD's `Transform`): merges the generator's
 * own template over `baseTemplate`, interpolates the entry with `interpolation` params (the
 * matrix's second child), generates, and applies the entry's post-selector.
 * Nesting: `depth` 0 is a top-level entry; at depth 2 matrix and merge are unknown fields.
 * @throws GeneratorError for the first generator that fails (Argo CD stops at the first error too)
 */
export async function transformEntry(
  entry: JsonObject,
  baseTemplate: JsonObject,
  context: GeneratorContext,
  field: string,
  options: { interpolation?: ParamSet | null; depth: number },
): Promise<TransformResult[]> {
  const selector = entrySelector(entry, field);
  const results: TransformResult[] = [];
  for (const kind of relevantKinds(entry, options.depth)) {
    const generatorField = `${field}.${kind}`;
    const spec = entry[kind];
    if (!isObject(spec))
      throw new GeneratorError(`${generatorField} must be an object`, generatorField);
    const template = mergeGeneratorTemplate(spec.template, baseTemplate);
    let effective = entry;
    const interpolation = options.interpolation;
    if (
      interpolation !== undefined &&
      interpolation !== null &&
      Object.keys(interpolation).length > 0
    ) {
      effective = interpolateEntry(entry, interpolation, context, field);
    }
    const effectiveSpec = effective[kind];
    if (!isObject(effectiveSpec))
      throw new GeneratorError(`${generatorField} must be an object`, generatorField);
    const params = await runGenerator(kind, effectiveSpec, context, generatorField, options.depth);
    results.push({
      kind,
      params: selector === undefined ? params : params.filter((p) => selectorMatches(selector, p)),
      template,
    });
  }
  return results;
}

/** The known generator kinds an entry sets; at the deepest nesting matrix/merge are not known. */
export function relevantKinds(entry: JsonObject, depth: number): string[] {
  return generatorKinds.filter(
    (kind) =>
      entry[kind] !== undefined &&
      entry[kind] !== null &&
      !(depth >= 2 && (kind === "matrix" || kind === "merge")),
  );
}

/** Keys of an entry that are neither a generator kind nor `selector`. */
export function unknownEntryKeys(entry: JsonObject): string[] {
  return Object.keys(entry).filter(
    (key) => key !== "selector" && !(generatorKinds as readonly string[]).includes(key),
  );
}

function entrySelector(entry: JsonObject, field: string): Selector | undefined {
  if (entry.selector === undefined || entry.selector === null) return undefined;
  try {
    return compileSelector(entry.selector, "params");
  } catch (error) {
    throw new GeneratorError(
      `error parsing label selector: ${(error as Error).message}`,
      `${field}.selector`,
      {
        cause: error,
      },
    );
  }
}

function selectorMatches(selector: Selector, params: ParamSet | null): boolean {
  return selector.matches(flattenToStrings(params ?? {}));
}

async function runGenerator(
  kind: string,
  spec: JsonObject,
  context: GeneratorContext,
  field: string,
  depth: number,
): Promise<(ParamSet | null)[]> {
  switch (kind) {
    case "list":
      return listGenerator(spec, context, field);
    case "clusters":
      return clustersGenerator(spec, context, field);
    case "git":
      return gitGenerator(spec, context, field);
    case "matrix":
      return matrixGenerator(spec, context, field, depth);
    case "merge":
      return mergeGenerator(spec, context, field, depth);
    default:
      if (unsupported.has(kind)) {
        throw new GeneratorError(
          `the ${kind} generator needs network access and is not supported offline`,
          field,
        );
      }
      throw new GeneratorError(`unknown generator ${kind}`, field);
  }
}

async function matrixGenerator(
  spec: JsonObject,
  context: GeneratorContext,
  field: string,
  depth: number,
): Promise<ParamSet[]> {
  const children = childGenerators(spec, field);
  if (children.length < 2)
    throw new GeneratorError("found less than two generators, Matrix support only two", field);
  if (children.length > 2)
    throw new GeneratorError("found more than two generators, Matrix support only two", field);
  const [first, second] = children as [JsonObject, JsonObject];
  const left = await childParams(first, context, `${field}.generators[0]`, depth, null).catch(
    (error: unknown) => {
      throw wrap(error, "error failed to get params for first generator in matrix generator");
    },
  );
  const out: ParamSet[] = [];
  for (const a of left) {
    const right = await childParams(second, context, `${field}.generators[1]`, depth, a).catch(
      (error: unknown) => {
        throw wrap(error, "failed to get params for second generator in the matrix generator");
      },
    );
    for (const b of right) {
      out.push(
        context.mode.goTemplate
          ? deepMerge(deepMerge({}, b ?? {}), a ?? {})
          : combineStringMaps(a ?? {}, b ?? {}, field),
      );
    }
  }
  return out;
}

async function mergeGenerator(
  spec: JsonObject,
  context: GeneratorContext,
  field: string,
  depth: number,
): Promise<ParamSet[]> {
  const children = childGenerators(spec, field);
  if (children.length < 2)
    throw new GeneratorError("found less than two generators, Merge requires two or more", field);
  const sets: (ParamSet | null)[][] = [];
  for (const [index, child] of children.entries()) {
    const params = await childParams(
      child,
      context,
      `${field}.generators[${index}]`,
      depth,
      null,
    ).catch((error: unknown) => {
      throw wrap(
        error,
        `error getting param sets from generators: error getting params from generator ${index + 1} of ${children.length}`,
      );
    });
    sets.push(params);
  }
  const mergeKeys = Array.isArray(spec.mergeKeys)
    ? spec.mergeKeys.filter((k) => typeof k === "string")
    : [];
  const base = indexByMergeKeys(mergeKeys, sets[0] ?? [], field);
  for (const later of sets.slice(1)) {
    const index = indexByMergeKeys(mergeKeys, later, field);
    for (const [key, baseSet] of base) {
      const override = index.get(key);
      if (override === undefined) continue;
      base.set(
        key,
        context.mode.goTemplate ? deepMerge({ ...baseSet }, override) : { ...baseSet, ...override },
      );
    }
  }
  return [...base.values()];
}

function indexByMergeKeys(
  mergeKeys: string[],
  sets: readonly (ParamSet | null)[],
  field: string,
): Map<string, ParamSet> {
  if (mergeKeys.length === 0) {
    throw new GeneratorError(
      "error getting param sets by merge key: no merge keys were specified, Merge requires at least one",
      `${field}.mergeKeys`,
    );
  }
  const distinct = [...new Set(mergeKeys)];
  const index = new Map<string, ParamSet>();
  for (const set of sets) {
    const keyObject: JsonObject = {};
    for (const key of distinct) keyObject[key] = set?.[key] ?? null;
    const key = goJsonMarshal(keyObject);
    if (index.has(key)) {
      throw new GeneratorError(
        "error getting param sets by merge key: the parameters from a generator were not unique by the given mergeKeys, " +
          `Merge requires all param sets to be unique. Duplicate key was ${key}`,
        `${field}.mergeKeys`,
      );
    }
    index.set(key, set ?? {});
  }
  return index;
}

function childGenerators(spec: JsonObject, field: string): JsonObject[] {
  const children = spec.generators ?? [];
  if (!Array.isArray(children))
    throw new GeneratorError(`${field}.generators must be a list`, `${field}.generators`);
  return children.map((child, index) => {
    if (!isObject(child))
      throw new GeneratorError(
        `${field}.generators[${index}] must be an object`,
        `${field}.generators[${index}]`,
      );
    return child;
  });
}

async function childParams(
  child: JsonObject,
  context: GeneratorContext,
  field: string,
  depth: number,
  interpolation: ParamSet | null,
): Promise<(ParamSet | null)[]> {
  let results: TransformResult[];
  try {
    results = await transformEntry(child, {}, context, field, { interpolation, depth: depth + 1 });
  } catch (error) {
    throw wrap(error, "child generator returned an error on parameter generation");
  }
  if (results.length === 0)
    throw new GeneratorError("child generator generated no parameters", field);
  if (results.length > 1)
    throw new GeneratorError("found more than one generator in matrix.Generators", field);
  return [...(results[0]?.params ?? [])];
}

/** Prefixes an error's message with Argo CD's wrapping text, keeping the field it names. */
function wrap(error: unknown, prefix: string): GeneratorError {
  const message = `${prefix}: ${error instanceof Error ? error.message : String(error)}`;
  const field = error instanceof GeneratorError ? error.field : "";
  return new GeneratorError(message, field, { cause: error });
}

/** fasttemplate matrix combination (utils.CombineStringMaps): union, values printed with %v. */
function combineStringMaps(a: ParamSet, b: ParamSet, field: string): ParamSet {
  const out: Record<string, string> = flattenValues(a);
  for (const [key, value] of Object.entries(flattenValues(b))) {
    const current = out[key];
    if (current !== undefined && current !== value) {
      throw new GeneratorError(
        `failed to combine string maps with merging params for the matrix generator: found duplicate key ${key} with different value, a: ${current} ,b: ${value}`,
        field,
      );
    }
    out[key] = value;
  }
  return out;
}

function flattenValues(params: ParamSet): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) out[key] = formatGoValue(value);
  return out;
}

/** mergo.Merge(dst, src, WithOverride) for JSON data: nested objects merge, src wins otherwise. */
export function deepMerge(dst: JsonObject, src: JsonObject): JsonObject {
  // for-in: a matrix merges every pair of param sets; no entry arrays for each.
  for (const key in src) {
    if (!Object.hasOwn(src, key)) continue;
    const value = src[key] as JsonValue;
    const current = dst[key];
    dst[key] = isObject(current) && isObject(value) ? deepMerge({ ...current }, value) : value;
  }
  return dst;
}

/**
 * A generator's own template merged over the ApplicationSet's (mergo.Merge without override):
 * fields the generator template leaves empty (absent, "", false, 0, empty list or map) come from
 * `base`; objects merge recursively; a non-empty value of the generator template wins.
 */
export function mergeGeneratorTemplate(own: JsonValue | undefined, base: JsonObject): JsonObject {
  if (!isObject(own) || Object.keys(own).length === 0) return base;
  return fillEmpty(structuredClone(own), base);
}

function fillEmpty(dst: JsonObject, src: JsonObject): JsonObject {
  for (const [key, value] of Object.entries(src)) {
    const current = dst[key];
    if (isEmptyValue(current)) dst[key] = structuredClone(value);
    else if (isObject(current) && isObject(value)) fillEmpty(current, value);
  }
  return dst;
}

function isEmptyValue(value: JsonValue | undefined): boolean {
  if (value === undefined || value === null || value === "" || value === false || value === 0)
    return true;
  if (Array.isArray(value)) return value.length === 0;
  return isObject(value) && Object.keys(value).length === 0;
}

/**
 * Renders every string of a matrix child entry with the first child's params (§3.6). The
 * `values` of generators that have them are pre-resolved with `missingkey=error` in goTemplate
 * mode, keeping a value verbatim when only a key is missing.
 * @throws GeneratorError `failed to replace parameters in generator: ...`
 */
export function interpolateEntry(
  entry: JsonObject,
  params: ParamSet,
  context: GeneratorContext,
  field: string,
): JsonObject {
  const mode = context.mode;
  const out: JsonObject = {};
  try {
    for (const [key, value] of Object.entries(entry)) {
      if (value === null) continue;
      if (kindsWithValues.has(key) && isObject(value) && isObject(value.values)) {
        const { values, ...rest } = value;
        const rendered = renderDeep(rest, params, mode) as JsonObject;
        rendered.values = resolveValues(values, params, context);
        out[key] = rendered;
      } else {
        out[key] = renderDeep(value, params, mode);
      }
    }
  } catch (error) {
    throw new GeneratorError(
      `failed to replace parameters in generator: ${(error as Error).message}`,
      field,
      {
        cause: error,
      },
    );
  }
  return out;
}

function resolveValues(
  values: JsonObject,
  params: ParamSet,
  context: GeneratorContext,
): JsonObject {
  const options = context.mode.goTemplate
    ? [
        ...context.mode.goTemplateOptions.filter((o) => !o.startsWith("missingkey=")),
        "missingkey=error",
      ]
    : context.mode.goTemplateOptions;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(values)) {
    if (typeof value !== "string") {
      out[key] = value;
      continue;
    }
    try {
      out[key] = renderTemplateString(value, params, {
        goTemplate: context.mode.goTemplate,
        goTemplateOptions: options,
      });
    } catch (error) {
      const message = (error as Error).message;
      if (
        message.includes("map has no entry for key") ||
        message.includes("can't evaluate field")
      ) {
        out[key] = value;
        continue;
      }
      throw new Error(`failed to pre-resolve Values key ${JSON.stringify(key)}: ${message}`, {
        cause: error,
      });
    }
  }
  return out;
}

import type { ApplicationSet } from "./appset.js";
import { inClusterName, inClusterServer, type ClusterSecret } from "./cluster-secret.js";
import { transformEntry, relevantKinds, unknownEntryKeys } from "./generate-params.js";
import { GeneratorError, type GeneratorContext } from "./generator-context.js";
import type { GitSource } from "./git-source.js";
import { compareStrings, isObject, type JsonObject } from "./json.js";
import { flattenToStrings, type ParamSet } from "./params.js";
import { compileApplication, type RenderSettings } from "./render.js";

/** What generation reads besides the ApplicationSet. */
export interface GenerateInputs {
  /** Cluster Secrets of the Argo CD namespace (for the clusters generator and destinations). */
  readonly clusterSecrets: readonly ClusterSecret[];
  /** Git access for git generators. */
  readonly git?: GitSource;
  /** The controller's `--enable-new-git-file-globbing`. */
  readonly newGitFileGlobbing?: boolean;
  /** AppProjects that exist; when set, an Application naming another project is invalid. */
  readonly projects?: readonly string[];
  /** Check destinations against the cluster Secrets (default true). */
  readonly validateDestinations?: boolean;
  /** Reuses Applications rendered before from the same template and param set. */
  readonly renderCache?: RenderCache;
}

/** An ApplicationSet status condition (without lastTransitionTime, which the writer adds). */
export interface AppSetCondition {
  readonly type: "ErrorOccurred" | "ParametersGenerated";
  readonly status: "True" | "False";
  readonly reason: string;
  readonly message: string;
}

/** A generated Application that validation rejected (§5.5). */
export interface InvalidApplication {
  readonly name: string;
  readonly namespace: string;
  readonly message: string;
}

/** A name several param sets rendered to (all copies are skipped, as Argo CD skips them). */
export interface DuplicateName {
  readonly name: string;
  readonly count: number;
  readonly differingParams: string[];
}

/** The outcome of one generation (§2 steps 2–4). */
export interface GenerateResult {
  /** Valid Applications sorted by name; empty when `error` is set. */
  readonly applications: JsonObject[];
  /** Applications skipped by validation, sorted by namespace/name (one entry per key). */
  readonly invalid: InvalidApplication[];
  /** Names of ALL generated Applications (valid or not): what deletion must keep. */
  readonly generatedNames: string[];
  /**
   * Names generated more than once, how often, and the parameters whose values differ between
   * the copies (a name that used one of them would have been unique).
   */
  readonly duplicates: DuplicateName[];
  /** A generator or render error: nothing may be created, updated or deleted. */
  readonly error?: { readonly reason: string; readonly message: string; readonly field: string };
  /** Entries or keys Argo CD does not recognise (skipped, as upstream skips them). */
  readonly warnings: string[];
  readonly conditions: AppSetCondition[];
  /** Param sets produced, Applications rendered now, and Applications reused from the cache. */
  readonly stats: { paramSets: number; rendered: number; reused: number };
}

/**
 * Memo of rendered Applications keyed by effective template and param set, so re-generating
 * after a small change (one more cluster) renders only the new param sets. Applications taken
 * from it are shared between results: treat them as read-only.
 */
export class RenderCache {
  #byTemplate = new Map<string, Map<string, JsonObject>>();
  #seen = new Set<string>();

  /** @internal */
  lookup(templateKey: string, paramsKey: string): JsonObject | undefined {
    this.#seen.add(templateKey);
    return this.#byTemplate.get(templateKey)?.get(paramsKey);
  }

  /** @internal */
  store(templateKey: string, paramsKey: string, app: JsonObject): void {
    let inner = this.#byTemplate.get(templateKey);
    if (inner === undefined)
      this.#byTemplate.set(templateKey, (inner = new Map<string, JsonObject>()));
    inner.set(paramsKey, app);
  }

  /** Number of cached Applications. */
  get size(): number {
    let total = 0;
    for (const inner of this.#byTemplate.values()) total += inner.size;
    return total;
  }
}

/**
 * Generates the Applications of an ApplicationSet exactly as Argo CD's ApplicationSet controller
 * does before writing: every generator entry in order, post-selectors, generator templates,
 * rendering, templatePatch, namespace, then validation (empty and duplicate names, projects,
 * destinations) and sorting. Any generator or render error yields no Applications at all.
 * Never throws for bad generator input: errors come back in `error`.
 */
export async function generateApplications(
  appSet: ApplicationSet,
  inputs: GenerateInputs,
): Promise<GenerateResult> {
  const context: GeneratorContext = {
    appSetName: appSet.name,
    mode: appSet.mode,
    clusterSecrets: inputs.clusterSecrets,
    git: inputs.git,
    newGitFileGlobbing: inputs.newGitFileGlobbing ?? false,
    templateProject:
      isObject(appSet.template.spec) && typeof appSet.template.spec.project === "string"
        ? appSet.template.spec.project
        : "",
  };
  const settings: RenderSettings = {
    mode: appSet.mode,
    preserveResourcesOnDeletion: appSet.preserveResourcesOnDeletion,
    templatePatch: appSet.templatePatch,
    namespace: appSet.namespace,
  };
  const warnings = collectWarnings(appSet);
  const stats = { paramSets: 0, rendered: 0, reused: 0 };
  const generated: Generated = { apps: [], params: [] };
  let firstError: GenerateResult["error"];
  for (const [index, entry] of appSet.generators.entries()) {
    const field = `spec.generators[${index}]`;
    try {
      const results = await transformEntry(entry, appSet.template, context, field, { depth: 0 });
      for (const result of results) {
        const error = renderAll(
          result.template,
          result.params,
          settings,
          inputs.renderCache,
          stats,
          generated,
        );
        if (error !== undefined) firstError ??= { reason: "RenderTemplateParamsError", ...error };
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const errorField = error instanceof GeneratorError ? error.field : field;
      firstError ??= { reason: "ApplicationGenerationFromParamsError", message, field: errorField };
    }
  }
  if (firstError !== undefined) {
    return {
      applications: [],
      invalid: [],
      generatedNames: [],
      duplicates: [],
      error: firstError,
      warnings,
      stats,
      conditions: [
        {
          type: "ErrorOccurred",
          status: "True",
          reason: firstError.reason,
          message: firstError.message,
        },
        {
          type: "ParametersGenerated",
          status: "False",
          reason: "ErrorOccurred",
          message: firstError.message,
        },
      ],
    };
  }
  return validated(appSet, generated, inputs, warnings, stats);
}

/** Renders one generator's param sets into `generated`; returns the first render error. */
function renderAll(
  template: JsonObject,
  params: readonly (ParamSet | null)[],
  settings: RenderSettings,
  cache: RenderCache | undefined,
  stats: { paramSets: number; rendered: number; reused: number },
  generated: Generated,
): { message: string; field: string } | undefined {
  let error: { message: string; field: string } | undefined;
  const templateKey = cache === undefined ? "" : JSON.stringify([template, settings]);
  // Compiled on the first cache miss: a pass served from the render cache never needs it.
  let render: ReturnType<typeof compileApplication> | undefined;
  for (const set of params) {
    stats.paramSets++;
    const paramsKey = cache === undefined ? "" : JSON.stringify(set);
    const cached = cache?.lookup(templateKey, paramsKey);
    if (cached !== undefined) {
      stats.reused++;
      generated.apps.push(cached);
      generated.params.push(set);
      continue;
    }
    try {
      const app = (render ??= compileApplication(template, settings))(set);
      stats.rendered++;
      cache?.store(templateKey, paramsKey, app);
      generated.apps.push(app);
      generated.params.push(set);
    } catch (cause) {
      // Upstream records the first render error and keeps going; the result is an error anyway.
      error ??= { message: (cause as Error).message, field: "spec.template" };
    }
  }
  return error;
}

function collectWarnings(appSet: ApplicationSet): string[] {
  const warnings: string[] = [];
  const unrecognized: string[] = [];
  appSet.generators.forEach((entry, index) => {
    const unknown = unknownEntryKeys(entry);
    if (relevantKinds(entry, 0).length === 0)
      unrecognized.push(...(unknown.length > 0 ? unknown : [`spec.generators[${index}]`]));
    else
      for (const key of unknown)
        warnings.push(`spec.generators[${index}].${key}: unknown field (ignored)`);
  });
  if (unrecognized.length > 0) {
    warnings.unshift(
      `ApplicationSet ${appSet.name} contains unrecognized generators: ${[...new Set(unrecognized)].sort().join(", ")}`,
    );
  }
  return warnings;
}

function validated(
  appSet: ApplicationSet,
  generated: Generated,
  inputs: GenerateInputs,
  warnings: string[],
  stats: GenerateResult["stats"],
): GenerateResult {
  const errors = new Map<string, string>();
  const repeated = new Set<string>();
  const generatedNames: string[] = [];
  const apps = generated.apps;
  const appNames = apps.map(nameOf);
  // Visited in name order (stable, so copies of a name keep their generation order): copies are
  // neighbours, and the order is the one the result is sorted in.
  const order = apps.map((_, index) => index);
  order.sort((a, b) => compareStrings(appNames[a] ?? "", appNames[b] ?? ""));
  const destinations = destinationResolver(inputs);
  let previous: string | undefined;
  for (const index of order) {
    const name = appNames[index] ?? "";
    const app = apps[index] ?? {};
    const repeat = name === previous;
    previous = name;
    if (!repeat) generatedNames.push(name);
    if (name === "") {
      errors.set(
        appKey(app, name),
        `ApplicationSet ${appSet.name} contains an application with no name; a name must be set in the template's metadata.name or via a templatePatch (generateName is not supported)`,
      );
      continue;
    }
    if (repeat) {
      repeated.add(name);
      errors.set(
        appKey(app, name),
        `ApplicationSet ${appSet.name} contains applications with duplicate name: ${name}`,
      );
      continue;
    }
    const spec = isObject(app.spec) ? app.spec : {};
    const project =
      typeof spec.project === "string" && spec.project !== "" ? spec.project : "default";
    if (inputs.projects !== undefined && !inputs.projects.includes(project)) {
      errors.set(
        appKey(app, name),
        `application references project ${project} which does not exist`,
      );
      continue;
    }
    const problem = destinations?.(spec.destination);
    if (problem !== undefined)
      errors.set(appKey(app, name), `application destination spec is invalid: ${problem}`);
  }
  const invalid = [...errors.entries()]
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([key, message]) => {
      const slash = key.indexOf("/");
      return { namespace: key.slice(0, slash), name: key.slice(slash + 1), message };
    });
  const applications: JsonObject[] = [];
  for (const index of order) {
    const app = apps[index] ?? {};
    if (errors.size === 0 || !errors.has(appKey(app, appNames[index] ?? "")))
      applications.push(app);
  }
  const conditions: AppSetCondition[] = [
    {
      type: "ParametersGenerated",
      status: "True",
      reason: "ParametersGenerated",
      message: "Successfully generated parameters for all Applications",
    },
  ];
  const last = invalid.at(-1);
  if (last !== undefined) {
    const message =
      invalid.length > 1 ? `${last.message} (and ${invalid.length - 1} more)` : last.message;
    conditions.unshift({
      type: "ErrorOccurred",
      status: "True",
      reason: "ApplicationValidationError",
      message,
    });
  }
  return {
    applications,
    invalid,
    generatedNames,
    duplicates: duplicateNames(generated, appNames, repeated),
    warnings,
    stats,
    conditions,
  };
}

function nameOf(app: JsonObject): string {
  const metadata = isObject(app.metadata) ? app.metadata : {};
  return typeof metadata.name === "string" ? metadata.name : "";
}

/** The namespace/name key validation errors are recorded under. */
function appKey(app: JsonObject, name: string): string {
  const metadata = isObject(app.metadata) ? app.metadata : {};
  return `${typeof metadata.namespace === "string" ? metadata.namespace : ""}/${name}`;
}

/** Argo CD's destination check against the registered clusters (util/argo GetDestinationCluster). */
function destinationResolver(
  inputs: GenerateInputs,
): ((destination: unknown) => string | undefined) | undefined {
  if (inputs.validateDestinations === false) return undefined;
  // Indexed once: every Application of a fleet is checked against every cluster.
  const servers = new Set<string>();
  const serversByName = new Map<string, string[]>();
  const register = (name: string, server: string): void => {
    servers.add(server);
    const list = serversByName.get(name);
    if (list === undefined) serversByName.set(name, [server]);
    else list.push(server);
  };
  for (const secret of inputs.clusterSecrets)
    register(secret.data.name ?? "", (secret.data.server ?? "").replace(/\/+$/, ""));
  if (!servers.has(inClusterServer)) register(inClusterName, inClusterServer);
  return (destination) => {
    const dest = isObject(destination) ? destination : {};
    const name = typeof dest.name === "string" ? dest.name : "";
    const server = typeof dest.server === "string" ? dest.server : "";
    if (name !== "" && server !== "")
      return `application destination can't have both name and server defined: ${name} ${server}`;
    if (server !== "") {
      const trimmed = server.endsWith("/") ? server.replace(/\/+$/, "") : server;
      if (servers.has(trimmed)) return undefined;
      return `error getting cluster by server ${JSON.stringify(server)}: rpc error: code = NotFound desc = cluster ${JSON.stringify(trimmed)} not found`;
    }
    if (name !== "") {
      const named = serversByName.get(name) ?? [];
      if (named.length === 0) return `there are no clusters with this name: ${name}`;
      if (named.length > 1)
        return `there are ${named.length} clusters with the same name: [${named.join(" ")}]`;
      return undefined;
    }
    return "Destination server missing from app spec";
  };
}

/** The rendered Applications and, at the same index, the param set each came from. */
interface Generated {
  readonly apps: JsonObject[];
  readonly params: (ParamSet | null)[];
}

/** The names in `repeated`, with how often each was generated and the params that differ. */
function duplicateNames(
  generated: Generated,
  appNames: readonly string[],
  repeated: ReadonlySet<string>,
): DuplicateName[] {
  if (repeated.size === 0) return [];
  const byName = new Map<string, (ParamSet | null)[]>();
  generated.params.forEach((params, index) => {
    const name = appNames[index] ?? "";
    if (!repeated.has(name)) return;
    const list = byName.get(name) ?? [];
    list.push(params);
    byName.set(name, list);
  });
  const out: DuplicateName[] = [];
  for (const [name, sets] of byName) {
    const flat = sets.map((set) => flattenToStrings(set ?? {}));
    const keys = new Set(flat.flatMap((set) => Object.keys(set)));
    const differing = [...keys]
      .filter((key) => new Set(flat.map((set) => set[key])).size > 1)
      .sort();
    out.push({ name, count: sets.length, differingParams: differing });
  }
  return out.sort((a, b) => compareStrings(a.name, b.name));
}

import type { ClusterSecret } from "./cluster-secret.js";
import type { GitSource } from "./git-source.js";
import type { JsonObject } from "./json.js";
import type { ParamSet } from "./params.js";
import { markStringMap, renderTemplateString, type TemplateMode } from "./template-engine.js";

/** What every generator reads: the ApplicationSet's template mode and the outside world. */
export interface GeneratorContext {
  readonly appSetName: string;
  readonly mode: TemplateMode;
  /** Cluster Secrets in the Argo CD namespace (the clusters generator filters them). */
  readonly clusterSecrets: readonly ClusterSecret[];
  /** Git access for the git generator; undefined when no repository is available. */
  readonly git: GitSource | undefined;
  /** The controller's `--enable-new-git-file-globbing` (doublestar) instead of git pathspecs. */
  readonly newGitFileGlobbing: boolean;
  /** `spec.template.spec.project` of the ApplicationSet (git credentials are scoped by it). */
  readonly templateProject: string;
}

/** A generator error: Argo CD's message, plus the field of the ApplicationSet it came from. */
export class GeneratorError extends Error {
  readonly field: string;

  constructor(message: string, field: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "GeneratorError";
    this.field = field;
  }
}

/**
 * Adds a generator's `values` to a param set (§3.2): each value rendered against the param set as
 * it was before any value was added; fasttemplate → `values.<k>`, goTemplate → `values: {k}`.
 * @throws Error `failed to replace templated string: ...` when a value fails to render
 */
export function appendTemplatedValues(
  values: Readonly<Record<string, string>> | undefined,
  params: ParamSet,
  mode: TemplateMode,
): void {
  if (values === undefined) return;
  const rendered: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    try {
      rendered[key] = value.includes("{{") ? renderTemplateString(value, params, mode) : value;
    } catch (error) {
      throw new Error(
        `failed to replace templated string: failed to replace templated string with rendered values: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  if (Object.keys(rendered).length === 0) return;
  if (mode.goTemplate) {
    params.values = markStringMap(rendered);
  } else {
    for (const [key, value] of Object.entries(rendered)) params[`values.${key}`] = value;
  }
}

/**
 * Reads a generator's `values` map (strings only).
 * @throws GeneratorError naming the field
 */
export function readValues(spec: JsonObject, field: string): Record<string, string> | undefined {
  const values = spec.values;
  if (values === undefined || values === null) return undefined;
  if (typeof values !== "object" || Array.isArray(values)) {
    throw new GeneratorError(`${field}.values must be a map of strings`, `${field}.values`);
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    if (typeof value !== "string") {
      throw new GeneratorError(`${field}.values.${key} must be a string`, `${field}.values.${key}`);
    }
    out[key] = value;
  }
  return out;
}

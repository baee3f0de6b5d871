import { isObject, omitKeys, type JsonObject, type JsonValue } from "./json.js";
import type { ParamSet } from "./params.js";
import { renderTemplateString, type TemplateMode } from "./template-engine.js";
import { parseYaml11 } from "./yaml11.js";

/** The finalizer Argo CD adds so that deleting an Application deletes its resources. */
export const resourcesFinalizer = "resources-finalizer.argocd.argoproj.io";

/**
 * Renders every string of a JSON value (map keys too) with one param set, as Argo CD's
 * `deeplyReplace` does. Entries whose value is null are dropped, as upstream drops nil map values.
 * @throws Error from the template engine
 */
export function renderDeep(value: JsonValue, params: ParamSet, mode: TemplateMode): JsonValue {
  if (typeof value === "string") return renderString(value, params, mode);
  if (Array.isArray(value)) return value.map((item) => renderDeep(item, params, mode));
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  // for-in: decoded JSON objects have no inherited enumerable keys, and it allocates no entries.
  for (const key in value) {
    const child = value[key];
    if (child === null || child === undefined) continue;
    out[renderString(key, params, mode)] = renderDeep(child, params, mode);
  }
  return out;
}

function renderString(text: string, params: ParamSet, mode: TemplateMode): string {
  // A string without "{{" renders to itself in both modes; skip the engine for it.
  return text.includes("{{") ? renderTemplateString(text, params, mode) : text;
}

/** The parts of an ApplicationSet that shape each rendered Application. */
export interface RenderSettings {
  readonly mode: TemplateMode;
  /** `spec.syncPolicy.preserveResourcesOnDeletion` of the ApplicationSet. */
  readonly preserveResourcesOnDeletion: boolean;
  /** `spec.templatePatch`, when set. */
  readonly templatePatch?: string | undefined;
  /** The ApplicationSet's namespace, forced onto every Application. */
  readonly namespace: string;
}

/**
 * Renders one Application from an (already merged) ApplicationSet template and one param set:
 * template fields rendered (unless the param set is empty), finalizer defaulted (§4.8),
 * templatePatch applied (§4.7), namespace forced to the ApplicationSet's (§4.6).
 * @throws Error with Argo CD's message when a template or the patch fails
 */
export function renderApplication(
  template: JsonObject,
  params: ParamSet | null,
  settings: RenderSettings,
): JsonObject {
  const empty = params === null || Object.keys(params).length === 0;
  const source = templateToApplication(template);
  // renderDeep builds a new tree, so only the unrendered case needs its own copy.
  let app = empty
    ? structuredClone(source)
    : (renderDeep(source, params, settings.mode) as JsonObject);
  const metadata = app.metadata as JsonObject;
  if (!empty && !settings.preserveResourcesOnDeletion) {
    const finalizers = metadata.finalizers;
    if (!Array.isArray(finalizers) || finalizers.length === 0)
      metadata.finalizers = [resourcesFinalizer];
  }
  if (settings.templatePatch !== undefined) {
    app = applyTemplatePatch(app, settings.templatePatch, params ?? {}, settings.mode);
  }
  return withNamespace(app, settings.namespace);
}

/** Sets the namespace and orders metadata as ObjectMeta serializes (name, namespace, labels, ...). */
function withNamespace(app: JsonObject, namespace: string): JsonObject {
  const metadata = isObject(app.metadata) ? app.metadata : {};
  const ordered: JsonObject = { name: metadata.name ?? "", namespace };
  for (const [key, value] of Object.entries(metadata))
    if (key !== "name" && key !== "namespace") ordered[key] = value;
  if (ordered.finalizers !== undefined) {
    const { finalizers } = ordered;
    delete ordered.finalizers;
    ordered.finalizers = finalizers;
  }
  return { ...app, metadata: ordered };
}

const metadataFields = ["name", "namespace", "labels", "annotations", "finalizers"] as const;

/**
 * The template's metadata fields and spec as an Application, sharing the template's values (the
 * caller copies or renders them before changing anything).
 */
function templateToApplication(template: JsonObject): JsonObject {
  const metadata: JsonObject = {};
  const source = isObject(template.metadata) ? template.metadata : {};
  for (const field of metadataFields) {
    const value = source[field];
    if (value !== undefined && value !== null) metadata[field] = value;
  }
  const spec = isObject(template.spec) ? template.spec : {};
  return { apiVersion: "argoproj.io/v1alpha1", kind: "Application", metadata, spec };
}

/**
 * Renders `templatePatch` with the param set, reads it as YAML or JSON, and applies it to the
 * Application as a strategic merge patch (maps merge, lists are replaced except
 * `metadata.finalizers`, which merges as a set). `spec.project` keeps its pre-patch value.
 * @throws Error with Argo CD's texts (`error replacing values in templatePatch: ...`,
 *   `error while converting template to json ...`, `invalid templatePatch ...`)
 */
export function applyTemplatePatch(
  app: JsonObject,
  templatePatch: string,
  params: ParamSet,
  mode: TemplateMode,
): JsonObject {
  let rendered: string;
  try {
    rendered = renderTemplateString(templatePatch, params, mode);
  } catch (error) {
    throw new Error(`error replacing values in templatePatch: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let patch: JsonValue;
  try {
    patch = rendered.trim().startsWith("{")
      ? (JSON.parse(rendered) as JsonValue)
      : parseYaml11(rendered);
  } catch (error) {
    throw new Error(
      `error while converting template to json ${JSON.stringify(rendered)}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const problem = applicationShapeError(patch);
  if (problem !== undefined) {
    throw new Error(`invalid templatePatch ${JSON.stringify(rendered)}: ${problem}`);
  }
  // A patch that renders to nothing (YAML null) leaves the Application as it is.
  if (!isObject(patch)) return app;
  const project = isObject(app.spec) ? app.spec.project : undefined;
  const patched = strategicMerge(app, patch, []) as JsonObject;
  if (isObject(patched.spec)) {
    if (project === undefined) delete patched.spec.project;
    else patched.spec.project = project;
  }
  if (!isObject(patched.metadata)) patched.metadata = {};
  return patched;
}

/** Why a decoded patch could not decode as an Application (Go's json.Unmarshal), if it cannot. */
function applicationShapeError(patch: JsonValue): string | undefined {
  if (patch === null) return undefined;
  if (!isObject(patch))
    return "json: cannot unmarshal non-object into Go value of type v1alpha1.Application";
  for (const field of ["metadata", "spec", "status"]) {
    const value = patch[field];
    if (value !== undefined && value !== null && !isObject(value)) {
      return `json: cannot unmarshal ${goJsonKind(value)} into Go struct field Application.${field}`;
    }
  }
  return undefined;
}

function goJsonKind(value: JsonValue): string {
  if (Array.isArray(value)) return "array";
  return typeof value;
}

// Lists in ObjectMeta that Kubernetes' strategic merge treats as sets of scalars.
const mergedScalarLists = new Set(["metadata.finalizers"]);

function strategicMerge(original: JsonValue, patch: JsonValue, path: string[]): JsonValue {
  if (!isObject(patch)) return patch;
  if (patch.$patch === "replace") return omitKeys(patch, ["$patch"]);
  let out: JsonObject = isObject(original) ? { ...original } : {};
  for (const [key, value] of Object.entries(patch)) {
    const childPath = [...path, key];
    if (value === null || (isObject(value) && value.$patch === "delete")) {
      out = omitKeys(out, [key]);
    } else if (Array.isArray(value) && mergedScalarLists.has(childPath.join("."))) {
      const existing = Array.isArray(out[key]) ? out[key] : [];
      out[key] = [...existing, ...value.filter((item) => !existing.includes(item))];
    } else {
      out[key] = strategicMerge(out[key] ?? null, value, childPath);
    }
  }
  return out;
}

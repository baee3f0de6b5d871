import { isObject, omitKeys, type JsonObject, type JsonValue } from "./json.js";
import type { ParamSet } from "./params.js";
import {
  compileTemplateString,
  renderTemplateString,
  type StringRenderer,
  type TemplateMode,
} from "./template-engine.js";
import { parseYaml11 } from "./yaml11.js";

/** The finalizer Argo CD adds so that deleting an Application deletes its resources. */
export const resourcesFinalizer = "resources-finalizer.argocd.argoproj.io";

/** A JSON value prepared for rendering in one mode: renders it with a param set. */
export type ValueRenderer = (params: ParamSet) => JsonValue;

/**
 * Renders every string of a JSON value (map keys too) with one param set, as Argo CD's
 * `deeplyReplace` does. Entries whose value is null are dropped, as upstream drops nil map values.
 * @throws Error from the template engine
 */
export function renderDeep(value: JsonValue, params: ParamSet, mode: TemplateMode): JsonValue {
  return compileTemplateValue(value, mode)(params);
}

/**
 * Prepares a JSON value once for rendering with many param sets (see renderDeep): the walk over
 * the value, the choice of which strings are templates and each template's compilation happen
 * here, so a render only builds the output. Every render returns a new tree (no part of it is
 * shared with the value or another render), so callers may change what they get.
 */
export function compileTemplateValue(value: JsonValue, mode: TemplateMode): ValueRenderer {
  if (typeof value === "string") {
    if (!value.includes("{{")) return () => value;
    return compileTemplateString(value, mode);
  }
  if (Array.isArray(value)) {
    const items = value.map((item) => compileTemplateValue(item, mode));
    return (params) => items.map((item) => item(params));
  }
  if (!isObject(value)) return () => value;
  const entries: { key: string; renderKey: StringRenderer | undefined; render: ValueRenderer }[] =
    [];
  // for-in: decoded JSON objects have no inherited enumerable keys, and it allocates no entries.
  for (const key in value) {
    const child = value[key];
    if (child === null || child === undefined) continue;
    entries.push({
      key,
      renderKey: key.includes("{{") ? compileTemplateString(key, mode) : undefined,
      render: compileTemplateValue(child, mode),
    });
  }
  return (params) => {
    const out: JsonObject = {};
    // The key renders before its value, as in upstream's walk (the first error wins).
    for (const { key, renderKey, render } of entries)
      out[renderKey === undefined ? key : renderKey(params)] = render(params);
    return out;
  };
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
  return compileApplication(template, settings)(params);
}

/**
 * Prepares an ApplicationSet template once for rendering many Applications (see
 * renderApplication, which it returns the result of for each param set). Each returned
 * Application is a new object.
 */
export function compileApplication(
  template: JsonObject,
  settings: RenderSettings,
): (params: ParamSet | null) => JsonObject {
  const source = templateToApplication(template, settings.namespace);
  const render = compileTemplateValue(source, settings.mode);
  return (params) => {
    const empty = params === null || isEmptyObject(params);
    let app = empty ? structuredClone(source) : (render(params) as JsonObject);
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
  };
}

function isEmptyObject(object: JsonObject): boolean {
  for (const key in object) if (Object.hasOwn(object, key)) return false;
  return true;
}

/**
 * Sets the namespace and orders metadata as ObjectMeta serializes (name, namespace, labels, ...).
 * Changes `app`, which is always a new object here.
 */
function withNamespace(app: JsonObject, namespace: string): JsonObject {
  const metadata = isObject(app.metadata) ? app.metadata : {};
  // Rendered from a template with a name, metadata is in this order already: no new object.
  if (inObjectMetaOrder(metadata)) {
    metadata.namespace = namespace;
    return app;
  }
  const ordered: JsonObject = { name: metadata.name ?? "", namespace };
  let finalizers: JsonValue | undefined;
  for (const key in metadata) {
    if (key === "name" || key === "namespace") continue;
    const value = metadata[key];
    if (value === undefined) continue;
    if (key === "finalizers") finalizers = value;
    else ordered[key] = value;
  }
  if (finalizers !== undefined) ordered.finalizers = finalizers;
  app.metadata = ordered;
  return app;
}

/** True when metadata's keys are name, namespace, then others, with finalizers (if any) last. */
function inObjectMetaOrder(metadata: JsonObject): boolean {
  let index = 0;
  let previous = "";
  for (const key in metadata) {
    if (
      (index === 0 && key !== "name") ||
      (index === 1 && key !== "namespace") ||
      previous === "finalizers"
    )
      return false;
    previous = key;
    index++;
  }
  return index >= 2;
}

const metadataFields = ["name", "namespace", "labels", "annotations", "finalizers"] as const;

/**
 * The template's metadata fields and spec as an Application, sharing the template's values (the
 * caller copies or renders them before changing anything). A template without a namespace gets
 * `namespace` (which is forced on every Application anyway) in its place, so rendered metadata
 * comes out in ObjectMeta's order.
 */
function templateToApplication(template: JsonObject, namespace: string): JsonObject {
  const metadata: JsonObject = {};
  const source = isObject(template.metadata) ? template.metadata : {};
  for (const field of metadataFields) {
    const value = source[field];
    if (value !== undefined && value !== null) metadata[field] = value;
    else if (field === "namespace") metadata.namespace = namespace;
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

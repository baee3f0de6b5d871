import { isObject, type JsonObject } from "./json.js";
import type { TemplateMode } from "./template-engine.js";

/** An ApplicationSet read and checked: the fields generation uses, plus the whole object. */
export interface ApplicationSet {
  readonly name: string;
  readonly namespace: string;
  readonly generators: readonly JsonObject[];
  readonly template: JsonObject;
  readonly templatePatch: string | undefined;
  readonly mode: TemplateMode;
  readonly preserveResourcesOnDeletion: boolean;
  /** `spec.syncPolicy.applicationsSync` (`""` when unset). */
  readonly applicationsSync: string;
  readonly object: JsonObject;
}

/** Raised for an ApplicationSet that cannot be read; `field` is the path of the bad field. */
export class ApplicationSetError extends Error {
  readonly field: string;

  constructor(message: string, field: string) {
    super(message);
    this.name = "ApplicationSetError";
    this.field = field;
  }
}

const applicationsSyncPolicies = new Set([
  "",
  "create-only",
  "create-update",
  "create-delete",
  "sync",
]);
const missingKeyOptions = new Set([
  "missingkey=default",
  "missingkey=invalid",
  "missingkey=zero",
  "missingkey=error",
]);

/**
 * Checks an ApplicationSet object (as decoded from YAML or JSON) and returns the fields generation
 * uses. `metadata.namespace` defaults to `defaultNamespace` (Argo CD's namespace).
 * @throws ApplicationSetError naming the field (`spec.generators[1]: must be an object`)
 */
export function readApplicationSet(object: unknown, defaultNamespace = "argocd"): ApplicationSet {
  if (!isObject(object)) throw new ApplicationSetError("must be an object", "");
  if (object.kind !== "ApplicationSet")
    throw new ApplicationSetError(
      `kind is ${JSON.stringify(object.kind ?? null)}, not "ApplicationSet"`,
      "kind",
    );
  const metadata = object.metadata;
  if (!isObject(metadata)) throw new ApplicationSetError("missing", "metadata");
  const name = metadata.name;
  if (typeof name !== "string" || name === "")
    throw new ApplicationSetError("must be a non-empty string", "metadata.name");
  const namespace =
    typeof metadata.namespace === "string" && metadata.namespace !== ""
      ? metadata.namespace
      : defaultNamespace;
  const spec = object.spec;
  if (!isObject(spec)) throw new ApplicationSetError("missing", "spec");
  const generators = spec.generators;
  if (!Array.isArray(generators))
    throw new ApplicationSetError("must be a list", "spec.generators");
  generators.forEach((entry, index) => {
    if (!isObject(entry))
      throw new ApplicationSetError("must be an object", `spec.generators[${index}]`);
  });
  const template = spec.template ?? {};
  if (!isObject(template)) throw new ApplicationSetError("must be an object", "spec.template");
  checkTemplate(template);
  const templatePatch = spec.templatePatch;
  if (templatePatch !== undefined && templatePatch !== null && typeof templatePatch !== "string") {
    throw new ApplicationSetError("must be a string", "spec.templatePatch");
  }
  const mode = readMode(spec);
  const syncPolicy = spec.syncPolicy ?? {};
  if (!isObject(syncPolicy)) throw new ApplicationSetError("must be an object", "spec.syncPolicy");
  const applicationsSync = syncPolicy.applicationsSync ?? "";
  if (typeof applicationsSync !== "string" || !applicationsSyncPolicies.has(applicationsSync)) {
    throw new ApplicationSetError(
      "must be one of create-only, create-update, create-delete, sync",
      "spec.syncPolicy.applicationsSync",
    );
  }
  return {
    name,
    namespace,
    generators: generators as JsonObject[],
    template,
    templatePatch: typeof templatePatch === "string" ? templatePatch : undefined,
    mode,
    preserveResourcesOnDeletion: syncPolicy.preserveResourcesOnDeletion === true,
    applicationsSync,
    object,
  };
}

function readMode(spec: JsonObject): TemplateMode {
  const goTemplate = spec.goTemplate ?? false;
  if (typeof goTemplate !== "boolean")
    throw new ApplicationSetError("must be true or false", "spec.goTemplate");
  const options = spec.goTemplateOptions ?? [];
  if (!Array.isArray(options))
    throw new ApplicationSetError("must be a list of strings", "spec.goTemplateOptions");
  const strings = options.map((option, index) => {
    if (typeof option !== "string" || !missingKeyOptions.has(option)) {
      throw new ApplicationSetError(
        `unrecognized option: ${JSON.stringify(option)}`,
        `spec.goTemplateOptions[${index}]`,
      );
    }
    return option;
  });
  return { goTemplate, goTemplateOptions: strings };
}

function checkTemplate(template: JsonObject): void {
  const metadata = template.metadata ?? {};
  if (!isObject(metadata))
    throw new ApplicationSetError("must be an object", "spec.template.metadata");
  for (const key of ["name", "namespace"]) {
    const value = metadata[key];
    if (value !== undefined && value !== null && typeof value !== "string") {
      throw new ApplicationSetError("must be a string", `spec.template.metadata.${key}`);
    }
  }
  for (const key of ["labels", "annotations"]) {
    const value = metadata[key];
    if (value === undefined || value === null) continue;
    if (!isObject(value) || !Object.values(value).every((v) => typeof v === "string")) {
      throw new ApplicationSetError("must be a map of strings", `spec.template.metadata.${key}`);
    }
  }
  const finalizers = metadata.finalizers;
  if (
    finalizers !== undefined &&
    finalizers !== null &&
    (!Array.isArray(finalizers) || !finalizers.every((f) => typeof f === "string"))
  ) {
    throw new ApplicationSetError("must be a list of strings", "spec.template.metadata.finalizers");
  }
  const spec = template.spec ?? {};
  if (!isObject(spec)) throw new ApplicationSetError("must be an object", "spec.template.spec");
}

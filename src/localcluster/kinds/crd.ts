import { structuralErrors } from "../crd-schema.js";
import { defineResource } from "../define-resource.js";
import { arrayAt, ensureObject, isObject, objectAt, stringAt } from "../json.js";
import type { JsonObject } from "../json.js";
import { nameOf } from "../object-meta.js";
import type { ResourceType } from "../resource-type.js";
import { fieldError } from "../status.js";
import type { FieldError } from "../status.js";
import { dns1123LabelErrors, dns1123SubdomainErrors } from "../validation.js";

/** The finalizer that holds a deleted CRD until its instances are gone. */
export const crdCleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io";

/** The served and storage versions of a CRD. */
export function crdVersions(crd: JsonObject): JsonObject[] {
  return (arrayAt(objectAt(crd, "spec"), "versions") ?? []).filter(isObject);
}

function defaultCrd(obj: JsonObject): void {
  const spec = ensureObject(obj, "spec");
  const names = ensureObject(spec, "names");
  const kind = stringAt(names, "kind") ?? "";
  if (typeof names.singular !== "string" || names.singular === "")
    names.singular = kind.toLowerCase();
  if (typeof names.listKind !== "string" || names.listKind === "") names.listKind = `${kind}List`;
  if (!isObject(spec.conversion)) spec.conversion = { strategy: "None" };
  for (const version of crdVersions(obj)) {
    for (const column of arrayAt(version, "additionalPrinterColumns") ?? []) {
      if (isObject(column) && column.priority === undefined) column.priority = 0;
    }
  }
}

function validateNames(names: JsonObject | undefined, errors: FieldError[]): void {
  for (const key of ["plural", "kind"]) {
    const value = stringAt(names, key) ?? "";
    if (value === "") errors.push(fieldError.required(`spec.names.${key}`));
  }
  const plural = stringAt(names, "plural") ?? "";
  if (plural !== "") {
    for (const problem of dns1123LabelErrors(plural))
      errors.push(fieldError.invalid("spec.names.plural", plural, problem));
  }
}

function validateVersions(spec: JsonObject | undefined, errors: FieldError[]): void {
  const versions = (arrayAt(spec, "versions") ?? []).filter(isObject);
  if (versions.length === 0) {
    errors.push(
      fieldError.invalid(
        "spec.versions",
        [],
        "must have exactly one version marked as storage version",
      ),
    );
    return;
  }
  if (versions.filter((v) => v.storage === true).length !== 1) {
    errors.push(
      fieldError.invalid(
        "spec.versions",
        versions.map((v) => v.name ?? ""),
        "must have exactly one version marked as storage version",
      ),
    );
  }
  versions.forEach((version, i) => {
    const name = stringAt(version, "name") ?? "";
    if (name === "") errors.push(fieldError.required(`spec.versions[${i}].name`));
    errors.push(
      ...structuralErrors(
        objectAt(version, "schema")?.openAPIV3Schema,
        `spec.versions[${i}].schema.openAPIV3Schema`,
      ),
    );
  });
}

function validateCrd(obj: JsonObject, old: JsonObject | undefined): FieldError[] {
  const errors: FieldError[] = [];
  const spec = objectAt(obj, "spec");
  const group = stringAt(spec, "group") ?? "";
  const names = objectAt(spec, "names");
  const plural = stringAt(names, "plural") ?? "";
  if (nameOf(obj) !== `${plural}.${group}`) {
    errors.push(
      fieldError.invalid("metadata.name", nameOf(obj), 'must be spec.names.plural+"."+spec.group'),
    );
  }
  if (group === "") errors.push(fieldError.required("spec.group"));
  else if (!group.includes("."))
    errors.push(
      fieldError.invalid("spec.group", group, "should be a domain with at least one dot"),
    );
  else
    for (const problem of dns1123SubdomainErrors(group))
      errors.push(fieldError.invalid("spec.group", group, problem));
  const scope = stringAt(spec, "scope") ?? "";
  if (scope !== "Namespaced" && scope !== "Cluster")
    errors.push(fieldError.notSupported("spec.scope", scope, ["Cluster", "Namespaced"]));
  validateNames(names, errors);
  validateVersions(spec, errors);
  if (old !== undefined) {
    const oldSpec = objectAt(old, "spec");
    if (stringAt(oldSpec, "group") !== group)
      errors.push(fieldError.invalid("spec.group", group, "field is immutable"));
    if (stringAt(oldSpec, "scope") !== scope)
      errors.push(fieldError.invalid("spec.scope", scope, "field is immutable"));
  }
  return errors;
}

/** apiextensions.k8s.io/v1 customresourcedefinitions. */
export const customResourceDefinitions: ResourceType = defineResource({
  group: "apiextensions.k8s.io",
  version: "v1",
  resource: "customresourcedefinitions",
  kind: "CustomResourceDefinition",
  namespaced: false,
  shortNames: ["crd", "crds"],
  categories: ["api-extensions"],
  subresources: ["status"],
  hasGeneration: true,
  statusSubresource: true,
  unconditionalUpdate: false,
  patchTypes: [
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/apply-patch+yaml",
  ],
  nameRule: "none",
  deletionFinalizers: [crdCleanupFinalizer],
  prepareCreate(obj) {
    defaultCrd(obj);
    const storage = crdVersions(obj).find((v) => v.storage === true);
    obj.status = {
      conditions: [],
      acceptedNames: { plural: "", kind: "" },
      storedVersions: storage === undefined ? [] : [stringAt(storage, "name") ?? ""],
    };
  },
  prepareUpdate(obj, _old, ctx) {
    if (ctx.subresource === "") defaultCrd(obj);
    const storage = stringAt(
      crdVersions(obj).find((v) => v.storage === true),
      "name",
    );
    const status = objectAt(obj, "status");
    const stored = (arrayAt(status, "storedVersions") ?? []).filter(
      (v): v is string => typeof v === "string",
    );
    if (status !== undefined && storage !== undefined && !stored.includes(storage))
      status.storedVersions = [...stored, storage];
  },
  validate: validateCrd,
});

import {
  applySchemaDefaults,
  crdFieldSchema,
  pruneUnknown,
  validateAgainstSchema,
} from "./crd-schema.js";
import type { SchemaNode } from "./crd-schema.js";
import { defineResource } from "./define-resource.js";
import { evaluateJsonPath } from "./jsonpath.js";
import { arrayAt, isObject, objectAt, scalarText, stringAt } from "./json.js";
import type { JsonObject } from "./json.js";
import { crdVersions } from "./kinds/crd.js";
import { allVerbs, customPatchTypes } from "./resource-type.js";
import type { ResourceType } from "./resource-type.js";
import { printerColumnsTable } from "./tables.js";
import type { PrinterColumn } from "./tables.js";

/** Verbs of a custom resource whose CRD is being deleted: no creates or updates. */
const terminatingVerbs = ["delete", "deletecollection", "get", "list", "watch"];

function printerColumns(version: JsonObject): PrinterColumn[] {
  return (arrayAt(version, "additionalPrinterColumns") ?? []).filter(isObject).map((c) => ({
    name: stringAt(c, "name") ?? "",
    type: stringAt(c, "type") ?? "string",
    format: stringAt(c, "format") ?? "",
    description: stringAt(c, "description") ?? "",
    priority: typeof c.priority === "number" ? c.priority : 0,
    jsonPath: stringAt(c, "jsonPath") ?? "",
  }));
}

function selectableFields(version: JsonObject): Record<string, (obj: JsonObject) => string> {
  const labels: Record<string, (obj: JsonObject) => string> = {};
  for (const entry of (arrayAt(version, "selectableFields") ?? []).filter(isObject)) {
    const path = stringAt(entry, "jsonPath") ?? "";
    if (path === "") continue;
    labels[path.replace(/^\./, "")] = (obj) => scalarText(evaluateJsonPath(obj, path)[0]);
  }
  return labels;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/**
 * The resources an Established CRD serves: one per served version, sharing the storage of the
 * storage version, with the version's schema (pruning, defaults, validation), printer columns,
 * status/scale subresources and selectable fields.
 */
export function customResourceTypes(crd: JsonObject, terminating: boolean): ResourceType[] {
  const spec = objectAt(crd, "spec") ?? {};
  const names = objectAt(spec, "names") ?? {};
  const group = stringAt(spec, "group") ?? "";
  const plural = stringAt(names, "plural") ?? "";
  const kind = stringAt(names, "kind") ?? "";
  const versions = crdVersions(crd);
  const storageVersion =
    stringAt(
      versions.find((v) => v.storage === true),
      "name",
    ) ?? "";
  return versions
    .filter((v) => v.served === true)
    .map((version) => {
      const schema: SchemaNode = objectAt(objectAt(version, "schema"), "openAPIV3Schema") ?? {
        type: "object",
      };
      const subresources = objectAt(version, "subresources");
      const status = isObject(subresources?.status);
      const scale = isObject(subresources?.scale);
      return defineResource({
        group,
        version: stringAt(version, "name") ?? "",
        resource: plural,
        kind,
        listKind: stringAt(names, "listKind") ?? `${kind}List`,
        singular: stringAt(names, "singular") ?? kind.toLowerCase(),
        namespaced: stringAt(spec, "scope") !== "Cluster",
        shortNames: strings(names.shortNames),
        categories: strings(names.categories),
        verbs: terminating ? terminatingVerbs : allVerbs,
        subresources: [...(scale ? ["scale"] : []), ...(status ? ["status"] : [])],
        storageKey: `${group}/${plural}`,
        storageApiVersion: `${group}/${storageVersion}`,
        hasGeneration: true,
        statusSubresource: status,
        unconditionalUpdate: false,
        patchTypes: customPatchTypes,
        schema: crdFieldSchema(schema),
        table: printerColumnsTable(printerColumns(version)),
        terminating,
        fieldLabels: selectableFields(version),
        prune: (obj) => pruneUnknown(obj, schema),
        applyDefaults: (obj) => {
          applySchemaDefaults(obj, schema);
        },
        validate: (obj) => validateAgainstSchema(obj, schema),
      });
    });
}

import { builtinSchema } from "./builtin-schema.js";
import { allVerbs, apiVersionOf, builtinPatchTypes } from "./resource-type.js";
import type { ResourceType } from "./resource-type.js";
import { defaultTable } from "./tables.js";

type Required = "group" | "version" | "resource" | "kind" | "namespaced";

/** The fields of a ResourceType that have obvious defaults, made optional. */
export type ResourceDefinition = Pick<ResourceType, Required> &
  Partial<Omit<ResourceType, Required>>;

/**
 * Fills a resource definition with the defaults of a built-in kind: plural storage under
 * `group/resource`, all verbs, built-in merge semantics, the default printer, subdomain names.
 */
export function defineResource(definition: ResourceDefinition): ResourceType {
  return {
    listKind: `${definition.kind}List`,
    singular: definition.kind.toLowerCase(),
    shortNames: [],
    categories: [],
    verbs: allVerbs,
    subresources: [],
    storageKey: `${definition.group}/${definition.resource}`,
    hasGeneration: false,
    statusSubresource: false,
    returnsDeletedObject: false,
    unconditionalUpdate: true,
    patchTypes: builtinPatchTypes,
    nameRule: "subdomain",
    schema: builtinSchema(definition.kind),
    table: defaultTable,
    storageApiVersion: apiVersionOf(definition),
    ...definition,
  };
}

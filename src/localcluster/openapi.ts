import { createHash } from "node:crypto";
import type { JsonObject } from "./json.js";
import type { ResourceType } from "./resource-type.js";

/** `api/v1` or `apis/GROUP/VERSION`: the key of one document in the OpenAPI v3 root. */
export function groupVersionPath(type: { group: string; version: string }): string {
  return type.group === "" ? `api/${type.version}` : `apis/${type.group}/${type.version}`;
}

function itemPath(type: ResourceType): string {
  const base = `/${groupVersionPath(type)}`;
  return type.namespaced
    ? `${base}/namespaces/{namespace}/${type.resource}/{name}`
    : `${base}/${type.resource}/{name}`;
}

const queryParameter = (name: string, type: string): JsonObject => ({
  name,
  in: "query",
  schema: { type },
});

function patchOperation(type: ResourceType): JsonObject {
  const content: JsonObject = {};
  for (const media of type.patchTypes) content[media] = { schema: { type: "object" } };
  const prefix = type.group === "" ? "Core" : (type.group.split(".")[0] ?? "");
  return {
    operationId: `patch${prefix}${type.version}${type.namespaced ? "Namespaced" : ""}${type.kind}`,
    "x-kubernetes-group-version-kind": {
      group: type.group,
      version: type.version,
      kind: type.kind,
    },
    "x-kubernetes-action": "patch",
    parameters: [
      queryParameter("fieldValidation", "string"),
      queryParameter("fieldManager", "string"),
      queryParameter("force", "boolean"),
      queryParameter("dryRun", "string"),
    ],
    requestBody: { content },
    responses: { "200": { description: "OK" } },
  };
}

/**
 * The OpenAPI v3 document of one group/version: no schemas, one PATCH operation per kind that
 * declares the `fieldValidation` parameter, which is all kubectl's validation looks for.
 */
export function openApiDocument(
  types: readonly ResourceType[],
  path: string,
): JsonObject | undefined {
  const served = types.filter((t) => groupVersionPath(t) === path && t.verbs.includes("patch"));
  if (served.length === 0) return undefined;
  const paths: JsonObject = {};
  for (const type of served) paths[itemPath(type)] = { patch: patchOperation(type) };
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: "v1.32.0" },
    paths,
    components: { schemas: {} },
  };
}

/** The OpenAPI v3 root: one entry per served group/version, with a hash of its document. */
export function openApiRoot(types: readonly ResourceType[]): JsonObject {
  const paths: JsonObject = {};
  const keys = [...new Set(types.map(groupVersionPath))].sort();
  for (const key of keys) {
    const document = openApiDocument(types, key);
    if (document === undefined) continue;
    const hash = createHash("sha512")
      .update(JSON.stringify(document))
      .digest("hex")
      .slice(0, 128)
      .toUpperCase();
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` };
  }
  return { paths };
}

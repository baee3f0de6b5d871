import { inClusterName, inClusterServer, type ClusterSecret } from "./cluster-secret.js";
import {
  appendTemplatedValues,
  GeneratorError,
  readValues,
  type GeneratorContext,
} from "./generator-context.js";
import { compareStrings, isObject, type JsonObject } from "./json.js";
import { normalizeName } from "./names.js";
import type { ParamSet } from "./params.js";
import { compileSelector } from "./selector.js";
import { markStringMap } from "./template-engine.js";

/**
 * The clusters generator (§3.4): one param set per cluster Secret matching `selector` (ANDed
 * with the secret-type label), Secrets keyed by their `name` (the last one of a name wins), then
 * the implicit in-cluster entry when the selector is empty and no selected Secret has the
 * in-cluster server. `flatList` wraps all sets into one `{clusters: [...]}`.
 * Secret-backed clusters come in Secret name order (upstream's order is unspecified).
 * @throws GeneratorError with Argo CD's texts (`error getting cluster secrets: ...`)
 */
export function clustersGenerator(
  spec: JsonObject,
  context: GeneratorContext,
  field: string,
): ParamSet[] {
  const selectorSpec = spec.selector ?? {};
  if (!isObject(selectorSpec))
    throw new GeneratorError(`${field}.selector must be an object`, `${field}.selector`);
  const ignoreLocal =
    Object.keys(isObject(selectorSpec.matchLabels) ? selectorSpec.matchLabels : {}).length > 0 ||
    (Array.isArray(selectorSpec.matchExpressions) && selectorSpec.matchExpressions.length > 0);
  let selector;
  try {
    selector = compileSelector(selectorSpec, "labels");
  } catch (error) {
    throw new GeneratorError(
      `error getting cluster secrets: error converting label selector: ${(error as Error).message}`,
      `${field}.selector`,
      { cause: error },
    );
  }
  const values = readValues(spec, field);
  const byName = new Map<string, ClusterSecret>();
  for (const secret of context.clusterSecrets) {
    if (
      secret.labels["argocd.argoproj.io/secret-type"] === "cluster" &&
      selector.matches(secret.labels)
    ) {
      byName.set(secret.data.name ?? "", secret);
    }
  }
  const params: ParamSet[] = [];
  const selected = [...byName.values()].sort((a, b) => compareStrings(a.secretName, b.secretName));
  for (const secret of selected) {
    const set = clusterParams(secret, context.mode.goTemplate);
    withValues(
      values,
      set,
      context,
      `${field}.values`,
      "error appending templated values for cluster",
    );
    params.push(set);
  }
  if (!ignoreLocal && !selected.some((secret) => secret.data.server === inClusterServer)) {
    const set: ParamSet = {
      name: inClusterName,
      nameNormalized: inClusterName,
      server: inClusterServer,
      project: "",
    };
    withValues(
      values,
      set,
      context,
      `${field}.values`,
      "error appending templated values for local cluster",
    );
    params.push(set);
  }
  return spec.flatList === true ? [{ clusters: params }] : params;
}

function withValues(
  values: Record<string, string> | undefined,
  set: ParamSet,
  context: GeneratorContext,
  field: string,
  prefix: string,
): void {
  try {
    appendTemplatedValues(values, set, context.mode);
  } catch (error) {
    throw new GeneratorError(`${prefix}: ${(error as Error).message}`, field, { cause: error });
  }
}

/** The params of one cluster Secret in either mode (§3.4 table). */
export function clusterParams(secret: ClusterSecret, goTemplate: boolean): ParamSet {
  const name = secret.data.name ?? "";
  const params: ParamSet = {
    name,
    nameNormalized: normalizeName(name),
    server: secret.data.server ?? "",
    project: secret.data.project ?? "",
  };
  if (goTemplate) {
    const metadata: JsonObject = {};
    if (Object.keys(secret.annotations).length > 0)
      metadata.annotations = markStringMap({ ...secret.annotations });
    if (Object.keys(secret.labels).length > 0)
      metadata.labels = markStringMap({ ...secret.labels });
    params.metadata = metadata;
  } else {
    for (const [key, value] of Object.entries(secret.annotations))
      params[`metadata.annotations.${key}`] = value;
    for (const [key, value] of Object.entries(secret.labels))
      params[`metadata.labels.${key}`] = value;
  }
  return params;
}

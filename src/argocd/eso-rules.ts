import { createHash } from "node:crypto";
import { ruleMatches, type IgnoreDifferencesRule } from "./ignore-differences.js";
import { isObject, type JsonObject } from "./json.js";

/**
 * ESO's field owner for the Secret of an ExternalSecret (external-secrets.md §3.2):
 * `externalsecrets.external-secrets.io/<name>`, or, when that is longer than 63 characters,
 * `externalsecrets.external-secrets.io/sha3/<hex sha3-224 of name>`.
 */
export function esoFieldOwner(externalSecretName: string): string {
  const plain = `externalsecrets.external-secrets.io/${externalSecretName}`;
  if (plain.length <= 63) return plain;
  return `externalsecrets.external-secrets.io/sha3/${createHash("sha3-224").update(externalSecretName).digest("hex")}`;
}

/** One drift rule ESO needs, with the reason in words. */
export interface EsoDriftRule {
  readonly rule: IgnoreDifferencesRule;
  readonly externalSecret: { readonly namespace: string; readonly name: string };
  readonly explanation: string;
}

/**
 * The ignoreDifferences rules an Application needs for the ExternalSecrets it delivers: for each
 * ExternalSecret (`external-secrets.io/*`), a rule on its target Secret (group "", kind Secret,
 * that name and namespace) trusting ESO's field owner for that ExternalSecret, so the values ESO
 * writes are not drift while every other change to the Secret still is. The same helper serves
 * `appset render` and the repository audit.
 * @param manifests the objects the Application's sources hold
 * @param defaultNamespace the Application's destination namespace, for objects without one
 */
export function esoDriftRules(
  manifests: readonly JsonObject[],
  defaultNamespace: string,
): EsoDriftRule[] {
  const rules: EsoDriftRule[] = [];
  for (const manifest of manifests) {
    if (manifest.kind !== "ExternalSecret" || typeof manifest.apiVersion !== "string") continue;
    if (!manifest.apiVersion.startsWith("external-secrets.io/")) continue;
    const metadata = isObject(manifest.metadata) ? manifest.metadata : {};
    const name = typeof metadata.name === "string" ? metadata.name : "";
    if (name === "") continue;
    const namespace =
      typeof metadata.namespace === "string" && metadata.namespace !== ""
        ? metadata.namespace
        : defaultNamespace;
    const spec = isObject(manifest.spec) ? manifest.spec : {};
    const target = isObject(spec.target) ? spec.target : {};
    const secretName = typeof target.name === "string" && target.name !== "" ? target.name : name;
    const owner = esoFieldOwner(name);
    rules.push({
      rule: {
        group: "",
        kind: "Secret",
        name: secretName,
        namespace,
        jsonPointers: [],
        jqPathExpressions: [],
        managedFieldsManagers: [owner],
      },
      externalSecret: { namespace, name },
      explanation:
        `ExternalSecret ${namespace}/${name} writes Secret ${namespace}/${secretName} as field manager "${owner}"; ` +
        "trusting that manager keeps each refresh from showing as OutOfSync, while changes made by anyone else still do",
    });
  }
  return rules;
}

/**
 * Whether existing rules already cover an ESO rule: some rule matching that Secret trusts the
 * same manager (or ignores its whole `/data`).
 */
export function esoRuleCovered(
  existing: readonly IgnoreDifferencesRule[],
  wanted: IgnoreDifferencesRule,
): boolean {
  const secret: JsonObject = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: wanted.name, namespace: wanted.namespace },
  };
  return existing.some(
    (rule) =>
      ruleMatches(rule, secret) &&
      (wanted.managedFieldsManagers.every((m) => rule.managedFieldsManagers.includes(m)) ||
        rule.jsonPointers.includes("/data")),
  );
}

/**
 * Adds to an Application the ESO drift rules its manifests need and existing rules do not cover
 * (`spec.ignoreDifferences`), and the sync option `RespectIgnoreDifferences=true` so that a sync
 * keeps the values ESO wrote instead of writing Git's placeholders back. Mutates `app`.
 * @returns one explanation per change, for `--explain`
 */
export function addEsoRulesToApplication(
  app: JsonObject,
  manifests: readonly JsonObject[],
  defaultNamespace: string,
): string[] {
  const spec: JsonObject = isObject(app.spec) ? app.spec : (app.spec = {});
  const existing = Array.isArray(spec.ignoreDifferences) ? spec.ignoreDifferences : [];
  const parsed = existing.filter(isObject).map((rule) => ({
    group: typeof rule.group === "string" ? rule.group : "",
    kind: typeof rule.kind === "string" ? rule.kind : "",
    name: typeof rule.name === "string" ? rule.name : "",
    namespace: typeof rule.namespace === "string" ? rule.namespace : "",
    jsonPointers: stringArray(rule.jsonPointers),
    jqPathExpressions: stringArray(rule.jqPathExpressions),
    managedFieldsManagers: stringArray(rule.managedFieldsManagers),
  }));
  const explanations: string[] = [];
  const added: JsonObject[] = [];
  for (const { rule, explanation } of esoDriftRules(manifests, defaultNamespace)) {
    if (esoRuleCovered(parsed, rule)) {
      explanations.push(`already covered: ${explanation}`);
      continue;
    }
    added.push({
      group: "",
      kind: "Secret",
      name: rule.name,
      namespace: rule.namespace,
      managedFieldsManagers: rule.managedFieldsManagers,
    });
    parsed.push(rule);
    explanations.push(`added ignoreDifferences rule: ${explanation}`);
  }
  if (added.length === 0) return explanations;
  spec.ignoreDifferences = [...existing, ...added];
  const syncPolicy: JsonObject = isObject(spec.syncPolicy)
    ? spec.syncPolicy
    : (spec.syncPolicy = {});
  const options = Array.isArray(syncPolicy.syncOptions) ? syncPolicy.syncOptions : [];
  if (!options.includes("RespectIgnoreDifferences=true")) {
    syncPolicy.syncOptions = [...options, "RespectIgnoreDifferences=true"];
    explanations.push(
      "added syncOptions RespectIgnoreDifferences=true: without it a sync (or self-heal) still writes Git's version of the ignored fields over ESO's values",
    );
  }
  return explanations;
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === "string")
    : [];
}

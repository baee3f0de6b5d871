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

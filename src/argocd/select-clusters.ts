import type { ClusterSecret } from "./cluster-secret.js";
import { compileSelector } from "./selector.js";

/**
 * Parses a kubectl-style label selector string (`env=production,tier in (a,b),!legacy,region`)
 * into a LabelSelector object. Supports `=`, `==`, `!=`, `in`, `notin`, `key` (exists), `!key`.
 * @throws Error naming the part that does not parse
 */
export function parseLabelSelector(text: string): {
  matchLabels: Record<string, string>;
  matchExpressions: { key: string; operator: string; values?: string[] }[];
} {
  const matchLabels: Record<string, string> = {};
  const matchExpressions: { key: string; operator: string; values?: string[] }[] = [];
  for (const part of splitTopLevel(text)) {
    const item = part.trim();
    if (item === "") continue;
    const set = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(item);
    if (set !== null) {
      const values = (set[3] ?? "")
        .split(",")
        .map((v) => v.trim())
        .filter((v) => v !== "");
      matchExpressions.push({
        key: set[1] ?? "",
        operator: set[2] === "in" ? "In" : "NotIn",
        values,
      });
      continue;
    }
    const notEqual = /^([^\s!=]+)\s*!=\s*(\S*)$/.exec(item);
    if (notEqual !== null) {
      matchExpressions.push({
        key: notEqual[1] ?? "",
        operator: "NotIn",
        values: [notEqual[2] ?? ""],
      });
      continue;
    }
    const equal = /^([^\s!=]+)\s*==?\s*(\S*)$/.exec(item);
    if (equal !== null) {
      matchLabels[equal[1] ?? ""] = equal[2] ?? "";
      continue;
    }
    const absent = /^!\s*([^\s!=]+)$/.exec(item);
    if (absent !== null) {
      matchExpressions.push({ key: absent[1] ?? "", operator: "DoesNotExist" });
      continue;
    }
    if (/^[^\s!=(),]+$/.test(item)) {
      matchExpressions.push({ key: item, operator: "Exists" });
      continue;
    }
    throw new Error(`cannot parse selector part ${JSON.stringify(item)}`);
  }
  return { matchLabels, matchExpressions };
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of text) {
    if (char === "(") depth++;
    if (char === ")") depth--;
    if (char === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += char;
  }
  parts.push(current);
  return parts;
}

/**
 * The cluster Secrets a selector picks, keyed by cluster name as the clusters generator keys them
 * (the last Secret of a name wins), sorted by name.
 * @param selector a selector string (`env=production`) or a LabelSelector object
 * @throws Error with Kubernetes' validation text for an invalid selector
 */
export function selectClusters(
  secrets: readonly ClusterSecret[],
  selector: string | object,
): ClusterSecret[] {
  const compiled = compileSelector(
    typeof selector === "string" ? parseLabelSelector(selector) : selector,
    "labels",
  );
  const byName = new Map<string, ClusterSecret>();
  for (const secret of secrets) {
    if (
      secret.labels["argocd.argoproj.io/secret-type"] === "cluster" &&
      compiled.matches(secret.labels)
    ) {
      byName.set(secret.data.name ?? "", secret);
    }
  }
  return [...byName.values()].sort((a, b) => ((a.data.name ?? "") < (b.data.name ?? "") ? -1 : 1));
}

import type { LabelSelector } from "./types.js";

/**
 * Whether `labels` match a Kubernetes LabelSelector (apimachinery semantics): every matchLabels
 * pair and every requirement must hold; an empty selector matches everything.
 */
export function matchesLabelSelector(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const set = labels ?? {};
  const has = (key: string): boolean => Object.hasOwn(set, key);
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!has(key) || set[key] !== value) return false;
  }
  for (const requirement of selector.matchExpressions ?? []) {
    const values = requirement.values ?? [];
    const present = has(requirement.key);
    const value = set[requirement.key] ?? "";
    switch (requirement.operator) {
      case "In":
        if (!present || !values.includes(value)) return false;
        break;
      case "NotIn":
        if (present && values.includes(value)) return false;
        break;
      case "Exists":
        if (!present) return false;
        break;
      case "DoesNotExist":
        if (present) return false;
        break;
    }
  }
  return true;
}

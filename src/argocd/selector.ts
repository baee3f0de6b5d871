import { isObject } from "./json.js";

/** A compiled label selector: `matches` takes a label set (string values). */
export interface Selector {
  matches(labels: Readonly<Record<string, string>>): boolean;
}

interface Requirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  values: readonly string[];
}

/**
 * How values are checked: `labels` is Kubernetes' LabelSelectorAsSelector (values must be valid
 * label values; the clusters generator uses it on Secret labels); `params` is Argo CD's copy used
 * by the generator post-selector, which leaves values unchecked so URLs can be matched.
 */
export type SelectorMode = "labels" | "params";

/**
 * Compiles a Kubernetes LabelSelector (`matchLabels`, `matchExpressions` with In, NotIn, Exists,
 * DoesNotExist). `{}` matches everything. Keys must be qualified names.
 * @throws Error with Kubernetes' validation text (`key: Invalid value: "a b": name part must ...`)
 */
export function compileSelector(selector: unknown, mode: SelectorMode): Selector {
  if (!isObject(selector)) throw new Error("selector must be an object");
  const requirements: Requirement[] = [];
  const matchLabels = selector.matchLabels ?? {};
  if (!isObject(matchLabels)) throw new Error("matchLabels must be a map of strings");
  for (const [key, value] of Object.entries(matchLabels)) {
    if (typeof value !== "string") throw new Error(`matchLabels[${key}] must be a string`);
    requirements.push(checked({ key, operator: "In", values: [value] }, mode, "equals"));
  }
  const expressions = selector.matchExpressions ?? [];
  if (!Array.isArray(expressions)) throw new Error("matchExpressions must be a list");
  expressions.forEach((expression, index) => {
    requirements.push(checked(readExpression(expression, index, mode), mode, "set"));
  });
  requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { matches: (labels) => requirements.every((r) => requirementMatches(r, labels)) };
}

function readExpression(expression: unknown, index: number, mode: SelectorMode): Requirement {
  const where = `matchExpressions[${index}]`;
  if (!isObject(expression)) throw new Error(`${where} must be an object`);
  const { key, operator, values = [] } = expression;
  if (typeof key !== "string") throw new Error(`${where}.key must be a string`);
  if (!Array.isArray(values) || !values.every((v) => typeof v === "string"))
    throw new Error(`${where}.values must be a list of strings`);
  if (
    operator !== "In" &&
    operator !== "NotIn" &&
    operator !== "Exists" &&
    operator !== "DoesNotExist"
  )
    throw new Error(
      `${JSON.stringify(operator ?? "")} is not a valid ${mode === "labels" ? "label" : "pod"} selector operator`,
    );
  return { key, operator, values: values };
}

function checked(
  requirement: Requirement,
  mode: SelectorMode,
  kind: "equals" | "set",
): Requirement {
  const errors: string[] = [];
  const keyErrors = qualifiedNameErrors(requirement.key);
  if (keyErrors.length > 0) errors.push(invalid("key", requirement.key, keyErrors.join("; ")));
  const { operator, values } = requirement;
  if (kind === "set" && (operator === "In" || operator === "NotIn") && values.length === 0) {
    errors.push(
      invalid("values", values, "for 'in', 'notin' operators, values set can't be empty"),
    );
  }
  if ((operator === "Exists" || operator === "DoesNotExist") && values.length !== 0) {
    errors.push(
      invalid("values", values, "values set must be empty for exists and does not exist"),
    );
  }
  if (mode === "labels") {
    values.forEach((value, index) => {
      const valueErrors = labelValueErrors(value);
      if (valueErrors.length > 0)
        errors.push(invalid(`values[${index}]`, value, valueErrors.join("; ")));
    });
  }
  if (errors.length === 1) throw new Error(errors[0]);
  if (errors.length > 1) throw new Error(`[${errors.join(", ")}]`);
  return requirement;
}

function requirementMatches(r: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, r.key);
  switch (r.operator) {
    case "In":
      return has && r.values.includes(labels[r.key] ?? "");
    case "NotIn":
      return !has || !r.values.includes(labels[r.key] ?? "");
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
  }
}

/** Kubernetes' field.Invalid text: `<path>: Invalid value: <value>: <detail>`. */
function invalid(path: string, value: string | readonly string[], detail: string): string {
  const shown =
    typeof value === "string"
      ? JSON.stringify(value)
      : `[]string{${value.map((v) => JSON.stringify(v)).join(", ")}}`;
  return `${path}: Invalid value: ${shown}: ${detail}`;
}

const qualifiedNameFormat = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const qualifiedName = new RegExp(`^${qualifiedNameFormat}$`);
const qualifiedNameMessage =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an " +
  `alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${qualifiedNameFormat}')`;
const subdomainFormat = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const subdomain = new RegExp(`^${subdomainFormat}$`);
const subdomainMessage =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', " +
  `and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '${subdomainFormat}')`;
const labelValueFormat = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const labelValue = new RegExp(`^${labelValueFormat}$`);

/** Kubernetes' IsQualifiedName messages for a label key (empty when valid). */
export function qualifiedNameErrors(key: string): string[] {
  const errors: string[] = [];
  const parts = key.split("/");
  if (parts.length > 2) {
    return [
      `a qualified name ${qualifiedNameMessage} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  const name = parts.at(-1) ?? "";
  if (parts.length === 2) {
    const prefix = parts[0] ?? "";
    if (prefix === "") errors.push("prefix part must be non-empty");
    else {
      if (prefix.length > 253) errors.push("prefix part must be no more than 253 characters");
      if (!subdomain.test(prefix)) errors.push(`prefix part ${subdomainMessage}`);
    }
  }
  if (name === "") errors.push("name part must be non-empty");
  else if (name.length > 63) errors.push("name part must be no more than 63 characters");
  if (!qualifiedName.test(name)) errors.push(`name part ${qualifiedNameMessage}`);
  return errors;
}

function labelValueErrors(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 63) errors.push("must be no more than 63 characters");
  if (!labelValue.test(value)) {
    errors.push(
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', " +
        `and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '${labelValueFormat}')`,
    );
  }
  return errors;
}

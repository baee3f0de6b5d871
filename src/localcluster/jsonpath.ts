import { isObject } from "./json.js";
import type { Json } from "./json.js";

type Step =
  | { kind: "field"; name: string }
  | { kind: "index"; index: number }
  | { kind: "wildcard" }
  | { kind: "filter"; path: readonly string[]; op: "==" | "!="; value: Json | undefined };

/**
 * Evaluates the JSONPath subset CRD printer columns use (`.status.phase`, `.items[0]`,
 * `.spec.list[*].name`, `.status.conditions[?(@.type=="Ready")].status`, `['a.b']`) and returns
 * every match. Curly braces around the expression are accepted.
 * @throws Error when the expression cannot be parsed
 */
export function evaluateJsonPath(root: Json, expression: string): Json[] {
  let values: Json[] = [root];
  for (const step of parseJsonPath(expression)) {
    values = values.flatMap((value) => applyStep(value, step));
  }
  return values;
}

function applyStep(value: Json, step: Step): Json[] {
  switch (step.kind) {
    case "field": {
      if (!isObject(value)) return [];
      const child = value[step.name];
      return child === undefined ? [] : [child];
    }
    case "index": {
      if (!Array.isArray(value)) return [];
      const child = value.at(step.index);
      return child === undefined ? [] : [child];
    }
    case "wildcard":
      if (Array.isArray(value)) return value;
      return isObject(value) ? Object.values(value) : [];
    case "filter": {
      if (!Array.isArray(value)) return [];
      return value.filter((item) => {
        const found = step.path.reduce<Json | undefined>(
          (current, name) => (isObject(current) ? current[name] : undefined),
          item,
        );
        const equal = found !== undefined && found === step.value;
        return step.op === "==" ? equal : !equal;
      });
    }
  }
}

/** Splits a JSONPath expression into steps. */
export function parseJsonPath(expression: string): Step[] {
  let text = expression.trim();
  if (text.startsWith("{") && text.endsWith("}")) text = text.slice(1, -1).trim();
  if (text.startsWith("$")) text = text.slice(1);
  const steps: Step[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === ".") {
      const match = /^\.([^.[\]]*)/.exec(text.slice(i));
      const name = match?.[1] ?? "";
      if (name === "*") steps.push({ kind: "wildcard" });
      else if (name !== "") steps.push({ kind: "field", name });
      i += 1 + name.length;
    } else if (ch === "[") {
      const end = findClosingBracket(text, i);
      steps.push(parseBracket(text.slice(i + 1, end).trim(), expression));
      i = end + 1;
    } else {
      throw new Error(`unrecognized character in jsonpath "${expression}" at ${i}`);
    }
  }
  return steps;
}

function findClosingBracket(text: string, start: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === "[") depth++;
    else if (ch === "]" && --depth === 0) return i;
  }
  throw new Error(`unclosed bracket in jsonpath "${text}"`);
}

function parseBracket(inner: string, expression: string): Step {
  if (inner === "*") return { kind: "wildcard" };
  if (/^-?\d+$/.test(inner)) return { kind: "index", index: Number(inner) };
  const quoted = /^'(.*)'$|^"(.*)"$/.exec(inner);
  if (quoted) return { kind: "field", name: quoted[1] ?? quoted[2] ?? "" };
  const filter = /^\?\(@((?:\.[^.=!\s]+)+)\s*(==|!=)\s*(.+)\)$/.exec(inner);
  if (filter) {
    const path = (filter[1] ?? "").split(".").filter((p) => p !== "");
    return {
      kind: "filter",
      path,
      op: filter[2] === "!=" ? "!=" : "==",
      value: parseLiteral(filter[3] ?? ""),
    };
  }
  throw new Error(`unsupported jsonpath element "[${inner}]" in "${expression}"`);
}

function parseLiteral(text: string): Json | undefined {
  const trimmed = text.trim();
  const quoted = /^'(.*)'$|^"(.*)"$/.exec(trimmed);
  if (quoted) return quoted[1] ?? quoted[2] ?? "";
  if (trimmed === "true") return true;
  if (trimmed === "false") return false;
  const number = Number(trimmed);
  return Number.isNaN(number) ? trimmed : number;
}

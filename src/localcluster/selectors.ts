import { badRequest } from "./status.js";

/** One requirement of a label selector. */
export interface LabelRequirement {
  key: string;
  operator: "=" | "!=" | "in" | "notin" | "exists" | "!" | ">" | "<";
  values: string[];
}

/** A parsed label selector: all requirements must hold. */
export type LabelSelector = readonly LabelRequirement[];

const tokenPattern = /\s*(\(|\)|,|==|=|!=|!|>|<|[^\s(),=!<>]+)/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  tokenPattern.lastIndex = 0;
  while (tokenPattern.lastIndex < text.length) {
    const start = tokenPattern.lastIndex;
    const match = tokenPattern.exec(text);
    if (match === null) {
      if (text.slice(start).trim() === "") break;
      throw badRequest(
        `unable to parse requirement: found '${text.slice(start)}', expected: identifier`,
      );
    }
    tokens.push(match[1] ?? "");
  }
  return tokens;
}

class Cursor {
  #tokens: string[];
  #at = 0;

  constructor(tokens: string[]) {
    this.#tokens = tokens;
  }

  isDone(): boolean {
    return this.#at >= this.#tokens.length;
  }

  peek(): string | undefined {
    return this.#tokens[this.#at];
  }

  next(what: string): string {
    const token = this.#tokens[this.#at++];
    if (token === undefined)
      throw badRequest(`unable to parse requirement: found '', expected: ${what}`);
    return token;
  }
}

const operators = new Set(["(", ")", ",", "=", "==", "!=", "!", ">", "<"]);

function identifier(token: string): string {
  if (operators.has(token)) {
    throw badRequest(`unable to parse requirement: found '${token}', expected: identifier`);
  }
  return token;
}

/**
 * Parses a label selector (`a=b,c!=d,e in (x,y),!f,g`).
 * @throws ApiError 400 when the text is not a selector
 */
export function parseLabelSelector(text: string): LabelSelector {
  const cursor = new Cursor(tokenize(text));
  const requirements: LabelRequirement[] = [];
  while (!cursor.isDone()) {
    requirements.push(parseRequirement(cursor));
    if (cursor.isDone()) break;
    const separator = cursor.next("','");
    if (separator !== ",") {
      throw badRequest(
        `unable to parse requirement: found '${separator}', expected: ',' or 'end of string'`,
      );
    }
    if (cursor.isDone())
      throw badRequest("unable to parse requirement: found '', expected: identifier after ','");
  }
  return requirements;
}

function parseRequirement(cursor: Cursor): LabelRequirement {
  const first = cursor.next("identifier");
  if (first === "!")
    return { key: identifier(cursor.next("identifier")), operator: "!", values: [] };
  const key = identifier(first);
  const operator = cursor.peek();
  if (operator === undefined || operator === ",") return { key, operator: "exists", values: [] };
  cursor.next("operator");
  switch (operator) {
    case "=":
    case "==":
    case "!=": {
      // An empty value is legal: `k=` followed by "," or the end.
      const value =
        cursor.peek() === undefined || cursor.peek() === ","
          ? ""
          : identifier(cursor.next("value"));
      return { key, operator: operator === "!=" ? "!=" : "=", values: [value] };
    }
    case ">":
    case "<": {
      const value = cursor.next("integer");
      if (!/^-?\d+$/.test(value)) {
        throw badRequest(
          "unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer",
        );
      }
      return { key, operator, values: [value] };
    }
    case "in":
    case "notin":
      return { key, operator, values: parseValueSet(cursor) };
    default:
      throw badRequest(
        `unable to parse requirement: found '${operator}', expected: in, notin, =, ==, !=, gt, lt`,
      );
  }
}

function parseValueSet(cursor: Cursor): string[] {
  const open = cursor.next("'('");
  if (open !== "(") throw badRequest(`unable to parse requirement: found '${open}', expected: '('`);
  const values: string[] = [];
  for (let i = 0; i < 10_000; i++) {
    const token = cursor.next("')'");
    if (token === ")") return values;
    if (token !== ",") values.push(identifier(token));
  }
  throw badRequest("unable to parse requirement: too many values");
}

/** True when `labels` satisfy every requirement. */
export function matchesLabels(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>>,
): boolean {
  return selector.every((requirement) => matchesRequirement(requirement, labels));
}

function matchesRequirement(
  r: LabelRequirement,
  labels: Readonly<Record<string, string>>,
): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = labels[r.key];
  switch (r.operator) {
    case "=":
      return has && value === r.values[0];
    case "!=":
      return !has || value !== r.values[0];
    case "in":
      return has && r.values.includes(value ?? "");
    case "notin":
      return !has || !r.values.includes(value ?? "");
    case "exists":
      return has;
    case "!":
      return !has;
    case ">":
    case "<": {
      if (!has || !/^-?\d+$/.test(value ?? "")) return false;
      const n = Number(value);
      const bound = Number(r.values[0]);
      return r.operator === ">" ? n > bound : n < bound;
    }
  }
}

/** One term of a field selector. */
export interface FieldRequirement {
  field: string;
  operator: "=" | "!=";
  value: string;
}

/**
 * Parses a field selector (`metadata.name=x,type!=Opaque`), honouring `\,` `\=` `\\` escapes.
 * @throws ApiError 400 when a term has no operator
 */
export function parseFieldSelector(text: string): FieldRequirement[] {
  const requirements: FieldRequirement[] = [];
  let field = "";
  let value = "";
  let operator: FieldRequirement["operator"] | undefined;
  const finish = (): void => {
    if (operator === undefined) {
      if (field.trim() !== "")
        throw badRequest(`invalid selector: '${text}'; can't understand '${field}'`);
    } else requirements.push({ field: field.trim(), operator, value });
    field = "";
    value = "";
    operator = undefined;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? "";
    if (ch === "\\" && i + 1 < text.length) {
      const escaped = text[++i] ?? "";
      if (operator === undefined) field += escaped;
      else value += escaped;
    } else if (ch === ",") finish();
    else if (operator === undefined && (ch === "=" || (ch === "!" && text[i + 1] === "="))) {
      operator = ch === "!" ? "!=" : "=";
      if (ch === "!" || text[i + 1] === "=") i++;
    } else if (operator === undefined) field += ch;
    else value += ch;
  }
  finish();
  return requirements;
}

/** True when every term holds for `read(field)`. */
export function matchesFields(
  requirements: readonly FieldRequirement[],
  read: (field: string) => string,
): boolean {
  return requirements.every((r) => (read(r.field) === r.value) === (r.operator === "="));
}

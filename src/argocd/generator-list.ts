import { GeneratorError, type GeneratorContext } from "./generator-context.js";
import { isObject, type JsonObject, type JsonValue } from "./json.js";
import type { ParamSet } from "./params.js";
import { parseYaml11 } from "./yaml11.js";

/**
 * The list generator (§3.3): one param set per element. fasttemplate requires string values
 * (and a `values` object of strings, flattened to `values.<k>`); goTemplate keeps elements as
 * they are. `elementsYaml` elements follow, never flattened. An element `{}` in fasttemplate mode
 * yields a null param set (rendered as the untouched template).
 * @throws GeneratorError with Argo CD's texts
 */
export function listGenerator(
  spec: JsonObject,
  context: GeneratorContext,
  field: string,
): (ParamSet | null)[] {
  const elements = spec.elements ?? [];
  if (!Array.isArray(elements))
    throw new GeneratorError(`${field}.elements must be a list`, `${field}.elements`);
  const result: (ParamSet | null)[] = elements.map((element, index) =>
    listElement(element, context, `${field}.elements[${index}]`),
  );
  const yamlText = spec.elementsYaml;
  if (typeof yamlText === "string" && yamlText !== "") {
    result.push(...parseElementsYaml(yamlText, `${field}.elementsYaml`));
  } else if (yamlText !== undefined && yamlText !== null && typeof yamlText !== "string") {
    throw new GeneratorError(`${field}.elementsYaml must be a string`, `${field}.elementsYaml`);
  }
  return result;
}

function listElement(
  element: JsonValue,
  context: GeneratorContext,
  field: string,
): ParamSet | null {
  if (!isObject(element)) {
    throw new GeneratorError(
      `error unmarshling list element json: cannot unmarshal ${jsonKind(element)} into Go value of type map[string]interface {}`,
      field,
    );
  }
  if (context.mode.goTemplate) return element;
  const entries = Object.entries(element);
  if (entries.length === 0) return null;
  const params: ParamSet = {};
  for (const [key, value] of entries) {
    if (key === "values") {
      if (!isObject(value)) throw new GeneratorError("error parsing values map", `${field}.values`);
      for (const [valueKey, item] of Object.entries(value)) {
        if (typeof item !== "string") {
          throw new GeneratorError(
            "error parsing value as string %!w(<nil>)",
            `${field}.values.${valueKey}`,
          );
        }
        params[`values.${valueKey}`] = item;
      }
    } else {
      if (typeof value !== "string") {
        throw new GeneratorError("error parsing value as string %!w(<nil>)", `${field}.${key}`);
      }
      params[key] = value;
    }
  }
  return params;
}

function parseElementsYaml(text: string, field: string): ParamSet[] {
  let parsed: JsonValue;
  try {
    parsed = parseYaml11(text);
  } catch (error) {
    throw new GeneratorError(
      `error unmarshling decoded ElementsYaml ${(error as Error).message}`,
      field,
      {
        cause: error,
      },
    );
  }
  if (parsed === null) return [];
  if (!Array.isArray(parsed) || !parsed.every(isObject)) {
    throw new GeneratorError(
      "error unmarshling decoded ElementsYaml error unmarshaling JSON: while decoding JSON: json: cannot unmarshal " +
        `${Array.isArray(parsed) ? "non-object element" : jsonKind(parsed)} into Go value of type []map[string]interface {}`,
      field,
    );
  }
  return parsed;
}

/** The JSON kind name Go's decoder uses in its messages. */
export function jsonKind(value: JsonValue): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "object") return "object";
  return typeof value;
}

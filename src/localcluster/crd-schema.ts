import { arrayAt, clone, deepEqual, deleteKey, isObject, objectAt, stringAt } from "./json.js";
import type { Json, JsonObject } from "./json.js";
import type { FieldSchema, ListType } from "./resource-type.js";
import { fieldError } from "./status.js";
import type { FieldError } from "./status.js";

/** A node of an OpenAPI v3 structural schema (`openAPIV3Schema`). */
export type SchemaNode = JsonObject;

const preserveUnknown = "x-kubernetes-preserve-unknown-fields";
const intOrString = "x-kubernetes-int-or-string";

/** Fields ObjectMeta has; everything else under a custom resource's metadata is pruned. */
const objectMetaFields = new Set([
  "name",
  "generateName",
  "namespace",
  "selfLink",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "labels",
  "annotations",
  "ownerReferences",
  "finalizers",
  "managedFields",
]);

function properties(node: SchemaNode | undefined): JsonObject | undefined {
  return objectAt(node, "properties");
}

function child(node: SchemaNode | undefined, key: string): SchemaNode | undefined {
  const declared = objectAt(properties(node), key);
  if (declared !== undefined) return declared;
  return objectAt(node, "additionalProperties");
}

/** The schema node at a field path (list items are stepped through). */
export function schemaAt(root: SchemaNode, path: readonly string[]): SchemaNode | undefined {
  let node: SchemaNode | undefined = root;
  for (const key of path) {
    while (node?.type === "array") node = objectAt(node, "items");
    node = child(node, key);
    if (node === undefined) return undefined;
  }
  return node;
}

/** Merge semantics from `x-kubernetes-list-type` / `-list-map-keys` / `-map-type`. */
export function crdFieldSchema(root: SchemaNode): FieldSchema {
  return {
    listType(path): ListType {
      const node = schemaAt(root, path);
      const listType = stringAt(node, "x-kubernetes-list-type");
      if (listType === "set") return { type: "set" };
      if (listType === "map") {
        const keys = (arrayAt(node, "x-kubernetes-list-map-keys") ?? []).filter(
          (k): k is string => typeof k === "string",
        );
        return { type: "map", keys };
      }
      return { type: "atomic" };
    },
    isMap(path) {
      if (path.length === 2 && path[0] === "metadata")
        return path[1] === "labels" || path[1] === "annotations";
      const node = schemaAt(root, path);
      return (
        node !== undefined && isObject(node.additionalProperties) && properties(node) === undefined
      );
    },
  };
}

/**
 * Removes fields the schema does not declare (outside `x-kubernetes-preserve-unknown-fields`),
 * as the apiserver prunes custom resources; `metadata` keeps only ObjectMeta's fields.
 * @returns the removed paths, dotted (`spec.foo`)
 */
export function pruneUnknown(obj: JsonObject, root: SchemaNode): string[] {
  const removed: string[] = [];
  for (const key of Object.keys(obj)) {
    if (key === "apiVersion" || key === "kind") continue;
    if (key === "metadata") {
      const meta = objectAt(obj, "metadata");
      for (const metaKey of Object.keys(meta ?? {})) {
        if (meta !== undefined && !objectMetaFields.has(metaKey)) {
          deleteKey(meta, metaKey);
          removed.push(`metadata.${metaKey}`);
        }
      }
      continue;
    }
    pruneField(obj, key, root, key, removed);
  }
  return removed;
}

function pruneField(
  parent: JsonObject,
  key: string,
  node: SchemaNode,
  path: string,
  removed: string[],
): void {
  const fieldNode = child(node, key);
  if (fieldNode === undefined) {
    if (node[preserveUnknown] !== true) {
      deleteKey(parent, key);
      removed.push(path);
    }
    return;
  }
  pruneValue(parent[key], fieldNode, path, removed);
}

function pruneValue(
  value: Json | undefined,
  node: SchemaNode,
  path: string,
  removed: string[],
): void {
  if (isObject(value)) {
    if (
      node[preserveUnknown] === true &&
      properties(node) === undefined &&
      !isObject(node.additionalProperties)
    )
      return;
    for (const key of Object.keys(value)) pruneField(value, key, node, `${path}.${key}`, removed);
  } else if (Array.isArray(value)) {
    const items = objectAt(node, "items");
    if (items !== undefined) {
      value.forEach((item, i) => {
        pruneValue(item, items, `${path}[${i}]`, removed);
      });
    }
  }
}

/** Fills `default`s for absent fields of present objects, recursively (apiserver defaulting). */
export function applySchemaDefaults(value: Json, node: SchemaNode): void {
  if (isObject(value)) {
    for (const [key, propertyNode] of Object.entries(properties(node) ?? {})) {
      if (!isObject(propertyNode)) continue;
      const current = value[key];
      if (
        (current === undefined || (current === null && propertyNode.nullable !== true)) &&
        propertyNode.default !== undefined
      ) {
        value[key] = clone(propertyNode.default);
      }
      const next = value[key];
      if (next !== undefined) applySchemaDefaults(next, propertyNode);
    }
    const additional = objectAt(node, "additionalProperties");
    if (additional !== undefined) {
      for (const [key, item] of Object.entries(value))
        if (!(key in (properties(node) ?? {}))) applySchemaDefaults(item, additional);
    }
  } else if (Array.isArray(value)) {
    const items = objectAt(node, "items");
    if (items !== undefined) for (const item of value) applySchemaDefaults(item, items);
  }
}

function jsonType(value: Json): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function typeMatches(value: Json, type: string): boolean {
  const actual = jsonType(value);
  return actual === type || (type === "number" && actual === "integer");
}

/**
 * Validates a custom resource against its schema, with messages worded as kube-openapi's
 * (`spec.replicas in body must be of type integer: "string"`). `metadata` is left to the
 * generic checks.
 */
export function validateAgainstSchema(obj: JsonObject, root: SchemaNode): FieldError[] {
  const errors: FieldError[] = [];
  const rest: JsonObject = { ...obj };
  delete rest.metadata;
  delete rest.apiVersion;
  delete rest.kind;
  const rootNode: SchemaNode = { ...root, properties: { ...(properties(root) ?? {}) } };
  const rootProperties = properties(rootNode) ?? {};
  delete rootProperties.metadata;
  delete rootProperties.apiVersion;
  delete rootProperties.kind;
  const required = (arrayAt(root, "required") ?? []).filter(
    (r) => r !== "metadata" && r !== "apiVersion" && r !== "kind",
  );
  validateValue(rest, { ...rootNode, required }, "", errors);
  return errors;
}

function validateValue(value: Json, node: SchemaNode, path: string, errors: FieldError[]): void {
  const label = path === "" ? "<root>" : path;
  if (value === null) {
    if (node.nullable !== true && typeof node.type === "string") {
      errors.push(
        fieldError.typeInvalid(
          label,
          "null",
          `${label} in body must be of type ${node.type}: "null"`,
        ),
      );
    }
    return;
  }
  const type = stringAt(node, "type");
  if (node[intOrString] === true) {
    if (typeof value !== "string" && !(typeof value === "number" && Number.isInteger(value))) {
      errors.push(
        fieldError.typeInvalid(
          label,
          jsonType(value),
          `${label} in body must be of type integer,string: ${JSON.stringify(jsonType(value))}`,
        ),
      );
      return;
    }
  } else if (type !== undefined && !typeMatches(value, type)) {
    errors.push(
      fieldError.typeInvalid(
        label,
        jsonType(value),
        `${label} in body must be of type ${type}: ${JSON.stringify(jsonType(value))}`,
      ),
    );
    return;
  }
  validateEnum(value, node, label, errors);
  if (typeof value === "number") validateNumber(value, node, label, errors);
  else if (typeof value === "string") validateString(value, node, label, errors);
  else if (Array.isArray(value)) validateArray(value, node, path, errors);
  else if (isObject(value)) validateObject(value, node, path, errors);
}

function validateEnum(value: Json, node: SchemaNode, label: string, errors: FieldError[]): void {
  const options = arrayAt(node, "enum");
  if (options === undefined || options.some((option) => deepEqual(option, value))) return;
  errors.push(
    fieldError.notSupported(
      label,
      value,
      options.map((o) => (typeof o === "string" ? o : JSON.stringify(o))),
    ),
  );
}

function validateNumber(
  value: number,
  node: SchemaNode,
  label: string,
  errors: FieldError[],
): void {
  const { minimum, maximum } = node;
  if (typeof minimum === "number") {
    const exclusive = node.exclusiveMinimum === true;
    if (exclusive ? value <= minimum : value < minimum) {
      errors.push(
        fieldError.invalid(
          label,
          value,
          `${label} in body should be greater than ${exclusive ? "" : "or equal to "}${minimum}`,
        ),
      );
    }
  }
  if (typeof maximum === "number") {
    const exclusive = node.exclusiveMaximum === true;
    if (exclusive ? value >= maximum : value > maximum) {
      errors.push(
        fieldError.invalid(
          label,
          value,
          `${label} in body should be less than ${exclusive ? "" : "or equal to "}${maximum}`,
        ),
      );
    }
  }
  if (typeof node.multipleOf === "number" && value % node.multipleOf !== 0) {
    errors.push(
      fieldError.invalid(
        label,
        value,
        `${label} in body should be a multiple of ${node.multipleOf}`,
      ),
    );
  }
}

const formats: Readonly<Record<string, RegExp>> = {
  "date-time": /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  byte: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
  uuid: /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/,
};

/** Unicode code points, as Go's utf8.RuneCountInString counts for maxLength. */
function runeCount(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0xdc00 || code > 0xdfff) count++;
  }
  return count;
}

function validateString(
  value: string,
  node: SchemaNode,
  label: string,
  errors: FieldError[],
): void {
  if (typeof node.maxLength === "number" && runeCount(value) > node.maxLength) {
    errors.push(fieldError.tooLong(label, `may not be more than ${node.maxLength} bytes`));
  }
  if (typeof node.minLength === "number" && runeCount(value) < node.minLength) {
    errors.push(
      fieldError.invalid(
        label,
        value,
        `${label} in body should be at least ${node.minLength} chars long`,
      ),
    );
  }
  if (typeof node.pattern === "string" && !new RegExp(node.pattern, "u").test(value)) {
    errors.push(
      fieldError.invalid(label, value, `${label} in body should match '${node.pattern}'`),
    );
  }
  const format = stringAt(node, "format");
  const check = format === undefined ? undefined : formats[format];
  if (format !== undefined && check !== undefined && !check.test(value)) {
    errors.push(
      fieldError.invalid(
        label,
        value,
        `${label} in body must be of type ${format}: ${JSON.stringify(value)}`,
      ),
    );
  }
}

function validateArray(value: Json[], node: SchemaNode, path: string, errors: FieldError[]): void {
  const label = path === "" ? "<root>" : path;
  if (typeof node.maxItems === "number" && value.length > node.maxItems) {
    errors.push({
      type: "FieldValueTooMany",
      field: label,
      detail: `Too many: ${value.length}: must have at most ${node.maxItems} items`,
    });
  }
  if (typeof node.minItems === "number" && value.length < node.minItems) {
    errors.push(
      fieldError.invalid(
        label,
        value,
        `${label} in body should have at least ${node.minItems} items`,
      ),
    );
  }
  const listType = stringAt(node, "x-kubernetes-list-type");
  const keys = (arrayAt(node, "x-kubernetes-list-map-keys") ?? []).filter(
    (k): k is string => typeof k === "string",
  );
  const seen: Json[] = [];
  value.forEach((item, i) => {
    const identity: Json =
      listType === "map" && isObject(item) ? keys.map((k) => item[k] ?? null) : item;
    if ((listType === "set" || listType === "map") && seen.some((s) => deepEqual(s, identity))) {
      errors.push(fieldError.duplicate(`${path}[${i}]`, item));
    }
    seen.push(identity);
    const items = objectAt(node, "items");
    if (items !== undefined) validateValue(item, items, `${path}[${i}]`, errors);
  });
}

function validateObject(
  value: JsonObject,
  node: SchemaNode,
  path: string,
  errors: FieldError[],
): void {
  const prefix = path === "" ? "" : `${path}.`;
  for (const required of arrayAt(node, "required") ?? []) {
    if (typeof required === "string" && value[required] === undefined)
      errors.push(fieldError.required(`${prefix}${required}`));
  }
  const count = Object.keys(value).length;
  const label = path === "" ? "<root>" : path;
  if (typeof node.maxProperties === "number" && count > node.maxProperties) {
    errors.push({
      type: "FieldValueTooMany",
      field: label,
      detail: `Too many: ${count}: must have at most ${node.maxProperties} items`,
    });
  }
  if (typeof node.minProperties === "number" && count < node.minProperties) {
    errors.push(
      fieldError.invalid(
        label,
        count,
        `${label} in body should have at least ${node.minProperties} properties`,
      ),
    );
  }
  for (const [key, item] of Object.entries(value)) {
    const fieldNode = child(node, key);
    if (fieldNode !== undefined) validateValue(item, fieldNode, `${prefix}${key}`, errors);
  }
}

/**
 * Checks that a CRD version schema is structural (what the apiserver requires of v1 CRDs):
 * a typed root object, a type on every property and item unless int-or-string or
 * preserve-unknown-fields, `items` on arrays, not both properties and additionalProperties.
 */
export function structuralErrors(schema: Json | undefined, field: string): FieldError[] {
  if (!isObject(schema)) return [fieldError.required(field, "schemas are required")];
  const errors: FieldError[] = [];
  if (schema.type !== "object")
    errors.push(
      fieldError.invalid(`${field}.type`, schema.type ?? "", "must be object at the root"),
    );
  if (
    schema.additionalProperties !== undefined &&
    schema.additionalProperties !== false &&
    schema[preserveUnknown] !== true
  ) {
    errors.push(
      fieldError.forbidden(`${field}.additionalProperties`, "must not be used at the root"),
    );
  }
  checkNode(schema, field, errors, true);
  return errors;
}

function checkNode(node: JsonObject, field: string, errors: FieldError[], root: boolean): void {
  if (
    !root &&
    typeof node.type !== "string" &&
    node[intOrString] !== true &&
    node[preserveUnknown] !== true
  ) {
    errors.push(
      fieldError.required(`${field}.type`, "must not be empty for specified object fields"),
    );
  }
  if (node.type === "array" && !isObject(node.items)) {
    errors.push(fieldError.required(`${field}.items`, "must be specified"));
  }
  if (properties(node) !== undefined && isObject(node.additionalProperties)) {
    errors.push(
      fieldError.forbidden(
        `${field}.additionalProperties`,
        "additionalProperties and properties are mutual exclusive",
      ),
    );
  }
  for (const [key, value] of Object.entries(properties(node) ?? {})) {
    if (isObject(value)) checkNode(value, `${field}.properties[${key}]`, errors, false);
  }
  const items = objectAt(node, "items");
  if (items !== undefined) checkNode(items, `${field}.items`, errors, false);
  const additional = objectAt(node, "additionalProperties");
  if (additional !== undefined)
    checkNode(additional, `${field}.additionalProperties`, errors, false);
}

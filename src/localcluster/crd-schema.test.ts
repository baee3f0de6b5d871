import assert from "node:assert/strict";
import { test } from "node:test";
import {
  applySchemaDefaults,
  pruneUnknown,
  structuralErrors,
  validateAgainstSchema,
} from "./crd-schema.js";
import type { JsonObject } from "./json.js";

const schema: JsonObject = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      required: ["size"],
      properties: {
        size: { type: "integer", minimum: 1, maximum: 10 },
        mode: { type: "string", enum: ["fast", "safe"], default: "safe" },
        name: { type: "string", maxLength: 5, pattern: "^[a-z]+$" },
        tags: { type: "array", items: { type: "string" }, "x-kubernetes-list-type": "set" },
        extra: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        port: { "x-kubernetes-int-or-string": true },
      },
    },
  },
};

test("pruneUnknown() drops undeclared fields but keeps preserve-unknown-fields subtrees", () => {
  const obj: JsonObject = {
    apiVersion: "x/v1",
    kind: "X",
    metadata: { name: "a", bogus: 1 },
    spec: { size: 1, junk: true, extra: { any: { thing: 1 } } },
    top: 1,
  };
  assert.deepEqual(pruneUnknown(obj, schema).sort(), ["metadata.bogus", "spec.junk", "top"]);
  assert.deepEqual(obj, {
    apiVersion: "x/v1",
    kind: "X",
    metadata: { name: "a" },
    spec: { size: 1, extra: { any: { thing: 1 } } },
  });
});

test("applySchemaDefaults() fills absent fields of present objects", () => {
  const obj: JsonObject = { spec: { size: 2 } };
  applySchemaDefaults(obj, schema);
  assert.deepEqual(obj, { spec: { size: 2, mode: "safe" } });
});

test("validateAgainstSchema() words errors as kube-openapi does", () => {
  const errors = validateAgainstSchema(
    { spec: { size: "big", mode: "slow", name: "TOOLONG", tags: ["a", "a"], port: true } },
    schema,
  );
  assert.deepEqual(
    errors.map((e) => `${e.field}: ${e.detail}`),
    [
      'spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"',
      'spec.mode: Unsupported value: "slow": supported values: "fast", "safe"',
      "spec.name: Too long: may not be more than 5 bytes",
      "spec.name: Invalid value: \"TOOLONG\": spec.name in body should match '^[a-z]+$'",
      'spec.tags[1]: Duplicate value: "a"',
      'spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"',
    ],
  );
  assert.deepEqual(
    validateAgainstSchema({ spec: {} }, schema).map((e) => `${e.field}: ${e.detail}`),
    ["spec.size: Required value"],
  );
  assert.deepEqual(
    validateAgainstSchema({ spec: { size: 11 } }, schema).map((e) => e.detail),
    ["Invalid value: 11: spec.size in body should be less than or equal to 10"],
  );
});

test("structuralErrors() requires types and a schema", () => {
  assert.deepEqual(structuralErrors(schema, "s"), []);
  assert.deepEqual(
    structuralErrors(undefined, "s").map((e) => e.detail),
    ["Required value: schemas are required"],
  );
  const untyped = structuralErrors({ type: "object", properties: { a: {} } }, "s");
  assert.deepEqual(
    untyped.map((e) => `${e.field}: ${e.detail}`),
    ["s.properties[a].type: Required value: must not be empty for specified object fields"],
  );
});

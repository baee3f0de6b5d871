import assert from "node:assert/strict";
import { test } from "node:test";
import { builtinSchema } from "./builtin-schema.js";
import { collectFields } from "./field-paths.js";
import { FieldSet } from "./fieldset.js";
import type { JsonObject } from "./json.js";
import { decodeManagedFields, recordUpdate } from "./managed-fields.js";

const schema = builtinSchema("ConfigMap");
const context = (manager: string) => ({
  manager,
  apiVersion: "v1",
  subresource: "",
  now: new Date("2026-11-23T18:55:10.123Z"),
  schema,
  statusSubresource: false,
});

test("a create is one Update entry owning the created map and its keys, as kubectl create shows", () => {
  const obj: JsonObject = { metadata: { name: "c", labels: { app: "web" } }, data: { a: "1" } };
  recordUpdate(undefined, obj, [], context("kubectl-create"));
  assert.deepEqual((obj.metadata as JsonObject).managedFields, [
    {
      manager: "kubectl-create",
      operation: "Update",
      apiVersion: "v1",
      time: "2026-11-23T18:55:10Z",
      fieldsType: "FieldsV1",
      fieldsV1: {
        "f:data": { ".": {}, "f:a": {} },
        "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
      },
    },
  ]);
});

test("an update moves the changed fields to its manager and drops removed ones", () => {
  const before: JsonObject = { metadata: { name: "c" }, data: { a: "1", b: "2" } };
  recordUpdate(undefined, before, [], context("first"));
  const after: JsonObject = {
    metadata: { name: "c", managedFields: (before.metadata as JsonObject).managedFields ?? null },
    data: { a: "9" },
  };
  recordUpdate(before, after, decodeManagedFields(before), context("second"));
  const entries = decodeManagedFields(after);
  assert.deepEqual(
    entries.map((e) => [e.manager, JSON.stringify(e.fields.toFieldsV1())]),
    [
      // The map itself stays with its creator; SMD writes "." only beside children.
      ["first", JSON.stringify({ "f:data": {} })],
      ["second", JSON.stringify({ "f:data": { "f:a": {} } })],
    ],
  );
});

test("FieldSet reads and writes FieldsV1 with keyed list items and set members", () => {
  const podSchema = builtinSchema("Pod");
  const set = collectFields(
    {
      metadata: { finalizers: ["x/y"] },
      spec: {
        containers: [
          { name: "web", image: "nginx", ports: [{ containerPort: 80, protocol: "TCP" }] },
        ],
      },
    },
    podSchema,
    false,
  );
  const json = set.toFieldsV1();
  assert.deepEqual(json, {
    "f:metadata": { "f:finalizers": { 'v:"x/y"': {} } },
    "f:spec": {
      "f:containers": {
        'k:{"name":"web"}': {
          ".": {},
          "f:image": {},
          "f:name": {},
          "f:ports": {
            'k:{"containerPort":80,"protocol":"TCP"}': {
              ".": {},
              "f:containerPort": {},
              "f:protocol": {},
            },
          },
        },
      },
    },
  });
  assert.ok(FieldSet.fromFieldsV1(json).equals(set));
});

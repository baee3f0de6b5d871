import assert from "node:assert/strict";
import { test } from "node:test";
import { builtinSchema } from "../builtin-schema.js";
import type { Json } from "../json.js";
import {
  applyJsonPatch,
  JsonPatchApplyError,
  JsonPatchDocumentError,
  parseJsonPatch,
} from "./json-patch.js";
import { applyMergePatch } from "./merge-patch.js";
import { applyStrategicMergePatch } from "./strategic-merge-patch.js";

test("applyMergePatch() follows RFC 7386's examples", async (t) => {
  const cases: [Json, Json, Json][] = [
    [{ a: "b" }, { a: "c" }, { a: "c" }],
    [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
    [{ a: "b" }, { a: null }, {}],
    [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
    [{ a: ["b"] }, { a: "c" }, { a: "c" }],
    [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
    [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
    [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
    [
      ["a", "b"],
      ["c", "d"],
      ["c", "d"],
    ],
    [{ a: "b" }, ["c"], ["c"]],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: "b", c: null }, { a: "b" }],
  ];
  for (const [target, patch, expected] of cases) {
    await t.test(JSON.stringify(patch), () => {
      assert.deepEqual(applyMergePatch(target, patch), expected);
    });
  }
});

test("applyJsonPatch() applies RFC 6902 operations and reports failures", () => {
  const doc: Json = { a: { b: [1, 2] }, "x/y": 1 };
  const ops = parseJsonPatch([
    { op: "add", path: "/a/b/1", value: 9 },
    { op: "add", path: "/a/b/-", value: 3 },
    { op: "replace", path: "/x~1y", value: 2 },
    { op: "copy", from: "/a/b", path: "/c" },
    { op: "move", from: "/c", path: "/d" },
    { op: "remove", path: "/a/b/0" },
    { op: "test", path: "/x~1y", value: 2 },
  ]);
  assert.deepEqual(applyJsonPatch(doc, ops), { a: { b: [9, 2, 3] }, "x/y": 2, d: [1, 9, 2, 3] });
  assert.deepEqual(doc, { a: { b: [1, 2] }, "x/y": 1 }, "the input is not modified");
  assert.throws(
    () => applyJsonPatch(doc, parseJsonPatch([{ op: "remove", path: "/nope" }])),
    JsonPatchApplyError,
  );
  assert.throws(
    () => applyJsonPatch(doc, parseJsonPatch([{ op: "test", path: "/x~1y", value: 5 }])),
    JsonPatchApplyError,
  );
  assert.throws(() => parseJsonPatch({ op: "add" }), JsonPatchDocumentError);
  assert.throws(() => parseJsonPatch([{ op: "jump", path: "/a" }]), JsonPatchDocumentError);
});

test("applyStrategicMergePatch() merges keyed lists, sets, and honours the directives", () => {
  const schema = builtinSchema("Deployment");
  const live: Json = {
    metadata: { finalizers: ["a"], labels: { app: "web" } },
    spec: {
      template: {
        spec: {
          containers: [
            { name: "web", image: "nginx:1", env: [{ name: "A", value: "1" }] },
            { name: "side", image: "busybox" },
          ],
          tolerations: [{ key: "x" }],
        },
      },
    },
  };
  const patch: Json = {
    metadata: { finalizers: ["b"], labels: { app: null, tier: "front" } },
    spec: {
      template: {
        spec: {
          containers: [
            { name: "web", image: "nginx:2", env: [{ name: "B", value: "2" }] },
            { name: "side", $patch: "delete" },
            { name: "new", image: "alpine" },
          ],
          tolerations: [{ key: "y" }],
        },
      },
    },
  };
  const result = applyStrategicMergePatch(live, patch, schema) as {
    metadata: { finalizers: string[]; labels: Record<string, string> };
    spec: {
      template: {
        spec: {
          containers: { name: string; image: string; env?: unknown[] }[];
          tolerations: unknown[];
        };
      };
    };
  };
  assert.deepEqual(result.metadata, { finalizers: ["a", "b"], labels: { tier: "front" } });
  const containers = result.spec.template.spec.containers;
  assert.deepEqual(
    containers.map((c) => `${c.name}=${c.image}`),
    ["web=nginx:2", "new=alpine"],
  );
  assert.deepEqual(containers[0]?.env, [
    { name: "A", value: "1" },
    { name: "B", value: "2" },
  ]);
  assert.deepEqual(
    result.spec.template.spec.tolerations,
    [{ key: "y" }],
    "lists without a strategy are replaced",
  );
});

test("applyStrategicMergePatch() reorders with $setElementOrder and replaces with $patch: replace", () => {
  const schema = builtinSchema("Pod");
  const live: Json = {
    spec: { containers: [{ name: "a" }, { name: "b" }], nodeSelector: { x: "1", y: "2" } },
  };
  const ordered = applyStrategicMergePatch(
    live,
    {
      spec: {
        "$setElementOrder/containers": [{ name: "b" }, { name: "a" }],
        nodeSelector: { $patch: "replace", z: "3" },
      },
    },
    schema,
  );
  assert.deepEqual(ordered, {
    spec: { containers: [{ name: "b" }, { name: "a" }], nodeSelector: { z: "3" } },
  });
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { goBase64ErrorOffset } from "./go-base64.js";
import { evaluateJsonPath } from "./jsonpath.js";
import { humanDuration, printerColumnsTable } from "./tables.js";

test("humanDuration() renders ages as kubectl's AGE column does", async (t) => {
  const s = 1000;
  const cases: [number, string][] = [
    [-3 * s, "<invalid>"],
    [-1 * s, "0s"],
    [59 * s, "59s"],
    [119 * s, "119s"],
    [120 * s, "2m"],
    [(9 * 60 + 30) * s, "9m30s"],
    [(10 * 60 + 30) * s, "10m"],
    [179 * 60 * s, "179m"],
    [(3 * 3600 + 5 * 60) * s, "3h5m"],
    [(8 * 3600 + 5 * 60) * s, "8h"],
    [50 * 3600 * s, "2d2h"],
    [10 * 24 * 3600 * s, "10d"],
    [(3 * 365 * 24 * 3600 + 5 * 24 * 3600) * s, "3y5d"],
    [9 * 365 * 24 * 3600 * s, "9y"],
  ];
  for (const [ms, expected] of cases) {
    await t.test(expected, () => {
      assert.equal(humanDuration(ms), expected);
    });
  }
});

test("evaluateJsonPath() handles the printer-column forms", () => {
  const obj = {
    status: {
      conditions: [
        { type: "A", status: "False" },
        { type: "Ready", status: "True" },
      ],
    },
    spec: { list: [{ n: 1 }, { n: 2 }] },
    metadata: { annotations: { "a.b/c": "x" } },
  };
  assert.deepEqual(evaluateJsonPath(obj, '.status.conditions[?(@.type=="Ready")].status'), [
    "True",
  ]);
  assert.deepEqual(evaluateJsonPath(obj, ".status.conditions[0].type"), ["A"]);
  assert.deepEqual(evaluateJsonPath(obj, "{.spec.list[*].n}"), [1, 2]);
  assert.deepEqual(evaluateJsonPath(obj, ".metadata.annotations['a.b/c']"), ["x"]);
  assert.deepEqual(evaluateJsonPath(obj, ".nothing.here"), []);
});

test("printerColumnsTable() fills declared columns and falls back to Age", () => {
  const now = new Date("2026-11-23T19:00:00Z");
  const obj = {
    metadata: { name: "s", creationTimestamp: "2026-11-23T18:59:00Z" },
    status: { replicas: 3 },
  };
  const declared = printerColumnsTable([
    {
      name: "Replicas",
      type: "integer",
      format: "",
      description: "",
      priority: 0,
      jsonPath: ".status.replicas",
    },
    {
      name: "Missing",
      type: "string",
      format: "",
      description: "",
      priority: 0,
      jsonPath: ".status.nope",
    },
  ]);
  assert.deepEqual(
    declared.columns.map((c) => c.name),
    ["Name", "Replicas", "Missing"],
  );
  assert.deepEqual(declared.cells(obj, now), ["s", 3, null]);
  const fallback = printerColumnsTable([]);
  assert.deepEqual(fallback.cells(obj, now), ["s", "60s"]);
});

test("goBase64ErrorOffset() points where Go's decoder stops", () => {
  assert.equal(goBase64ErrorOffset("czNjcjN0"), undefined);
  assert.equal(goBase64ErrorOffset("YWRtaW4="), undefined);
  assert.equal(goBase64ErrorOffset("YWRt\naW4="), undefined, "newlines are skipped");
  assert.equal(goBase64ErrorOffset("!!!"), 0);
  assert.equal(goBase64ErrorOffset("YWRtaW4"), 4, "missing padding");
  assert.equal(goBase64ErrorOffset("YW=x"), 2, "a lone pad is blamed on the byte before the next");
  assert.equal(goBase64ErrorOffset("YWRtaW4=x"), 8, "trailing garbage");
});

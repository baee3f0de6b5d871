import assert from "node:assert/strict";
import { test } from "node:test";
import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
} from "./selectors.js";

const labels = { app: "web", tier: "backend", version: "3" };

test("label selectors match as kube-apiserver's do", async (t) => {
  const cases: [string, boolean][] = [
    ["app=web", true],
    ["app==web", true],
    ["app=api", false],
    ["app!=api", true],
    ["missing!=x", true],
    ["tier in (backend, frontend)", true],
    ["tier notin (backend)", false],
    ["missing notin (x)", true],
    ["app", true],
    ["!app", false],
    ["!missing", true],
    ["version>2", true],
    ["version<3", false],
    ["app=web,tier!=x", true],
    ["app=web,tier=frontend", false],
    ["empty=", false],
    ["", true],
  ];
  for (const [selector, expected] of cases) {
    await t.test(selector || "(empty)", () => {
      assert.equal(matchesLabels(parseLabelSelector(selector), labels), expected);
    });
  }
});

test("parseLabelSelector() refuses malformed selectors with 400", () => {
  for (const bad of ["app=web,", "app in web", "=x", "a b", "version>x"]) {
    assert.throws(() => parseLabelSelector(bad), { code: 400, reason: "BadRequest" }, bad);
  }
});

test("field selectors honour escapes and both operators", () => {
  const parsed = parseFieldSelector("metadata.name=a\\,b,type!=Opaque");
  assert.deepEqual(parsed, [
    { field: "metadata.name", operator: "=", value: "a,b" },
    { field: "type", operator: "!=", value: "Opaque" },
  ]);
  const values: Record<string, string> = { "metadata.name": "a,b", type: "kubernetes.io/tls" };
  assert.equal(
    matchesFields(parsed, (f) => values[f] ?? ""),
    true,
  );
  assert.deepEqual(parseFieldSelector("metadata.name==x"), [
    { field: "metadata.name", operator: "=", value: "x" },
  ]);
  assert.throws(() => parseFieldSelector("metadata.name"), { code: 400 });
});

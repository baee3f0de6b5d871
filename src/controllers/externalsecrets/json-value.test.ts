import assert from "node:assert/strict";
import { test } from "node:test";
import { formatFloatPlain, goJsonMarshal, jsonValueToBytes } from "./json-value.js";

test("formatFloatPlain() prints like Go's FormatFloat(f, 'f', -1, 64)", () => {
  const cases: [number, string][] = [
    [1, "1"],
    [1.5, "1.5"],
    [-0.25, "-0.25"],
    [1e21, "1000000000000000000000"],
    [1.5e-7, "0.00000015"],
    [123456789012345680000, "123456789012345680000"],
    [2 ** 53 + 1, "9007199254740992"],
  ];
  for (const [value, want] of cases) assert.equal(formatFloatPlain(value), want, String(value));
});

test("goJsonMarshal() sorts keys, escapes HTML characters and stays compact", () => {
  assert.equal(
    goJsonMarshal({ b: 1, a: ["<x>", true, null] }),
    '{"a":["\\u003cx\\u003e",true,null],"b":1}',
  );
  assert.equal(goJsonMarshal({ a: "<&>" }, false), '{"a":"<&>"}');
  assert.equal(goJsonMarshal({ a: "\u2028" }), '{"a":"\\u2028"}');
});

test("jsonValueToBytes() coerces JSON values as ESO's GetByteValue does", () => {
  const text = (value: unknown): string => jsonValueToBytes(value).toString("utf8");
  assert.equal(text("s"), "s");
  assert.equal(text(42), "42");
  assert.equal(text(true), "true");
  assert.equal(text(null), "");
  assert.equal(text({ z: 1, a: "&" }), '{"a":"\\u0026","z":1}');
  assert.equal(text([1, "a"]), '[1,"a"]');
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { goByteValue, goJsonText } from "./json-value.js";

test("goJsonText() escapes HTML characters like json.Marshal, or not, like ESO's JSONMarshal", () => {
  assert.equal(
    goJsonText({ b: 1, a: ["<x>", true, null] }),
    '{"a":["\\u003cx\\u003e",true,null],"b":1}',
  );
  assert.equal(goJsonText({ a: "<&>" }, false), '{"a":"<&>"}');
  // A literal backslash followed by "u003c" in the data is not an escape and must survive.
  assert.equal(goJsonText({ a: "\\u003c<" }, false), '{"a":"\\\\u003c<"}');
});

test("goByteValue() coerces JSON values as ESO's GetByteValue does for float64 numbers", () => {
  const text = (value: unknown): string => goByteValue(value).toString("utf8");
  assert.equal(text("s"), "s");
  assert.equal(text(42), "42");
  assert.equal(text(1e21), "1000000000000000000000");
  assert.equal(text(1.5e-7), "0.00000015");
  assert.equal(text(true), "true");
  assert.equal(text(null), "");
  assert.equal(text({ z: 1, a: "&" }), '{"a":"\\u0026","z":1}');
  assert.equal(text([1, "a"]), '[1,"a"]');
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { jsonNumber } from "../providers/index.js";
import { findModifier, goBase64Decode, type AvpValue } from "./index.js";

function apply(name: string, params: string[], input: AvpValue): AvpValue | string {
  const modifier = findModifier(name);
  assert.ok(modifier !== undefined, name);
  try {
    return modifier(params, input);
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

test("base64decode is lenient like Go: bytes of the complete quantums before a bad one", () => {
  assert.equal(apply("base64decode", [], "YWJj"), "abc");
  assert.equal(apply("base64decode", [], "YWJj!!!!"), "abc");
  assert.equal(apply("base64decode", [], "YWJjZA"), "abc");
  assert.equal(apply("base64decode", [], "abc"), "");
  assert.equal(apply("base64decode", [], "YW\r\nJjZA=="), "abcd");
  assert.equal(apply("base64decode", [], "YQ==YQ=="), "a");
  assert.deepEqual(goBase64Decode("YQ==YQ=="), { bytes: Buffer.from("a"), valid: false });
  assert.deepEqual(goBase64Decode(""), { bytes: Buffer.alloc(0), valid: true });
  assert.equal(apply("base64decode", ["x"], "YQ=="), "error: invalid parameters");
  assert.equal(apply("base64decode", [], true), "error: invalid datatype bool");
});

test("indent follows upstream's line rules", () => {
  assert.equal(apply("indent", ["2"], "a\n"), "a\n");
  assert.equal(apply("indent", ["2"], "a\nb"), "a\n  b");
  assert.equal(apply("indent", ["2"], "a\n\nb"), "a\n  b");
  assert.equal(
    apply("indent", ["4"], "  first  \n   second\n  \nthird\n"),
    "first\n    second\n    \n    third\n",
  );
  assert.equal(apply("indent", ["-1"], "a\nb"), "a\nb");
  assert.equal(apply("indent", [], "a"), "error: invalid parameters");
  assert.equal(apply("indent", ["two"], "a"), "error: invalid indentation level");
  assert.equal(apply("indent", ["2"], 5), "error: invalid datatype float64");
});

test("jsonParse and yamlParse turn text into values, numbers as float64", () => {
  assert.deepEqual(apply("jsonParse", [], '{"a":[1,2.5,"x"],"b":null}'), {
    a: [1, 2.5, "x"],
    b: null,
  });
  assert.equal(apply("jsonParse", [], "{"), "error: unexpected end of JSON input");
  assert.equal(
    apply("jsonParse", [], "[1,]"),
    "error: invalid character ']' looking for beginning of value",
  );
  assert.equal(apply("jsonParse", [], "tru"), "error: unexpected end of JSON input");
  assert.equal(
    apply("jsonParse", [], "{} x"),
    "error: invalid character 'x' after top-level value",
  );
  assert.deepEqual(apply("yamlParse", [], "a: yes\nb: 010\nc: [1, 2]\n"), {
    a: true,
    b: 8,
    c: [1, 2],
  });
  assert.deepEqual(apply("yamlParse", [], "---\nkey1: secret1"), { key1: "secret1" });
  assert.match(
    apply("yamlParse", [], "a: [") as string,
    /^error: error converting YAML to JSON: yaml: line \d+: /,
  );
  assert.equal(apply("jsonParse", [], jsonNumber("1")), "error: invalid datatype json.Number");
});

test("jsonPath parses string input as JSON and prints Go's text forms", () => {
  assert.equal(apply("jsonPath", ["{.a}"], '{"a":1000000}'), "1e+06");
  assert.equal(apply("jsonPath", ["{.a}"], { a: jsonNumber("1000000") }), "1000000");
  assert.equal(apply("jsonPath", ["{.u}{':'}{.p}"], '{"u":"me","p":"pw"}'), "me:pw");
  assert.equal(
    apply("jsonPath", ["{.a}"], '{"a":{"z":"<&>","b":1}}'),
    '{"b":1,"z":"\\u003c\\u0026\\u003e"}',
  );
  assert.equal(apply("jsonPath", ["{.nope}"], "{}"), "error: nope is not found");
  assert.equal(apply("jsonPath", [], "{}"), "error: invalid parameters");
  assert.equal(
    apply("jsonPath", ["{!}"], "{}"),
    "error: unrecognized character in action: U+0021 '!'",
  );
  assert.equal(
    apply("jsonPath", ["{.a}"], "{x"),
    "error: invalid character 'x' looking for beginning of object key string",
  );
});

test("base64encode and sha256sum need strings", () => {
  assert.equal(apply("base64encode", [], "héllo"), "aMOpbGxv");
  assert.equal(
    apply("sha256sum", [], "bar"),
    "fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9",
  );
  assert.equal(apply("sha256sum", [], 1), "error: invalid datatype float64, expected string");
  assert.equal(
    apply("base64encode", [], { a: "b" }),
    "error: invalid datatype map[string]interface {}",
  );
  assert.equal(findModifier("toString"), undefined);
  assert.equal(findModifier("__proto__"), undefined);
});

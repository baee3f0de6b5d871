import assert from "node:assert/strict";
import { test } from "node:test";
import { gjsonGet, parseJson, jsonNumber } from "./index.js";

const doc = parseJson(
  '{"name":{"first":"Tom","last":"Anderson"},"age":37,"children":["Sara","Alex","Jack"],"fav.movie":"Deer Hunter","friends":[{"first":"Dale","age":44},{"first":"Roger","age":68}]}',
);

test("gjsonGet() follows dotted paths, indexes, escapes and wildcards as gjson does", () => {
  assert.equal(gjsonGet(doc, "name.last"), "Anderson");
  assert.deepEqual(gjsonGet(doc, "age"), jsonNumber("37"));
  assert.equal(gjsonGet(doc, "children.1"), "Alex");
  assert.deepEqual(gjsonGet(doc, "children.#"), jsonNumber("3"));
  assert.equal(gjsonGet(doc, "fav\\.movie"), "Deer Hunter");
  assert.equal(gjsonGet(doc, "child*.2"), "Jack");
  assert.equal(gjsonGet(doc, "c?ildren.0"), "Sara");
  assert.deepEqual(gjsonGet(doc, "friends.#.first"), ["Dale", "Roger"]);
  assert.equal(gjsonGet(doc, "friends.1.first"), "Roger");
});

test("gjsonGet() answers undefined for paths that do not resolve", () => {
  for (const path of [
    "name.middle",
    "children.9",
    "children.x",
    "age.x",
    "",
    "@reverse",
    "name|first",
  ]) {
    assert.equal(gjsonGet(doc, path), undefined, path);
  }
});

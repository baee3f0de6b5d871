import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { clone, deepEqual } from "./json.js";
import type { Json } from "./json.js";

test("clone copies any JSON value deeply: equal, and changing the copy leaves the original", () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const original = JSON.stringify(value);
      const copy = clone(value as Json);
      assert.equal(JSON.stringify(copy), original);
      assert.ok(deepEqual(copy, value as Json));
      if (typeof copy === "object" && copy !== null) {
        if (Array.isArray(copy)) copy.push("changed");
        else copy.changed = "changed";
        assert.equal(JSON.stringify(value), original);
      }
    }),
  );
});

test("clone keeps a __proto__ key an own property, as JSON.parse does, without touching prototypes", () => {
  const parsed = JSON.parse('{"a":{"__proto__":{"polluted":true}}}') as Json;
  const copy = clone(parsed) as { a: Record<string, unknown> };
  assert.ok(Object.hasOwn(copy.a, "__proto__"));
  assert.equal(Object.getPrototypeOf(copy.a), Object.prototype);
  assert.equal((copy.a as { polluted?: unknown }).polluted, undefined);
  assert.equal(JSON.stringify(copy), '{"a":{"__proto__":{"polluted":true}}}');
});

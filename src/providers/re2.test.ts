import assert from "node:assert/strict";
import { test } from "node:test";
import { compileRe2, Re2SyntaxError } from "./index.js";

test("compileRe2() refuses look-around and back-references with Go's messages", () => {
  const cases: [string, string][] = [
    ["^\\/(?!\\/)(.*?)", "error parsing regexp: invalid or unsupported Perl syntax: `(?!`"],
    ["a(?=b)", "error parsing regexp: invalid or unsupported Perl syntax: `(?=`"],
    ["(a)\\1", "error parsing regexp: invalid escape sequence: `\\1`"],
  ];
  for (const [pattern, message] of cases) {
    assert.throws(
      () => compileRe2(pattern),
      (error: unknown) => error instanceof Re2SyntaxError && error.message === message,
      pattern,
    );
  }
});

test("compileRe2() translates RE2-only syntax and matches unanchored", () => {
  assert.equal(compileRe2("(?P<app>[a-z]+)/db").exec("x/team/db")?.groups?.app, "team");
  assert.ok(compileRe2("(?i)^SECRET/").test("secret/x"));
  assert.ok(compileRe2("[[:digit:]]+$").test("v12"));
  assert.ok(!compileRe2("\\Afoo\\z").test("foo\n"));
  assert.ok(compileRe2("\\pL").test("é"));
  assert.ok(compileRe2("data").test("kv/data/x"));
});

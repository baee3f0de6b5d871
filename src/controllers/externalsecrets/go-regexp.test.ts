import assert from "node:assert/strict";
import { test } from "node:test";
import { compileGoRegexp } from "./go-regexp.js";

const cases: { pattern: string; input: string; template: string; want: string }[] = [
  { pattern: "^db-(.*)$", input: "db-password", template: "$1", want: "password" },
  // Go reads "$1x" as the group named "1x", which does not exist: it expands to nothing.
  { pattern: "(a)", input: "a", template: "$1x", want: "" },
  { pattern: "(a)", input: "a", template: "${1}x", want: "ax" },
  { pattern: "(?P<word>[a-z]+)", input: "ab-cd", template: "<${word}>", want: "<ab>-<cd>" },
  { pattern: "(?<word>[a-z]+)", input: "ab", template: "$word!", want: "ab!" },
  { pattern: "x", input: "axb", template: "$$", want: "a$b" },
  { pattern: "x", input: "axb", template: "$", want: "a$b" },
  { pattern: "x", input: "axb", template: "${", want: "a${b" },
  { pattern: "(a)", input: "a", template: "$2", want: "" },
  // An empty match right after a match is not replaced (Go's replaceAll).
  { pattern: "a*", input: "baaac", template: "X", want: "XbXcX" },
  { pattern: "", input: "ab", template: "-", want: "-a-b-" },
  { pattern: "/", input: "dev/app/db", template: "_", want: "dev_app_db" },
  { pattern: "é", input: "caféé", template: "e", want: "cafee" },
  { pattern: ".", input: "a😀b", template: "[$0]", want: "[a][😀][b]" },
  { pattern: "(?i)DB", input: "db-Db", template: "x", want: "x-x" },
  { pattern: "[[:digit:]]+", input: "a12b3", template: "#", want: "a#b#" },
  { pattern: "\\pL+", input: "äb1", template: "L", want: "L1" },
];

for (const c of cases) {
  test(`compileGoRegexp(${JSON.stringify(c.pattern)}).replaceAll(${JSON.stringify(c.input)}, ${JSON.stringify(c.template)}) gives ${JSON.stringify(c.want)}`, () => {
    assert.equal(compileGoRegexp(c.pattern).replaceAll(c.input, c.template), c.want);
  });
}

test("compileGoRegexp() matches unanchored, like Go's MatchString", () => {
  assert.equal(compileGoRegexp("team").test("ns-team-a"), true);
  assert.equal(compileGoRegexp("^team$").test("ns-team-a"), false);
});

test("compileGoRegexp() rejects what Go rejects, with Go's message", () => {
  for (const pattern of ["(", "(?=a)", "(?<=a)b", "a{1001}", "\\C", "[z-a]"]) {
    assert.throws(() => compileGoRegexp(pattern), /error parsing regexp/, pattern);
  }
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { runCli, type CliResult } from "../../test/support/cli.js";

const run = (args: string[]): CliResult => runCli(args);

test("secretfleet --version prints the package version and exits 0", () => {
  const result = run(["--version"]);
  assert.equal(result.status, 0);
  assert.match(result.stdout, /^\d+\.\d+\.\d+/);
});

test("secretfleet --help lists the program and exits 0", () => {
  const result = run(["--help"]);
  assert.equal(result.status, 0);
  assert.match(result.stdout, /Usage: secretfleet/);
});

test("secretfleet exits 2 on an unknown command", () => {
  const result = run(["no-such-command"]);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /^error: /m);
});

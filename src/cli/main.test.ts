import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { cliPath } from "../../test/support/paths.js";

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cliPath, ...args], { encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

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

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { cliPath } from "../../test/support/paths.js";

test("secretfleet demo seals a sample Secret, opens it again and leaves the files to look at", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "secretfleet-demo-test-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  // 2048 bits keeps the test fast; `npm start` uses the controller's 4096.
  const result = spawnSync(
    process.execPath,
    [cliPath, "demo", "--dir", dir, "--key-size", "2048"],
    { encoding: "utf8" },
  );
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /Generating a 2048-bit RSA sealing key/);
  assert.match(result.stdout, /recovered items: password, username — identical to the input/);
  assert.match(
    result.stdout,
    /moved to team-b, it no longer opens: no key could decrypt secret \(password, username\)/,
  );
  assert.ok(!result.stdout.includes("demo-only-not-a-real-password"), "values are not printed");
  const sealed = readFileSync(join(dir, "sealed.yaml"), "utf8");
  assert.match(sealed, /^---\napiVersion: bitnami.com\/v1alpha1\nkind: SealedSecret\n/);
  const opened = spawnSync(
    process.execPath,
    [
      cliPath,
      "seal",
      "--recovery-unseal",
      "--recovery-private-key",
      join(dir, "key-secret.yaml"),
      "-f",
      join(dir, "sealed.yaml"),
    ],
    { encoding: "utf8" },
  );
  assert.equal(opened.status, 0, opened.stderr);
  assert.match(
    opened.stdout,
    new RegExp(Buffer.from("demo-only-not-a-real-password").toString("base64")),
  );
});

// A key backup written by `secretfleet keys backup` is opened by the age CLI (Debian package
// `age`), with an identity made by age-keygen, and holds the key Secrets as a kubectl v1/List.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { cliPath } from "../support/paths.js";
import { byo2048, byo4096 } from "../support/sealing.js";
import { readRecoveryKeys } from "../../src/sealing/index.js";

test("age -d opens a secretfleet key backup, armored or not, and it lists every key", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "secretfleet-age-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const identity = join(dir, "identity.txt");
  execFileSync("age-keygen", ["-o", identity], { stdio: "ignore" });
  const recipient = execFileSync("age-keygen", ["-y", identity], { encoding: "utf8" }).trim();
  const secrets = [byo2048, byo4096].map((pair, i) => {
    const made = spawnSync(
      process.execPath,
      [
        cliPath,
        "keys",
        "import",
        "--cert",
        pair.certificatePath,
        "--key",
        pair.keyPath,
        "--name",
        `key${i}`,
      ],
      { encoding: "utf8" },
    );
    assert.equal(made.status, 0, made.stderr);
    return made.stdout;
  });
  const list = join(dir, "keys.yaml");
  writeFileSync(list, secrets.join(""));
  for (const armor of [false, true]) {
    const backup = join(dir, armor ? "keys.age.asc" : "keys.age");
    const args = [
      "keys",
      "backup",
      list,
      "-r",
      recipient,
      "-o",
      backup,
      ...(armor ? ["--armor"] : []),
    ];
    const result = spawnSync(process.execPath, [cliPath, ...args], { encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    const head = readFileSync(backup, "latin1").split("\n")[0];
    assert.equal(head, armor ? "-----BEGIN AGE ENCRYPTED FILE-----" : "age-encryption.org/v1");
    const plaintext = execFileSync("age", ["-d", "-i", identity, backup], { encoding: "utf8" });
    assert.match(plaintext, /^apiVersion: v1\nitems:\n/);
    const keys = readRecoveryKeys(plaintext);
    assert.equal(keys.length, 2);
    assert.ok(keys[0]?.equals(byo2048.privateKey));
    assert.ok(keys[1]?.equals(byo4096.privateKey));
  }
});

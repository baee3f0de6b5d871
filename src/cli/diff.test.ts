import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runCli, type CliResult } from "../../test/support/cli.js";

const planted = "planted-live-secret-4d2a";
const b64 = (text: string): string => Buffer.from(text).toString("base64");

function run(args: string[]): CliResult {
  const result = runCli(args);
  assert.ok(
    !(result.stdout + result.stderr).includes(planted) &&
      !(result.stdout + result.stderr).includes(b64(planted)),
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function files(t: { after(fn: () => void): void }): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), "secretfleet-diff-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const write = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  return {
    desired: write(
      "desired.yaml",
      `apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: team-a}\ndata:\n  password: ${b64("placeholder")}\n  user: ${b64("app")}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: team-a}\ndata: {a: "1"}\n`,
    ),
    live: write(
      "live.yaml",
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: team-a\n  managedFields:\n    - manager: externalsecrets.external-secrets.io/db\n      operation: Update\n      fieldsV1: {"f:data": {"f:password": {}}}\n` +
        `data:\n  password: ${b64(planted)}\n  user: ${b64("app")}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: team-a, uid: u1}\ndata: {a: "1"}\nstatus: {x: 1}\n`,
    ),
    rules: write(
      "rules.yaml",
      `- group: ""\n  kind: Secret\n  name: db\n  managedFieldsManagers: [externalsecrets.external-secrets.io/db]\n`,
    ),
    app: write(
      "app.yaml",
      `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a}\nspec:\n  ignoreDifferences:\n    - kind: Secret\n      jqPathExpressions: ['.data.password']\n`,
    ),
    badRules: write("bad.yaml", `- kind: Secret\n  jsonPointers: /data\n`),
  };
}

test("diff shows an ESO-written Secret value as a masked difference, exit 1", (t) => {
  const f = files(t);
  const result = run(["diff", f.desired ?? "", f.live ?? ""]);
  assert.equal(result.status, 1);
  assert.match(result.stdout, /===== \/Secret\/team-a\/db ====== OutOfSync\n/);
  assert.match(result.stdout, /^\+ {3}password: \+{8}$/m);
  assert.match(result.stdout, /^- {3}password: \+{12}$/m);
  assert.match(result.stdout, /===== \/ConfigMap\/team-a\/cfg ====== Synced/);
});

test("diff with managedFieldsManagers or a jq rule is in sync, exit 0, and --explain says why", (t) => {
  const f = files(t);
  const rules = run([
    "diff",
    f.desired ?? "",
    f.live ?? "",
    "--ignore-differences",
    f.rules ?? "",
    "--explain",
  ]);
  assert.equal(rules.status, 0, rules.stdout + rules.stderr);
  assert.match(
    rules.stderr,
    /explain: \/Secret\/team-a\/db: managedFieldsManagers: ignored \/data\/password/,
  );
  const app = run([
    "diff",
    f.desired ?? "",
    f.live ?? "",
    "--ignore-differences",
    f.app ?? "",
    "-o",
    "json",
  ]);
  assert.equal(app.status, 0);
  const report = JSON.parse(app.stdout) as { resource: string; status: string }[];
  assert.deepEqual(
    report.map((r) => r.status),
    ["Synced", "Synced"],
  );
});

test("diff reports bad rule files with exit 2", (t) => {
  const f = files(t);
  const result = run([
    "diff",
    f.desired ?? "",
    f.live ?? "",
    "--ignore-differences",
    f.badRules ?? "",
  ]);
  assert.equal(result.status, 2);
  assert.match(
    result.stderr,
    /^error: ".*bad\.yaml": ignoreDifferences\[0\]\.jsonPointers: must be a list of strings$/m,
  );
  assert.equal(run(["diff", f.desired ?? "", "/nonexistent/live"]).status, 2);
});

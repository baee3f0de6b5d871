import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { cleanEnv, runCli } from "../../test/support/avp-upstream.js";
import { startVaultDouble } from "../../test/support/vault-double.js";

test("secretfleet avp generate --help lists upstream's flags", async () => {
  const result = await runCli(["avp", "generate", "--help"], { env: cleanEnv({}) });
  assert.equal(result.status, 0);
  for (const flag of [
    "--config-path",
    "--secret-name",
    "--verbose-sensitive-output",
    "--disable-token-cache",
  ]) {
    assert.ok(result.stdout.includes(flag), flag);
  }
});

test("secretfleet avp generate exits 1 without printing a planted secret, and prints it only in verbose mode", async (t) => {
  const planted = "PLANTED-9d2b7e";
  const vault = await startVaultDouble();
  t.after(() => vault.close());
  vault.mount("secret", 1);
  vault.writeKv("secret/app", { password: planted });
  const dir = mkdtempSync(join(tmpdir(), "avp-cli-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const file = join(dir, "app.yaml");
  writeFileSync(
    file,
    'kind: Secret\nmetadata:\n  name: app\n  annotations:\n    avp.kubernetes.io/path: secret/app\n    avp.kubernetes.io/kv-version: "1"\nstringData:\n  ok: <password>\n  bad: <password | jsonParse>\n  worse: <password | nope>\n',
  );
  const env = cleanEnv({
    AVP_TYPE: "vault",
    AVP_AUTH_TYPE: "token",
    VAULT_TOKEN: vault.rootToken,
    VAULT_ADDR: vault.address,
    HOME: dir,
  });
  const quiet = await runCli(["avp", "generate", file], { env });
  assert.equal(quiet.status, 1);
  assert.equal(quiet.stdout, "");
  assert.match(quiet.stderr, /^error: Replace: could not replace all placeholders in Template:\n/);
  assert.ok(quiet.stderr.includes(`(in Secret "app" from ${file})`));
  assert.ok(!quiet.stderr.includes(planted), quiet.stderr);
  const loud = await runCli(["avp", "generate", "--verbose-sensitive-output", file], { env });
  assert.equal(loud.status, 1);
  assert.match(loud.stderr, /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d /m);
  assert.ok(loud.stderr.includes(planted), "verbose mode shows values, as upstream documents");
});

test("secretfleet avp generate rejects malformed YAML naming the file and line", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "avp-cli-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  writeFileSync(join(dir, "bad.yaml"), "kind: Pod\nmetadata:\n  name: x\n    broken: here\n");
  const result = await runCli(["avp", "generate", dir], { env: cleanEnv({ HOME: dir }) });
  assert.equal(result.status, 1);
  assert.equal(
    result.stderr,
    `error: could not read YAML/JSON files:\ncould not read file: ${join(dir, "bad.yaml")} from disk: error converting YAML to JSON: yaml: line 4: mapping values are not allowed in this context\n`,
  );
});

test("secretfleet avp generate reads its config Secret (-s) and a kubernetessecret backend through the cluster", async (t) => {
  const { startLocalCluster } = await import("../localcluster/index.js");
  const { kubeClientFromKubeconfig } = await import("../providers/index.js");
  const local = await startLocalCluster();
  t.after(() => local.close());
  const dir = mkdtempSync(join(tmpdir(), "avp-k8s-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(kubeconfig, local.kubeconfig());
  const client = kubeClientFromKubeconfig(local.kubeconfig());
  const b64 = (value: string): string => Buffer.from(value).toString("base64");
  for (const name of ["argocd", "remote"])
    await client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
  await client.create({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "avp-config", namespace: "argocd" },
    data: { avp_type: b64("kubernetessecret") },
  });
  await client.create({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "db", namespace: "remote" },
    data: { user: b64("app"), port: b64("5432") },
  });
  const file = join(dir, "cm.yaml");
  writeFileSync(
    file,
    "kind: ConfigMap\nmetadata:\n  name: cm\n  annotations:\n    avp.kubernetes.io/path: remote:db\ndata:\n  user: <user>\n  port: <path:remote:db#port>\n",
  );
  const env = cleanEnv({ KUBECONFIG: kubeconfig, HOME: dir });
  const result = await runCli(["avp", "generate", "-s", "argocd:avp-config", file], { env });
  assert.equal(result.stderr, "");
  assert.equal(
    result.stdout,
    'data:\n  port: "5432"\n  user: app\nkind: ConfigMap\nmetadata:\n  annotations:\n    avp.kubernetes.io/path: remote:db\n  name: cm\n---\n',
  );
  const missing = await runCli(["avp", "generate", "-s", "nope", file], { env });
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr, 'error: secrets "nope" not found\n');
});

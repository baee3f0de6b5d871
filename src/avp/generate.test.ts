import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { shared, testdata } from "../../test/support/paths.js";
import { startVaultDouble, type VaultDouble } from "../../test/support/vault-double.js";
import { generate, type GenerateRequest } from "./index.js";

interface After {
  after: (fn: () => Promise<void> | void) => void;
}

function tempDir(t: After): string {
  const dir = mkdtempSync(join(tmpdir(), "avp-test-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

async function vaultWith(
  t: After,
  data: Record<string, Record<string, unknown>>,
): Promise<VaultDouble> {
  const vault = await startVaultDouble();
  t.after(() => vault.close());
  vault.mount("path", 1);
  vault.mount("kv", 2);
  for (const [path, values] of Object.entries(data)) vault.writeKv(path, values as never);
  return vault;
}

async function run(
  t: After,
  vault: VaultDouble,
  request: Partial<GenerateRequest> & { path: string },
): Promise<{ stdout: string; error?: Error; verbose: string[] }> {
  let stdout = "";
  const verbose: string[] = [];
  const home = tempDir(t);
  try {
    await generate({
      readStdin: () => Promise.resolve(Buffer.alloc(0)),
      home,
      write: (text) => (stdout += text),
      ...request,
      env: {
        AVP_TYPE: "vault",
        AVP_AUTH_TYPE: "token",
        VAULT_TOKEN: vault.rootToken,
        VAULT_ADDR: vault.address,
        AVP_KV_VERSION: "1",
        VAULT_MAX_RETRIES: "0",
        ...request.env,
      },
      ...(request.verbose === undefined ? {} : { verbose: (line) => verbose.push(line) }),
    });
    return { stdout, verbose };
  } catch (error) {
    return { stdout, error: error as Error, verbose };
  }
}

test("generate() output contains every upstream expected fragment (our inputs, upstream's outputs)", async (t) => {
  const fragmentsDir = shared("upstream", "avp", "expected-fragments");
  if (fragmentsDir === undefined) {
    t.skip("../shared not available");
    return;
  }
  const data = JSON.parse(readFileSync(testdata("avp", "fragments-vault.json"), "utf8")) as Record<
    string,
    Record<string, unknown>
  >;
  const vault = await vaultWith(t, data);
  const result = await run(t, vault, { path: testdata("avp", "fragments") });
  assert.equal(result.error, undefined);
  const fragments = readdirSync(fragmentsDir).sort();
  assert.equal(fragments.length, 13);
  for (const name of fragments) {
    const fragment = readFileSync(join(fragmentsDir, name), "utf8");
    assert.ok(result.stdout.includes(fragment), `${name} not found in:\n${result.stdout}`);
  }
});

test("generate() reports Vault down with upstream's message first, then the manifest and file", async (t) => {
  const vault = await vaultWith(t, {});
  const address = vault.address;
  await vault.close();
  const dir = tempDir(t);
  const file = join(dir, "app.yaml");
  writeFileSync(
    file,
    "kind: ConfigMap\nmetadata:\n  name: app\n  namespace: team\n  annotations:\n    avp.kubernetes.io/path: path/app\ndata:\n  k: <k>\n",
  );
  const result = await run(t, vault, { path: dir, env: { VAULT_ADDR: address } });
  assert.match(
    result.error?.message ?? "",
    /^vault GET "path\/app": cannot reach http:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/,
  );
  assert.ok(
    result.error?.message.endsWith(`\n(in ConfigMap "team/app" from ${file})`),
    result.error?.message,
  );
  assert.equal(result.stdout, "");
});

test("generate() keeps manifests printed before a failing one and fails on a missing path annotation value", async (t) => {
  const vault = await vaultWith(t, { "path/app": { a: "1" } });
  const dir = tempDir(t);
  writeFileSync(
    join(dir, "1.yaml"),
    "kind: ConfigMap\nmetadata:\n  name: one\n  annotations:\n    avp.kubernetes.io/path: path/app\ndata:\n  a: <a>\n",
  );
  writeFileSync(
    join(dir, "2.yaml"),
    "kind: ConfigMap\nmetadata:\n  name: two\n  annotations:\n    avp.kubernetes.io/path: path/none\ndata:\n  a: <a>\n",
  );
  const result = await run(t, vault, { path: dir });
  assert.equal(
    result.stdout,
    'data:\n  a: "1"\nkind: ConfigMap\nmetadata:\n  annotations:\n    avp.kubernetes.io/path: path/app\n  name: one\n---\n',
  );
  assert.equal(result.error?.message.split("\n")[0], "Could not find secrets at path path/none");
});

test("generate() collects every placeholder error of a manifest and never prints a secret value", async (t) => {
  const planted = "PLANTED-c0ffee";
  const vault = await vaultWith(t, { "path/app": { secret: planted, obj: `{"a":"${planted}"}` } });
  const dir = tempDir(t);
  writeFileSync(
    join(dir, "app.yaml"),
    [
      "kind: Deployment",
      "metadata:",
      "  name: app",
      "  annotations:",
      "    avp.kubernetes.io/path: path/app",
      "spec:",
      "  missing: <nope>",
      "  badModifier: <secret | frobnicate>",
      "  badArgs: <secret | base64encode extra>",
      "  badJsonPath: <obj | jsonPath {.b}>",
      "  badIndent: <secret | indent x>",
      "  emptyModifier: <secret | >",
      "  badJson: <secret | jsonParse>",
      "",
    ].join("\n"),
  );
  const result = await run(t, vault, { path: dir });
  const message = result.error?.message ?? "";
  const lines = message.split("\n");
  assert.equal(lines[0], "Replace: could not replace all placeholders in Template:");
  assert.ok(
    lines.includes(
      "replaceString: missing Vault value for placeholder nope in string missing: <nope>",
    ),
  );
  assert.ok(
    lines.includes(
      "invalid modifier: frobnicate for placeholder secret in string badModifier: <secret | frobnicate>",
    ),
  );
  assert.ok(
    lines.includes(
      "base64encode: invalid parameters for placeholder secret in string badArgs: <secret | base64encode extra>",
    ),
  );
  assert.ok(
    lines.includes(
      "jsonPath: b is not found for placeholder obj in string badJsonPath: <obj | jsonPath {.b}>",
    ),
  );
  assert.ok(
    lines.includes(
      "indent: invalid indentation level for placeholder secret in string badIndent: <secret | indent x>",
    ),
  );
  assert.ok(
    lines.includes(
      "invalid modifier: (empty) for placeholder secret in string emptyModifier: <secret | >",
    ),
  );
  assert.ok(
    lines.includes(
      "jsonParse: invalid character 'P' looking for beginning of value for placeholder secret in string badJson: <secret | jsonParse>",
    ),
  );
  assert.ok(!message.includes(planted));
  assert.equal(result.stdout, "");
});

test("generate() in verbose mode logs the steps (values included, as upstream documents)", async (t) => {
  const vault = await vaultWith(t, { "path/app": { secret: "visible-in-verbose" } });
  const dir = tempDir(t);
  writeFileSync(
    join(dir, "app.yaml"),
    "kind: ConfigMap\nmetadata:\n  name: app\n  annotations:\n    avp.kubernetes.io/path: path/app\ndata:\n  k: <secret>\n",
  );
  const quiet = await run(t, vault, { path: dir });
  assert.equal(quiet.verbose.length, 0);
  const loud = await run(t, vault, { path: dir, verbose: () => undefined });
  assert.ok(loud.verbose.some((line) => line.includes("found placeholder secret")));
  assert.ok(loud.verbose.some((line) => line.includes("visible-in-verbose")));
});

test("generate() refuses remove-missing outside Secret and ConfigMap, and removes missing keys inside them", async (t) => {
  const vault = await vaultWith(t, { "path/app": { a: "1" } });
  const dir = tempDir(t);
  const manifest = (kind: string): string =>
    `kind: ${kind}\nmetadata:\n  name: x\n  annotations:\n    avp.kubernetes.io/path: path/app\n    avp.kubernetes.io/remove-missing: "true"\ndata:\n  a: <a>\n  b: <b>\n  list:\n  - <b>\n`;
  writeFileSync(join(dir, "d.yaml"), manifest("Deployment"));
  const refused = await run(t, vault, { path: join(dir, "d.yaml") });
  assert.equal(
    refused.error?.message.split("\n").slice(0, 2).join("\n"),
    "Replace: could not replace all placeholders in Template:\navp.kubernetes.io/remove-missing annotation can only be used on Secret or ConfigMap resources",
  );
  writeFileSync(join(dir, "c.yaml"), manifest("ConfigMap").replace("  list:\n  - <b>\n", ""));
  const kept = await run(t, vault, { path: join(dir, "c.yaml") });
  assert.equal(kept.error, undefined);
  assert.match(kept.stdout, /^data:\n {2}a: "1"\nkind: ConfigMap\n/);
});

test("generate() applies AVP_PATH_VALIDATION to annotation and inline paths (unanchored RE2)", async (t) => {
  const vault = await vaultWith(t, { "path/app": { a: "1" } });
  const dir = tempDir(t);
  writeFileSync(
    join(dir, "app.yaml"),
    "kind: Pod\nmetadata:\n  name: x\nspec:\n  v: <path:path/other#a>\n",
  );
  const result = await run(t, vault, { path: dir, env: { AVP_PATH_VALIDATION: "^path/app$" } });
  assert.match(
    result.error?.message ?? "",
    /the path path\/other is disallowed by AVP_PATH_VALIDATION restriction/,
  );
  const allowed = await run(t, vault, { path: dir, env: { AVP_PATH_VALIDATION: "path/" } });
  assert.equal(allowed.error?.message.split("\n")[1], "Could not find secrets at path path/other");
});

test("generate() reads configuration from --config-path, and ARGOCD_ENV_ variables win", async (t) => {
  const vault = await vaultWith(t, { "path/app": { a: "from-vault" } });
  const dir = tempDir(t);
  const manifests = join(dir, "m");
  const config = join(dir, "avp.env");
  writeFileSync(
    config,
    `AVP_TYPE=vault\nAVP_AUTH_TYPE=token\nVAULT_ADDR=${vault.address}\nVAULT_TOKEN=${vault.rootToken}\nAVP_KV_VERSION=2\n`,
  );
  rmSync(manifests, { force: true, recursive: true });
  writeFileSync(
    join(dir, "x.yaml"),
    "kind: Pod\nmetadata:\n  name: x\nspec:\n  v: <path:path/app#a>\n",
  );
  const result = await run(t, vault, {
    path: join(dir, "x.yaml"),
    configPath: config,
    env: {
      AVP_TYPE: "",
      VAULT_ADDR: "http://127.0.0.1:1",
      VAULT_TOKEN: "",
      AVP_KV_VERSION: "",
      ARGOCD_ENV_AVP_KV_VERSION: "1",
    },
  });
  assert.equal(result.error, undefined);
  assert.equal(result.stdout, "kind: Pod\nmetadata:\n  name: x\nspec:\n  v: from-vault\n---\n");
});

test("generate() names each configuration problem as upstream does", async (t) => {
  const vault = await vaultWith(t, {});
  const dir = tempDir(t);
  writeFileSync(join(dir, "x.yaml"), "kind: Pod\nmetadata:\n  name: x\n");
  const cases: [Record<string, string>, string][] = [
    [{ AVP_TYPE: "nope" }, "Must provide a supported Vault Type, received nope"],
    [{ AVP_AUTH_TYPE: "magic" }, "Must provide a supported Authentication Type, received magic"],
    [
      { AVP_AUTH_TYPE: "approle" },
      "AVP_ROLE_ID and AVP_SECRET_ID for approle authentication cannot be empty",
    ],
    [{ AVP_AUTH_TYPE: "k8s" }, "AVP_K8S_ROLE cannot be empty when using Kubernetes Auth"],
    [{ VAULT_TOKEN: "" }, "VAULT_TOKEN for token authentication cannot be empty"],
  ];
  for (const [env, message] of cases) {
    const result = await run(t, vault, { path: dir, env });
    assert.equal(result.error?.message, message);
  }
  const badConfig = join(dir, "config.toml");
  writeFileSync(badConfig, "a = 1\n");
  assert.equal(
    (await run(t, vault, { path: dir, configPath: badConfig })).error?.message,
    'Unsupported Config Type "toml"',
  );
  assert.equal(
    (await run(t, vault, { path: dir, configPath: join(dir, "none.yaml") })).error?.message,
    `open ${join(dir, "none.yaml")}: no such file or directory`,
  );
});

test("generate() reports unreadable and malformed files together, naming each file", async (t) => {
  const vault = await vaultWith(t, {});
  const dir = tempDir(t);
  writeFileSync(join(dir, "a.yaml"), "kind: Pod\nmetadata: [\n");
  writeFileSync(join(dir, "b.json"), '{"kind": "Pod", }');
  writeFileSync(join(dir, "c.yaml"), "metadata: {}\n");
  const result = await run(t, vault, { path: dir });
  assert.equal(
    result.error?.message,
    [
      "could not read YAML/JSON files:",
      `could not read file: ${join(dir, "a.yaml")} from disk: error converting YAML to JSON: yaml: line 2: did not find expected key`,
      `could not read file: ${join(dir, "b.json")} from disk: invalid character '}' looking for beginning of object key string`,
      `could not read file: ${join(dir, "c.yaml")} from disk: error unmarshaling JSON: while decoding JSON: Object 'Kind' is missing in '{"metadata":{}}'`,
    ].join("\n"),
  );
});

test("generate() reads values from a SOPS file decrypted by src/sops (AVP_TYPE=sops)", async (t) => {
  const sopsDir = shared("upstream", "sops");
  if (sopsDir === undefined) {
    t.skip("../shared not available");
    return;
  }
  const gnupgHome = tempDir(t);
  const imported = spawnSync(
    "gpg",
    [
      "--homedir",
      gnupgHome,
      "--batch",
      "--import",
      join(sopsDir, "keys", "pgp", "sops_functional_tests_key.asc"),
    ],
    { encoding: "utf8" },
  );
  if (imported.status !== 0) {
    t.skip(`gpg cannot import the sops test key: ${imported.stderr}`);
    return;
  }
  const vault = await vaultWith(t, {});
  const dir = tempDir(t);
  const encrypted = join(sopsDir, "example.yaml");
  writeFileSync(
    join(dir, "app.yaml"),
    `kind: Secret\nmetadata:\n  name: app\n  annotations:\n    avp.kubernetes.io/path: ${encrypted}\nstringData:\n  top: <myapp1>\n  user: <app2 | jsonPath {.db.user}>\n  inline: <path:${encrypted}#myapp1>\n`,
  );
  const result = await run(t, vault, {
    path: dir,
    env: { AVP_TYPE: "sops", GNUPGHOME: gnupgHome },
  });
  assert.equal(result.error, undefined, result.error?.message);
  assert.match(
    result.stdout,
    /\n {2}inline: t00m4nys3cr3tzupdated\n {2}top: t00m4nys3cr3tzupdated\n {2}user: eve\n/,
  );
  const missing = await run(t, vault, {
    path: dir,
    env: { AVP_TYPE: "sops", GNUPGHOME: tempDir(t) },
  });
  assert.match(missing.error?.message ?? "", new RegExp(`^Could not find file ${encrypted} - `));
});

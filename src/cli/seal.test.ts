import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { cliPath } from "../../test/support/paths.js";
import { byo2048, byo4096, sealingData } from "../../test/support/sealing.js";
import {
  decodeSealedSecret,
  hybridDecrypt,
  labelFor,
  parseManifests,
  Scope,
} from "../sealing/index.js";

const PLANTED = "pl4nted-S3CRET-value";
const PLANTED_B64 = Buffer.from(PLANTED).toString("base64");

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(
  args: string[],
  options: { input?: string; env?: Record<string, string>; cwd?: string } = {},
): Run {
  const inherited = Object.entries(process.env).filter(
    ([key]) => !key.startsWith("SEALED_SECRETS_"),
  );
  const env = { ...Object.fromEntries(inherited), KUBECONFIG: "/nonexistent", ...options.env };
  const result = spawnSync(process.execPath, [cliPath, ...args], {
    input: options.input ?? "",
    encoding: "utf8",
    env,
    cwd: options.cwd,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function workdir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), "secretfleet-seal-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

const secretYaml = (extra = "", data = `  password: ${PLANTED_B64}\n`): string =>
  `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: team-a\n${extra}data:\n${data}`;

function openItem(
  blob: string,
  key = byo2048.privateKey,
  namespace = "team-a",
  name = "db",
): string {
  return hybridDecrypt(
    [key],
    Buffer.from(blob, "base64"),
    labelFor(namespace, name, Scope.strict),
  ).toString();
}

test("seal seals YAML input to kubeseal's JSON and recovery-unseal opens it again", () => {
  const sealed = run(["seal", "--cert", byo2048.certificatePath], { input: secretYaml() });
  assert.equal(sealed.status, 0, sealed.stderr);
  assert.match(
    sealed.stdout,
    /^\{\n {2}"kind": "SealedSecret",\n {2}"apiVersion": "bitnami.com\/v1alpha1",\n/,
  );
  assert.ok(!sealed.stdout.includes(PLANTED) && !sealed.stdout.includes(PLANTED_B64));
  const object = decodeSealedSecret(parseManifests(sealed.stdout)[0]!);
  assert.equal(openItem(object.spec.encryptedData.password!), PLANTED);
  const opened = run(
    [
      "seal",
      "--recovery-unseal",
      "--recovery-private-key",
      `${byo4096.keyPath},${byo2048.keyPath}`,
      "-o",
      "yaml",
    ],
    {
      input: sealed.stdout,
    },
  );
  assert.equal(opened.status, 0, opened.stderr);
  assert.match(
    opened.stdout,
    new RegExp(`^---\\napiVersion: v1\\ndata:\\n  password: ${PLANTED_B64}\\nkind: Secret\\n`),
  );
});

test("seal -w writes the file atomically and leaves the old one untouched on error", (t) => {
  const dir = workdir(t);
  const out = join(dir, "db.yaml");
  writeFileSync(join(dir, "secret.yaml"), secretYaml());
  assert.equal(
    run(["seal", "--cert", byo2048.certificatePath, "-f", join(dir, "secret.yaml"), "-w", out])
      .status,
    0,
  );
  const first = readFileSync(out, "utf8");
  assert.match(first, /^---\napiVersion: bitnami.com\/v1alpha1\n/, ".yaml forces YAML");
  const failed = run([
    "seal",
    "--cert",
    sealingData("expired-2048.crt"),
    "-f",
    join(dir, "secret.yaml"),
    "-w",
    out,
  ]);
  assert.equal(failed.status, 1);
  assert.equal(failed.stdout, "");
  assert.equal(readFileSync(out, "utf8"), first);
  assert.deepEqual(readdirSync(dir).sort(), ["db.yaml", "secret.yaml"]);
});

test("seal reports each of kubeseal's errors with its message, exit 1, and never the secret", (t) => {
  const dir = workdir(t);
  const cert = ["--cert", byo2048.certificatePath];
  const cases: {
    name: string;
    args: string[];
    input?: string;
    message: string | RegExp;
    status?: number;
  }[] = [
    {
      name: "not YAML",
      args: cert,
      input: `data: {password: "${PLANTED}"\n  x: [`,
      message: /^error: stdin: document 1: invalid YAML at line \d+, column \d+/,
    },
    {
      name: "not JSON",
      args: cert,
      input: `{"data": {"password": "${PLANTED}"`,
      message: /^error: stdin: document 1: invalid JSON/,
    },
    {
      name: "not a Secret",
      args: cert,
      input: `kind: ConfigMap\nmetadata: {name: cm}\ndata: {a: "${PLANTED}"}\n`,
      message: 'error: stdin: document 1 ("cm"): not a v1/Secret (apiVersion "", kind "ConfigMap")',
    },
    {
      name: "invalid base64",
      args: cert,
      input: secretYaml("", `  password: "${PLANTED}"\n`),
      message:
        'error: stdin: document 1 ("team-a/db"): data.password: illegal base64 data at input byte 7',
    },
    {
      name: "missing name",
      args: cert,
      input: `metadata: {namespace: x}\nstringData: {a: "${PLANTED}"}\n`,
      message: "error: missing metadata.name in input Secret",
    },
    {
      name: "empty data",
      args: cert,
      input: "metadata: {name: x, namespace: ns}\n",
      message:
        "error: secret.data is empty in input Secret, assuming this is an error and aborting. To work with empty data, --allow-empty-data can be used",
    },
    {
      name: "no documents",
      args: cert,
      input: "---\n",
      message: "error: no secrets found. Ensure the input is valid and UTF-8 encoded",
    },
    {
      name: "namespace mismatch",
      args: [...cert, "-n", "prod"],
      input: secretYaml(),
      message:
        'error: namespace mismatch: input secret is in namespace "team-a" but "prod" was specified',
    },
    {
      name: "expired certificate",
      args: ["--cert", sealingData("expired-2048.crt")],
      input: secretYaml(),
      message: "error: failed to encrypt using an expired certificate on January 2, 2021",
    },
    {
      name: "non-RSA certificate",
      args: ["--cert", sealingData("ec.crt")],
      input: secretYaml(),
      message: "error: expected RSA public key but found EC key",
    },
    {
      name: "bare public key",
      args: ["--cert", sealingData("byo-2048.pub.pem")],
      input: secretYaml(),
      message: "error: data does not contain any valid RSA or ECDSA certificates",
    },
    {
      name: "missing certificate",
      args: ["--cert", join(dir, "nope.pem")],
      input: secretYaml(),
      message: `error: open ${join(dir, "nope.pem")}: no such file or directory`,
    },
    {
      name: "missing input file",
      args: [...cert, "-f", join(dir, "nope.yaml")],
      message: "error: Could not read file specified with --secret-file",
    },
    {
      name: "--from-file without --raw",
      args: [...cert, "--from-file", "x"],
      message: "error: --from-file requires --raw",
    },
    {
      name: "--raw strict without --name",
      args: [...cert, "--raw", "-n", "x"],
      input: PLANTED,
      message: "error: must provide the --name flag with --raw and --scope strict",
    },
    {
      name: "--raw two --from-file",
      args: [...cert, "--raw", "--name", "a", "-n", "x", "--from-file", "a,b"],
      message: "error: must provide only one --from-file when encrypting a single item with --raw",
    },
    {
      name: "bad format",
      args: [...cert, "-o", "xml"],
      input: secretYaml(),
      message: "error: unsupported output format: xml",
    },
    {
      name: "bad scope",
      args: [...cert, "--scope", "bogus"],
      input: secretYaml(),
      message: /must be one of: strict, namespace-wide, cluster-wide/,
      status: 2,
    },
    {
      name: "validate without a cluster",
      args: ["--validate"],
      input: "",
      message: "error: no kubeconfig found: none of KUBECONFIG's files exist (/nonexistent)",
    },
    {
      name: "fetch-cert without a cluster",
      args: ["--fetch-cert"],
      message: "error: no kubeconfig found: none of KUBECONFIG's files exist (/nonexistent)",
    },
  ];
  for (const { name, args, input, message, status } of cases) {
    const result = run(["seal", ...args], input === undefined ? {} : { input });
    assert.equal(result.status, status ?? 1, `${name}: ${result.stderr}`);
    const firstLine = result.stderr.split("\n")[0] ?? "";
    if (typeof message === "string") assert.equal(firstLine, message, name);
    else assert.match(result.stderr, message, name);
    assert.ok(
      !`${result.stdout}${result.stderr}`.includes(PLANTED),
      `${name}: the planted value leaked`,
    );
    assert.ok(
      !`${result.stdout}${result.stderr}`.includes(PLANTED_B64),
      `${name}: the planted value leaked`,
    );
  }
});

test("seal --recovery-unseal fails on a wrong key, a tampered or truncated item, and names no value", () => {
  const sealed = run(["seal", "--cert", byo2048.certificatePath], { input: secretYaml() }).stdout;
  const object = JSON.parse(sealed) as { spec: { encryptedData: Record<string, string> } };
  const blob = Buffer.from(object.spec.encryptedData.password!, "base64");
  const tampered = Buffer.from(blob);
  tampered[270] = (tampered[270] ?? 0) ^ 0xff; // inside the AES-GCM part
  const variants: [string, string, string][] = [
    ["wrong key", sealed, byo4096.keyPath],
    [
      "tampered",
      sealed.replace(object.spec.encryptedData.password!, tampered.toString("base64")),
      byo2048.keyPath,
    ],
    [
      "truncated",
      sealed.replace(object.spec.encryptedData.password!, blob.subarray(0, 200).toString("base64")),
      byo2048.keyPath,
    ],
  ];
  for (const [name, input, key] of variants) {
    const result = run(["seal", "--recovery-unseal", "--recovery-private-key", key], { input });
    assert.equal(result.status, 1, name);
    assert.equal(result.stderr, "error: no key could decrypt secret (password)\n", name);
    assert.equal(result.stdout, "", name);
  }
  const bad = run(
    ["seal", "--recovery-unseal", "--recovery-private-key", sealingData("byo-2048.crt")],
    { input: sealed },
  );
  assert.equal(
    bad.stderr,
    "error: no key could decrypt secret (password)\n",
    "a certificate file contributes no key",
  );
});

test("seal reads SEALED_SECRETS_* variables; the command line wins and bad values are ignored", () => {
  const viaEnv = run(["seal"], {
    input: secretYaml(),
    env: {
      SEALED_SECRETS_CERT: byo2048.certificatePath,
      SEALED_SECRETS_FORMAT: "YAML",
      SEALED_SECRETS_SCOPE: "bogus",
    },
  });
  assert.equal(viaEnv.status, 0, viaEnv.stderr);
  assert.match(viaEnv.stdout, /^---\n/);
  assert.doesNotMatch(viaEnv.stdout, /namespace-wide|cluster-wide/);
  const cliWins = run(["seal", "-o", "json", "--scope", "namespace-wide"], {
    input: secretYaml(),
    env: { SEALED_SECRETS_CERT: byo2048.certificatePath, SEALED_SECRETS_FORMAT: "yaml" },
  });
  assert.match(cliWins.stdout, /^\{/);
  assert.match(cliWins.stdout, /"sealedsecrets.bitnami.com\/namespace-wide": "true"/);
  const mismatch = run(["seal"], {
    input: secretYaml(),
    env: { SEALED_SECRETS_CERT: byo2048.certificatePath, SEALED_SECRETS_NAMESPACE: "other" },
  });
  assert.match(
    mismatch.stderr,
    /^error: namespace mismatch/,
    "SEALED_SECRETS_NAMESPACE counts as explicit",
  );
  const keys = run(["seal", "--recovery-unseal", "--recovery-private-key", byo2048.keyPath], {
    input: cliWins.stdout,
    env: { SEALED_SECRETS_RECOVERY_PRIVATE_KEY: byo4096.keyPath },
  });
  assert.equal(keys.status, 0, "env list and command-line list are combined");
});

test("seal takes the namespace from the kubeconfig context when the Secret has none", (t) => {
  const dir = workdir(t);
  const kubeconfig = join(dir, "config");
  writeFileSync(
    kubeconfig,
    "apiVersion: v1\nkind: Config\ncurrent-context: dev\ncontexts:\n- name: dev\n  context: {cluster: c, namespace: from-kubeconfig}\n- name: other\n  context: {cluster: c, namespace: other-ns}\n",
  );
  const input = `metadata: {name: db}\nstringData: {password: x}\n`;
  const viaEnv = run(["seal", "--cert", byo2048.certificatePath, "-o", "yaml"], {
    input,
    env: { KUBECONFIG: kubeconfig },
  });
  assert.match(viaEnv.stdout, /\n {2}namespace: from-kubeconfig\n/);
  const viaFlag = run(
    [
      "seal",
      "--cert",
      byo2048.certificatePath,
      "-o",
      "yaml",
      "--kubeconfig",
      kubeconfig,
      "--context",
      "other",
    ],
    { input },
  );
  assert.match(viaFlag.stdout, /\n {2}namespace: other-ns\n/);
  const fallback = run(["seal", "--cert", byo2048.certificatePath, "-o", "yaml"], { input });
  assert.match(fallback.stdout, /\n {2}namespace: default\n/);
});

test("seal --raw prints bare base64 bound to the chosen scope", (t) => {
  const dir = workdir(t);
  writeFileSync(join(dir, "value"), "v\n");
  const raw = run([
    "seal",
    "--raw",
    "--cert",
    byo2048.certificatePath,
    "--name",
    "db",
    "-n",
    "team-a",
    "--from-file",
    `key=${join(dir, "value")}`,
  ]);
  assert.equal(raw.status, 0, raw.stderr);
  assert.doesNotMatch(raw.stdout, /\n/);
  assert.equal(openItem(raw.stdout), "v\n");
  const wide = run(
    ["seal", "--raw", "--cert", byo2048.certificatePath, "--scope", "cluster-wide"],
    { input: "x" },
  );
  assert.equal(
    hybridDecrypt(
      [byo2048.privateKey],
      Buffer.from(wide.stdout, "base64"),
      Buffer.alloc(0),
    ).toString(),
    "x",
  );
});

test("seal --merge-into adds items to an existing SealedSecret file in place", (t) => {
  const dir = workdir(t);
  const target = join(dir, "sealed.json");
  writeFileSync(
    target,
    run(["seal", "--cert", byo2048.certificatePath], { input: secretYaml("  labels: {a: one}\n") })
      .stdout,
  );
  const merged = run(["seal", "--cert", byo2048.certificatePath, "--merge-into", target], {
    input:
      "metadata: {name: ignored, namespace: ignored, labels: {b: two}}\nstringData: {user: admin}\n",
  });
  assert.equal(merged.status, 0, merged.stderr);
  assert.equal(merged.stdout, "");
  const object = decodeSealedSecret(parseManifests(readFileSync(target, "utf8"))[0]!);
  assert.deepEqual(Object.keys(object.spec.encryptedData).sort(), ["password", "user"]);
  assert.deepEqual(object.spec.template?.metadata?.labels, { a: "one", b: "two" });
  assert.equal(
    openItem(object.spec.encryptedData.user!),
    "admin",
    "sealed for the file's name and namespace",
  );
});

test("seal for a fleet writes one file per certificate, or none when one certificate fails", (t) => {
  const dir = workdir(t);
  const pattern = join(dir, "clusters", "{name}", "db.yaml");
  const ok = run(
    [
      "seal",
      "--cert",
      `prod=${byo2048.certificatePath}`,
      "--cert",
      `stage=${byo4096.certificatePath}`,
      "-w",
      pattern,
    ],
    { input: secretYaml() },
  );
  assert.equal(ok.status, 0, ok.stderr);
  const read = (member: string): string => {
    const object = decodeSealedSecret(
      parseManifests(readFileSync(pattern.replace("{name}", member), "utf8"))[0]!,
    );
    return object.spec.encryptedData.password!;
  };
  assert.equal(openItem(read("prod"), byo2048.privateKey), PLANTED);
  assert.equal(openItem(read("stage"), byo4096.privateKey), PLANTED);
  const failing = join(dir, "failing", "{name}.yaml");
  const bad = run(
    [
      "seal",
      "--cert",
      `a=${byo2048.certificatePath}`,
      "--cert",
      `b=${sealingData("expired-2048.crt")}`,
      "-w",
      failing,
    ],
    { input: secretYaml() },
  );
  assert.equal(bad.status, 1);
  assert.equal(
    bad.stderr,
    'error: certificate of "b": failed to encrypt using an expired certificate on January 2, 2021\n',
  );
  assert.throws(() => readdirSync(join(dir, "failing")), "nothing written");
  const noTemplate = run(
    ["seal", "--cert", `a=${byo2048.certificatePath}`, "--cert", `b=${byo4096.certificatePath}`],
    { input: secretYaml() },
  );
  assert.match(noTemplate.stderr, /^error: fleet sealing needs -w with \{name\}/);
});

test("seal for a fleet names the file it cannot write and leaves no file behind", (t) => {
  const dir = workdir(t);
  // A file where member "blocked" needs its folder; prod's file is staged first and works.
  writeFileSync(join(dir, "blocked"), "");
  const result = run(
    [
      "seal",
      "--cert",
      `prod=${byo2048.certificatePath}`,
      "--cert",
      `blocked=${byo4096.certificatePath}`,
      "-w",
      join(dir, "{name}", "db.yaml"),
    ],
    { input: secretYaml() },
  );
  assert.equal(result.status, 1);
  assert.match(
    result.stderr,
    new RegExp(`^error: cannot write "${join(dir, "blocked", "db.yaml")}": EEXIST`),
  );
  assert.deepEqual(readdirSync(dir).sort(), ["blocked", "prod"]);
  assert.deepEqual(readdirSync(join(dir, "prod")), [], "prod's temporary file is removed");
});

test("seal --cert reads http URLs and reports a failed fetch with its status", async (t) => {
  const server = createServer((request, response) => {
    if (request.url === "/v1/cert.pem") response.end(byo2048.certificatePem);
    else {
      response.statusCode = 404;
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => server.close());
  const address = server.address();
  assert.ok(typeof address === "object" && address !== null);
  const base = `http://127.0.0.1:${address.port}`;
  const exec = promisify(execFile);
  const env = { ...process.env, KUBECONFIG: "/nonexistent" };
  const sealed = await exec(
    process.execPath,
    [
      cliPath,
      "seal",
      "--cert",
      `${base}/v1/cert.pem`,
      "--raw",
      "--scope",
      "cluster-wide",
      "--from-file",
      byo2048.certificatePath,
    ],
    { env },
  );
  assert.match(sealed.stdout, /^AQ[A-D]/);
  const fetched = await exec(
    process.execPath,
    [cliPath, "seal", "--cert", `${base}/v1/cert.pem`, "--fetch-cert"],
    { env },
  );
  assert.equal(fetched.stdout, byo2048.certificatePem);
  await assert.rejects(
    exec(process.execPath, [cliPath, "seal", "--cert", `${base}/missing`, "--fetch-cert"], { env }),
    (error: { stderr: string; code: number }) => {
      assert.equal(error.stderr, `error: cannot fetch "${base}/missing": 404 Not Found\n`);
      assert.equal(error.code, 1);
      return true;
    },
  );
});

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { stringify } from "yaml";
import { testdata } from "../../test/support/paths.js";
import { runCli } from "../../test/support/cli.js";
import { keySecret, sealedFor, testKey } from "../../test/support/sealed-secrets.js";
import { byo2048, byo4096 } from "../../test/support/sealing.js";
import { decodeSecret, parseKeySecret, parseManifests, sealingKeyLabel } from "../sealing/index.js";

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], input = ""): Run {
  return runCli(args, { input, env: { ...process.env, KUBECONFIG: "/nonexistent" } });
}

function workdir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), "secretfleet-keys-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

function keySecretFile(dir: string, name: string, pair: typeof byo2048): string {
  const result = run([
    "keys",
    "import",
    "--cert",
    pair.certificatePath,
    "--key",
    pair.keyPath,
    "--name",
    name,
  ]);
  assert.equal(result.status, 0, result.stderr);
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, result.stdout);
  return path;
}

test("keys import turns an openssl BYO pair into the controller's labelled key Secret", () => {
  const result = run([
    "keys",
    "import",
    "--cert",
    byo4096.certificatePath,
    "--key",
    byo4096.keyPath,
    "-n",
    "sealed-secrets",
  ]);
  assert.equal(result.status, 0, result.stderr);
  const secret = decodeSecret(parseManifests(result.stdout)[0]!);
  assert.equal(secret.type, "kubernetes.io/tls");
  assert.equal(secret.metadata.namespace, "sealed-secrets");
  assert.equal(secret.metadata.labels?.[sealingKeyLabel], "active");
  assert.match(
    Buffer.from(secret.data!["tls.key"]!, "base64").toString(),
    /^-----BEGIN RSA PRIVATE KEY-----\n/,
    "PKCS#1 as the controller stores it",
  );
  assert.ok(parseKeySecret(secret).privateKey.equals(byo4096.privateKey));
  assert.ok(!result.stderr.includes("PRIVATE KEY"));
});

test("keys import refuses a key that does not belong to the certificate", () => {
  const result = run([
    "keys",
    "import",
    "--cert",
    byo4096.certificatePath,
    "--key",
    byo2048.keyPath,
  ]);
  assert.equal(result.status, 1);
  assert.equal(
    result.stderr,
    `error: "${byo2048.keyPath}" is not the private key of "${byo4096.certificatePath}"\n`,
  );
  assert.equal(result.stdout, "");
});

test("keys generate writes a certificate that seals and a key that opens", (t) => {
  const dir = workdir(t);
  const [cert, key, secret] = ["cert.pem", "key.pem", "key-secret.yaml"].map((name) =>
    join(dir, name),
  ) as [string, string, string];
  const generated = run([
    "keys",
    "generate",
    "--key-size",
    "2048",
    "--cert-out",
    cert,
    "--key-out",
    key,
    "--secret-out",
    secret,
  ]);
  assert.equal(generated.status, 0, generated.stderr);
  assert.match(generated.stderr, /generating a 2048-bit RSA sealing key/);
  assert.equal(statSync(key).mode & 0o777, 0o600);
  assert.equal(statSync(secret).mode & 0o777, 0o600);
  const sealed = run(["seal", "--cert", cert, "--raw", "--scope", "cluster-wide"], "x");
  assert.equal(sealed.status, 0, sealed.stderr);
  const object = `{"apiVersion":"bitnami.com/v1alpha1","kind":"SealedSecret","metadata":{"name":"a","namespace":"b","annotations":{"sealedsecrets.bitnami.com/cluster-wide":"true"}},"spec":{"encryptedData":{"k":"${sealed.stdout}"}}}`;
  for (const keyFile of [key, secret]) {
    const opened = run(["seal", "--recovery-unseal", "--recovery-private-key", keyFile], object);
    assert.equal(opened.status, 0, opened.stderr);
    assert.match(opened.stdout, /"k": "eA=="/);
  }
});

test("keys backup encrypts key Secrets to age recipients; restore and verify-backup open it", (t) => {
  const dir = workdir(t);
  const identity = generateIdentity();
  const identityFile = join(dir, "identity.txt");
  return identity.then(async (secretKey) => {
    writeFileSync(identityFile, `# test identity\n${secretKey}\n`);
    const recipient = await identityToRecipient(secretKey);
    const backupFile = join(dir, "keys.age");
    const keyA = keySecretFile(dir, "sealed-secrets-keya", byo2048);
    const made = run(["keys", "backup", keyA, "-r", recipient, "-o", backupFile]);
    assert.equal(made.status, 0, made.stderr);
    const bytes = readFileSync(backupFile);
    assert.match(bytes.toString("latin1"), /^age-encryption\.org\/v1\n/);
    assert.ok(
      !bytes.toString("latin1").includes("PRIVATE KEY") &&
        !bytes.toString("latin1").includes("tls.key"),
    );
    const restored = run(["keys", "restore", backupFile, "-i", identityFile]);
    assert.equal(restored.status, 0, restored.stderr);
    assert.match(restored.stdout, /^apiVersion: v1\nitems:\n- apiVersion: v1\n/);
    assert.ok(
      parseKeySecret(
        decodeSecret({
          index: 1,
          value: (parseManifests(restored.stdout)[0]!.value as { items: unknown[] }).items[0],
        }),
      ).privateKey.equals(byo2048.privateKey),
    );

    const repo = join(dir, "repo");
    mkdirSync(join(repo, "clusters", "prod"), { recursive: true });
    const secretYaml =
      "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: team-a}\nstringData: {password: x}\n";
    const seal = (pair: typeof byo2048, path: string): void => {
      const result = run(["seal", "--cert", pair.certificatePath, "-w", path], secretYaml);
      assert.equal(result.status, 0, result.stderr);
    };
    seal(byo2048, join(repo, "clusters", "prod", "db.yaml"));
    writeFileSync(
      join(repo, "clusters", "prod", "other.yaml"),
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
    );
    const good = run(["keys", "verify-backup", backupFile, repo, "-i", identityFile]);
    assert.equal(good.status, 0, good.stderr);
    assert.match(
      good.stdout,
      /^clusters\/prod\/db\.yaml: SealedSecret "team-a\/db": opened by key "sealed-secrets-keya" \(SHA256:/,
    );

    seal(byo4096, join(repo, "clusters", "stage.json"));
    const bad = run(["keys", "verify-backup", backupFile, repo, "-i", identityFile, "--json"]);
    assert.equal(bad.status, 1);
    assert.equal(
      bad.stderr.split("\n").at(-2),
      'error: no key in the backup opens "clusters/stage.json"',
    );
    const report = JSON.parse(bad.stdout) as {
      unopened: number;
      results: { file: string; key: string | null }[];
    };
    assert.equal(report.unopened, 1);
    assert.deepEqual(
      report.results.map((result) => [result.file, result.key]),
      [
        ["clusters/prod/db.yaml", "sealed-secrets-keya"],
        ["clusters/stage.json", null],
      ],
    );
    const wrongIdentity = join(dir, "other.txt");
    writeFileSync(wrongIdentity, `${await generateIdentity()}\n`);
    const refused = run(["keys", "restore", backupFile, "-i", wrongIdentity]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /^error: cannot open backup /);
  });
});

interface KeyReportJson {
  keys: {
    name: string;
    fingerprint: string;
    state: string | null;
    sealedSecrets: { object: string; source: string }[];
  }[];
  unopened: { object: string; source: string; items: string[]; error?: string }[];
  sealedSecrets: number;
  rsaOperations: number;
}

// A repository sealed with keys a and b (one SealedSecret with an item of each), and the key files
// `keys report` is given: a (active), b (compromised) and c (a bare PEM key nothing depends on).
function reportRepo(dir: string): { repo: string; keyArgs: string[] } {
  const [a, b] = [testKey("a"), testKey("b")];
  const repo = join(dir, "repo");
  mkdirSync(join(repo, "clusters", "a"), { recursive: true });
  mkdirSync(join(repo, "clusters", "b"), { recursive: true });
  const put = (path: string, value: unknown): void => {
    writeFileSync(join(repo, path), stringify(value));
  };
  put("clusters/a/db.yaml", sealedFor(a, "team-a", "db", { password: "p" }));
  put("clusters/a/web.yaml", sealedFor(a, "team-a", "web", { token: "t" }));
  put("clusters/b/api.yaml", sealedFor(b, "team-b", "api", { key: "k" }));
  const mixed = sealedFor(a, "team-a", "mixed", { x: "1" });
  mixed.spec.encryptedData.y =
    sealedFor(b, "team-a", "mixed", { y: "2" }).spec.encryptedData.y ?? "";
  put("clusters/mixed.yaml", mixed);
  put("clusters/config.yaml", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } });
  writeFileSync(join(repo, "clusters", "notes.yaml"), "{ not: [yaml");
  const keyA = join(dir, "a.yaml");
  const keyB = join(dir, "b.yaml");
  writeFileSync(keyA, stringify(keySecret(a, { name: "sealed-secrets-keyaaaaa" })));
  writeFileSync(
    keyB,
    stringify(keySecret(b, { name: "sealed-secrets-keybbbbb", state: "compromised" })),
  );
  return {
    repo,
    keyArgs: ["--key", keyA, "--key", keyB, "--key", testdata("sealedsecrets", "key-c.key")],
  };
}

test("keys report lists which SealedSecrets depend on which key, and the keys nothing needs", (t) => {
  const dir = workdir(t);
  const { repo, keyArgs } = reportRepo(dir);
  const json = run(["keys", "report", repo, ...keyArgs, "-o", "json"]);
  assert.equal(json.status, 0, json.stderr);
  const report = JSON.parse(json.stdout) as KeyReportJson;
  const keyC = testdata("sealedsecrets", "key-c.key");
  assert.deepEqual(
    report.keys.map((key) => [key.name, key.state, key.sealedSecrets]),
    [
      [
        "sealed-secrets-keyaaaaa",
        "active",
        [
          { object: "team-a/db", source: "clusters/a/db.yaml" },
          { object: "team-a/web", source: "clusters/a/web.yaml" },
          { object: "team-a/mixed", source: "clusters/mixed.yaml" },
        ],
      ],
      [
        "sealed-secrets-keybbbbb",
        "compromised",
        [
          { object: "team-b/api", source: "clusters/b/api.yaml" },
          { object: "team-a/mixed", source: "clusters/mixed.yaml" },
        ],
      ],
      [keyC, null, []],
    ],
  );
  assert.equal(report.keys[2]?.fingerprint, testKey("c").fingerprint);
  assert.deepEqual(report.unopened, []);
  assert.equal(report.sealedSecrets, 4);
  const text = run(["keys", "report", repo, ...keyArgs]);
  assert.equal(text.status, 0, text.stderr);
  const lines = text.stdout.split("\n");
  assert.match(
    lines[0] ?? "",
    /^key "sealed-secrets-keyaaaaa" \(SHA256:[\w+/]+, active, since \d{4}-\d\d-\d\dT[\d:.]+Z, .*a\.yaml\): 3 SealedSecret\(s\) depend on it$/,
  );
  assert.equal(lines[1], "  team-a/db\tclusters/a/db.yaml");
  assert.ok(
    lines.includes(
      `key "${keyC}" (${testKey("c").fingerprint}, ${keyC}): no SealedSecret depends on it, it can be retired`,
    ),
    text.stdout,
  );
  assert.match(text.stderr, /^4 of 4 SealedSecret\(s\) open with the 3 key\(s\)/);
});

test("keys report exits 1 naming every SealedSecret no key opens: tampered, foreign key, malformed", (t) => {
  const dir = workdir(t);
  const { repo, keyArgs } = reportRepo(dir);
  const tampered = sealedFor(testKey("a"), "team-a", "tampered", { good: "g", bad: "b" });
  const blob = Buffer.from(tampered.spec.encryptedData.bad ?? "", "base64");
  blob[blob.length - 1] = (blob[blob.length - 1] ?? 0) ^ 1;
  tampered.spec.encryptedData.bad = blob.toString("base64");
  writeFileSync(join(repo, "tampered.yaml"), stringify(tampered));
  writeFileSync(
    join(repo, "foreign.json"),
    JSON.stringify(sealedFor(testKey("byo-2048"), "team-c", "foreign", { v: "x" })),
  );
  writeFileSync(
    join(repo, "malformed.yaml"),
    "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: broken, namespace: team-a}\nspec: 3\n",
  );
  const result = run(["keys", "report", repo, ...keyArgs, "-o", "json"]);
  assert.equal(result.status, 1);
  const report = JSON.parse(result.stdout) as KeyReportJson;
  assert.deepEqual(
    report.unopened.map((entry) => [
      entry.object,
      entry.source,
      entry.items,
      entry.error !== undefined,
    ]),
    [
      ["team-c/foreign", "foreign.json", ["v"], false],
      ["team-a/broken", "malformed.yaml", [], true],
      ["team-a/tampered", "tampered.yaml", ["bad"], false],
    ],
  );
  // The tampered SealedSecret's good item still needs key a.
  assert.ok(report.keys[0]?.sealedSecrets.some((entry) => entry.object === "team-a/tampered"));
  assert.equal(
    result.stderr.split("\n").at(-2),
    'error: no key opens "team-c/foreign" (foreign.json), "team-a/broken" (malformed.yaml), "team-a/tampered" (tampered.yaml)',
  );
  const usage = run(["keys", "report"]);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /needs a DIR, --kubeconfig, or both/);
  const noKeys = run(["keys", "report", repo]);
  assert.equal(noKeys.status, 1);
  assert.match(noKeys.stderr, /no keys to report on/);
});

// `seal --clusters SELECTOR --cluster-secrets DIR --certs-dir CERTS`: the seeds' cluster Secrets
// choose who gets a SealedSecret, each sealed with its own certificate; bad input writes nothing.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { cliPath, testdata } from "../../test/support/paths.js";
import { byo2048, byo4096 } from "../../test/support/sealing.js";
import {
  decodeSealedSecret,
  hybridDecrypt,
  labelFor,
  parseManifests,
  Scope,
} from "../sealing/index.js";

const PLANTED = "pl4nted-fleet-S3CRET";
const secretYaml = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: team-a\ndata:\n  password: ${Buffer.from(PLANTED).toString("base64")}\n`;
const seedsClusters = testdata("argocd", "seeds", "cluster-secrets");

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function seal(args: string[]): Run {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith("SEALED_SECRETS_")),
  );
  const result = spawnSync(process.execPath, [cliPath, "seal", ...args], {
    input: secretYaml,
    encoding: "utf8",
    env: { ...env, KUBECONFIG: "/nonexistent" },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A work folder with CERTS/<cluster>.pem for the seeds' clusters (staging shares prod-eu's key). */
function fleet(t: TestContext): { dir: string; certs: string; pattern: string } {
  const dir = mkdtempSync(join(tmpdir(), "secretfleet-seal-clusters-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const certs = join(dir, "certs");
  mkdirSync(certs);
  copyFileSync(byo2048.certificatePath, join(certs, "prod-cluster.pem"));
  copyFileSync(byo4096.certificatePath, join(certs, "prod-eu.pem"));
  copyFileSync(byo4096.certificatePath, join(certs, "staging-cluster.pem"));
  return { dir, certs, pattern: join(dir, "out", "clusters", "{name}", "db.yaml") };
}

function opened(file: string, key = byo2048.privateKey): string {
  const object = decodeSealedSecret(parseManifests(readFileSync(file, "utf8"))[0]!);
  return hybridDecrypt(
    [key],
    Buffer.from(object.spec.encryptedData.password!, "base64"),
    labelFor("team-a", "db", Scope.strict),
  ).toString();
}

test("seal --clusters seals once per matching cluster Secret, each with its own certificate", (t) => {
  const { certs, pattern } = fleet(t);
  const result = seal([
    "--clusters",
    "env=production",
    "--cluster-secrets",
    seedsClusters,
    "--certs-dir",
    certs,
    "-w",
    pattern,
  ]);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, "");
  const prod = pattern.replace("{name}", "prod-cluster");
  const eu = pattern.replace("{name}", "prod-eu");
  assert.equal(opened(prod, byo2048.privateKey), PLANTED);
  assert.equal(opened(eu, byo4096.privateKey), PLANTED);
  assert.throws(
    () => opened(eu, byo2048.privateKey),
    "prod-eu's copy is not sealed for prod-cluster's key",
  );
  assert.ok(!existsSync(pattern.replace("{name}", "staging-cluster")), "staging is not selected");
  for (const file of [prod, eu]) assert.ok(!readFileSync(file, "utf8").includes(PLANTED));

  // Set-based selectors work as in a clusters generator.
  const set = seal([
    "--clusters",
    "env in (production,staging),region notin (ap-northeast-2)",
    "--cluster-secrets",
    seedsClusters,
    "--certs-dir",
    certs,
    "-w",
    pattern,
    "-o",
    "json",
  ]);
  assert.equal(set.status, 0, set.stderr);
  const staging = pattern.replace("{name}", "staging-cluster");
  assert.equal(opened(staging, byo4096.privateKey), PLANTED);
  assert.ok(!readFileSync(staging, "utf8").startsWith("{"), "-w .yaml wins over -o json");
});

test("seal --clusters refuses bad input and writes nothing", (t) => {
  const { dir, certs, pattern } = fleet(t);
  const base = ["--cluster-secrets", seedsClusters, "--certs-dir", certs, "-w", pattern];
  const cases: { args: string[]; status: number; message: RegExp }[] = [
    {
      args: ["--clusters", "env=qa", ...base],
      status: 1,
      message: new RegExp(
        `^error: --clusters "env=qa": no cluster Secret in "${seedsClusters}" matches \\(3 read: prod-cluster, prod-eu, staging-cluster\\)\\n$`,
      ),
    },
    {
      args: ["--clusters", "env in (production", ...base],
      status: 2,
      message: /^error: --clusters "env in \(production": /,
    },
    {
      args: ["--clusters", "env=production", "--cert", byo2048.certificatePath, ...base],
      status: 2,
      message: /--clusters and --cert exclude each other/,
    },
    {
      args: ["--clusters", "env=production", "--cluster-secrets", seedsClusters, "-w", pattern],
      status: 2,
      message: /--clusters needs --certs-dir DIR/,
    },
    {
      args: ["--clusters", "env=production", "--certs-dir", certs, "-w", pattern],
      status: 2,
      message: /--clusters needs --cluster-secrets DIR/,
    },
    {
      args: ["--cluster-secrets", seedsClusters, "--cert", byo2048.certificatePath],
      status: 2,
      message: /--cluster-secrets and --certs-dir go with --clusters/,
    },
    {
      args: [
        "--clusters",
        "env=production",
        "--cluster-secrets",
        join(dir, "nowhere"),
        "--certs-dir",
        certs,
        "-w",
        pattern,
      ],
      status: 1,
      message: /^error: cannot read ".*nowhere"/,
    },
  ];
  for (const { args, status, message } of cases) {
    const result = seal(args);
    assert.equal(result.status, status, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.equal(result.stdout, "");
  }

  // A missing certificate names the cluster and the path; the other cluster gets nothing either.
  rmSync(join(certs, "prod-eu.pem"));
  const missing = seal(["--clusters", "env=production", ...base]);
  assert.equal(missing.status, 1);
  assert.equal(
    missing.stderr,
    `error: cluster "prod-eu" (cluster Secret "argocd/prod-eu"): no certificate "${join(certs, "prod-eu.pem")}" (--certs-dir holds NAME.pem for each cluster)\n`,
  );
  // A cluster Secret that does not parse names its file.
  const broken = join(dir, "broken");
  mkdirSync(broken);
  writeFileSync(
    join(broken, "bad.yaml"),
    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: bad\n  labels:\n    argocd.argoproj.io/secret-type: cluster\ndata:\n  server: '%%%'\n",
  );
  const malformed = seal([
    "--clusters",
    "env=production",
    "--cluster-secrets",
    broken,
    "--certs-dir",
    certs,
    "-w",
    pattern,
  ]);
  assert.equal(malformed.status, 1);
  assert.match(malformed.stderr, /bad\.yaml/);
  // Several clusters need {name} in -w.
  copyFileSync(byo4096.certificatePath, join(certs, "prod-eu.pem"));
  const fixed = seal([
    "--clusters",
    "env=production",
    "--cluster-secrets",
    seedsClusters,
    "--certs-dir",
    certs,
    "-w",
    join(dir, "db.yaml"),
  ]);
  assert.equal(fixed.status, 1);
  assert.match(fixed.stderr, /fleet sealing needs -w with \{name\}/);
  assert.ok(!existsSync(join(dir, "out")), "nothing written by any failed run");
  assert.ok(!existsSync(join(dir, "db.yaml")));
});

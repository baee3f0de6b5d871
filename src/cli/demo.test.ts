import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { runCli, runCliAsync, startCli } from "../../test/support/cli.js";
import { waitFor } from "../../test/support/wait.js";

// The value the demo plants in its sample Secret (and its Fake store); no output may show it.
const planted = "demo-only-not-a-real-password";
const plantedForms = [planted, Buffer.from(planted).toString("base64")];

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), "secretfleet-demo-test-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

interface SealedSecretFile {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string };
  spec: { encryptedData: Record<string, string> };
}

test("secretfleet demo runs the seeds' fleet on local control planes, prints each step's result and stops", async (t) => {
  const dir = tempDir(t);
  // 2048 bits keeps the test fast; `npm start` uses the controller's 4096.
  const result = await runCliAsync(["demo", "--dir", dir, "--key-size", "2048"], {
    timeoutMs: 120_000,
  });
  assert.equal(result.status, 0, result.stderr);
  const out = result.stdout;

  // 1. Three control planes and one kubeconfig with a context each.
  const urls = Object.fromEntries(
    ["hub", "prod", "stage"].map((name) => {
      const url = new RegExp(`^   ${name} +(http://127\\.0\\.0\\.1:\\d+)$`, "m").exec(out)?.[1];
      assert.ok(url !== undefined, `${name}'s URL is printed`);
      return [name, url];
    }),
  );
  const kubeconfig = parse(readFileSync(join(dir, "kubeconfig"), "utf8")) as {
    contexts: { name: string; context: { cluster: string } }[];
    clusters: { name: string; cluster: { server: string } }[];
  };
  assert.deepEqual(
    kubeconfig.clusters.map((c) => [c.name, c.cluster.server]),
    Object.entries(urls),
  );
  assert.deepEqual(
    kubeconfig.contexts.map((c) => c.name),
    ["hub", "prod", "stage"],
  );

  // 2. Each spoke's controller made its own key; each certificate was fetched through its cluster.
  const fingerprints = [
    ...out.matchAll(/^ {3}(prod|stage) +key Secret kube-system\/\S+ \(fingerprint (\S+)\)$/gm),
  ];
  assert.equal(fingerprints.length, 2, out);
  assert.notEqual(fingerprints[0]?.[2], fingerprints[1]?.[2], "a key per cluster");
  assert.notEqual(
    readFileSync(join(dir, "certs", "prod.pem"), "utf8"),
    readFileSync(join(dir, "certs", "stage.pem"), "utf8"),
  );

  // 3. One fleet sealing call wrote a SealedSecret per spoke; the ciphertexts differ.
  const sealed = (spoke: string): SealedSecretFile =>
    parse(
      readFileSync(join(dir, "gitops", "clusters", spoke, "db-credentials.yaml"), "utf8"),
    ) as SealedSecretFile;
  const [prod, stage] = [sealed("prod"), sealed("stage")];
  for (const object of [prod, stage]) {
    assert.equal(object.kind, "SealedSecret");
    assert.equal(object.apiVersion, "bitnami.com/v1alpha1");
    assert.deepEqual(object.metadata, { name: "db-credentials", namespace: "team-a" });
    assert.deepEqual(Object.keys(object.spec.encryptedData).sort(), ["password", "username"]);
  }
  assert.notEqual(prod.spec.encryptedData.password, stage.spec.encryptedData.password);

  // 4. and 5. Each opens on its own spoke only: Synced=True at home, upstream's refusal on stage.
  for (const spoke of ["prod", "stage"])
    assert.match(
      out,
      new RegExp(
        `^ {3}${spoke} +SealedSecret team-a/db-credentials Synced=True → Secret with password, username$`,
        "m",
      ),
    );
  assert.match(
    out,
    /^ {3}stage SealedSecret team-a\/db-credentials Synced=False \(no key could decrypt secret \(password, username\)\)$/m,
  );
  assert.match(out, /stage's own file applied again: Synced=True$/m);

  // 6. One Application per spoke, aimed at that spoke's API server.
  for (const spoke of ["prod", "stage"])
    assert.ok(
      out.includes(
        `   Application my-app-${spoke} → ${spoke} (${urls[spoke] ?? ""}), namespace my-app\n`,
      ),
      `Application for ${spoke}:\n${out}`,
    );

  // 7. The ExternalSecret synced from the Fake store.
  assert.match(
    out,
    /ExternalSecret my-app\/db-credentials Ready=True \(SecretSynced: secret synced\) → Secret my-app\/db-secret with password, username/,
  );

  // 8. Where to look, and a clean stop.
  assert.match(out, new RegExp(`kubectl --kubeconfig ${join(dir, "kubeconfig")} --context hub `));
  assert.match(out, /^Stopped the controllers and clusters in /m);

  // No value in the output, the controllers' logs or what goes to Git.
  const logs = filesUnder(join(dir, "logs"));
  assert.ok(logs.length >= 4, "each controller logs to a file");
  const searched = [
    result.stdout,
    result.stderr,
    ...[...logs, ...filesUnder(join(dir, "gitops"))].map((file) => readFileSync(file, "utf8")),
  ];
  for (const form of plantedForms)
    for (const text of searched)
      assert.ok(!text.includes(form), "the sample's value is never shown");
});

test("secretfleet demo refuses a --dir that is a file", (t) => {
  const file = join(tempDir(t), "not-a-folder");
  writeFileSync(file, "");
  const result = runCli(["demo", "--dir", file]);
  assert.equal(result.status, 2);
  assert.equal(result.stderr, `error: --dir "${file}": not a folder\n`);
  assert.equal(result.stdout, "");
});

test("secretfleet demo names the step that failed, stops what it started and exits 1", async (t) => {
  const dir = tempDir(t);
  // gitops/ as a file: the sealing step cannot write there.
  writeFileSync(join(dir, "gitops"), "");
  const result = await runCliAsync(["demo", "--dir", dir, "--key-size", "2048"], {
    timeoutMs: 120_000,
  });
  assert.equal(result.status, 1, result.stdout);
  assert.match(result.stderr, /^error: step 3 \(seal for both spokes\) failed: .*not a directory/m);
  assert.match(result.stdout, /^Stopped the controllers and clusters in /m);
  assert.doesNotMatch(result.stdout, /^4\. /m);
});

test("secretfleet demo --keep-running serves the fleet until SIGTERM, then stops it and exits 0", async (t) => {
  const dir = tempDir(t);
  const demo = startCli(["demo", "--dir", dir, "--key-size", "2048", "--keep-running"], t);
  await waitFor(
    "the demo to wait for Ctrl-C",
    () => demo.stdout().includes("press Ctrl-C to stop"),
    {
      timeoutMs: 120_000,
    },
  );
  const stage = /^ {3}stage +(http:\/\/127\.0\.0\.1:\d+)$/m.exec(demo.stdout())?.[1];
  assert.ok(stage !== undefined, demo.stdout());
  // The spoke still answers, with the Secret its controller unsealed.
  const response = await fetch(`${stage}/api/v1/namespaces/team-a/secrets/db-credentials`);
  assert.equal(response.status, 200);
  const secret = (await response.json()) as { data: Record<string, string> };
  assert.deepEqual(Object.keys(secret.data).sort(), ["password", "username"]);
  demo.child.kill("SIGTERM");
  assert.equal(await demo.exit, 0, demo.stderr());
  assert.match(demo.stdout(), /^Stopped the controllers and clusters in /m);
  await assert.rejects(fetch(`${stage}/api`), "the spoke is down");
});

// kubeseal's habits end to end: `secretfleet controller sealed-secrets` runs as its own process
// against a local cluster, reached through the API server's service proxy by `secretfleet seal`
// (--fetch-cert, sealing without --cert, --validate, --re-encrypt) and driven with kubectl
// (apply, wait --for=condition=Synced). A planted value must appear in no log line, event,
// status or metric.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import type { KubeObject } from "../../src/kube/index.js";
import {
  unsealSealedSecret,
  parseKeySecret,
  decodeSealedSecret,
  parseManifests,
  type Secret,
} from "../../src/sealing/index.js";
import { keySecret, testKey } from "../support/sealed-secrets.js";
import {
  startSealedSecretsCluster,
  type SealedSecretsCluster,
} from "../support/sealed-secrets-cluster.js";
import {
  exposeController,
  kubectl,
  seal,
  startControllerProcess,
  type ControllerProcess,
} from "../support/sealed-secrets-process.js";
import { waitFor } from "../support/wait.js";

const planted = "planted-Zq8v1x-secret";
const plantedB64 = Buffer.from(planted).toString("base64");

async function setup(
  t: TestContext,
): Promise<{ env: SealedSecretsCluster; dir: string; controller: ControllerProcess }> {
  const dir = mkdtempSync(join(tmpdir(), "ssctl-kubeseal-"));
  const env = await startSealedSecretsCluster(dir);
  t.after(async () => {
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await env.client.create(
    keySecret(testKey("a"), { name: "sealed-secrets-keyaaaaa" }) as Secret & KubeObject,
  );
  const controller = await startControllerProcess(env);
  t.after(async () => {
    await controller.stop();
  });
  await exposeController(env, controller);
  return { env, dir, controller };
}

test("kubeseal's round trip through the service proxy: fetch-cert, seal, apply, wait Synced, validate, re-encrypt", async (t) => {
  const { env, dir, controller } = await setup(t);
  const fetched = await seal(env, ["--fetch-cert"]);
  assert.equal(fetched.code, 0, fetched.stderr);
  assert.equal(fetched.stdout, testKey("a").certificatePem);

  const secret = await kubectl(env, [
    "create",
    "secret",
    "generic",
    "db",
    "-n",
    "default",
    "--dry-run=client",
    "-o",
    "yaml",
    `--from-literal=password=${planted}`,
  ]);
  assert.equal(secret.code, 0, secret.stderr);
  const sealedPath = join(dir, "db.yaml");
  const sealed = await seal(env, ["-o", "yaml", "-w", sealedPath], secret.stdout);
  assert.equal(sealed.code, 0, sealed.stderr);
  const applied = await kubectl(env, ["apply", "-f", sealedPath]);
  assert.equal(applied.code, 0, applied.stderr);
  const waited = await kubectl(env, [
    "wait",
    "--for=condition=Synced",
    "sealedsecret/db",
    "-n",
    "default",
    "--timeout=60s",
  ]);
  assert.equal(waited.code, 0, waited.stderr);
  const value = await kubectl(env, [
    "get",
    "secret",
    "db",
    "-n",
    "default",
    "-o",
    "jsonpath={.data.password}",
  ]);
  assert.equal(value.stdout, plantedB64);

  const valid = await seal(env, ["--validate", "-f", sealedPath]);
  assert.equal(valid.code, 0, valid.stderr);
  assert.equal(valid.stdout, "");
  const tampered = readFileSync(sealedPath, "utf8").replace(
    /password: (\S+)/,
    (_, blob: string) => `password: ${blob.slice(0, -8)}AAAAAAA=`,
  );
  const tamperedPath = join(dir, "tampered.yaml");
  writeFileSync(tamperedPath, tampered);
  const invalid = await seal(env, ["--validate", "-f", tamperedPath]);
  assert.equal(invalid.code, 1);
  assert.equal(invalid.stderr, "error: unable to decrypt sealed secret: db\n");

  // Renew (SIGUSR1), then re-encrypt in place: the result opens with the new key only.
  controller.child.kill("SIGUSR1");
  const newest = await waitFor(
    "a second key",
    async () => {
      const keys = await env.client.list<Secret & KubeObject>(
        { apiVersion: "v1", kind: "Secret", namespace: "kube-system" },
        { labelSelector: "sealedsecrets.bitnami.com/sealed-secrets-key=active" },
      );
      return keys.items.find((key) => key.metadata.name !== "sealed-secrets-keyaaaaa");
    },
    { timeoutMs: 60_000 },
  );
  await waitFor("the controller to serve the new certificate", async () => {
    const pem = await (await fetch(`${controller.apiUrl}/v1/cert.pem`)).text();
    return pem !== testKey("a").certificatePem;
  });
  const rotated = await seal(env, ["--re-encrypt", "-f", sealedPath]);
  assert.equal(rotated.code, 0, rotated.stderr);
  const [document] = parseManifests(readFileSync(sealedPath, "utf8"));
  assert.ok(document);
  const object = decodeSealedSecret(document, { requireTypeMeta: true });
  const newKey = parseKeySecret(newest).privateKey;
  const opened = unsealSealedSecret(object, [newKey]);
  assert.ok(opened.ok);
  assert.equal(opened.secret.data?.password, plantedB64);
  assert.equal(unsealSealedSecret(object, [testKey("a").privateKey]).ok, false);
  const reapplied = await kubectl(env, ["apply", "-f", sealedPath]);
  assert.equal(reapplied.code, 0, reapplied.stderr);
  await kubectl(env, [
    "wait",
    "--for=condition=Synced",
    "sealedsecret/db",
    "-n",
    "default",
    "--timeout=60s",
  ]);

  // The planted value is in no log line, event, status or metric.
  const events = await kubectl(env, ["get", "events", "-A", "-o", "yaml"]);
  const statuses = await kubectl(env, ["get", "sealedsecrets", "-A", "-o", "yaml"]);
  const metrics = await (await fetch(`${controller.metricsUrl}/metrics`)).text();
  assert.match(metrics, /sealed_secrets_controller_unseal_requests_total \d+/);
  assert.match(
    metrics,
    /sealed_secrets_controller_http_requests_total\{path="\/v1\/verify",code="409",method="post"\} 1/,
  );
  for (const [where, text] of [
    ["logs", controller.output()],
    ["events", events.stdout],
    ["statuses", statuses.stdout],
    ["metrics", metrics],
  ] as const) {
    assert.ok(!text.includes(planted), `planted value in ${where}`);
    assert.ok(!text.includes(plantedB64), `planted value (base64) in ${where}`);
  }
  assert.equal(await controller.stop(), 0, "SIGTERM stops the controller cleanly");
});

test("the Helm chart's Service names its port http: kubeseal proxies to http:NAME:http", async (t) => {
  const { env, controller } = await setup(t);
  await env.client.create({
    apiVersion: "v1",
    kind: "Service",
    metadata: { namespace: "kube-system", name: "sealed-secrets" },
    spec: {
      ports: [{ name: "http", port: 8080, targetPort: "http" }],
      selector: { app: "sealed-secrets" },
    },
  });
  env.cluster.registerServiceEndpoint("kube-system", "sealed-secrets", "http", controller.apiUrl);
  const fetched = await seal(env, ["--fetch-cert", "--controller-name", "sealed-secrets"]);
  assert.equal(fetched.code, 0, fetched.stderr);
  assert.equal(fetched.stdout, testKey("a").certificatePem);
  const missing = await seal(env, ["--fetch-cert", "--controller-name", "nope"]);
  assert.equal(missing.code, 1);
  assert.equal(
    missing.stderr,
    'error: cannot get sealed secret service: services "nope" not found.\n' +
      "Please, use the flag --controller-name and --controller-namespace to set up the name and namespace of the sealed secrets controller\n",
  );
});

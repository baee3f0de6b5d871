// `secretfleet keys report --kubeconfig`: the cluster's key Secrets (retired ones too) and its
// SealedSecrets, each opened first with the key the controller's digest annotation names.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { stringify } from "yaml";
import type { KubeObject } from "../../src/kube/index.js";
import type { Secret } from "../../src/sealing/index.js";
import { cliPath } from "../support/paths.js";
import { keySecret, sealedFor, testKey } from "../support/sealed-secrets.js";
import { startController, startSealedSecretsCluster } from "../support/sealed-secrets-cluster.js";
import { run } from "../support/sealed-secrets-process.js";
import { waitFor } from "../support/wait.js";

interface KeyReportJson {
  keys: {
    name: string;
    state: string | null;
    sealedSecrets: { object: string; source: string }[];
  }[];
  unopened: unknown[];
  sealedSecrets: number;
  rsaOperations: number;
}

test("keys report --kubeconfig: which cluster SealedSecrets need which key, one RSA operation per item", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "ssctl-report-"));
  const env = await startSealedSecretsCluster(dir);
  t.after(async () => {
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const [a, b, c] = [testKey("a"), testKey("b"), testKey("c")];
  for (const [key, name, state] of [
    [a, "sealed-secrets-keyaaaaa", "active"],
    [b, "sealed-secrets-keybbbbb", "active"],
    [c, "sealed-secrets-keyccccc", "compromised"],
  ] as const)
    await env.client.create(keySecret(key, { name, state }) as Secret & KubeObject);
  const controller = await startController(env.cluster, { keyRenewPeriodMs: 0 });
  t.after(() => controller.stop());
  const sealed = [
    sealedFor(a, "default", "db", { password: "p" }),
    sealedFor(b, "default", "api", { key: "k" }),
    sealedFor(a, "default", "web", { token: "t" }),
  ];
  for (const object of sealed) await env.client.create(object as unknown as KubeObject);
  for (const name of ["db", "api", "web"])
    await waitFor(`the Secret ${name}`, () =>
      env.client.get({ apiVersion: "v1", kind: "Secret", namespace: "default", name }),
    );
  const report = async (...args: string[]): Promise<{ code: number; json: KeyReportJson }> => {
    const result = await run(process.execPath, [
      cliPath,
      "keys",
      "report",
      "--kubeconfig",
      env.kubeconfigPath,
      "-o",
      "json",
      ...args,
    ]);
    assert.notEqual(result.stdout, "", result.stderr);
    return { code: result.code, json: JSON.parse(result.stdout) as KeyReportJson };
  };
  const first = await report();
  assert.equal(first.code, 0);
  const byKey = (json: KeyReportJson) =>
    Object.fromEntries(
      json.keys.map((key) => [
        `${key.name} ${key.state ?? ""}`,
        key.sealedSecrets.map((e) => `${e.object} ${e.source}`).sort(),
      ]),
    );
  assert.deepEqual(byKey(first.json), {
    "sealed-secrets-keyaaaaa active": ["default/db cluster", "default/web cluster"],
    "sealed-secrets-keybbbbb active": ["default/api cluster"],
    "sealed-secrets-keyccccc compromised": [],
  });
  // The Secrets' digest annotations name the key: no key is tried in vain.
  assert.equal(first.json.rsaOperations, 3);

  // A SealedSecret only the retired key opens still depends on it; files add to the cluster's.
  await env.client.create(sealedFor(c, "default", "old", { v: "o" }) as unknown as KubeObject);
  const repo = join(dir, "repo");
  mkdirSync(repo);
  writeFileSync(join(repo, "api.yaml"), stringify(sealedFor(b, "prod", "api", { key: "k" })));
  const second = await report(repo);
  assert.equal(second.code, 0);
  assert.deepEqual(byKey(second.json), {
    "sealed-secrets-keyaaaaa active": ["default/db cluster", "default/web cluster"],
    "sealed-secrets-keybbbbb active": ["default/api cluster", "prod/api api.yaml"],
    "sealed-secrets-keyccccc compromised": ["default/old cluster"],
  });
  assert.equal(second.json.sealedSecrets, 5);
});

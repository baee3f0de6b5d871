import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { test } from "node:test";
import { createKubeClient } from "./client.js";
import { loadKubeConfig } from "./kubeconfig.js";

function kubeconfig(current: string, contexts: Record<string, string>): string {
  const names = Object.keys(contexts);
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    ...names.map((n) => `- name: ${n}\n  cluster: {server: "${contexts[n] ?? ""}"}`),
    "users:",
    ...names.map((n) => `- name: ${n}\n  user: {token: t-${n}}`),
    "contexts:",
    ...names.map((n) => `- name: ${n}\n  context: {cluster: ${n}, user: ${n}, namespace: ns-${n}}`),
    `current-context: ${current}`,
  ].join("\n");
}

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), "kube-config-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

test("loadKubeConfig() reads --kubeconfig and switches --context", (t) => {
  const dir = tempDir(t);
  const file = join(dir, "config");
  writeFileSync(file, kubeconfig("a", { a: "https://a:6443", b: "https://b:6443" }));
  assert.equal(loadKubeConfig({ kubeconfig: file }).getCurrentCluster()?.server, "https://a:6443");
  const kc = loadKubeConfig({ kubeconfig: file, context: "b" });
  assert.equal(kc.getCurrentCluster()?.server, "https://b:6443");
  assert.throws(
    () => loadKubeConfig({ kubeconfig: file, context: "c" }),
    /^Error: context "c" not found in kubeconfig \(contexts: "a", "b"\)$/,
  );
});

test("loadKubeConfig() merges KUBECONFIG files like kubectl: the first definition wins", (t) => {
  const dir = tempDir(t);
  const one = join(dir, "one");
  const two = join(dir, "two");
  writeFileSync(one, kubeconfig("a", { a: "https://first:1" }));
  writeFileSync(two, kubeconfig("b", { a: "https://second:1", b: "https://b:1" }));
  const env = { KUBECONFIG: [join(dir, "missing"), one, two].join(delimiter) };
  const kc = loadKubeConfig({ env });
  assert.equal(kc.getCurrentContext(), "a");
  assert.equal(kc.getCurrentCluster()?.server, "https://first:1");
  assert.equal(loadKubeConfig({ env, context: "b" }).getCurrentCluster()?.server, "https://b:1");
  assert.equal(
    loadKubeConfig({ env, kubeconfig: two }).getCurrentContext(),
    "b",
    "--kubeconfig wins over KUBECONFIG",
  );
});

test("loadKubeConfig() uses the in-cluster service account, then ~/.kube/config", (t) => {
  const dir = tempDir(t);
  const sa = join(dir, "sa");
  mkdirSync(sa);
  writeFileSync(join(sa, "token"), "sa-token");
  writeFileSync(join(sa, "namespace"), "secretfleet\n");
  const kc = loadKubeConfig({
    env: { KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "443", HOME: dir },
    serviceAccountDir: sa,
  });
  assert.equal(kc.getCurrentCluster()?.server, "https://10.0.0.1:443");
  assert.equal(kc.getCurrentCluster()?.caFile, join(sa, "ca.crt"));
  assert.equal(kc.getContextObject(kc.getCurrentContext())?.namespace, "secretfleet");
  const v6 = loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: "fd00::1" }, serviceAccountDir: sa });
  assert.equal(v6.getCurrentCluster()?.server, "https://[fd00::1]:443");
  mkdirSync(join(dir, ".kube"));
  writeFileSync(join(dir, ".kube", "config"), kubeconfig("home", { home: "https://home:1" }));
  assert.equal(
    loadKubeConfig({ env: { HOME: dir } }).getCurrentCluster()?.server,
    "https://home:1",
  );
});

test("loadKubeConfig() fails clearly when nothing is configured or a file is malformed", (t) => {
  const dir = tempDir(t);
  assert.throws(
    () => loadKubeConfig({ env: { HOME: dir } }),
    /^Error: no kubeconfig found: pass --kubeconfig/,
  );
  assert.throws(
    () => loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: "10.0.0.1" }, serviceAccountDir: dir }),
    /cannot use the in-cluster service account: ".*token" does not exist/,
  );
  const bad = join(dir, "bad");
  writeFileSync(bad, "clusters: [unclosed");
  assert.throws(
    () => loadKubeConfig({ kubeconfig: bad }),
    new RegExp(`^Error: cannot read kubeconfig "${bad}": `),
  );
  assert.throws(
    () => loadKubeConfig({ kubeconfig: join(dir, "absent") }),
    /cannot read kubeconfig ".*absent": ENOENT/,
  );
});

test("createKubeClient() builds a client from the same options, with its defaults", (t) => {
  const dir = tempDir(t);
  const file = join(dir, "config");
  writeFileSync(file, kubeconfig("a", { a: "https://a:6443" }));
  const client = createKubeClient({ kubeconfig: file, fieldManager: "x" });
  assert.equal(client.defaultNamespace, "ns-a");
  assert.equal(client.kubeConfig.getCurrentCluster()?.server, "https://a:6443");
});

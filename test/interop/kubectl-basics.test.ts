/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models are classes, but its serializer sends plain objects, which is what a
   caller of the API writes */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import * as k8s from "@kubernetes/client-node";
import { haveKubectl, kubectlHarness } from "./kubectl-support.js";

let kubectlPresent = false;
before(async () => {
  kubectlPresent = await haveKubectl();
});

test("kubectl version reports the pinned server version v1.32.0", async (t) => {
  if (!kubectlPresent) {
    t.skip("kubectl not installed");
    return;
  }
  const h = await kubectlHarness(t);
  const result = await h.kubectl(["version"]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /Server Version: v1\.32\.0/);
});

test("kubectl api-resources lists the built-in kinds from aggregated discovery", async (t) => {
  if (!kubectlPresent) {
    t.skip("kubectl not installed");
    return;
  }
  const h = await kubectlHarness(t);
  const result = await h.kubectl(["api-resources"]);
  assert.equal(result.status, 0, result.stderr);
  for (const row of [
    /^configmaps\s+cm\s+v1\s+true\s+ConfigMap$/m,
    /^namespaces\s+ns\s+v1\s+false\s+Namespace$/m,
    /^leases\s+coordination\.k8s\.io\/v1\s+true\s+Lease$/m,
    /^secrets\s+v1\s+true\s+Secret$/m,
  ]) {
    assert.match(result.stdout, row);
  }
});

test("kubectl create namespace/secret/configmap (protobuf bodies) store objects client-node reads back", async (t) => {
  if (!kubectlPresent) {
    t.skip("kubectl not installed");
    return;
  }
  const h = await kubectlHarness(t);
  assert.equal(
    (await h.kubectl(["create", "namespace", "demo"])).stdout,
    "namespace/demo created\n",
  );
  const secret = await h.kubectl([
    "-n",
    "demo",
    "create",
    "secret",
    "generic",
    "db",
    "--from-literal=password=s3cr3t",
    "--from-literal=user=admin",
  ]);
  assert.equal(secret.status, 0, secret.stderr);
  const cm = await h.kubectl(["-n", "demo", "create", "configmap", "cm1", "--from-literal=a=1"]);
  assert.equal(cm.status, 0, cm.stderr);
  const core = h.kc.makeApiClient(k8s.CoreV1Api);
  const read = await core.readNamespacedSecret({ name: "db", namespace: "demo" });
  assert.equal(read.type, "Opaque");
  assert.equal(Buffer.from(read.data?.password ?? "", "base64").toString(), "s3cr3t");
  assert.equal(read.metadata?.managedFields?.[0]?.manager, "kubectl-create");
  const jsonpath = await h.kubectl([
    "-n",
    "demo",
    "get",
    "secret",
    "db",
    "-o",
    "jsonpath={.data.user}",
  ]);
  assert.equal(Buffer.from(jsonpath.stdout, "base64").toString(), "admin");
  const table = await h.kubectl(["-n", "demo", "get", "secrets"]);
  assert.match(table.stdout, /^NAME\s+TYPE\s+DATA\s+AGE\ndb\s+Opaque\s+2\s+\d+s\n$/);
});

test("kubectl get of a missing object prints the NotFound Status and exits 1", async (t) => {
  if (!kubectlPresent) {
    t.skip("kubectl not installed");
    return;
  }
  const h = await kubectlHarness(t);
  const result = await h.kubectl(["get", "configmap", "nope"]);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /Error from server \(NotFound\): configmaps "nope" not found/);
});

test("kubectl get -w prints the listed object, then a change made through client-node", async (t) => {
  if (!kubectlPresent) {
    t.skip("kubectl not installed");
    return;
  }
  const h = await kubectlHarness(t);
  const core = h.kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespacedConfigMap({
    namespace: "default",
    body: { metadata: { name: "w1" }, data: { a: "1" } },
  });
  const watching = h.spawnKubectl(["get", "configmaps", "-w", "--output-watch-events"]);
  t.after(() => watching.stop());
  await watching.waitFor(/ADDED\s+w1\s+1\s+/);
  await core.patchNamespacedConfigMap(
    { name: "w1", namespace: "default", body: { data: { a: "1", b: "2" } } },
    k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
  );
  const output = await watching.waitFor(/MODIFIED\s+w1\s+2\s+/);
  assert.match(output, /^EVENT\s+NAME\s+DATA\s+AGE\n/);
});

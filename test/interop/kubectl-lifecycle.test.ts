/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models are classes, but its serializer sends plain objects */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import * as k8s from "@kubernetes/client-node";
import { eventually, haveKubectl, kubectlHarness } from "./kubectl-support.js";
import type { KubectlHarness } from "./kubectl-support.js";

let kubectlPresent = false;
before(async () => {
  kubectlPresent = await haveKubectl();
});

/** A ConfigMap "parent" owning Secrets child-a and child-b (blocking owner deletion). */
async function family(h: KubectlHarness): Promise<k8s.CoreV1Api> {
  const core = h.kc.makeApiClient(k8s.CoreV1Api);
  const parent = await core.createNamespacedConfigMap({
    namespace: "default",
    body: { metadata: { name: "parent" } },
  });
  const owner = {
    apiVersion: "v1",
    kind: "ConfigMap",
    name: "parent",
    uid: parent.metadata?.uid ?? "",
    blockOwnerDeletion: true,
  };
  for (const name of ["child-a", "child-b"]) {
    await core.createNamespacedSecret({
      namespace: "default",
      body: { metadata: { name, ownerReferences: [owner] } },
    });
  }
  return core;
}

async function secretNames(core: k8s.CoreV1Api): Promise<string[]> {
  return (await core.listNamespacedSecret({ namespace: "default" })).items.map(
    (s) => s.metadata?.name ?? "",
  );
}

test("kubectl delete of an owner: background deletes dependents afterwards, orphan keeps them", async (t) => {
  if (!kubectlPresent) {
    t.skip("kubectl not installed");
    return;
  }
  const h = await kubectlHarness(t);
  const core = await family(h);
  const orphaned = await h.kubectl(["delete", "cm", "parent", "--cascade=orphan"]);
  assert.equal(orphaned.stdout, 'configmap "parent" deleted\n', orphaned.stderr);
  const kept = await core.readNamespacedSecret({ name: "child-a", namespace: "default" });
  assert.equal(
    kept.metadata?.ownerReferences,
    undefined,
    "the orphaned dependent lost its owner reference",
  );
  assert.deepEqual(await secretNames(core), ["child-a", "child-b"]);

  await core.deleteCollectionNamespacedSecret({ namespace: "default" });
  const again = await family(h);
  await h.kubectl(["delete", "cm", "parent"]);
  assert.ok(
    await eventually(async () => (await secretNames(again)).length === 0),
    "background GC removed the dependents",
  );
});

test("kubectl delete --cascade=foreground returns once the dependents and then the owner are gone", async (t) => {
  if (!kubectlPresent) {
    t.skip("kubectl not installed");
    return;
  }
  const h = await kubectlHarness(t);
  const core = await family(h);
  const deleted = await h.kubectl([
    "delete",
    "cm",
    "parent",
    "--cascade=foreground",
    "--timeout=30s",
  ]);
  assert.equal(deleted.status, 0, deleted.stderr);
  assert.deepEqual(await secretNames(core), []);
  await assert.rejects(core.readNamespacedConfigMap({ name: "parent", namespace: "default" }), {
    code: 404,
  });
});

test("client-node foreground delete marks the owner with foregroundDeletion until the dependents go", async (t) => {
  const h = await kubectlHarness(t);
  const core = await family(h);
  const held = await core.readNamespacedSecret({ name: "child-a", namespace: "default" });
  await core.patchNamespacedSecret(
    {
      name: "child-a",
      namespace: "default",
      body: { metadata: { finalizers: ["example.com/hold"] } },
    },
    k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
  );
  await core.deleteNamespacedConfigMap({
    name: "parent",
    namespace: "default",
    propagationPolicy: "Foreground",
  });
  const marked = await core.readNamespacedConfigMap({ name: "parent", namespace: "default" });
  assert.ok(marked.metadata?.deletionTimestamp !== undefined);
  assert.deepEqual(marked.metadata.finalizers, ["foregroundDeletion"]);
  assert.ok(
    await eventually(async () => (await secretNames(core)).join() === "child-a"),
    "child-b went, child-a is held",
  );
  await core.patchNamespacedSecret(
    { name: "child-a", namespace: "default", body: { metadata: { finalizers: null } } },
    k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
  );
  assert.ok(
    await eventually(async () =>
      core.readNamespacedConfigMap({ name: "parent", namespace: "default" }).then(
        () => false,
        () => true,
      ),
    ),
    "the owner goes once its last blocking dependent is gone",
  );
  assert.equal(held.metadata?.name, "child-a");
});

test("namespace deletion: Terminating, creates refused with 403, content deleted, finalizers honoured", async (t) => {
  if (!kubectlPresent) {
    t.skip("kubectl not installed");
    return;
  }
  const h = await kubectlHarness(t);
  const core = h.kc.makeApiClient(k8s.CoreV1Api);
  await h.kubectl(["create", "namespace", "doomed"]);
  await core.createNamespacedConfigMap({
    namespace: "doomed",
    body: { metadata: { name: "held", finalizers: ["example.com/hold"] } },
  });
  await core.createNamespacedSecret({ namespace: "doomed", body: { metadata: { name: "free" } } });
  // kubectl delete waits (list + watch) until the namespace is gone, which the held ConfigMap
  // prevents until its finalizer is removed below.
  const deleting = h.spawnKubectl(["delete", "namespace", "doomed", "--timeout=30s"]);
  t.after(() => deleting.stop());
  assert.ok(
    await eventually(
      async () => (await core.readNamespace({ name: "doomed" })).status?.phase === "Terminating",
    ),
  );
  const refused = await h.kubectl(["-n", "doomed", "create", "configmap", "late"]);
  assert.equal(refused.status, 1);
  assert.match(
    refused.stderr,
    /configmaps "late" is forbidden: unable to create new content in namespace doomed because it is being terminated/,
  );
  assert.ok(
    await eventually(async () => {
      const ns = await core.readNamespace({ name: "doomed" });
      return (
        ns.status?.conditions?.some(
          (c) => c.type === "NamespaceFinalizersRemaining" && c.status === "True",
        ) === true
      );
    }),
  );
  assert.deepEqual((await core.listNamespacedSecret({ namespace: "doomed" })).items, []);
  await core.patchNamespacedConfigMap(
    { name: "held", namespace: "doomed", body: { metadata: { finalizers: null } } },
    k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
  );
  const result = await deleting.exited(30_000);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, 'namespace "doomed" deleted\n');
  await assert.rejects(core.readNamespace({ name: "doomed" }), { code: 404 });
});

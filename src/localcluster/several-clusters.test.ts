/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models are classes, but its serializer sends plain objects */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as k8s from "@kubernetes/client-node";
import { startLocalCluster } from "./index.js";

test("a hub and two spokes in one process are separate clusters", async (t) => {
  const names = ["hub", "spoke-1", "spoke-2"];
  const clusters = await Promise.all(names.map((name) => startLocalCluster({ name })));
  const open = new Set(clusters);
  t.after(() => Promise.all([...open].map((c) => c.close())));
  const cores = clusters.map((cluster, i) => {
    const kc = new k8s.KubeConfig();
    kc.loadFromString(cluster.kubeconfig(names[i]));
    assert.equal(kc.getCurrentContext(), names[i]);
    assert.equal(kc.getCurrentCluster()?.server, cluster.url);
    return kc.makeApiClient(k8s.CoreV1Api);
  });
  assert.equal(new Set(clusters.map((c) => c.url)).size, 3, "each listens on its own port");
  const [hub, spoke1, spoke2] = cores as [k8s.CoreV1Api, k8s.CoreV1Api, k8s.CoreV1Api];
  await hub.createNamespacedSecret({
    namespace: "default",
    body: { metadata: { name: "cluster-spoke-1" }, stringData: { server: clusters[1]!.url } },
  });
  await spoke1.createNamespace({ body: { metadata: { name: "team-a" } } });
  const secretNames = async (core: k8s.CoreV1Api) =>
    (await core.listNamespacedSecret({ namespace: "default" })).items.map((s) => s.metadata?.name);
  assert.deepEqual(await secretNames(hub), ["cluster-spoke-1"]);
  assert.deepEqual(await secretNames(spoke1), []);
  const namespaces = async (core: k8s.CoreV1Api) =>
    (await core.listNamespace()).items.map((n) => n.metadata?.name).includes("team-a");
  assert.deepEqual(await Promise.all(cores.map(namespaces)), [false, true, false]);
  // Stopping one leaves the others serving.
  await clusters[1]!.close();
  open.delete(clusters[1]!);
  assert.deepEqual(await secretNames(hub), ["cluster-spoke-1"]);
  assert.equal(await namespaces(spoke2), false);
  await assert.rejects(secretNames(spoke1));
});

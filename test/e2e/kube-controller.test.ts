import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import { Registry } from "prom-client";
import type { KubeObject, Manager } from "../../src/kube/index.js";
import { KubeClient, createLogger, runController } from "../../src/kube/index.js";
import { startLocalCluster } from "../../src/localcluster/index.js";
import { waitFor } from "../support/wait.js";
import type { ConfigMap } from "./kube-sample-controller.js";
import { addSampleController, copyLabel } from "./kube-sample-controller.js";

const planted = "planted-s3cret-value-7f3a";

test("the sample controller keeps copies of labelled ConfigMaps through localcluster", async (t) => {
  const cluster = await startLocalCluster();
  t.after(() => cluster.close());
  const kc = new KubeConfig();
  kc.loadFromString(cluster.kubeconfig());
  const client = new KubeClient(kc);
  const logs: string[] = [];
  const logger = createLogger({
    level: "debug",
    destination: new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logs.push(chunk.toString("utf8"));
        callback();
      },
    }),
  });
  const registry = new Registry();
  const stop = new AbortController();
  let manager: Manager | undefined;
  const run = runController(
    { client, registry, logger, health: { port: 0 }, handleSignals: false, signal: stop.signal },
    (mgr) => {
      manager = mgr;
      addSampleController(mgr);
    },
  );
  t.after(async () => {
    stop.abort();
    await run;
  });

  const source: ConfigMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { namespace: "default", name: "app", labels: { [copyLabel]: "true" } },
    data: { password: planted, mode: "a" },
  };
  await client.create(source);
  const copyRef = { apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "app-copy" };
  const copyOf = async (): Promise<ConfigMap | undefined> => client.get<ConfigMap>(copyRef);
  const first = await waitFor("the copy", copyOf);
  assert.deepEqual(first.data, source.data);
  const owner = first.metadata?.ownerReferences?.[0];
  assert.equal(owner?.kind, "ConfigMap");
  assert.equal(owner.name, "app");
  assert.equal(owner.controller, true);
  assert.ok(
    (first.metadata?.managedFields as { manager?: string }[] | undefined)?.some(
      (f) => f.manager === "sample-copier",
    ),
    "written by server-side apply with the controller's field manager",
  );

  // A change of the source reaches the copy.
  await client.patch({ ...copyRef, name: "app" }, { data: { mode: "b" } }, "merge");
  await waitFor("the changed copy", async () => (await copyOf())?.data?.mode === "b");

  // A copy deleted by hand comes back (the copies informer maps it to its owner).
  assert.equal(await client.delete(copyRef), true);
  await waitFor("the recreated copy", async () => (await copyOf())?.data?.mode === "b");

  // An unlabelled ConfigMap is not copied.
  await client.create({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { namespace: "default", name: "other" },
  });

  // Events about the source, aggregated by count.
  const events = await waitFor("a Copied event", async () => {
    const list = await client.list<KubeObject & { reason?: string; count?: number }>({
      apiVersion: "v1",
      kind: "Event",
      namespace: "default",
    });
    const copied = list.items.filter((e) => e.reason === "Copied");
    return copied.length > 0 ? copied : undefined;
  });
  assert.equal((events[0]?.involvedObject as { name?: string } | undefined)?.name, "app");

  // Probes and controller-runtime metrics on the manager's server.
  const url = manager?.healthUrl ?? assert.fail("no health server");
  assert.equal((await fetch(`${url}/readyz`)).status, 200);
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  const metrics = await (await fetch(`${url}/metrics`)).text();
  for (const name of [
    'controller_runtime_reconcile_total{controller="sample-copier",result="success"}',
    'controller_runtime_reconcile_errors_total{controller="sample-copier"}',
    "controller_runtime_reconcile_time_seconds_bucket",
    'workqueue_depth{name="sample-copier"',
    'workqueue_adds_total{name="sample-copier"',
    "workqueue_queue_duration_seconds_bucket",
    "workqueue_work_duration_seconds_bucket",
    'workqueue_retries_total{name="sample-copier"',
    'workqueue_longest_running_processor_seconds{name="sample-copier"',
    'workqueue_unfinished_work_seconds{name="sample-copier"',
  ]) {
    assert.ok(metrics.includes(name), `metrics lack ${name}`);
  }
  const successes =
    /^controller_runtime_reconcile_total\{controller="sample-copier",result="success"\} (\d+)$/m.exec(
      metrics,
    );
  assert.ok(Number(successes?.[1]) >= 3);
  assert.equal(await client.get({ ...copyRef, name: "other-copy" }), undefined);

  stop.abort();
  assert.equal(await run, "stopped");
  // The planted value went through the controller, yet no log line, event or metric shows it.
  const seen = [logs.join(""), metrics, JSON.stringify(events)];
  for (const output of seen)
    assert.ok(!output.includes(planted), "the planted secret value leaked");
  assert.ok(logs.length > 0);
});

test("runController() stops cleanly on SIGTERM: workers stop, the lease is released, servers close", async (t) => {
  const cluster = await startLocalCluster();
  t.after(() => cluster.close());
  const kc = new KubeConfig();
  kc.loadFromString(cluster.kubeconfig());
  const client = new KubeClient(kc);
  let manager: Manager | undefined;
  const run = runController(
    {
      client,
      health: { port: 0 },
      leaderElection: {
        namespace: "default",
        name: "sigterm-test",
        identity: "only-replica",
        leaseDurationMs: 2000,
        renewDeadlineMs: 1200,
        retryPeriodMs: 300,
      },
    },
    (mgr) => {
      manager = mgr;
      addSampleController(mgr);
    },
  );
  await waitFor("leadership", () => manager?.isLeader());
  const url = manager?.healthUrl ?? assert.fail("no health server");
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  const before = process.listenerCount("SIGTERM");
  process.kill(process.pid, "SIGTERM");
  assert.equal(await run, "stopped");
  assert.equal(process.listenerCount("SIGTERM"), before - 1, "the handler is removed again");
  const lease = await client.get<KubeObject & { spec?: { holderIdentity?: string } }>({
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    namespace: "default",
    name: "sigterm-test",
  });
  assert.equal(lease?.spec?.holderIdentity ?? "", "", "released");
  await assert.rejects(fetch(`${url}/healthz`), "the probes server is closed");
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import { Registry } from "prom-client";
import type { KubeObject, ManagerEnd } from "../../src/kube/index.js";
import { KubeClient, Manager } from "../../src/kube/index.js";
import type { LocalCluster } from "../../src/localcluster/index.js";
import { startLocalCluster } from "../../src/localcluster/index.js";
import { waitFor } from "../support/wait.js";
import { addSampleController, copyLabel } from "./kube-sample-controller.js";

// Short durations so the suite stays fast; the algorithm is the same as with 15 s / 10 s / 2 s.
const leaseDurationMs = 2000;
const renewDeadlineMs = 1200;
const retryPeriodMs = 300;
const leaseRef = {
  apiVersion: "coordination.k8s.io/v1",
  kind: "Lease",
  namespace: "default",
  name: "sample-copier",
};

interface Replica {
  readonly identity: string;
  readonly manager: Manager;
  readonly registry: Registry;
  readonly stop: AbortController;
  readonly run: Promise<ManagerEnd>;
}

function replica(cluster: LocalCluster, identity: string, releaseOnCancel: boolean): Replica {
  const kc = new KubeConfig();
  kc.loadFromString(cluster.kubeconfig());
  const registry = new Registry();
  const manager = new Manager({
    client: new KubeClient(kc),
    registry,
    leaderElection: {
      namespace: "default",
      name: "sample-copier",
      identity,
      leaseDurationMs,
      renewDeadlineMs,
      retryPeriodMs,
      releaseOnCancel,
    },
  });
  addSampleController(manager);
  const stop = new AbortController();
  return { identity, manager, registry, stop, run: manager.run(stop.signal) };
}

interface Lease extends KubeObject {
  spec?: {
    holderIdentity?: string;
    renewTime?: string;
    leaseTransitions?: number;
    leaseDurationSeconds?: number;
  };
}

async function setup(t: { after: (fn: () => Promise<void>) => void }, releaseOnCancel: boolean) {
  const cluster = await startLocalCluster();
  const kc = new KubeConfig();
  kc.loadFromString(cluster.kubeconfig());
  const client = new KubeClient(kc);
  const replicas = [
    replica(cluster, "replica-a", releaseOnCancel),
    replica(cluster, "replica-b", releaseOnCancel),
  ];
  t.after(async () => {
    for (const r of replicas) r.stop.abort();
    await Promise.all(replicas.map((r) => r.run));
    await cluster.close();
  });
  const lease = () => client.get<Lease>(leaseRef);
  const leaders = () => replicas.filter((r) => r.manager.isLeader());
  const leader = await waitFor("a leader", () => {
    const now = leaders();
    assert.ok(now.length <= 1, "two replicas lead at once");
    return now[0];
  });
  return { cluster, client, replicas, lease, leaders, leader };
}

async function reconcileCount(r: Replica): Promise<number> {
  const text = await r.registry.metrics();
  const match =
    /^controller_runtime_reconcile_total\{controller="sample-copier",result="success"\} (\d+)$/m.exec(
      text,
    );
  return Number(match?.[1] ?? 0);
}

test("two replicas of the sample controller: exactly one leads, and only it reconciles", async (t) => {
  const { client, replicas, lease, leaders, leader } = await setup(t, true);
  // Watch the leader renew its lease three times; never two leaders meanwhile.
  const renewals = new Set<string>();
  await waitFor("three renewals", async () => {
    assert.equal(leaders().length, 1, "exactly one leader");
    const spec = (await lease())?.spec;
    assert.equal(spec?.holderIdentity, leader.identity);
    renewals.add(spec.renewTime ?? "");
    return renewals.size >= 3;
  });
  assert.equal((await lease())?.spec?.leaseDurationSeconds, 2);
  await client.create({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { namespace: "default", name: "led", labels: { [copyLabel]: "true" } },
    data: { k: "v" },
  });
  await waitFor("the copy", () =>
    client.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "led-copy" }),
  );
  const follower = replicas.find((r) => r !== leader);
  assert.ok(follower !== undefined);
  assert.ok((await reconcileCount(leader)) >= 1);
  assert.equal(await reconcileCount(follower), 0, "the follower's controller never ran");
  assert.match(
    await follower.registry.metrics(),
    /^leader_election_master_status\{name="sample-copier"\} 0$/m,
  );
  assert.match(
    await leader.registry.metrics(),
    /^leader_election_master_status\{name="sample-copier"\} 1$/m,
  );
});

test("the leader killed without releasing: the other replica leads once the lease expires", async (t) => {
  const { replicas, lease, leader } = await setup(t, false);
  const follower = replicas.find((r) => r !== leader);
  assert.ok(follower !== undefined);
  const before = (await lease())?.spec?.leaseTransitions ?? 0;
  const killedAt = Date.now();
  leader.stop.abort();
  assert.equal(await leader.run, "stopped");
  assert.equal(
    (await lease())?.spec?.holderIdentity,
    leader.identity,
    "the lease was not released",
  );
  await waitFor("the follower to lead", () => follower.manager.isLeader(), { timeoutMs: 15_000 });
  const tookMs = Date.now() - killedAt;
  const spec = (await lease())?.spec;
  assert.equal(spec?.holderIdentity, follower.identity);
  assert.equal(spec.leaseTransitions, before + 1);
  // It waited for the lease to run out (minus at most one renew period it had already seen),
  // and took over within the lease duration plus its own polling (retry period × 2.2, twice)
  // and some room for a loaded machine.
  assert.ok(tookMs >= leaseDurationMs - retryPeriodMs, `took over after ${tookMs} ms: too early`);
  assert.ok(tookMs <= leaseDurationMs + 2 * 2.2 * retryPeriodMs + 1500, `took ${tookMs} ms`);
});

test("the leader stopped cleanly releases the lease: the other replica leads at once", async (t) => {
  const { replicas, lease, leader } = await setup(t, true);
  const follower = replicas.find((r) => r !== leader);
  assert.ok(follower !== undefined);
  const stoppedAt = Date.now();
  leader.stop.abort();
  assert.equal(await leader.run, "stopped");
  await waitFor("the follower to lead", () => follower.manager.isLeader());
  const tookMs = Date.now() - stoppedAt;
  assert.equal((await lease())?.spec?.holderIdentity, follower.identity);
  assert.ok(tookMs < leaseDurationMs, `took ${tookMs} ms: the lease was not released`);
});

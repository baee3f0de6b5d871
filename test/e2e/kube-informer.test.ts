import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import type { KubeObject, ListerWatcher } from "../../src/kube/index.js";
import { Informer, KubeClient, listerWatcher, objectKey } from "../../src/kube/index.js";
import type { LocalCluster } from "../../src/localcluster/index.js";
import { startLocalCluster } from "../../src/localcluster/index.js";
import { waitFor } from "../support/wait.js";

const configMaps = { apiVersion: "v1", kind: "ConfigMap", namespace: "default" } as const;

/** What the event handlers told: the state they imply, and how often each key was added. */
class Shadow {
  readonly state = new Map<string, string>();
  readonly adds = new Map<string, number>();
  readonly log: string[] = [];

  attach(informer: Informer<KubeObject>): void {
    const rv = (o: KubeObject): string => o.metadata?.resourceVersion ?? "";
    informer.addHandlers({
      onAdd: (o) => {
        const key = objectKey(o);
        assert.ok(!this.state.has(key), `add of ${key}, which the handlers already had`);
        this.state.set(key, rv(o));
        this.adds.set(key, (this.adds.get(key) ?? 0) + 1);
        this.log.push(`add ${key}`);
      },
      onUpdate: (old, cur) => {
        const key = objectKey(cur);
        assert.equal(this.state.get(key), rv(old), `update of ${key} from a version never seen`);
        assert.notEqual(rv(old), rv(cur), `update of ${key} repeated version ${rv(cur)}`);
        this.state.set(key, rv(cur));
        this.log.push(`update ${key}`);
      },
      onDelete: (o) => {
        const key = objectKey(o);
        assert.ok(this.state.delete(key), `delete of ${key}, which the handlers did not have`);
        this.log.push(`delete ${key}`);
      },
    });
  }
}

async function serverState(client: KubeClient): Promise<Map<string, string>> {
  const list = await client.list(configMaps);
  return new Map(list.items.map((o) => [objectKey(o), o.metadata?.resourceVersion ?? ""]));
}

function sameState(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}

function cacheState(informer: Informer<KubeObject>): Map<string, string> {
  return new Map(
    informer.cache.list().map((o) => [objectKey(o), o.metadata?.resourceVersion ?? ""]),
  );
}

interface Fixture {
  cluster: LocalCluster;
  readonly port: number;
  readonly dataDir: string;
  readonly client: KubeClient;
}

async function fixture(t: { after: (fn: () => Promise<void> | void) => void }): Promise<Fixture> {
  const dataDir = mkdtempSync(join(tmpdir(), "kube-informer-"));
  const cluster = await startLocalCluster({ dataDir });
  const port = Number(new URL(cluster.url).port);
  const kc = new KubeConfig();
  kc.loadFromString(cluster.kubeconfig());
  const f: Fixture = {
    cluster,
    port,
    dataDir,
    client: new KubeClient(kc, { requestTimeoutMs: 5000 }),
  };
  t.after(async () => {
    await f.cluster.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return f;
}

/**
 * Stops the cluster and starts it again on the same port and data directory; `whileDown` runs in
 * between (e.g. waits until a client has found the port closed).
 */
async function restart(
  f: Fixture,
  whileDown: () => Promise<void> = () => Promise.resolve(),
): Promise<void> {
  await f.cluster.close();
  await whileDown();
  f.cluster = await startLocalCluster({ port: f.port, dataDir: f.dataDir });
}

function cm(name: string, value: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { namespace: "default", name },
    data: { value },
  };
}

const ref = (name: string) => ({ ...configMaps, name });

test("Informer resumes after localcluster restarts under it: nothing missed, nothing doubled", async (t) => {
  const f = await fixture(t);
  for (const name of ["a", "b", "c"]) await f.client.create(cm(name, "1"));
  const informer = new Informer(listerWatcher<KubeObject>(f.client, configMaps), {
    backoff: { initialMs: 50, maxMs: 500 },
  });
  const shadow = new Shadow();
  shadow.attach(informer);
  informer.start();
  t.after(() => informer.stop());
  assert.equal(await informer.waitForSync(), true);
  await f.client.patch(ref("a"), { data: { value: "2" } }, "merge");
  await waitFor("the first update", () => shadow.log.includes("update default/a"));

  for (let round = 0; round < 2; round++) {
    // Round 0: the informer finds the server down (connection refused) and backs off; round 1:
    // a quick restart it may not even notice except through its ended watch.
    const errors = informer.stats().errors;
    await restart(f, async () => {
      if (round === 0)
        await waitFor("a refused connection", () => informer.stats().errors > errors);
    });
    // Changes right after the restart, racing the informer's reconnection.
    await f.client.patch(ref("b"), { data: { value: `r${round}` } }, "merge");
    await f.client.delete(ref(round === 0 ? "c" : "d0"));
    await f.client.create(cm(`d${round}`, "1"));
    const expected = await serverState(f.client);
    await waitFor(
      `the cache after restart ${round + 1}`,
      () => sameState(cacheState(informer), expected) && sameState(shadow.state, expected),
    );
  }
  const stats = informer.stats();
  assert.ok(stats.watches >= 3, "a new watch after each restart");
  assert.ok(stats.errors >= 1, "the refused connection was retried");
  // Every object was added exactly once ("d0" was created, then deleted in round 2).
  assert.deepEqual([...shadow.adds].sort(), [
    ["default/a", 1],
    ["default/b", 1],
    ["default/c", 1],
    ["default/d0", 1],
    ["default/d1", 1],
  ]);
  // One more change after everything settled still arrives.
  await f.client.patch(ref("a"), { data: { value: "3" } }, "merge");
  const final = await serverState(f.client);
  await waitFor("the last update", () => sameState(shadow.state, final));
});

test("Informer relists after a too-old resourceVersion gets 410 Expired", async (t) => {
  const f = await fixture(t);
  for (const name of ["a", "b"]) await f.client.create(cm(name, "1"));
  // A network partition the test controls: watches wait while it is closed.
  let heal: () => void = () => undefined;
  let healed: Promise<void> = Promise.resolve();
  const real = listerWatcher<KubeObject>(f.client, configMaps);
  const partitioned: ListerWatcher<KubeObject> = {
    list: (signal) => real.list(signal),
    watch: async (options, onEvent) => {
      await healed;
      return real.watch(options, onEvent);
    },
  };
  const informer = new Informer(partitioned, { backoff: { initialMs: 50, maxMs: 500 } });
  const shadow = new Shadow();
  shadow.attach(informer);
  informer.start();
  t.after(() => informer.stop());
  assert.equal(await informer.waitForSync(), true);
  const watchesBefore = informer.stats().watches;
  healed = new Promise((resolve) => (heal = resolve));
  // While partitioned, the objects change and the server restarts twice: the second start
  // remembers no history from before it, so the informer's version is too old.
  await restart(f);
  await waitFor("the informer to try a new watch", () => informer.stats().watches > watchesBefore);
  await f.client.patch(ref("a"), { data: { value: "2" } }, "merge");
  await f.client.delete(ref("b"));
  await f.client.create(cm("c", "1"));
  await restart(f);
  heal();
  const expected = await serverState(f.client);
  await waitFor("the relisted cache", () => sameState(cacheState(informer), expected));
  assert.ok(sameState(shadow.state, expected));
  assert.ok(informer.stats().expired >= 1, "a 410 was answered");
  assert.ok(informer.stats().lists >= 2, "and a relist followed");
  assert.deepEqual(shadow.log.slice(2).sort(), [
    "add default/c",
    "delete default/b",
    "update default/a",
  ]);
});

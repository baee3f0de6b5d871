import assert from "node:assert/strict";
import { test } from "node:test";
import { Registry } from "prom-client";
import { FakeCollection } from "../../test/support/fake-collection.js";
import { FakeClock, flushMicrotasks } from "./clock.js";
import type { ReconcileOutcome } from "./controller.js";
import { Controller, ownerKeys } from "./controller.js";
import { Informer } from "./informer.js";
import { Priority } from "./work-queue.js";

interface Harness {
  readonly clock: FakeClock;
  readonly server: FakeCollection;
  readonly informer: Informer<ReturnType<FakeCollection["put"]>>;
  readonly registry: Registry;
  readonly calls: string[];
  controller: Controller;
}

/** A controller over a FakeCollection whose reconcile is `behave` and which records every call. */
function harness(
  behave: (key: string, call: number) => Promise<ReconcileOutcome | undefined>,
  workers = 1,
): Harness {
  const clock = new FakeClock();
  const server = new FakeCollection();
  const informer = new Informer(server.lw, { clock });
  const registry = new Registry();
  const calls: string[] = [];
  const controller = new Controller({
    name: "demo",
    workers,
    clock,
    registry,
    reconcile: async (key) => {
      calls.push(key);
      return behave(key, calls.filter((k) => k === key).length);
    },
  }).watch(informer);
  return { clock, server, informer, registry, calls, controller };
}

async function settle(clock: FakeClock, ms = 0): Promise<void> {
  for (let i = 0; i < 5; i++) await flushMicrotasks();
  if (ms > 0) await clock.advance(ms);
}

function metric(text: string, line: RegExp): number {
  const match = line.exec(text);
  return match === null ? Number.NaN : Number(match[1]);
}

test("Controller reconciles every listed object once and counts successes", async (t) => {
  const h = harness(() => Promise.resolve(undefined));
  h.server.put("a", "1");
  h.server.put("b", "1");
  h.informer.start();
  const running = h.controller.start();
  t.after(async () => {
    await h.controller.stop();
    await h.informer.stop();
  });
  await settle(h.clock);
  assert.deepEqual(h.calls.sort(), ["ns/a", "ns/b"]);
  h.server.put("a", "2");
  await settle(h.clock);
  assert.deepEqual(h.calls, ["ns/a", "ns/b", "ns/a"]);
  const text = await h.registry.metrics();
  assert.equal(
    metric(
      text,
      /^controller_runtime_reconcile_total\{controller="demo",result="success"\} (\d+)$/m,
    ),
    3,
  );
  assert.equal(
    metric(text, /^controller_runtime_reconcile_time_seconds_count\{controller="demo"\} (\d+)$/m),
    3,
  );
  assert.equal(
    metric(text, /^controller_runtime_max_concurrent_reconciles\{controller="demo"\} (\d+)$/m),
    1,
  );
  assert.equal(metric(text, /^workqueue_adds_total\{name="demo",controller="demo"\} (\d+)$/m), 3);
  await h.controller.stop();
  await running;
});

test("Controller retries a failing reconcile with per-item backoff; the error never escapes", async (t) => {
  const h = harness((_key, call) =>
    call < 4 ? Promise.reject(new Error("provider down")) : Promise.resolve(undefined),
  );
  h.server.put("a", "1");
  h.informer.start();
  void h.controller.start();
  t.after(async () => {
    await h.controller.stop();
    await h.informer.stop();
  });
  await settle(h.clock);
  const at: number[] = [];
  const start = h.clock.now();
  for (let i = 0; i < 100 && h.calls.length < 4; i++) {
    const before = h.calls.length;
    await h.clock.advance(1);
    if (h.calls.length > before) at.push(h.clock.now() - start);
  }
  // failures at 0, then retries after 5, 10, 20 ms
  assert.deepEqual(at, [5, 15, 35]);
  const text = await h.registry.metrics();
  assert.equal(
    metric(text, /^controller_runtime_reconcile_errors_total\{controller="demo"\} (\d+)$/m),
    3,
  );
  assert.equal(
    metric(text, /^controller_runtime_reconcile_total\{controller="demo",result="error"\} (\d+)$/m),
    3,
  );
  assert.equal(
    metric(text, /^workqueue_retries_total\{name="demo",controller="demo"\} (\d+)$/m),
    3,
  );
});

test("Controller honours requeueAfter", async (t) => {
  const h = harness(() => Promise.resolve({ requeueAfter: 60_000 }));
  h.server.put("a", "1");
  h.informer.start();
  void h.controller.start();
  t.after(async () => {
    await h.controller.stop();
    await h.informer.stop();
  });
  await settle(h.clock);
  assert.equal(h.calls.length, 1);
  await h.clock.advance(59_999);
  assert.equal(h.calls.length, 1);
  await h.clock.advance(1);
  assert.equal(h.calls.length, 2);
  const text = await h.registry.metrics();
  assert.equal(
    metric(
      text,
      /^controller_runtime_reconcile_total\{controller="demo",result="requeue_after"\} (\d+)$/m,
    ),
    2,
  );
});

test("Controller never reconciles one key twice at once, and catches up on changes made meanwhile", async (t) => {
  let inFlight = 0;
  let maxInFlight = 0;
  const gates: (() => void)[] = [];
  const h = harness(async () => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise<void>((resolve) => gates.push(resolve));
    inFlight--;
    return undefined;
  }, 4);
  h.server.put("a", "1");
  h.informer.start();
  void h.controller.start();
  t.after(async () => {
    for (const open of gates.splice(0)) open();
    await h.controller.stop();
    await h.informer.stop();
  });
  await settle(h.clock);
  assert.equal(gates.length, 1);
  h.server.put("a", "2");
  h.server.put("a", "3");
  await settle(h.clock);
  assert.equal(gates.length, 1, "no second reconcile of ns/a while the first runs");
  gates.shift()?.();
  await settle(h.clock);
  assert.equal(gates.length, 1, "one catch-up reconcile for both changes");
  gates.shift()?.();
  await settle(h.clock);
  assert.equal(h.calls.length, 2);
  assert.equal(maxInFlight, 1);
});

test("Controller puts new objects ahead of a backlog of scheduled requeues", async (t) => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const h = harness(async (key) => {
    if (key === "ns/blocker") await gate;
    return { requeueAfter: 1000 };
  });
  for (let i = 0; i < 5; i++) h.server.put(`old-${i}`, "1");
  h.informer.start();
  void h.controller.start();
  t.after(async () => {
    await h.controller.stop();
    await h.informer.stop();
  });
  await settle(h.clock);
  assert.equal(h.calls.length, 5);
  // The only worker is busy while the five requeues fall due and a new object arrives.
  h.controller.enqueue("ns/blocker");
  await settle(h.clock);
  assert.equal(h.calls.at(-1), "ns/blocker");
  await h.clock.advance(1000);
  assert.equal(h.controller.queueLength(), 5);
  h.server.put("new", "1");
  release();
  await settle(h.clock);
  assert.deepEqual(h.calls.slice(6), [
    "ns/new",
    "ns/old-0",
    "ns/old-1",
    "ns/old-2",
    "ns/old-3",
    "ns/old-4",
  ]);
});

test("Controller.enqueue() with a priority puts urgent keys ahead of normal ones", async (t) => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const h = harness(async (key) => {
    if (key === "ns/blocker") await gate;
    return undefined;
  });
  h.informer.start();
  void h.controller.start();
  t.after(async () => {
    await h.controller.stop();
    await h.informer.stop();
  });
  await settle(h.clock);
  h.controller.enqueue("ns/blocker");
  await settle(h.clock);
  // The only worker is busy: two in-sync keys are queued, then one that needs work.
  h.controller.enqueue("ns/synced-1", Priority.Normal);
  h.controller.enqueue("ns/synced-2", Priority.Normal);
  h.controller.enqueue("ns/never-synced", Priority.High);
  release();
  await settle(h.clock);
  assert.deepEqual(h.calls, ["ns/blocker", "ns/never-synced", "ns/synced-1", "ns/synced-2"]);
});

test("ownerKeys() maps an owned object to its controller owner's key", () => {
  const map = ownerKeys("SealedSecret");
  const secret = {
    metadata: {
      namespace: "team-a",
      name: "db",
      ownerReferences: [
        {
          apiVersion: "bitnami.com/v1alpha1",
          kind: "SealedSecret",
          name: "db",
          uid: "1",
          controller: true,
        },
        { apiVersion: "v1", kind: "ConfigMap", name: "x", uid: "2", controller: false },
      ],
    },
  };
  assert.deepEqual(map(secret), ["team-a/db"]);
  assert.deepEqual(ownerKeys("ConfigMap")(secret), [], "not the controller");
  assert.deepEqual(ownerKeys("ConfigMap", false)(secret), ["team-a/x"]);
});

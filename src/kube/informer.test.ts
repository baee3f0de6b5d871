import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiError } from "./api-error.js";
import { FakeClock, flushMicrotasks } from "./clock.js";
import { Informer } from "./informer.js";
import type { KubeObject } from "./types.js";
import { objectKey } from "./types.js";
import { FakeCollection } from "../../test/support/fake-collection.js";

interface Recorder {
  readonly log: string[];
}

function record(informer: Informer<KubeObject>): Recorder {
  const log: string[] = [];
  const rv = (o: KubeObject): string => o.metadata?.resourceVersion ?? "";
  informer.addHandlers({
    onAdd: (o) => log.push(`add ${objectKey(o)}@${rv(o)}`),
    onUpdate: (old, cur) => log.push(`update ${objectKey(cur)}@${rv(old)}->${rv(cur)}`),
    onDelete: (o) => log.push(`delete ${objectKey(o)}`),
  });
  return { log };
}

function cacheMatches(informer: Informer<KubeObject>, server: FakeCollection): boolean {
  const mine = informer.cache
    .list()
    .map((o) => `${objectKey(o)}@${o.metadata?.resourceVersion ?? ""}`)
    .sort();
  const theirs = [...server.objects.values()]
    .map((o) => `${objectKey(o)}@${o.metadata?.resourceVersion ?? ""}`)
    .sort();
  return JSON.stringify(mine) === JSON.stringify(theirs);
}

async function setup(options: { resyncPeriodMs?: number; inactivityTimeoutMs?: number } = {}) {
  const clock = new FakeClock();
  const server = new FakeCollection();
  server.put("a", "1");
  server.put("b", "1");
  const informer = new Informer(server.lw, { clock, random: () => 0, ...options });
  const recorder = record(informer);
  informer.start();
  assert.equal(await informer.waitForSync(), true);
  await flushMicrotasks();
  return { clock, server, informer, recorder };
}

test("Informer lists, then delivers watch events as add/update/delete", async (t) => {
  const { server, informer, recorder } = await setup();
  t.after(() => informer.stop());
  assert.deepEqual(recorder.log, ["add ns/a@101", "add ns/b@102"]);
  assert.equal(informer.resourceVersion(), "102");
  const [firstWatch] = server.watchRequests;
  assert.equal(firstWatch?.resourceVersion, "102");
  assert.equal(firstWatch.allowWatchBookmarks, true);
  server.put("c", "1");
  server.put("a", "2");
  server.remove("b");
  assert.deepEqual(recorder.log.slice(2), ["add ns/c@103", "update ns/a@101->104", "delete ns/b"]);
  assert.ok(cacheMatches(informer, server));
  assert.equal(informer.resourceVersion(), "105");
});

test("Informer ignores a repeated event instead of reporting it twice", async (t) => {
  const { server, informer, recorder } = await setup();
  t.after(() => informer.stop());
  const stream = [...server.streams][0]!;
  const a = server.objects.get("ns/a")!;
  stream.onEvent({ type: "ADDED", object: a });
  stream.onEvent({ type: "MODIFIED", object: a });
  stream.onEvent({
    type: "DELETED",
    object: { ...a, metadata: { ...a.metadata, name: "never-seen" } },
  });
  assert.deepEqual(recorder.log, ["add ns/a@101", "add ns/b@102"]);
});

test("Informer relists after 410 Expired and reports exactly what it missed", async (t) => {
  const { server, informer, recorder, clock } = await setup();
  t.after(() => informer.stop());
  // While the watch is down, objects change and the server forgets the history.
  server.dropStreams(new Error("connection reset"));
  server.put("a", "2");
  server.remove("b");
  server.put("c", "1");
  server.compact();
  for (let i = 0; i < 100 && !cacheMatches(informer, server); i++) await clock.advance(100);
  assert.ok(cacheMatches(informer, server));
  assert.deepEqual(recorder.log.slice(2), ["add ns/c@105", "update ns/a@101->103", "delete ns/b"]);
  const stats = informer.stats();
  assert.equal(stats.expired, 1);
  assert.equal(stats.lists, 2);
  assert.equal(stats.errors, 1, "the reset counted once");
  assert.equal(server.watchRequests.at(-1)?.resourceVersion, "105", "watches from the relist");
});

test("Informer re-watches from its last version after a transport error, with backoff", async (t) => {
  const { server, informer, recorder, clock } = await setup();
  t.after(() => informer.stop());
  server.put("a", "2");
  const refused = new Error("connect ECONNREFUSED");
  server.failWatches.push(refused, refused, refused);
  server.dropStreams(refused);
  server.put("b", "2"); // happens while disconnected; history is kept
  const times: number[] = [];
  const start = clock.now();
  for (let i = 0; i < 3000 && server.streams.size === 0; i++) {
    const before = server.watchRequests.length;
    await clock.advance(10);
    if (server.watchRequests.length > before) times.push(clock.now() - start);
  }
  assert.equal(server.streams.size, 1, "reconnected");
  assert.equal(informer.stats().lists, 1, "no relist: the version was still valid");
  assert.ok(server.watchRequests.slice(1).every((w) => w.resourceVersion === "103"));
  // random() = 0 → full delays: 800, 1600, 3200, 6400 ms between attempts
  const gaps = times.map((tm, i) => tm - (times[i - 1] ?? 0));
  assert.deepEqual(gaps, [800, 1600, 3200, 6400]);
  assert.deepEqual(recorder.log.slice(2), ["update ns/a@101->103", "update ns/b@102->104"]);
});

test("Informer relists after an HTTP error and backs off while lists fail", async (t) => {
  const { server, informer, clock } = await setup();
  t.after(() => informer.stop());
  const unavailable = new ApiError("unavailable", {
    code: 503,
    reason: "ServiceUnavailable",
    serverMessage: "x",
  });
  server.failLists.push(unavailable, unavailable);
  server.dropStreams(unavailable);
  server.put("z", "1");
  for (let i = 0; i < 200 && !cacheMatches(informer, server); i++) await clock.advance(100);
  assert.ok(cacheMatches(informer, server));
  const stats = informer.stats();
  assert.equal(stats.errors, 3);
  assert.equal(stats.lists, 4);
});

test("Informer restarts a watch that stays silent past the inactivity timeout", async (t) => {
  const { server, informer, clock } = await setup({ inactivityTimeoutMs: 60_000 });
  t.after(() => informer.stop());
  await clock.advance(59_000);
  assert.equal(server.watchRequests.length, 1);
  await clock.advance(1000);
  assert.equal(server.watchRequests.length, 2);
  assert.equal(server.watchRequests[1]?.resourceVersion, "102");
  assert.equal(informer.stats().lists, 1);
});

test("Informer replays the cache to onUpdate on every resync period", async (t) => {
  const { informer, recorder, clock } = await setup({ resyncPeriodMs: 30_000 });
  t.after(() => informer.stop());
  await clock.advance(30_000);
  assert.deepEqual(recorder.log.slice(2).sort(), ["update ns/a@101->101", "update ns/b@102->102"]);
  await clock.advance(30_000);
  assert.equal(recorder.log.length, 6);
});

test("Informer keeps going when a handler throws, and replays the cache to late handlers", async (t) => {
  const { server, informer, recorder } = await setup();
  t.after(() => informer.stop());
  informer.addHandlers({
    onAdd: () => {
      throw new Error("boom");
    },
  });
  const late: string[] = [];
  informer.addHandlers({ onAdd: (o) => late.push(objectKey(o)) });
  assert.deepEqual(late, ["ns/a", "ns/b"]);
  server.put("c", "1");
  assert.deepEqual(recorder.log.at(-1), "add ns/c@103");
  assert.deepEqual(late, ["ns/a", "ns/b", "ns/c"]);
});

test("Informer.stop() ends the loop and a pending waitForSync()", async () => {
  const clock = new FakeClock();
  const server = new FakeCollection();
  server.failLists.push(new Error("down"));
  const informer = new Informer(server.lw, { clock });
  informer.start();
  const waiting = informer.waitForSync();
  await flushMicrotasks();
  await informer.stop();
  assert.equal(await waiting, false);
  assert.equal(clock.pendingTimers(), 0);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { Registry } from "prom-client";
import { FakeClock, flushMicrotasks } from "./clock.js";
import { createWorkQueueMetrics } from "./metrics.js";
import { ItemExponentialRateLimiter } from "./rate-limiter.js";
import { Priority, WorkQueue } from "./work-queue.js";

/** Takes every item queued right now (marking each done), in the order get() hands them out. */
async function drainNow<T>(queue: WorkQueue<T>): Promise<T[]> {
  const out: T[] = [];
  while (queue.len() > 0) {
    const item = await queue.get();
    if (item === undefined) break;
    out.push(item);
    queue.done(item);
  }
  return out;
}

test("WorkQueue.add() de-duplicates an item that is already queued", async () => {
  const queue = new WorkQueue<string>({ clock: new FakeClock() });
  queue.add("a");
  queue.add("b");
  queue.add("a");
  assert.equal(queue.len(), 2);
  assert.deepEqual(await drainNow(queue), ["a", "b"]);
});

test("WorkQueue requeues an item added while processing exactly once, after done()", async () => {
  const queue = new WorkQueue<string>({ clock: new FakeClock() });
  queue.add("a");
  const item = await queue.get();
  assert.equal(item, "a");
  queue.add("a");
  queue.add("a");
  assert.equal(queue.len(), 0, "not handed to a second worker while the first processes it");
  queue.done("a");
  assert.equal(queue.len(), 1);
  assert.deepEqual(await drainNow(queue), ["a"]);
  assert.equal(queue.len(), 0);
});

test("WorkQueue hands new/changed objects (High) out before a backlog (Normal)", async () => {
  const queue = new WorkQueue<string>({ clock: new FakeClock() });
  for (let i = 0; i < 5; i++) queue.add(`backlog-${i}`, Priority.Normal);
  queue.add("new-1", Priority.High);
  queue.add("backlog-3", Priority.High); // an object of the backlog changed: it moves up
  queue.add("new-2", Priority.High);
  assert.equal(queue.len(), 7);
  assert.deepEqual(await drainNow(queue), [
    "new-1",
    "backlog-3",
    "new-2",
    "backlog-0",
    "backlog-1",
    "backlog-2",
    "backlog-4",
  ]);
});

test("WorkQueue keeps the higher priority of an item re-added while processing", async () => {
  const queue = new WorkQueue<string>({ clock: new FakeClock() });
  queue.add("a");
  await queue.get();
  queue.add("b", Priority.Normal);
  queue.add("a", Priority.High);
  queue.done("a");
  assert.deepEqual(await drainNow(queue), ["a", "b"]);
});

test("WorkQueue.addAfter() queues the item once its delay has passed; the earliest wins", async () => {
  const clock = new FakeClock();
  const queue = new WorkQueue<string>({ clock });
  queue.addAfter("a", 1000);
  queue.addAfter("a", 300);
  queue.addAfter("a", 5000);
  await clock.advance(299);
  assert.equal(queue.len(), 0);
  await clock.advance(1);
  assert.equal(queue.len(), 1);
  assert.deepEqual(await drainNow(queue), ["a"]);
  await clock.advance(10_000);
  assert.equal(queue.len(), 0, "the later schedules were folded into the earliest");
});

test("WorkQueue.addRateLimited() backs off per item: 5, 10, 20 ms; forget() starts over", async () => {
  const clock = new FakeClock();
  const queue = new WorkQueue<string>({ clock, rateLimiter: new ItemExponentialRateLimiter() });
  const readyAfter = async (): Promise<number> => {
    queue.addRateLimited("a");
    const start = clock.now();
    for (let i = 0; i < 100 && queue.len() === 0; i++) await clock.advance(1);
    assert.equal(await queue.get(), "a");
    queue.done("a");
    return clock.now() - start;
  };
  assert.deepEqual([await readyAfter(), await readyAfter(), await readyAfter()], [5, 10, 20]);
  assert.equal(queue.numRequeues("a"), 3);
  queue.forget("a");
  assert.equal(await readyAfter(), 5);
});

test("WorkQueue.get() waits for an item; waiting workers each get a different one", async () => {
  const queue = new WorkQueue<string>({ clock: new FakeClock() });
  const first = queue.get();
  const second = queue.get();
  queue.add("a");
  queue.add("b");
  assert.deepEqual(await Promise.all([first, second]), ["a", "b"]);
  assert.equal(queue.inFlight(), 2);
});

test("WorkQueue.shutDown() ignores new adds, hands out what is left, then undefined", async () => {
  const clock = new FakeClock();
  const queue = new WorkQueue<string>({ clock });
  const idle = queue.get();
  queue.add("a");
  assert.equal(await idle, "a");
  queue.add("b");
  queue.addAfter("later", 10);
  queue.add("a"); // dirty while processing
  queue.shutDown();
  queue.add("c");
  assert.equal(await queue.get(), "b");
  queue.done("b");
  queue.done("a");
  assert.equal(await queue.get(), undefined, "a's requeue is dropped during shutdown");
  await clock.advance(100);
  assert.equal(queue.len(), 0, "scheduled adds were cancelled");
  assert.equal(clock.pendingTimers(), 0);
});

test("WorkQueue.shutDownWithDrain() resolves once in-flight items are done", async () => {
  const queue = new WorkQueue<string>({ clock: new FakeClock() });
  queue.add("a");
  await queue.get();
  let drained = false;
  const drain = queue.shutDownWithDrain().then(() => {
    drained = true;
  });
  await flushMicrotasks();
  assert.equal(drained, false);
  queue.done("a");
  await drain;
  assert.equal(drained, true);
});

test("WorkQueue reports controller-runtime's workqueue metrics", async () => {
  const clock = new FakeClock();
  const registry = new Registry();
  const queue = new WorkQueue<string>({
    clock,
    metrics: createWorkQueueMetrics(registry, "demo", clock),
  });
  queue.add("a");
  queue.add("b", Priority.High);
  queue.add("a");
  await clock.advance(2000);
  const item = await queue.get();
  assert.equal(item, "b");
  await clock.advance(3000);
  queue.addRateLimited("c");
  const text = await registry.metrics();
  assert.match(text, /^workqueue_adds_total\{name="demo",controller="demo"\} 2$/m);
  assert.match(text, /^workqueue_depth\{name="demo",controller="demo",priority="0"\} 1$/m);
  assert.match(text, /^workqueue_depth\{name="demo",controller="demo",priority="1"\} 0$/m);
  assert.match(text, /^workqueue_retries_total\{name="demo",controller="demo"\} 1$/m);
  assert.match(
    text,
    /^workqueue_queue_duration_seconds_count\{name="demo",controller="demo"\} 1$/m,
  );
  assert.match(text, /^workqueue_queue_duration_seconds_sum\{name="demo",controller="demo"\} 2$/m);
  assert.match(
    text,
    /^workqueue_longest_running_processor_seconds\{name="demo",controller="demo"\} 3$/m,
  );
  assert.match(text, /^workqueue_unfinished_work_seconds\{name="demo",controller="demo"\} 3$/m);
  queue.done("b");
  const after = await registry.metrics();
  assert.match(after, /^workqueue_work_duration_seconds_sum\{name="demo",controller="demo"\} 3$/m);
  assert.match(
    after,
    /^workqueue_longest_running_processor_seconds\{name="demo",controller="demo"\} 0$/m,
  );
  queue.shutDown();
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { Backoff } from "./backoff.js";

test("Backoff grows by its factor up to the cap when jitter is off", () => {
  const backoff = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0 });
  const delays = Array.from({ length: 7 }, () => backoff.next());
  assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000, 1000]);
  backoff.reset();
  assert.equal(backoff.next(), 100);
});

test("Backoff jitter only shortens delays, within the configured fraction", () => {
  const draws = [0, 0.999, 0.5];
  let i = 0;
  const backoff = new Backoff({
    initialMs: 1000,
    maxMs: 1000,
    jitter: 0.5,
    random: () => draws[i++ % draws.length] ?? 0,
  });
  assert.equal(backoff.next(), 1000);
  assert.ok(Math.abs(backoff.next() - 500.5) < 1e-9);
  assert.equal(backoff.next(), 750);
});

test("Backoff rejects an initial delay above the cap", () => {
  assert.throws(() => new Backoff({ initialMs: 10, maxMs: 5 }), /invalid backoff/);
});

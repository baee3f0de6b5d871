import assert from "node:assert/strict";
import { test } from "node:test";
import { FakeClock } from "./clock.js";
import {
  ItemExponentialRateLimiter,
  MaxOfRateLimiter,
  TokenBucketRateLimiter,
  defaultControllerRateLimiter,
} from "./rate-limiter.js";

test("ItemExponentialRateLimiter doubles per failure from 5 ms and caps at 1000 s", () => {
  const limiter = new ItemExponentialRateLimiter<string>();
  const delays = Array.from({ length: 30 }, () => limiter.when("a"));
  assert.deepEqual(delays.slice(0, 5), [5, 10, 20, 40, 80]);
  assert.equal(delays[27], 1_000_000);
  assert.ok(delays.every((d, i) => i === 0 || d >= (delays[i - 1] ?? 0)));
  assert.equal(limiter.numRequeues("a"), 30);
  assert.equal(limiter.when("b"), 5, "items back off independently");
  limiter.forget("a");
  assert.equal(limiter.numRequeues("a"), 0);
  assert.equal(limiter.when("a"), 5, "forget starts over");
});

test("ItemExponentialRateLimiter stays at the cap after very many failures", () => {
  const limiter = new ItemExponentialRateLimiter<string>(5, 1000);
  for (let i = 0; i < 5000; i++) limiter.when("x");
  assert.equal(limiter.when("x"), 1000);
});

test("TokenBucketRateLimiter lets a burst through, then spaces retries at qps", async () => {
  const clock = new FakeClock();
  const limiter = new TokenBucketRateLimiter<string>(10, 100, clock);
  const burst = Array.from({ length: 100 }, (_, i) => limiter.when(`k${i}`));
  assert.ok(burst.every((d) => d === 0));
  assert.equal(Math.round(limiter.when("late")), 100);
  assert.equal(Math.round(limiter.when("later")), 200);
  await clock.advance(1000);
  // 10 tokens came back in a second but two were already reserved: 8 are free, the 9th waits.
  const after = Array.from({ length: 9 }, (_, i) => limiter.when(`n${i}`));
  assert.deepEqual(after.map(Math.round), [0, 0, 0, 0, 0, 0, 0, 0, 100]);
});

test("MaxOfRateLimiter returns the longest wait and counts every limiter", () => {
  const clock = new FakeClock();
  const limiter = new MaxOfRateLimiter<string>(
    new ItemExponentialRateLimiter<string>(5, 1000),
    new TokenBucketRateLimiter<string>(1, 1, clock),
  );
  assert.equal(limiter.when("a"), 5);
  assert.equal(limiter.when("a"), 1000, "the bucket is empty: 1 s until the next token");
  assert.equal(limiter.numRequeues("a"), 2);
  limiter.forget("a");
  assert.equal(limiter.numRequeues("a"), 0);
});

test("defaultControllerRateLimiter() uses controller-runtime's defaults", () => {
  const limiter = defaultControllerRateLimiter<string>(new FakeClock());
  assert.deepEqual([limiter.when("a"), limiter.when("a"), limiter.when("a")], [5, 10, 20]);
});

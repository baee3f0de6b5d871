import assert from "node:assert/strict";
import { test } from "node:test";
import { GcraLimiter } from "./gcra.js";

test("GcraLimiter allows burst + 1 requests back to back, then limits with a retry time", () => {
  let now = 1_700_000_000_000;
  const limiter = new GcraLimiter(2, 2, () => now);
  const results = [1, 2, 3, 4].map(() => limiter.take("client"));
  assert.deepEqual(
    results.map((r) => [r.limited, r.limit, r.remaining]),
    [
      [false, 3, 2],
      [false, 3, 1],
      [false, 3, 0],
      [true, 3, 0],
    ],
  );
  assert.equal(results[3]?.retryAfterMs, 500);
  assert.equal(results[3].resetAfterMs, 1500);
  now += 500;
  assert.equal(limiter.take("client").limited, false, "one more after 1/rate seconds");
  assert.equal(limiter.take("client").limited, true);
});

test("GcraLimiter keeps one bucket per client key", () => {
  const now = 1_700_000_000_000;
  const limiter = new GcraLimiter(1, 0, () => now);
  assert.equal(limiter.take("a").limited, false);
  assert.equal(limiter.take("a").limited, true);
  assert.equal(limiter.take("b").limited, false);
});

test("GcraLimiter refuses a rate that is not a positive integer", () => {
  assert.throws(() => new GcraLimiter(0, 2), /positive integer/);
  assert.throws(() => new GcraLimiter(2, -1), /non-negative/);
});

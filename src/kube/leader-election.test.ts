import assert from "node:assert/strict";
import { test } from "node:test";
import { FakeClock, flushMicrotasks } from "./clock.js";
import type { LeaderElectionEnd, LeaseLock, LeaseRecord } from "./leader-election.js";
import { LeaderElector, microTime } from "./leader-election.js";

/** One lease in memory with optimistic concurrency; `cut` makes one candidate's calls fail. */
class MemoryLease {
  record: LeaseRecord | undefined;
  version = 0;
  readonly cut = new Set<string>();

  lockFor(identity: string): LeaseLock {
    const check = (): void => {
      if (this.cut.has(identity)) throw new Error("connection refused");
    };
    return {
      get: () => {
        check();
        return Promise.resolve(
          this.record === undefined
            ? undefined
            : { record: this.record, version: String(this.version) },
        );
      },
      create: (record) => {
        check();
        if (this.record !== undefined) throw new Error("already exists");
        this.record = record;
        this.version++;
        return Promise.resolve();
      },
      update: (record, version) => {
        check();
        if (version !== String(this.version)) throw new Error("conflict");
        this.record = record;
        this.version++;
        return Promise.resolve();
      },
      describe: () => "memory/lease",
    };
  }
}

interface Candidate {
  readonly elector: LeaderElector;
  readonly stop: AbortController;
  readonly done: Promise<LeaderElectionEnd>;
  readonly events: string[];
}

function candidate(
  lease: MemoryLease,
  clock: FakeClock,
  identity: string,
  releaseOnCancel = true,
): Candidate {
  const events: string[] = [];
  const elector = new LeaderElector({
    lock: lease.lockFor(identity),
    identity,
    clock,
    random: () => 0.5,
    releaseOnCancel,
    callbacks: {
      onStartedLeading: () => events.push("started"),
      onStoppedLeading: () => events.push("stopped"),
      onNewLeader: (id) => events.push(`leader:${id}`),
    },
  });
  const stop = new AbortController();
  return { elector, stop, done: elector.run(stop.signal), events };
}

/** Advances in small steps until `condition` holds; returns the time it took. */
async function advanceUntil(
  clock: FakeClock,
  condition: () => boolean,
  limitMs: number,
): Promise<number> {
  const start = clock.now();
  while (!condition()) {
    if (clock.now() - start > limitMs) assert.fail(`condition not met within ${limitMs} ms`);
    await clock.advance(100);
  }
  return clock.now() - start;
}

test("LeaderElector: of two candidates exactly one leads, and both see who", async () => {
  const clock = new FakeClock();
  const lease = new MemoryLease();
  const a = candidate(lease, clock, "a");
  const b = candidate(lease, clock, "b");
  await advanceUntil(clock, () => a.elector.isLeader() || b.elector.isLeader(), 5000);
  await clock.advance(30_000);
  assert.equal([a, b].filter((c) => c.elector.isLeader()).length, 1);
  const leader = a.elector.isLeader() ? "a" : "b";
  assert.equal(lease.record?.holderIdentity, leader);
  assert.equal(a.elector.leader(), leader);
  assert.equal(b.elector.leader(), leader);
  assert.deepEqual(
    b.events.filter((e) => e.startsWith("leader:")),
    [`leader:${leader}`],
  );
  a.stop.abort();
  b.stop.abort();
  await Promise.all([a.done, b.done]);
});

test("LeaderElector renews its lease, keeping acquireTime and counting no transition", async () => {
  const clock = new FakeClock();
  const lease = new MemoryLease();
  const a = candidate(lease, clock, "a");
  await advanceUntil(clock, () => a.elector.isLeader(), 1000);
  const acquired = lease.record?.acquireTime;
  await clock.advance(60_000);
  assert.equal(lease.record?.acquireTime, acquired);
  const renewedAgo = clock.now() - Date.parse(lease.record?.renewTime ?? "");
  assert.ok(renewedAgo >= 0 && renewedAgo <= 2000, `renewed ${renewedAgo} ms ago`);
  assert.equal(lease.record?.leaseTransitions, 0);
  assert.equal(lease.record.leaseDurationSeconds, 15);
  a.stop.abort();
  assert.equal(await a.done, "stopped");
  assert.deepEqual(a.events, ["leader:a", "started", "stopped"]);
  assert.equal(lease.record.holderIdentity, "", "released on a clean stop");
});

test("LeaderElector: after a clean stop the other candidate leads within one retry", async () => {
  const clock = new FakeClock();
  const lease = new MemoryLease();
  const a = candidate(lease, clock, "a");
  await advanceUntil(clock, () => a.elector.isLeader(), 1000);
  const b = candidate(lease, clock, "b");
  await clock.advance(20_000);
  assert.equal(b.elector.isLeader(), false);
  a.stop.abort();
  await a.done;
  const took = await advanceUntil(clock, () => b.elector.isLeader(), 20_000);
  assert.ok(took <= 2000 * 2.2, `took ${took} ms`);
  assert.equal(lease.record?.leaseTransitions, 1);
  b.stop.abort();
  await b.done;
});

test("LeaderElector: a killed leader is replaced after the lease duration, not before", async () => {
  const clock = new FakeClock();
  const lease = new MemoryLease();
  const a = candidate(lease, clock, "a", false);
  await advanceUntil(clock, () => a.elector.isLeader(), 1000);
  const b = candidate(lease, clock, "b");
  await clock.advance(5000);
  // Kill a: it stops without releasing, so the lease just stops being renewed.
  a.stop.abort();
  await a.done;
  assert.equal(lease.record?.holderIdentity, "a");
  const took = await advanceUntil(clock, () => b.elector.isLeader(), 30_000);
  // b takes over once it has seen a's last renewal (at most one 2 s period before the kill)
  // unchanged for the 15 s lease: not before 13 s, and at most two jittered retries late.
  assert.ok(took >= 13_000 && took <= 15_000 + 2 * 2000 * 2.2, `took ${took} ms`);
  assert.equal(lease.record.holderIdentity, "b");
  b.stop.abort();
  await b.done;
});

test("LeaderElector gives leadership up when it cannot renew within the renew deadline", async () => {
  const clock = new FakeClock();
  const lease = new MemoryLease();
  const a = candidate(lease, clock, "a");
  await advanceUntil(clock, () => a.elector.isLeader(), 1000);
  const cutAt = clock.now();
  lease.cut.add("a");
  let ended: LeaderElectionEnd | undefined;
  void a.done.then((end) => (ended = end));
  await advanceUntil(clock, () => ended !== undefined, 20_000);
  assert.equal(ended, "lost");
  assert.ok(clock.now() - cutAt <= 10_000 + 2000, "lost within the renew deadline and a retry");
  assert.equal(a.elector.isLeader(), false);
  assert.deepEqual(a.events.slice(-1), ["stopped"]);
  await flushMicrotasks();
});

test("LeaderElector rejects timings client-go rejects", () => {
  const lock = new MemoryLease().lockFor("x");
  assert.throws(
    () =>
      new LeaderElector({ lock, identity: "x", leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }),
    /invalid leader election timing/,
  );
  assert.throws(
    () => new LeaderElector({ lock, identity: "x", renewDeadlineMs: 2000, retryPeriodMs: 2000 }),
    /invalid leader election timing/,
  );
  assert.throws(() => new LeaderElector({ lock, identity: "" }), /identity/);
});

test("microTime() formats RFC 3339 with microseconds in UTC", () => {
  assert.equal(microTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), "2026-01-02T03:04:05.678000Z");
});

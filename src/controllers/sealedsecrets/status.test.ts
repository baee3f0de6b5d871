import assert from "node:assert/strict";
import { test } from "node:test";
import { kubeTime, nextStatus } from "./status.js";

const t0 = Date.UTC(2026, 0, 2, 3, 4, 5);

test("nextStatus() appends a Synced condition and asks for a write on a new object", () => {
  const { status, write } = nextStatus(undefined, 1, undefined, t0);
  assert.equal(write, true);
  assert.deepEqual(status, {
    observedGeneration: 1,
    conditions: [
      {
        type: "Synced",
        status: "True",
        lastUpdateTime: kubeTime(t0),
        lastTransitionTime: kubeTime(t0),
      },
    ],
  });
});

test("nextStatus() does not write when the status and the generation are unchanged", () => {
  const first = nextStatus(undefined, 3, undefined, t0).status;
  const again = nextStatus(first, 3, undefined, t0 + 60_000);
  assert.equal(again.write, false);
  const [condition] = again.status.conditions ?? [];
  assert.equal(condition!.lastTransitionTime, kubeTime(t0));
  assert.equal(condition!.lastUpdateTime, kubeTime(t0 + 60_000));
});

test("nextStatus() writes a failure with its message and moves lastTransitionTime", () => {
  const ok = nextStatus(undefined, 1, undefined, t0).status;
  const failed = nextStatus(ok, 1, "no key could decrypt secret (foo)", t0 + 1000);
  assert.equal(failed.write, true);
  assert.deepEqual(failed.status.conditions?.[0], {
    type: "Synced",
    status: "False",
    message: "no key could decrypt secret (foo)",
    lastUpdateTime: kubeTime(t0 + 1000),
    lastTransitionTime: kubeTime(t0 + 1000),
  });
});

test("nextStatus() writes when only the generation changed, and keeps other conditions", () => {
  const current = {
    observedGeneration: 1,
    conditions: [
      { type: "Other", status: "True" },
      { type: "Synced", status: "True", lastTransitionTime: "2020-01-01T00:00:00Z" },
    ],
  };
  const { status, write } = nextStatus(current, 2, undefined, t0);
  assert.equal(write, true);
  assert.equal(status.observedGeneration, 2);
  assert.deepEqual(status.conditions?.[0], { type: "Other", status: "True" });
  assert.equal(status.conditions[1]?.lastTransitionTime, "2020-01-01T00:00:00Z");
  assert.equal(
    current.conditions[1]?.lastTransitionTime,
    "2020-01-01T00:00:00Z",
    "input untouched",
  );
});

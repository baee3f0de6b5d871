import assert from "node:assert/strict";
import { test } from "node:test";
import { syncedResourceVersion } from "./object-hash.js";
import { parseExternalSecret } from "./parse-external-secret.js";
import { nextRefreshDelay, phaseOf, refreshDecision } from "./refresh.js";

const hour = 3_600_000;
const t0 = Date.parse("2026-01-01T00:00:00Z");

function es(options: {
  policy?: string;
  interval?: string;
  refreshedAt?: number;
  synced?: "current" | "stale" | "never";
  uid?: string;
  key?: string;
  annotations?: Record<string, string>;
}) {
  const metadata = {
    name: "es",
    namespace: "ns",
    uid: options.uid ?? "uid-1",
    generation: 1,
    ...(options.annotations ? { annotations: options.annotations } : {}),
  };
  const synced = options.synced ?? "current";
  return parseExternalSecret({
    apiVersion: "external-secrets.io/v1",
    kind: "ExternalSecret",
    metadata,
    spec: {
      ...(options.policy ? { refreshPolicy: options.policy } : {}),
      ...(options.interval ? { refreshInterval: options.interval } : {}),
      secretStoreRef: { name: "vault", kind: "ClusterSecretStore" },
      data: [{ secretKey: "a", remoteRef: { key: options.key ?? "k" } }],
    },
    status:
      synced === "never"
        ? {}
        : {
            refreshTime: new Date(options.refreshedAt ?? t0).toISOString(),
            syncedResourceVersion:
              synced === "current" ? syncedResourceVersion({ generation: 1 }) : "1-other",
          },
  });
}

const clock = (now: number) => ({ now, startedAt: t0 - hour });

test("refreshDecision() syncs a never-synced ExternalSecret under every policy", () => {
  for (const policy of ["Periodic", "OnChange", "CreatedOnce"]) {
    assert.deepEqual(refreshDecision(es({ policy, synced: "never" }), true, clock(t0)), {
      sync: true,
      cause: "neverSynced",
    });
  }
});

test("refreshDecision() syncs on a metadata change (force-sync) under Periodic and OnChange, not CreatedOnce", () => {
  const changed = { annotations: { "force-sync": "1700000000" } };
  assert.equal(refreshDecision(es({ ...changed }), true, clock(t0 + 1000)).cause, "specChanged");
  assert.equal(
    refreshDecision(es({ policy: "OnChange", ...changed }), true, clock(t0 + 1000)).cause,
    "specChanged",
  );
  assert.equal(
    refreshDecision(es({ policy: "CreatedOnce", ...changed }), true, clock(t0 + 1000)).sync,
    false,
  );
});

test("refreshDecision() never refreshes a synced refreshInterval 0 object, even after a change, unless the target is invalid", () => {
  const zero = es({ interval: "0", annotations: { "force-sync": "2" } });
  assert.deepEqual(refreshDecision(zero, true, clock(t0 + 10 * hour)), { sync: false });
  assert.deepEqual(refreshDecision(zero, false, clock(t0 + 10 * hour)), {
    sync: true,
    cause: "invalidTarget",
  });
});

test("refreshDecision() refreshes on the interval, up to 10% early by a stable per-object phase", () => {
  const object = es({ interval: "1h" });
  const early = hour - phaseOf(object) * 0.1 * hour;
  assert.equal(refreshDecision(object, true, clock(t0 + early - 1)).sync, false);
  assert.equal(refreshDecision(object, true, clock(t0 + early)).cause, "due");
  assert.ok(Math.abs((nextRefreshDelay(object, clock(t0)) ?? 0) - early) < 1);
  assert.ok(
    Math.abs(
      (refreshDecision(object, true, clock(t0 + 1000)).requeueAfterMs ?? 0) - (early - 1000),
    ) < 1,
  );
});

test("refreshDecision() spreads refreshes that were overdue when the controller started", () => {
  const startedAt = t0 + 5 * hour;
  const delays = Array.from({ length: 200 }, (_, i) => {
    const object = es({ uid: `uid-${i}`, key: `app-${i}` });
    const decision = refreshDecision(object, true, { now: startedAt, startedAt });
    return decision.sync ? 0 : (decision.requeueAfterMs ?? -1);
  });
  const window = 10 * 60_000;
  assert.ok(delays.every((delay) => delay >= 0 && delay < window));
  // No more than a fifth of them in any one minute of the ten-minute window.
  const perMinute = new Map<number, number>();
  for (const delay of delays)
    perMinute.set(Math.floor(delay / 60_000), (perMinute.get(Math.floor(delay / 60_000)) ?? 0) + 1);
  assert.ok(Math.max(...perMinute.values()) <= 40, JSON.stringify([...perMinute]));
});

test("refreshDecision() treats a refresh time in the future as due", () => {
  assert.equal(
    refreshDecision(es({ refreshedAt: t0 + hour }), true, clock(t0)).cause,
    "refreshTimeInFuture",
  );
});

test("phaseOf() keeps ExternalSecrets that read the same keys within 5% of each other", () => {
  const same = Array.from({ length: 50 }, (_, i) => phaseOf(es({ uid: `uid-${i}`, key: "db" })));
  const spread = Math.max(...same) - Math.min(...same);
  // One group may straddle 0/1; measured on the circle, it stays narrow.
  const circular = Math.min(spread, 1 - spread);
  assert.ok(circular <= 0.05, String(circular));
  const others = Array.from({ length: 50 }, (_, i) => phaseOf(es({ uid: "uid-1", key: `k-${i}` })));
  assert.ok(Math.max(...others) - Math.min(...others) > 0.5, "different keys, independent phases");
});

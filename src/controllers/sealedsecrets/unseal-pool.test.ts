import assert from "node:assert/strict";
import { test } from "node:test";
import { silentLogger } from "../../kube/index.js";
import { sealedFor, testKey } from "../../../test/support/sealed-secrets.js";
import { WorkerPoolUnsealer } from "./unseal-pool.js";

const a = testKey("a");
const b = testKey("b");
const unsealKey = (key: typeof a): { fingerprint: string; privateKey: typeof a.privateKey } => ({
  fingerprint: key.fingerprint,
  privateKey: key.privateKey,
});

test("WorkerPoolUnsealer unseals on worker threads with the keys it was given", async (t) => {
  const pool = new WorkerPoolUnsealer(2, silentLogger);
  t.after(() => pool.close());
  pool.setKeys([unsealKey(a)]);
  const jobs = Array.from({ length: 6 }, (_, i) =>
    sealedFor(a, "ns", `s${i}`, { v: `value-${i}` }),
  );
  const outcomes = await Promise.all(
    jobs.map((sealed) => pool.unseal({ sealed, hints: [], acceptV1Data: true })),
  );
  outcomes.forEach((outcome, i) => {
    assert.ok(outcome.result.ok);
    const data = outcome.result.secret.data?.v;
    assert.equal(Buffer.from(data ?? "", "base64").toString(), `value-${i}`);
    assert.equal(outcome.fingerprint, a.fingerprint);
  });
});

test("WorkerPoolUnsealer uses new keys for jobs submitted after setKeys", async (t) => {
  const pool = new WorkerPoolUnsealer(1, silentLogger);
  t.after(() => pool.close());
  pool.setKeys([unsealKey(a)]);
  const sealed = sealedFor(b, "ns", "s", { v: "x" });
  const before = await pool.unseal({ sealed, hints: [], acceptV1Data: true });
  assert.equal(before.result.ok, false);
  pool.setKeys([unsealKey(a), unsealKey(b)]);
  const after = await pool.unseal({ sealed, hints: [], acceptV1Data: true });
  assert.equal(after.result.ok, true);
  assert.equal(after.fingerprint, b.fingerprint);
});

test("WorkerPoolUnsealer rejects jobs once closed", async () => {
  const pool = new WorkerPoolUnsealer(1, silentLogger);
  await pool.close();
  await assert.rejects(
    pool.unseal({ sealed: sealedFor(a, "ns", "s", { v: "x" }), hints: [], acceptV1Data: true }),
    /closed/,
  );
});

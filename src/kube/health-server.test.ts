import assert from "node:assert/strict";
import { test } from "node:test";
import { Counter, Registry } from "prom-client";
import { startHealthServer } from "./health-server.js";

test("startHealthServer() serves metrics, and probes that fail with the failing check named", async (t) => {
  const registry = new Registry();
  new Counter({ name: "demo_total", help: "demo", registers: [registry] }).inc(3);
  let ready = false;
  const server = await startHealthServer({
    registry,
    healthz: { ping: () => true },
    readyz: {
      "informers-synced": () => ready,
      broken: () => {
        throw new Error("boom");
      },
    },
  });
  t.after(() => server.close());
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const metrics = await fetch(`${server.url}/metrics`);
  assert.equal(metrics.status, 200);
  assert.match(metrics.headers.get("content-type") ?? "", /^text\/plain/);
  assert.match(await metrics.text(), /^demo_total 3$/m);
  const healthz = await fetch(`${server.url}/healthz`);
  assert.deepEqual([healthz.status, await healthz.text()], [200, "ok\n"]);
  const notReady = await fetch(`${server.url}/readyz`);
  assert.equal(notReady.status, 500);
  assert.equal(
    await notReady.text(),
    "[-]informers-synced failed\n[-]broken failed\nreadyz check failed\n",
  );
  ready = true;
  const verbose = await fetch(`${server.url}/readyz?verbose`);
  assert.equal(
    await verbose.text(),
    "[+]informers-synced ok\n[-]broken failed\nreadyz check failed\n",
  );
  assert.equal((await fetch(`${server.url}/nope`)).status, 404);
  assert.equal((await fetch(`${server.url}/healthz`, { method: "POST" })).status, 405);
});

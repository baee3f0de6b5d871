import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { Registry } from "prom-client";
import { silentLogger } from "../../kube/index.js";
import { keySecret, sealedFor, testKey, testKeyAt } from "../../../test/support/sealed-secrets.js";
import { certificateToPem, unsealSealedSecret, type SealedSecret } from "../../sealing/index.js";
import { apiBackend } from "./api-backend.js";
import { startApiServer, type ApiServer } from "./http-api.js";
import { KeyRing } from "./keys.js";
import { ControllerMetrics } from "./metrics.js";
import { inlineUnsealer } from "./unseal-pool.js";

const old = await testKeyAt("a", new Date(Date.UTC(2024, 0, 1)));
const newest = await testKeyAt("b", new Date(Date.UTC(2025, 0, 1)));

async function start(
  t: TestContext,
  keys = [old, newest],
): Promise<{ server: ApiServer; metrics: ControllerMetrics }> {
  const ring = new KeyRing("CertNotBefore", silentLogger);
  ring.replace(keys.map((key, i) => keySecret(key, { name: `k${i}` })));
  const unsealer = inlineUnsealer();
  unsealer.setKeys(ring.keys());
  const metrics = new ControllerMetrics(new Registry(), "test", false);
  const server = await startApiServer({
    backend: apiBackend(ring, unsealer, true),
    logger: silentLogger,
    metrics,
  });
  t.after(() => server.close());
  return { server, metrics };
}

const post = (
  server: ApiServer,
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<Response> => fetch(`${server.url}${path}`, { method: "POST", body, headers });

test("/healthz answers ok and unknown paths 404", async (t) => {
  const { server } = await start(t);
  const health = await fetch(`${server.url}/healthz`);
  assert.equal(health.status, 200);
  assert.equal(health.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.equal(await health.text(), "ok\n");
  assert.equal((await fetch(`${server.url}/v2/nothing`)).status, 404);
});

test("/v1/cert.pem serves the newest certificate, and 500 while there is no key", async (t) => {
  const { server } = await start(t);
  const response = await fetch(`${server.url}/v1/cert.pem`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "application/x-pem-file");
  assert.equal(await response.text(), certificateToPem(newest.certificate));
  const empty = await start(t, []);
  const none = await fetch(`${empty.server.url}/v1/cert.pem`);
  assert.equal(none.status, 500);
  assert.equal(await none.text(), "cannot get certificate\n");
});

test("/v1/verify answers 200, 409 and 500 as upstream, with rate-limit headers", async (t) => {
  const { server, metrics } = await start(t);
  const good = JSON.stringify(sealedFor(old, "ns", "s", { v: "1" }));
  const foreign = JSON.stringify(sealedFor(testKey("c"), "ns", "s", { v: "1" }));
  const ok = await post(server, "/v1/verify", good, { "X-Forwarded-For": "10.0.0.1" });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get("x-ratelimit-limit"), "3");
  assert.equal(ok.headers.get("x-ratelimit-remaining"), "2");
  assert.equal(ok.headers.get("x-ratelimit-reset"), "1");
  assert.equal(
    (await post(server, "/v1/verify", foreign, { "X-Forwarded-For": "10.0.0.2" })).status,
    409,
  );
  const twoDocs = `${good}\n${good}`;
  assert.equal(
    (await post(server, "/v1/verify", twoDocs, { "X-Forwarded-For": "10.0.0.3" })).status,
    500,
  );
  const secret = JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "x" } });
  assert.equal(
    (await post(server, "/v1/verify", secret, { "X-Forwarded-For": "10.0.0.4" })).status,
    500,
  );
  const text = await metrics.registry.metrics();
  assert.match(
    text,
    /sealed_secrets_controller_http_requests_total\{path="\/v1\/verify",code="409",method="post"\} 1/,
  );
});

test("/v1/verify limits a client to burst + 1 requests, then 429 with Retry-After", async (t) => {
  const { server } = await start(t);
  const body = JSON.stringify(sealedFor(old, "ns", "s", { v: "1" }));
  const codes: number[] = [];
  let last: Response | undefined;
  for (let i = 0; i < 4; i++) {
    last = await post(server, "/v1/verify", body, { "X-Forwarded-For": "192.0.2.9" });
    codes.push(last.status);
  }
  assert.deepEqual(codes, [200, 200, 200, 429]);
  assert.equal(await last?.text(), "limit exceeded\n");
  assert.equal(last?.headers.get("retry-after"), "1");
  assert.equal(
    (await post(server, "/v1/verify", body, { "X-Forwarded-For": "192.0.2.10" })).status,
    200,
  );
});

test("/v1/rotate re-seals with the newest key only, without apiVersion and kind", async (t) => {
  const { server } = await start(t);
  const input = sealedFor(
    old,
    "ns",
    "s",
    { v: "rotated-value" },
    { "sealedsecrets.bitnami.com/namespace-wide": "true" },
  );
  const response = await post(server, "/v1/rotate", JSON.stringify(input));
  assert.equal(response.status, 200);
  const body = (await response.json()) as SealedSecret;
  assert.equal("apiVersion" in body, false);
  assert.equal("kind" in body, false);
  assert.deepEqual(body.metadata.annotations, {
    "sealedsecrets.bitnami.com/namespace-wide": "true",
  });
  const opened = unsealSealedSecret(body, [newest.privateKey]);
  assert.ok(opened.ok);
  assert.equal(Buffer.from(opened.secret.data?.v ?? "", "base64").toString(), "rotated-value");
  assert.equal(unsealSealedSecret(body, [old.privateKey]).ok, false);
  const foreign = JSON.stringify(sealedFor(testKey("c"), "ns", "s", { v: "1" }));
  assert.equal((await post(server, "/v1/rotate", foreign)).status, 500);
});

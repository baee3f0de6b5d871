import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { startLocalCluster } from "./index.js";

test("the service proxy forwards method, path, query and body to the registered endpoint", async (t) => {
  const upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      res.writeHead(req.url === "/missing" ? 404 : 200, {
        "Content-Type": "text/plain",
        "X-Upstream": "yes",
      });
      res.end(`${req.method ?? ""} ${req.url ?? ""} ${Buffer.concat(chunks).toString()}`);
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  t.after(() => upstream.close());
  const cluster = await startLocalCluster();
  t.after(() => cluster.close());
  const services = `${cluster.url}/api/v1/namespaces/kube-system/services`;
  await fetch(services, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      metadata: { name: "sealed-secrets" },
      spec: { ports: [{ name: "http", port: 8080 }] },
    }),
  });
  cluster.registerServiceEndpoint(
    "kube-system",
    "sealed-secrets",
    "http",
    `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
  );

  const cert = await fetch(`${services}/http:sealed-secrets:http/proxy/v1/cert.pem?x=1`);
  assert.equal(cert.status, 200);
  assert.equal(cert.headers.get("x-upstream"), "yes");
  assert.equal(await cert.text(), "GET /v1/cert.pem?x=1 ");
  const byNumber = await fetch(`${services}/sealed-secrets:8080/proxy/v1/verify`, {
    method: "POST",
    body: "{}",
  });
  assert.equal(await byNumber.text(), "POST /v1/verify {}");
  const onlyPort = await fetch(`${services}/http:sealed-secrets:/proxy/`);
  assert.equal(await onlyPort.text(), "GET / ", "an empty port picks the Service's only port");
  const passthrough = await fetch(`${services}/sealed-secrets/proxy/missing`);
  assert.equal(passthrough.status, 404, "upstream statuses come back unchanged");

  const noService = await fetch(`${cluster.url}/api/v1/namespaces/default/services/nope/proxy/`);
  assert.equal(noService.status, 404);
  assert.equal(
    ((await noService.json()) as { message: string }).message,
    'services "nope" not found',
  );
  await fetch(`${cluster.url}/api/v1/namespaces/default/services`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ metadata: { name: "idle" }, spec: { ports: [{ port: 80 }] } }),
  });
  const noEndpoint = await fetch(`${cluster.url}/api/v1/namespaces/default/services/idle/proxy/`);
  assert.equal(noEndpoint.status, 503);
  assert.deepEqual(await noEndpoint.json(), {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: 'no endpoints available for service "idle"',
    reason: "ServiceUnavailable",
    details: {},
    code: 503,
  });
});

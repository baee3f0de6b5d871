import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { test } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import { KubeClient } from "./client.js";

const cmRef = { apiVersion: "v1", kind: "ConfigMap", namespace: "team-a", name: "db" };
const configMap = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { namespace: "team-a", name: "db", resourceVersion: "1" },
};

/**
 * An API server for one ConfigMap that counts connections and requests; `dropReused` times, it
 * destroys a connection that brings a second request without answering, as a server closing an
 * idle keep-alive connection does when a request races the close.
 */
async function start(t: { after: (fn: () => Promise<void>) => void }) {
  const state = { connections: 0, dropReused: 0, seen: [] as string[] };
  const served = new WeakMap<Socket, number>();
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const count = (served.get(request.socket) ?? 0) + 1;
    served.set(request.socket, count);
    const drop = count > 1 && state.dropReused > 0;
    state.seen.push(`${request.method ?? ""} ${request.url ?? ""}${drop ? " dropped" : ""}`);
    if (drop) {
      state.dropReused--;
      request.socket.destroy();
      return;
    }
    request.resume();
    request.on("end", () => {
      response.setHeader("Content-Type", "application/json");
      const body =
        request.url === "/api/v1"
          ? {
              kind: "APIResourceList",
              groupVersion: "v1",
              resources: [{ name: "configmaps", namespaced: true, kind: "ConfigMap", verbs: [] }],
            }
          : configMap;
      response.end(JSON.stringify(body));
    });
  });
  server.on("connection", () => {
    state.connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as AddressInfo;
  const kc = new KubeConfig();
  // insecure-skip-tls-verify gives client-node TLS settings, so it builds an undici Agent (a new
  // connection) for every request: the case of every real cluster.
  kc.loadFromString(
    [
      "apiVersion: v1",
      "kind: Config",
      `clusters: [{name: c, cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]`,
      "users: [{name: u, user: {token: t}}]",
      "contexts: [{name: c, context: {cluster: c, user: u}}]",
      "current-context: c",
    ].join("\n"),
  );
  return { state, client: new KubeClient(kc, { requestTimeoutMs: 5000 }) };
}

test("KubeClient sends its requests over one kept-alive connection, not one each", async (t) => {
  const { state, client } = await start(t);
  await client.get(cmRef);
  // Discovery (client-node's fetch) may still hold the first connection when the GET starts.
  const opened = state.connections;
  assert.ok(opened <= 2, `${opened} connections for discovery and a GET`);
  for (let i = 0; i < 20; i++) assert.equal((await client.get(cmRef))?.metadata?.name, "db");
  await client.patch(cmRef, { data: { k: "v" } }, "merge");
  assert.equal(state.seen.length, 23, "discovery, 21 GETs and a PATCH");
  assert.equal(state.connections, opened, "no connection opened after the first ones");
});

test("a GET on a kept-alive connection the server drops is sent once more; a PATCH is not", async (t) => {
  const { state, client } = await start(t);
  await client.get(cmRef);
  state.dropReused = 1;
  assert.equal((await client.get(cmRef))?.metadata?.name, "db", "the GET succeeds");
  state.dropReused = 1;
  await assert.rejects(
    client.patch(cmRef, { data: { k: "v" } }, "merge"),
    /^Error: cannot patch ConfigMap "team-a\/db": /,
  );
  assert.deepEqual(state.seen, [
    "GET /api/v1",
    "GET /api/v1/namespaces/team-a/configmaps/db",
    "GET /api/v1/namespaces/team-a/configmaps/db dropped",
    "GET /api/v1/namespaces/team-a/configmaps/db",
    "PATCH /api/v1/namespaces/team-a/configmaps/db?fieldManager=secretfleet dropped",
  ]);
});

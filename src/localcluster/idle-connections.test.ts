import assert from "node:assert/strict";
import { createServer, request, Agent } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { test } from "node:test";
import { boundIdleConnections } from "./idle-connections.js";

/** One keep-alive GET on its own agent; resolves with the client's socket, left open and idle. */
function getOnce(port: number, agent: Agent): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/", agent }, (res) => {
      res.resume();
      res.on("end", () => {
        resolve(req.socket!);
      });
    });
    req.on("error", reject);
    req.end();
  });
}

test("the server closes the longest-idle keep-alive connections beyond its bound", async (t) => {
  const server = createServer({ keepAliveTimeout: 60_000 }, (_req, res) => {
    res.end("ok");
  });
  boundIdleConnections(server, 2);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const agents = Array.from({ length: 4 }, () => new Agent({ keepAlive: true }));
  t.after(() => {
    for (const agent of agents) agent.destroy();
    server.closeAllConnections();
    server.close();
  });
  const { port } = server.address() as AddressInfo;
  const closed: number[] = [];
  for (const [index, agent] of agents.entries()) {
    const socket = await getOnce(port, agent);
    socket.on("close", () => closed.push(index));
  }
  for (let i = 0; i < 500 && closed.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
  // The two newest stay open for reuse: a later request on one of them needs no new connection.
  assert.deepEqual(closed.sort(), [0, 1]);
  const reused = await getOnce(port, agents[3]!);
  assert.equal(reused.destroyed, false);
  assert.deepEqual(closed.sort(), [0, 1]);
});

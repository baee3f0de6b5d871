import type { Server } from "node:http";
import type { Socket } from "node:net";

/**
 * Keeps at most `max` keep-alive connections open while they wait for their next request, closing
 * the longest-waiting ones first. Why: Node holds tens of kilobytes per open connection, and
 * @kubernetes/client-node 2.x opens a fresh connection for every request, leaving the previous one
 * idle until the server's keep-alive timeout: 10,000 quick writes would hold thousands of sockets
 * (hundreds of MB). HTTP/1.1 clients expect a server to close idle connections at any time.
 */
export function boundIdleConnections(server: Server, max: number): void {
  // Insertion-ordered: the first entry has waited longest.
  const idle = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    socket.on("close", () => idle.delete(socket));
  });
  server.on("request", (req, res) => {
    const socket = req.socket;
    idle.delete(socket);
    res.on("finish", () => {
      if (socket.destroyed) return;
      idle.add(socket);
      for (const oldest of idle) {
        if (idle.size <= max) break;
        idle.delete(oldest);
        oldest.destroy();
      }
    });
  });
}

import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** An HTTP server listening, with its URL and a close that also ends keep-alive connections. */
export interface ListeningServer {
  /** Base URL, e.g. http://127.0.0.1:38117 */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Starts `server` on `host` (default 127.0.0.1, local only) and `port` (default 0: a free one).
 * Shared by the probes server and controllers' own HTTP APIs.
 * @throws the listen error (e.g. EADDRINUSE)
 */
export async function listenHttp(
  server: Server,
  options: { readonly host?: string; readonly port?: number },
): Promise<ListeningServer> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

import { createServer } from "node:http";
import type { Registry } from "prom-client";
import { listenHttp, type ListeningServer } from "./listen.js";

/** A named probe: true when healthy. A throwing check counts as failing. */
export type HealthCheck = () => boolean | Promise<boolean>;

/** Settings of the metrics and probes server. */
export interface HealthServerOptions {
  /** Address to listen on: "127.0.0.1" (default, local only) or "0.0.0.0" in a pod. */
  readonly host?: string;
  /** Port; 0 (default) picks a free one. */
  readonly port?: number;
  /** Served at /metrics. */
  readonly registry: Registry;
  /** Checks behind /healthz (liveness). */
  readonly healthz?: Readonly<Record<string, HealthCheck>>;
  /** Checks behind /readyz (readiness). */
  readonly readyz?: Readonly<Record<string, HealthCheck>>;
}

/** A running metrics and probes server. */
/** The running probes server. */
export type HealthServer = ListeningServer;

/**
 * Serves /metrics (Prometheus text from the registry), /healthz and /readyz on node:http. A probe
 * answers 200 "ok" when every check passes, else 500 with one `[-]name failed` line per failing
 * check (controller-runtime's format); `?verbose` lists the passing ones too.
 *
 * @throws Error if the port cannot be bound
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const probes: Record<string, Readonly<Record<string, HealthCheck>>> = {
    "/healthz": options.healthz ?? {},
    "/readyz": options.readyz ?? {},
  };
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    const answer = (code: number, type: string, body: string): void => {
      response.writeHead(code, { "Content-Type": type, "Cache-Control": "no-store" });
      response.end(request.method === "HEAD" ? undefined : body);
    };
    if (request.method !== "GET" && request.method !== "HEAD") {
      answer(405, "text/plain; charset=utf-8", "method not allowed\n");
      return;
    }
    if (url.pathname === "/metrics") {
      options.registry.metrics().then(
        (text) => {
          answer(200, options.registry.contentType, text);
        },
        (error: unknown) => {
          answer(500, "text/plain; charset=utf-8", `cannot collect metrics: ${String(error)}\n`);
        },
      );
      return;
    }
    const checks = probes[url.pathname];
    if (checks === undefined) {
      answer(404, "text/plain; charset=utf-8", "not found\n");
      return;
    }
    void runChecks(checks).then((results) => {
      const failed = results.filter((r) => !r.ok);
      const lines = results
        .filter((r) => !r.ok || url.searchParams.has("verbose"))
        .map((r) => `[${r.ok ? "+" : "-"}]${r.name} ${r.ok ? "ok" : "failed"}`);
      const verdict = failed.length === 0 ? "ok" : `${url.pathname.slice(1)} check failed`;
      answer(
        failed.length === 0 ? 200 : 500,
        "text/plain; charset=utf-8",
        [...lines, verdict].join("\n") + "\n",
      );
    });
  });
  return listenHttp(server, options);
}

async function runChecks(
  checks: Readonly<Record<string, HealthCheck>>,
): Promise<{ name: string; ok: boolean }[]> {
  return Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        return { name, ok: await check() };
      } catch {
        return { name, ok: false };
      }
    }),
  );
}

// A scripted HTTP server that records what a client sends and answers like an API server's
// discovery plus whatever the test queues: checks the wire format of src/kube's client without
// a full control plane.
import { createServer } from "node:http";
import type { IncomingMessage, Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly contentType: string | undefined;
  readonly body: string;
}

export interface ScriptedResponse {
  readonly status: number;
  readonly body: unknown;
}

const discovery: Record<string, unknown> = {
  "/api/v1": {
    kind: "APIResourceList",
    groupVersion: "v1",
    resources: [
      { name: "configmaps", namespaced: true, kind: "ConfigMap", verbs: ["get", "list", "watch"] },
      { name: "events", namespaced: true, kind: "Event", verbs: ["create", "patch"] },
      { name: "namespaces", namespaced: false, kind: "Namespace", verbs: ["get"] },
    ],
  },
  "/apis/coordination.k8s.io/v1": {
    kind: "APIResourceList",
    groupVersion: "coordination.k8s.io/v1",
    resources: [{ name: "leases", namespaced: true, kind: "Lease", verbs: ["get"] }],
  },
  "/apis/example.com/v1": {
    kind: "APIResourceList",
    groupVersion: "example.com/v1",
    resources: [{ name: "widgets", namespaced: true, kind: "Widget", verbs: ["get"] }],
  },
};

export class RecordingApiServer {
  readonly requests: RecordedRequest[] = [];
  /** Answers for non-discovery requests, in order; default 200 `{}`-ish echo. */
  readonly script: ScriptedResponse[] = [];
  #server: Server | undefined;
  url = "";

  async start(): Promise<void> {
    this.#server = createServer((request, response) => {
      void readBody(request).then((body) => {
        const url = new URL(request.url ?? "/", "http://localhost");
        const doc = discovery[url.pathname];
        let status = 200;
        let answer: unknown;
        if (doc !== undefined && request.method === "GET") {
          answer = doc;
        } else {
          this.requests.push({
            method: request.method ?? "",
            path: url.pathname,
            query: url.searchParams,
            contentType: request.headers["content-type"],
            body,
          });
          const next = this.script.shift();
          status = next?.status ?? 200;
          answer = next?.body ?? echo(body);
        }
        response.writeHead(status, { "Content-Type": "application/json" });
        response.end(typeof answer === "string" ? answer : JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** A kubeconfig (YAML) pointing at this server. */
  kubeconfig(namespace = "default"): string {
    return [
      "apiVersion: v1",
      "kind: Config",
      // client-node refuses http:// unless TLS verification is off (there is no TLS to verify).
      "clusters: [{name: rec, cluster: {server: " +
        JSON.stringify(this.url) +
        ", insecure-skip-tls-verify: true}}]",
      "users: [{name: rec, user: {token: test-token}}]",
      `contexts: [{name: rec, context: {cluster: rec, user: rec, namespace: ${namespace}}}]`,
      "current-context: rec",
    ].join("\n");
  }

  /** The `index`th recorded request. @throws if there is none */
  request(index: number): RecordedRequest {
    const found = this.requests[index];
    if (found === undefined) throw new Error(`no request #${index} (got ${this.requests.length})`);
    return found;
  }

  /** The JSON body of the `index`th recorded request. */
  json(index: number): Record<string, unknown> {
    return JSON.parse(this.request(index).body) as Record<string, unknown>;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  }
}

function echo(body: string): unknown {
  if (body === "") return { kind: "Status", status: "Success" };
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return { kind: "Status", status: "Success" };
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      resolve(Buffer.concat(chunks).toString("utf8"));
    });
    request.on("error", reject);
  });
}

import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { handleResourceRequest } from "./api-handler.js";
import type { ApiAction, ApiDependencies } from "./api-handler.js";
import { isAuthorized, readTokenFile } from "./auth.js";
import { boundIdleConnections } from "./idle-connections.js";
import type { TokenUser } from "./auth.js";
import { startControllers } from "./controllers.js";
import {
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
} from "./discovery.js";
import type { JsonObject } from "./json.js";
import { renderKubeconfig } from "./kubeconfig.js";
import { namespaces } from "./kinds/namespace.js";
import {
  selfSubjectAccessReviewResponse,
  selfSubjectAccessReviews,
  tokenReviews,
} from "./kinds/reviews.js";
import { serviceAccounts } from "./kinds/service.js";
import { discoveryVersion, sendError, sendObject } from "./media.js";
import { uidOf } from "./object-meta.js";
import { ObjectReads } from "./object-reads.js";
import { ObjectWrites } from "./object-writes.js";
import { openApiDocument, openApiRoot } from "./openapi.js";
import { builtinResourceTypes, Registry } from "./registry.js";
import { parseResourcePath } from "./request-info.js";
import type { ResourcePath } from "./request-info.js";
import { parseServiceReference, serviceNotFound, ServiceProxy } from "./service-proxy.js";
import {
  ServiceAccountTokens,
  tokenRequestResponse,
  tokenReviewResponse,
} from "./service-account-tokens.js";
import { ApiError, internalError, notFound, unauthorized, unknownPath } from "./status.js";
import { SqlitePersistence } from "./sqlite-persistence.js";
import { Store } from "./store.js";
import { systemWriteOptions } from "./system-writer.js";
import type { ErrorReporter } from "./system-writer.js";
import { WatchHub } from "./watch.js";
import type { WatchTiming } from "./watch.js";

/** Options of one local cluster (see index.ts). */
export interface ServerOptions {
  port?: number;
  host?: string;
  dataDir?: string;
  tokensFile?: string;
  name?: string;
  /** Internal: watch keep-alive timing (tests shorten it). */
  watchTiming?: WatchTiming;
  /** Told of failures in background controllers (default: one line on stderr). */
  onControllerError?: ErrorReporter;
  /** Internal: history bounds of the watch cache (tests shrink them to provoke 410). */
  historyLimit?: number;
}

/** `/version` as kube-apiserver v1.32.0 answers it (the kubectl dispatcher picks its client by it). */
export const versionInfo: JsonObject = {
  major: "1",
  minor: "32",
  gitVersion: "v1.32.0",
  gitCommit: "70d3cc986aa8221cd1dfb1121852688902d3bf53",
  gitTreeState: "clean",
  buildDate: "2024-12-11T17:59:15Z",
  goVersion: "go1.23.3",
  compiler: "gc",
  platform: "linux/amd64",
};

function reportToStderr(error: unknown, key: string): void {
  const text = error instanceof Error ? error.message : String(error);
  process.stderr.write(
    `localcluster: controller failed on "${key.split("\u0001").join(" ")}": ${text}\n`,
  );
}

/** Keep-alive connections left open between requests (see idle-connections.ts). */
const maxIdleConnections = 256;

/** Namespaces every cluster starts with. */
const initialNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

function bootstrapNamespaces(writes: ObjectWrites): void {
  for (const name of initialNamespaces) {
    if (writes.store.get(namespaces.storageKey, "", name) !== undefined) continue;
    writes.create(namespaces, "", { metadata: { name } }, systemWriteOptions("kube-apiserver"));
  }
}

/** A running local cluster: the HTTP server and everything behind it. */
export class LocalClusterServer {
  readonly #server: Server;
  readonly #deps: ApiDependencies;
  readonly #store: Store;
  readonly #proxy = new ServiceProxy();
  readonly #tokens: TokenUser[] | undefined;
  readonly #serviceAccountTokens: ServiceAccountTokens;
  readonly #name: string;
  readonly #sockets = new Set<Socket>();
  readonly #stopControllers: () => void;
  #url = "";

  private constructor(options: ServerOptions) {
    this.#name = options.name ?? "local";
    this.#tokens = options.tokensFile === undefined ? undefined : readTokenFile(options.tokensFile);
    const persistence =
      options.dataDir === undefined ? undefined : new SqlitePersistence(options.dataDir);
    const limits =
      options.historyLimit === undefined
        ? undefined
        : { maxEvents: options.historyLimit, maxAgeMs: 5 * 60_000 };
    this.#store = new Store(persistence, limits);
    const registry = new Registry(builtinResourceTypes);
    const clock = (): Date => new Date();
    const writes = new ObjectWrites(this.#store, clock);
    this.#serviceAccountTokens = new ServiceAccountTokens(
      clock,
      (namespace, name) => this.#serviceAccountUid(namespace, name),
      options.dataDir,
    );
    this.#deps = {
      registry,
      reads: new ObjectReads(this.#store),
      writes,
      watches: new WatchHub(this.#store, options.watchTiming, clock),
      clock,
      actions: this.#actions(),
    };
    bootstrapNamespaces(writes);
    this.#stopControllers = startControllers(
      registry,
      writes,
      options.onControllerError ?? reportToStderr,
    );
    this.#server = createServer({ noDelay: true, keepAliveTimeout: 65_000 }, (req, res) => {
      void this.#handle(req, res);
    });
    this.#server.on("connection", (socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
    boundIdleConnections(this.#server, maxIdleConnections);
  }

  /**
   * Starts a server and resolves once it listens.
   * @throws Error when the port is taken or the data directory cannot be opened
   */
  static async start(options: ServerOptions = {}): Promise<LocalClusterServer> {
    const server = new LocalClusterServer(options);
    await new Promise<void>((resolve, reject) => {
      server.#server.once("error", reject);
      server.#server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
        server.#server.off("error", reject);
        resolve();
      });
    });
    const address = server.#server.address() as AddressInfo;
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    server.#url = `http://${host}:${address.port}`;
    return server;
  }

  get url(): string {
    return this.#url;
  }

  kubeconfig(contextName = "local"): string {
    const options: Parameters<typeof renderKubeconfig>[0] = {
      server: this.#url,
      clusterName: this.#name,
      contextName,
      namespace: "default",
    };
    const token = this.#tokens?.[0]?.token;
    if (token !== undefined) options.token = token;
    return renderKubeconfig(options);
  }

  registerServiceEndpoint(
    namespace: string,
    service: string,
    port: string | number,
    target: string,
  ): void {
    this.#proxy.register(namespace, service, port, target);
  }

  async close(): Promise<void> {
    this.#stopControllers();
    this.#deps.watches.closeAll();
    const closed = [...this.#sockets].map(
      (socket) =>
        new Promise<void>((resolve) => {
          socket.once("close", () => {
            resolve();
          });
        }),
    );
    await new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
      this.#server.closeIdleConnections();
      for (const socket of this.#sockets) socket.destroy();
    });
    // Resolve only once every connection is closed and one turn of the event loop has passed, so
    // that a client in this process has seen its kept-alive connections end (a client reuses an
    // idle connection only after polling it once) and does not write its next request, perhaps a
    // non-idempotent one it cannot resend, into a connection that is already gone.
    await Promise.all(closed);
    await new Promise((resolve) => setImmediate(resolve));
    this.#store.close();
  }

  /** The uid of a stored ServiceAccount, or undefined when there is none. */
  #serviceAccountUid(namespace: string, name: string): string | undefined {
    const account = this.#store.get(serviceAccounts.storageKey, namespace, name);
    return account === undefined ? undefined : uidOf(account);
  }

  // TokenRequest (`kubectl create token`), TokenReview and SelfSubjectAccessReview (`kubectl auth
  // can-i`): answered, never stored.
  #actions(): Map<string, ApiAction> {
    const requestToken: ApiAction = ({ namespace, name, body }) => {
      const uid = this.#serviceAccountUid(namespace, name);
      if (uid === undefined) throw notFound(serviceAccounts, name);
      const response = tokenRequestResponse(
        this.#serviceAccountTokens,
        { namespace, name, uid },
        body,
      );
      return { object: response, status: 201 };
    };
    const reviewToken: ApiAction = ({ body }) => ({
      object: tokenReviewResponse(this.#serviceAccountTokens, this.#tokens, body),
      status: 201,
    });
    return new Map([
      [`${serviceAccounts.storageKey}/token`, requestToken],
      [`${tokenReviews.storageKey}/`, reviewToken],
      [
        `${selfSubjectAccessReviews.storageKey}/`,
        ({ body }) => ({ object: selfSubjectAccessReviewResponse(body), status: 201 }),
      ],
    ]);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? "/", "http://localhost");
      const authorized = isAuthorized(
        this.#tokens,
        url.pathname,
        req.headers.authorization,
        (token) => this.#serviceAccountTokens.review(token).authenticated,
      );
      if (!authorized) throw unauthorized();
      await this.#route(req, res, url);
    } catch (error) {
      sendError(res, error instanceof ApiError ? error : internalError(error));
    }
  }

  async #route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/$/, "") : url.pathname;
    const types = this.#deps.registry.all();
    switch (path) {
      case "/version": {
        sendObject(res, 200, versionInfo);
        return;
      }
      case "/healthz":
      case "/livez":
      case "/readyz":
        res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" });
        res.end("ok");
        return;
      case "/api":
      case "/apis": {
        this.#discoveryRoot(req, res, path === "/api");
        return;
      }
      case "/openapi/v3": {
        sendObject(res, 200, openApiRoot(types));
        return;
      }
      default:
    }
    if (path.startsWith("/openapi/v3/")) {
      const document = openApiDocument(types, path.slice("/openapi/v3/".length));
      if (document === undefined) throw unknownPath();
      sendObject(res, 200, document);
      return;
    }
    const resourcePath = parseResourcePath(url.pathname);
    if (resourcePath === undefined) {
      const group = /^\/apis\/([^/]+)$/.exec(path)?.[1];
      const document = group === undefined ? undefined : apiGroup(types, group);
      if (document !== undefined) {
        sendObject(res, 200, document);
        return;
      }
      if (path.startsWith("/api")) throw unknownPath();
      res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" });
      res.end("404 page not found\n");
      return;
    }
    if (resourcePath.resource === "") {
      const document = apiResourceList(types, resourcePath.group, resourcePath.version);
      if (document === undefined) throw unknownPath();
      sendObject(res, 200, document);
      return;
    }
    if (resourcePath.subresource === "proxy" && resourcePath.resource === "services") {
      return this.#proxyRequest(req, res, resourcePath, url.search);
    }
    return handleResourceRequest(this.#deps, req, res, resourcePath, url.searchParams);
  }

  #discoveryRoot(req: IncomingMessage, res: ServerResponse, core: boolean): void {
    const types = this.#deps.registry.all();
    const version = discoveryVersion(req.headers.accept);
    if (version !== undefined) {
      const body = JSON.stringify(aggregatedDiscovery(types, core, version));
      res.writeHead(200, {
        "Content-Type": `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`,
        Vary: "Accept",
      });
      res.end(body);
      return;
    }
    const address = this.#url.replace(/^http:\/\//, "");
    res.setHeader("Vary", "Accept");
    sendObject(res, 200, core ? apiVersions(address) : apiGroupList(types));
  }

  async #proxyRequest(
    req: IncomingMessage,
    res: ServerResponse,
    path: ResourcePath,
    search: string,
  ): Promise<void> {
    const reference = parseServiceReference(path.name);
    const service = this.#store.get("/services", path.namespace, reference.name);
    if (service === undefined) throw serviceNotFound(reference.name);
    const target = this.#proxy.resolve(service, path.namespace, reference.name, reference.port);
    await this.#proxy.forward(req, res, target, path.rest, search);
  }
}

/**
 * localcluster: an in-process Kubernetes-API-compatible server on loopback for development,
 * demos and tests. It speaks the REST API as kubectl 1.32 and @kubernetes/client-node expect it
 * (discovery, CRUD, selectors, paging, watch, patches, server-side apply, CRDs, garbage
 * collection, namespace deletion, the service proxy) and keeps its state in memory or, with
 * `dataDir`, in node:sqlite.
 *
 * @example
 * ```ts
 * const cluster = await startLocalCluster();
 * writeFileSync("kubeconfig", cluster.kubeconfig());
 * // … kubectl --kubeconfig kubeconfig get ns …
 * await cluster.close();
 * ```
 * @module
 */
import { LocalClusterServer } from "./server.js";

/** How to start a local cluster. */
export interface LocalClusterOptions {
  /** TCP port; 0 or absent picks a free one. */
  port?: number;
  /** Address to listen on; default 127.0.0.1. */
  host?: string;
  /** Keep state in `<dataDir>/cluster.db` (node:sqlite, WAL) across restarts; memory only when absent. */
  dataDir?: string;
  /**
   * Require `Authorization: Bearer <token>` with a token from this kube-apiserver style CSV file
   * (`token,user,uid[,"groups"]`). Off when absent. Note that kubectl sends no credentials over
   * plain http, so token mode is for API clients such as client-node.
   */
  tokensFile?: string;
  /** Cluster name used in the kubeconfig (default "local"). */
  name?: string;
}

/** A running local cluster. */
export interface LocalCluster {
  /** Base URL, `http://127.0.0.1:PORT`. */
  readonly url: string;
  /**
   * A kubeconfig YAML for this cluster whose current context is `contextName` (default "local"),
   * namespace "default", with the first token of the tokens file when one is configured.
   */
  kubeconfig(contextName?: string): string;
  /**
   * Routes the service proxy (`/api/v1/namespaces/NS/services/[SCHEME:]NAME:[PORT]/proxy/PATH`)
   * for one Service port to a local HTTP endpoint (`http://127.0.0.1:P`). The Service object
   * must exist for requests to be forwarded; `port` is the Service port's name or number.
   */
  registerServiceEndpoint(
    namespace: string,
    service: string,
    port: string | number,
    target: string,
  ): void;
  /** Stops the server: ends open watches, closes connections and the data directory. */
  close(): Promise<void>;
}

/**
 * Starts a local cluster listening on `options.host` (127.0.0.1) and `options.port` (any free
 * port), with the namespaces default, kube-system, kube-public and kube-node-lease.
 * Several clusters may run in one process.
 * @returns the running cluster once it accepts connections
 * @throws Error when the port is in use, the tokens file is unreadable or malformed, or the data
 *   directory cannot be opened
 */
export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  return LocalClusterServer.start(options);
}

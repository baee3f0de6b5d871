import { readClusterSecret, type ClusterSecret, type JsonObject } from "../../argocd/index.js";
import type { KubeObject } from "../../kube/index.js";

/** The label that makes a Secret an Argo CD cluster. */
export const clusterSecretSelector = "argocd.argoproj.io/secret-type=cluster";

/** Argo CD's in-cluster API server, registered implicitly when no Secret names it. */
const inClusterServer = "https://kubernetes.default.svc";

/**
 * Data keys the generators and destination checks read. `config` (credentials) is left out on
 * purpose, so no bearer token or key ever reaches rendering, errors or logs.
 */
const publicKeys = ["name", "server", "project", "namespaces", "clusterResources", "shard"];

/**
 * Reads the cluster Secrets of the Argo CD namespace as the generators see them, without their
 * credentials. A Secret that cannot be read (missing name or server, bad base64) is reported in
 * `problems` (naming the Secret and key, never a value) and left out.
 */
export function readClusterSecrets(secrets: readonly KubeObject[]): {
  clusters: ClusterSecret[];
  problems: string[];
} {
  const clusters: ClusterSecret[] = [];
  const problems: string[] = [];
  for (const secret of secrets) {
    const data = (secret.data ?? {}) as Record<string, unknown>;
    const stringData = (secret.stringData ?? {}) as Record<string, unknown>;
    const pick = (source: Record<string, unknown>): JsonObject =>
      Object.fromEntries(
        publicKeys
          .filter((key) => Object.hasOwn(source, key))
          .map((key) => [key, source[key] as string]),
      );
    const manifest = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: secret.metadata?.name ?? "",
        namespace: secret.metadata?.namespace ?? "",
        labels: secret.metadata?.labels ?? {},
        annotations: secret.metadata?.annotations ?? {},
      },
      data: pick(data),
      stringData: pick(stringData),
    };
    try {
      clusters.push(readClusterSecret(manifest, "cluster secrets"));
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  return { clusters, problems };
}

/**
 * Whether an Application's destination still names a registered cluster (the check Argo CD makes
 * before deleting an Application: if not, it removes the resources finalizer first so the
 * deletion cannot hang). `server` must match a cluster's server (trailing `/` ignored) and
 * `name`, when set alone, exactly one cluster's name; both set is invalid.
 */
export function destinationExists(
  destination: unknown,
  clusters: readonly ClusterSecret[],
): boolean {
  const dest = (typeof destination === "object" && destination !== null ? destination : {}) as {
    name?: unknown;
    server?: unknown;
  };
  const name = typeof dest.name === "string" ? dest.name : "";
  const server = typeof dest.server === "string" ? dest.server.replace(/\/+$/, "") : "";
  const known = clusters.map((cluster) => ({
    name: cluster.data.name ?? "",
    server: (cluster.data.server ?? "").replace(/\/+$/, ""),
  }));
  if (!known.some((cluster) => cluster.server === inClusterServer))
    known.push({ name: "in-cluster", server: inClusterServer });
  if (name !== "" && server !== "") return false;
  if (server !== "") return known.some((cluster) => cluster.server === server);
  if (name !== "") return known.filter((cluster) => cluster.name === name).length === 1;
  return false;
}

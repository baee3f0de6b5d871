import { stringify } from "yaml";

/** What a kubeconfig for one local cluster needs. */
export interface KubeconfigOptions {
  server: string;
  clusterName: string;
  contextName: string;
  namespace?: string;
  token?: string;
}

/**
 * A kubeconfig YAML with one cluster, user and context (the current one).
 */
export function renderKubeconfig(options: KubeconfigOptions): string {
  const user: Record<string, string> = {};
  if (options.token !== undefined) user.token = options.token;
  const context: Record<string, string> = {
    cluster: options.clusterName,
    user: options.clusterName,
  };
  if (options.namespace !== undefined) context.namespace = options.namespace;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    preferences: {},
    // client-node 2 refuses http:// servers unless TLS verification is marked as skipped.
    clusters: [
      {
        name: options.clusterName,
        cluster: { server: options.server, "insecure-skip-tls-verify": true },
      },
    ],
    users: [{ name: options.clusterName, user }],
    contexts: [{ name: options.contextName, context }],
    "current-context": options.contextName,
  });
}

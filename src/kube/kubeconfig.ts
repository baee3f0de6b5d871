import { existsSync, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";

/** Where the client's configuration comes from; read flags and env in the entry point. */
export interface KubeConfigOptions {
  /** `--kubeconfig`: one kubeconfig file; wins over everything else. */
  readonly kubeconfig?: string;
  /** `--context`: the context to use instead of the file's current-context. */
  readonly context?: string;
  /**
   * The environment: KUBECONFIG (path list), HOME, and KUBERNETES_SERVICE_HOST/PORT for the
   * in-cluster service account. Pass `process.env` from the entry point.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The service-account folder (token, ca.crt, namespace); default the in-cluster mount. */
  readonly serviceAccountDir?: string;
}

const defaultServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

/**
 * Builds client-node's KubeConfig in controller-runtime's order: `kubeconfig` (--kubeconfig),
 * else the files in KUBECONFIG (merged; the first file that sets a name or current-context wins,
 * as kubectl does), else the in-cluster service account when KUBERNETES_SERVICE_HOST is set,
 * else ~/.kube/config. `context` then selects a context.
 *
 * @throws Error naming the file for an unreadable or malformed kubeconfig, an unknown context,
 *   or when no configuration is found at all
 */
export function loadKubeConfig(options: KubeConfigOptions = {}): KubeConfig {
  const env = options.env ?? {};
  const kc = pickSource(options, env);
  if (options.context !== undefined) {
    if (kc.getContextObject(options.context) === null) {
      const known = kc.getContexts().map((c) => `"${c.name}"`);
      throw new Error(
        `context "${options.context}" not found in kubeconfig (contexts: ${known.join(", ") || "none"})`,
      );
    }
    kc.setCurrentContext(options.context);
  }
  if (kc.getCurrentCluster() === null) {
    throw new Error(
      `kubeconfig has no cluster for context "${kc.getCurrentContext()}"; pass --context`,
    );
  }
  return kc;
}

function pickSource(
  options: KubeConfigOptions,
  env: Readonly<Record<string, string | undefined>>,
): KubeConfig {
  if (options.kubeconfig !== undefined) return fromFiles([options.kubeconfig]);
  const list = (env.KUBECONFIG ?? "").split(delimiter).filter((file) => file !== "");
  if (list.length > 0) {
    // kubectl skips listed files that do not exist; it fails only when none does.
    const present = list.filter((file) => existsSync(file));
    if (present.length === 0) {
      throw new Error(`no kubeconfig found: none of KUBECONFIG's files exist (${list.join(", ")})`);
    }
    return fromFiles(present);
  }
  const host = env.KUBERNETES_SERVICE_HOST;
  if (host !== undefined && host !== "") {
    return inCluster(host, env.KUBERNETES_SERVICE_PORT ?? "443", options.serviceAccountDir);
  }
  const home = env.HOME ?? env.USERPROFILE;
  const fallback = home === undefined ? undefined : join(home, ".kube", "config");
  if (fallback !== undefined && existsSync(fallback)) return fromFiles([fallback]);
  throw new Error(
    "no kubeconfig found: pass --kubeconfig, set KUBECONFIG, run in a cluster, or create ~/.kube/config",
  );
}

function fromFiles(files: readonly string[]): KubeConfig {
  const merged = new KubeConfig();
  const clusters = new Map<string, KubeConfig["clusters"][number]>();
  const users = new Map<string, KubeConfig["users"][number]>();
  const contexts = new Map<string, KubeConfig["contexts"][number]>();
  let currentContext = "";
  for (const file of files) {
    const kc = new KubeConfig();
    try {
      kc.loadFromFile(file);
    } catch (error) {
      throw new Error(`cannot read kubeconfig "${file}": ${(error as Error).message}`, {
        cause: error,
      });
    }
    for (const c of kc.clusters) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of kc.users) if (!users.has(u.name)) users.set(u.name, u);
    for (const c of kc.contexts) if (!contexts.has(c.name)) contexts.set(c.name, c);
    if (currentContext === "") currentContext = kc.currentContext;
  }
  merged.loadFromOptions({
    clusters: [...clusters.values()],
    users: [...users.values()],
    contexts: [...contexts.values()],
    currentContext,
  });
  return merged;
}

function inCluster(host: string, port: string, dir = defaultServiceAccountDir): KubeConfig {
  const tokenFile = join(dir, "token");
  if (!existsSync(tokenFile)) {
    throw new Error(`cannot use the in-cluster service account: "${tokenFile}" does not exist`);
  }
  const namespaceFile = join(dir, "namespace");
  const namespace = existsSync(namespaceFile) ? readFileSync(namespaceFile, "utf8").trim() : "";
  const server = `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "in-cluster", server, caFile: join(dir, "ca.crt"), skipTLSVerify: false }],
    // client-node's tokenFile provider re-reads the file, so rotated (projected) tokens are used.
    users: [{ name: "in-cluster", authProvider: { name: "tokenFile", config: { tokenFile } } }],
    contexts: [
      {
        name: "in-cluster",
        cluster: "in-cluster",
        user: "in-cluster",
        ...(namespace === "" ? {} : { namespace }),
      },
    ],
    currentContext: "in-cluster",
  });
  return kc;
}

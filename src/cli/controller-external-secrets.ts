import type { Command } from "commander";
import { CliError, ExitCode } from "./errors.js";
import { controllerGroup, controllerKubeClient, parseGoBool } from "./go-flags.js";

/** The flags of `secretfleet controller external-secrets`, as commander parses them. */
export interface ExternalSecretsFlags {
  kubeconfig?: string;
  context?: string;
  concurrent: string;
  clientQps: string;
  clientBurst: string;
  controllerClass: string;
  namespace: string;
  enableClusterStoreReconciler: boolean;
  enableSecretStoreReconciler: boolean;
  enableClusterExternalSecretReconciler: boolean;
  enablePushSecretReconciler: boolean;
  enableClusterPushSecretReconciler: boolean;
  storeRequeueInterval: string;
  enableFloodGate: boolean;
  enableLeaderElection: boolean;
  leaderElectionId: string;
  leaderElectionNamespace?: string;
  metricsAddr: string;
  liveAddr: string;
  loglevel: string;
  enableExtendedMetricLabels: boolean;
  templateLeftDelimiter: string;
  templateRightDelimiter: string;
  unsafeAllowGenericTargets: boolean;
  clusterName: string;
  readCacheMaxAge: string;
  serviceAccountTokenFile?: string;
}

/** Go's strconv.ParseBool, as ESO's pflag booleans accept it (`--enable-flood-gate=false`). */
export function goBoolFlag(text: string): boolean {
  const value = parseGoBool(text);
  if (value === undefined) throw new CliError(`invalid boolean "${text}"`, ExitCode.usage);
  return value;
}

/** A flag's value as a positive integer. @throws CliError (usage) otherwise */
export function positiveInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new CliError(`invalid ${flag} "${text}": want a positive integer`, ExitCode.usage);
  return value;
}

function positiveNumber(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new CliError(`invalid ${flag} "${text}": want a positive number`, ExitCode.usage);
  return value;
}

/** `host:port` or `:port` (Go's listen address) → host and port. */
export function parseListenAddress(flag: string, text: string): { host: string; port: number } {
  const colon = text.lastIndexOf(":");
  const port = Number(text.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new CliError(`invalid ${flag} "${text}": want host:port or :port`, ExitCode.usage);
  const host = text.slice(0, colon).replace(/^\[|\]$/g, "");
  return { host: host === "" ? "0.0.0.0" : host, port };
}

async function goDurationMs(flag: string, text: string): Promise<number> {
  const { parseGoDuration } = await import("../controllers/externalsecrets/index.js");
  try {
    const ms = parseGoDuration(text);
    if (ms < 0) throw new Error("must not be negative");
    return ms;
  } catch (error) {
    throw new CliError(`invalid ${flag} "${text}": ${(error as Error).message}`, ExitCode.usage);
  }
}

async function run(flags: ExternalSecretsFlags): Promise<void> {
  if (flags.templateLeftDelimiter !== "{{" || flags.templateRightDelimiter !== "}}") {
    throw new CliError(
      "--template-left-delimiter / --template-right-delimiter: only {{ and }} are supported",
      ExitCode.usage,
    );
  }
  if (flags.unsafeAllowGenericTargets) {
    throw new CliError(
      "--unsafe-allow-generic-targets: generic targets are not supported",
      ExitCode.usage,
    );
  }
  const concurrent = positiveInteger("--concurrent", flags.concurrent);
  const qps = positiveNumber("--client-qps", flags.clientQps);
  const burst = positiveInteger("--client-burst", flags.clientBurst);
  const storeRequeueMs = await goDurationMs("--store-requeue-interval", flags.storeRequeueInterval);
  const readCacheMaxAgeMs = await goDurationMs("--read-cache-max-age", flags.readCacheMaxAge);
  const metricsAddr = parseListenAddress("--metrics-addr", flags.metricsAddr);
  const liveAddr = parseListenAddress("--live-addr", flags.liveAddr);
  const kube = await import("../kube/index.js");
  const { setupExternalSecrets } = await import("../controllers/externalsecrets/index.js");
  const logger = kube.createLogger({ level: flags.loglevel, name: "external-secrets" });
  const client = await controllerKubeClient(flags, "external-secrets");
  const { Registry } = await import("prom-client");
  const registry = new Registry();
  // ESO serves metrics and probes on two ports; the manager serves probes (and metrics) on
  // --live-addr, and a second server serves /metrics on --metrics-addr.
  const metrics = await kube.startHealthServer({ ...metricsAddr, registry });
  let handle: Awaited<ReturnType<typeof setupExternalSecrets>> | undefined;
  try {
    const end = await kube.runController(
      {
        client,
        registry,
        logger,
        health: liveAddr,
        ...(flags.enableLeaderElection
          ? {
              leaderElection: {
                namespace: flags.leaderElectionNamespace ?? client.defaultNamespace,
                name: flags.leaderElectionId,
              },
            }
          : {}),
      },
      (manager) => {
        handle = setupExternalSecrets(manager, {
          concurrent,
          controllerClass: flags.controllerClass,
          ...(flags.namespace === "" ? {} : { namespace: flags.namespace }),
          enableClusterStoreReconciler: flags.enableClusterStoreReconciler,
          enableSecretStoreReconciler: flags.enableSecretStoreReconciler,
          enableClusterExternalSecretReconciler: flags.enableClusterExternalSecretReconciler,
          enablePushSecretReconciler: flags.enablePushSecretReconciler,
          storeRequeueMs,
          floodGate: flags.enableFloodGate,
          clientRateLimit: { qps, burst },
          extendedMetricLabels: flags.enableExtendedMetricLabels,
          clusterName: flags.clusterName,
          readCacheMaxAgeMs,
          ...(flags.serviceAccountTokenFile === undefined
            ? {}
            : { serviceAccountTokenFile: flags.serviceAccountTokenFile }),
          logger,
        });
        logger.info(
          { metrics: metrics.url, concurrent, controllerClass: flags.controllerClass },
          "external-secrets controllers starting",
        );
      },
    );
    if (end === "lost") throw new CliError("leader election lost", ExitCode.error);
  } finally {
    await handle?.close();
    await metrics.close();
  }
}

/**
 * Registers `secretfleet controller external-secrets`: runs the External Secrets Operator-
 * compatible controllers (ExternalSecret, SecretStore, ClusterSecretStore, ClusterExternalSecret,
 * PushSecret) with ESO's flags.
 */
export function registerControllerExternalSecrets(program: Command): void {
  const controller = controllerGroup(program);
  const bool = goBoolFlag;
  controller
    .command("external-secrets")
    .description(
      "run the External Secrets Operator-compatible controllers (ExternalSecret, SecretStore, " +
        "ClusterSecretStore, ClusterExternalSecret, PushSecret) until SIGTERM; flags as ESO's",
    )
    .option(
      "--kubeconfig <file>",
      "kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster)",
    )
    .option("--context <name>", "kubeconfig context to use")
    .option("--concurrent <n>", "concurrent reconciles per controller", "1")
    .option("--client-qps <qps>", "Kubernetes API requests per second", "50")
    .option("--client-burst <n>", "Kubernetes API request burst", "100")
    .option("--controller-class <class>", "only stores of this class (or none) are used", "default")
    .option("--namespace <ns>", "watch this namespace only (cluster-scoped kinds are then off)", "")
    .option("--enable-cluster-store-reconciler [bool]", "reconcile ClusterSecretStores", bool, true)
    .option("--enable-secret-store-reconciler [bool]", "reconcile SecretStores", bool, true)
    .option(
      "--enable-cluster-external-secret-reconciler [bool]",
      "reconcile ClusterExternalSecrets",
      bool,
      true,
    )
    .option("--enable-push-secret-reconciler [bool]", "reconcile PushSecrets", bool, true)
    .option(
      "--enable-cluster-push-secret-reconciler [bool]",
      "accepted for compatibility; ClusterPushSecrets are not reconciled yet",
      bool,
      true,
    )
    .option("--store-requeue-interval <duration>", "store re-validation period", "5m")
    .option(
      "--enable-flood-gate [bool]",
      "ExternalSecrets skip stores that are not Ready",
      bool,
      true,
    )
    .option("--enable-leader-election [bool]", "run only while holding the lease", bool, false)
    .option("--leader-election-id <name>", "the Lease's name", "external-secrets-controller")
    .option("--leader-election-namespace <ns>", "the Lease's namespace (default: the context's)")
    .option("--metrics-addr <addr>", "where /metrics is served", ":8080")
    .option("--live-addr <addr>", "where /healthz and /readyz are served", ":8082")
    .option("--loglevel <level>", "log level: debug, info, warn, error", "info")
    .option(
      "--enable-extended-metric-labels [bool]",
      "add app.kubernetes.io labels to the metrics",
      bool,
      false,
    )
    .option("--template-left-delimiter <text>", "template left delimiter (only {{)", "{{")
    .option("--template-right-delimiter <text>", "template right delimiter (only }})", "}}")
    .option(
      "--unsafe-allow-generic-targets [bool]",
      "render into ConfigMaps or custom resources (not supported)",
      bool,
      false,
    )
    .option(
      "--cluster-name <name>",
      "this cluster's name in the owner identity written with pushes",
      "cluster",
    )
    .option(
      "--read-cache-max-age <duration>",
      "how old a provider read shared between ExternalSecrets may be (0 disables sharing)",
      "10m",
    )
    .option(
      "--service-account-token-file <file>",
      "token for Vault Kubernetes auth without a secretRef",
    )
    .action(async (flags: ExternalSecretsFlags) => {
      await run(flags);
    });
}

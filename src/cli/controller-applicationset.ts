// `secretfleet controller applicationset`: runs the ApplicationSet controller with Argo CD's
// applicationset-controller flags (each also read from its ARGOCD_APPLICATIONSET_CONTROLLER_*
// variable; the command line wins). Git repositories are local clones given with --repo instead
// of a repo server. Heavy modules are imported inside the action so that other commands start fast.
import { Command, Option } from "commander";
import { parseRepos } from "./appset.js";
import { goBoolFlag, parseListenAddress, positiveInteger } from "./controller-external-secrets.js";
import { controllerGroup, controllerKubeClient } from "./go-flags.js";
import { CliError, ExitCode } from "./errors.js";

/** The flags of `secretfleet controller applicationset`, as commander parses them. */
export interface ApplicationSetFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  policy: string;
  enablePolicyOverride?: boolean;
  maxDeletions?: string;
  repo: string[];
  concurrentReconciliations: string;
  maxResourcesStatusCount: string;
  enableNewGitFileGlobbing: boolean;
  globalPreservedAnnotations: string;
  globalPreservedLabels: string;
  enableLeaderElection: boolean;
  metricsAddr: string;
  probeAddr: string;
  loglevel: string;
}

const envPrefix = "ARGOCD_APPLICATIONSET_CONTROLLER_";

/** A comma-separated list as Argo CD reads its preserved-fields variables. */
function commaList(text: string): string[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

function nonNegativeInteger(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isInteger(value) || value < 0)
    throw new CliError(`invalid ${flag} "${text}": want a non-negative integer`, ExitCode.usage);
  return value;
}

async function run(flags: ApplicationSetFlags): Promise<void> {
  const repositories = parseRepos(flags.repo);
  const concurrent = positiveInteger(
    "--concurrent-reconciliations",
    flags.concurrentReconciliations,
  );
  const statusCount = nonNegativeInteger(
    "--max-resources-status-count",
    flags.maxResourcesStatusCount,
  );
  const maxDeletions =
    flags.maxDeletions === undefined
      ? undefined
      : nonNegativeInteger("--max-deletions", flags.maxDeletions);
  const metricsAddr = parseListenAddress("--metrics-addr", flags.metricsAddr);
  const probeAddr = parseListenAddress("--probe-addr", flags.probeAddr);
  const { addApplicationSetController, defaultPolicyOverride, parsePolicy } =
    await import("../controllers/applicationset/index.js");
  let policy;
  try {
    policy = parsePolicy(flags.policy);
  } catch (error) {
    throw new CliError(`--policy: ${(error as Error).message}`, ExitCode.usage, { cause: error });
  }
  const enablePolicyOverride = flags.enablePolicyOverride ?? defaultPolicyOverride(process.env);
  const kube = await import("../kube/index.js");
  const logger = kube.createLogger({ level: flags.loglevel, name: "applicationset-controller" });
  const client = await controllerKubeClient(flags, "argocd-applicationset-controller");
  // Argo CD runs in the namespace of its context (the service account's in a pod).
  const namespace = flags.namespace ?? client.defaultNamespace;
  const { Registry } = await import("prom-client");
  const registry = new Registry();
  const metrics = await kube.startHealthServer({ ...metricsAddr, registry });
  try {
    const end = await kube.runController(
      {
        client,
        registry,
        logger,
        health: probeAddr,
        ...(flags.enableLeaderElection
          ? { leaderElection: { namespace, name: "58ac56fa.applicationsets.argoproj.io" } }
          : {}),
      },
      (manager) => {
        addApplicationSetController(manager, {
          namespace,
          policy: { policy, enablePolicyOverride },
          ...(maxDeletions === undefined ? {} : { maxDeletions }),
          repositories,
          concurrentReconciliations: concurrent,
          maxResourcesStatusCount: statusCount,
          newGitFileGlobbing: flags.enableNewGitFileGlobbing,
          globalPreservedAnnotations: commaList(flags.globalPreservedAnnotations),
          globalPreservedLabels: commaList(flags.globalPreservedLabels),
          validateProjects: true,
        });
        logger.info(
          {
            namespace,
            policy,
            enablePolicyOverride,
            maxDeletions: maxDeletions ?? null,
            repositories: [...repositories.keys()],
            metrics: metrics.url,
          },
          "applicationset controller starting",
        );
      },
    );
    if (end === "lost") throw new CliError("leader election lost", ExitCode.error);
  } finally {
    await metrics.close();
  }
}

/**
 * Registers `secretfleet controller applicationset`: runs the Argo CD-compatible ApplicationSet
 * controller (Applications generated, updated and deleted per policy, status conditions, and
 * beyond Argo CD a `--max-deletions` guard per reconcile) until SIGTERM.
 */
export function registerControllerApplicationSet(program: Command): void {
  const controller = controllerGroup(program);
  const bool = goBoolFlag;
  const env = (name: string): string => `${envPrefix}${name}`;
  const command = new Command("applicationset")
    .description(
      "run the Argo CD-compatible ApplicationSet controller until SIGTERM: owns the Applications " +
        "of the ApplicationSets in its namespace; flags as Argo CD's applicationset-controller, " +
        "git repositories from --repo instead of a repo server",
    )
    .option(
      "--kubeconfig <file>",
      "kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster)",
    )
    .option("--context <name>", "kubeconfig context to use")
    .addOption(
      new Option(
        "--namespace <ns>",
        "the Argo CD namespace: ApplicationSets, Applications, cluster Secrets (default: the context's)",
      ).env(env("NAMESPACE")),
    )
    .addOption(
      new Option(
        "--policy <policy>",
        "what may be done to Applications: sync (the default), create-only, create-update, create-delete",
      )
        .env(env("POLICY"))
        .default(""),
    )
    .addOption(
      new Option(
        "--enable-policy-override [bool]",
        "let spec.syncPolicy.applicationsSync override --policy " +
          `(default: true unless ${env("POLICY")} is set)`,
      )
        .env(env("ENABLE_POLICY_OVERRIDE"))
        .argParser(bool),
    )
    .option(
      "--max-deletions <n>",
      "refuse a reconcile that would delete more than n Applications of one ApplicationSet " +
        "(a condition and a Warning event instead; default: no limit)",
    )
    .option(
      "--repo <url=path>",
      "map a repoURL of the git generators to a local git repository (repeatable)",
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .addOption(
      new Option("--concurrent-reconciliations <n>", "concurrent ApplicationSet reconciles")
        .env(env("CONCURRENT_RECONCILIATIONS"))
        .default("10"),
    )
    .addOption(
      new Option(
        "--max-resources-status-count <n>",
        "most Applications listed in status.resources (0: no limit)",
      )
        .env(env("MAX_RESOURCES_STATUS_COUNT"))
        .default("5000"),
    )
    .addOption(
      new Option("--enable-new-git-file-globbing [bool]", "git files patterns use doublestar rules")
        .env(env("ENABLE_NEW_GIT_FILE_GLOBBING"))
        .argParser(bool)
        .default(false),
    )
    .addOption(
      new Option(
        "--global-preserved-annotations <keys>",
        "comma-separated annotation keys whose live values survive updates",
      )
        .env(env("GLOBAL_PRESERVED_ANNOTATIONS"))
        .default(""),
    )
    .addOption(
      new Option(
        "--global-preserved-labels <keys>",
        "comma-separated label keys whose live values survive updates",
      )
        .env(env("GLOBAL_PRESERVED_LABELS"))
        .default(""),
    )
    .addOption(
      new Option("--enable-leader-election [bool]", "run only while holding the lease")
        .env(env("ENABLE_LEADER_ELECTION"))
        .argParser(bool)
        .default(false),
    )
    .option("--metrics-addr <addr>", "where /metrics is served", ":8080")
    .option("--probe-addr <addr>", "where /healthz and /readyz are served", ":8081")
    .addOption(
      new Option("--loglevel <level>", "log level: debug, info, warn, error")
        .env(env("LOGLEVEL"))
        .default("info"),
    )
    .action(async (flags: ApplicationSetFlags) => {
      await run(flags);
    });
  controller.addCommand(command);
}

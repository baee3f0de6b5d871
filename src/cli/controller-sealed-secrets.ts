// `secretfleet controller sealed-secrets`: runs the Sealed Secrets controller with upstream's flags
// (spec §7.14), each also read from SEALED_SECRETS_<FLAG> (the command line wins). Heavy modules
// are imported inside the action so that other commands start fast.
import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import type { ControllerConfig } from "../controllers/sealedsecrets/index.js";
import { CliError, ExitCode } from "./errors.js";
import { controllerGroup, parseGoBool } from "./go-flags.js";

type FlagKind = "string" | "int" | "float" | "bool" | "duration";

interface FlagSpec {
  readonly flag: string;
  readonly kind: FlagKind;
  readonly fallback: string;
  readonly help: string;
}

/** Upstream's flags with their defaults, then ours. Durations use Go's syntax (720h, 2m). */
export const controllerFlags: readonly FlagSpec[] = [
  {
    flag: "key-prefix",
    kind: "string",
    fallback: "sealed-secrets-key",
    help: "prefix of new key Secrets (generateName)",
  },
  { flag: "key-size", kind: "int", fallback: "4096", help: "RSA bits of new keys" },
  { flag: "key-ttl", kind: "duration", fallback: "87600h", help: "validity of new certificates" },
  { flag: "my-cn", kind: "string", fallback: "", help: "CN of new certificates" },
  {
    flag: "key-renew-period",
    kind: "duration",
    fallback: "720h",
    help: "new key every period; 0 disables",
  },
  {
    flag: "rotate-period",
    kind: "duration",
    fallback: "",
    help: "deprecated alias of --key-renew-period",
  },
  {
    flag: "key-order-priority",
    kind: "string",
    fallback: "CertNotBefore",
    help: "what makes a key the newest: CertNotBefore or SecretCreationTimestamp",
  },
  {
    flag: "key-cutoff-time",
    kind: "string",
    fallback: "",
    help: "make a new key at start if the newest is older (RFC 1123Z, as `date -R` prints)",
  },
  {
    flag: "accept-deprecated-v1-data",
    kind: "bool",
    fallback: "true",
    help: "accept the legacy spec.data",
  },
  { flag: "all-namespaces", kind: "bool", fallback: "true", help: "watch every namespace" },
  {
    flag: "additional-namespaces",
    kind: "string",
    fallback: "",
    help: "comma-separated namespaces to watch besides the controller's",
  },
  {
    flag: "label-selector",
    kind: "string",
    fallback: "",
    help: "watch only SealedSecrets and Secrets with these labels",
  },
  {
    flag: "rate-limit",
    kind: "int",
    fallback: "2",
    help: "/v1/verify requests per second per client",
  },
  { flag: "rate-limit-burst", kind: "int", fallback: "2", help: "/v1/verify burst" },
  {
    flag: "privatekey-annotations",
    kind: "string",
    fallback: "",
    help: "k=v,... annotations of new key Secrets",
  },
  {
    flag: "privatekey-labels",
    kind: "string",
    fallback: "",
    help: "k=v,... labels of new key Secrets",
  },
  {
    flag: "old-gc-behavior",
    kind: "bool",
    fallback: "false",
    help: "delete Secrets itself instead of relying on owners",
  },
  { flag: "update-status", kind: "bool", fallback: "true", help: "write the status subresource" },
  {
    flag: "watch-for-secrets",
    kind: "bool",
    fallback: "false",
    help: "accepted for compatibility: key Secrets are always watched",
  },
  {
    flag: "skip-recreate",
    kind: "bool",
    fallback: "false",
    help: "do not watch Secrets (no recreation)",
  },
  {
    flag: "max-unseal-retries",
    kind: "int",
    fallback: "5",
    help: "retries of a failing SealedSecret",
  },
  {
    flag: "kubeclient-qps",
    kind: "float",
    fallback: "5",
    help: "accepted for compatibility (no client-side limit)",
  },
  {
    flag: "kubeclient-burst",
    kind: "int",
    fallback: "10",
    help: "accepted for compatibility (no client-side limit)",
  },
  {
    flag: "log-info-stdout",
    kind: "bool",
    fallback: "true",
    help: "info lines on stdout, warnings and errors on stderr",
  },
  { flag: "log-level", kind: "string", fallback: "INFO", help: "DEBUG, INFO, WARN or ERROR" },
  { flag: "log-format", kind: "string", fallback: "text", help: "text or json" },
  { flag: "listen-addr", kind: "string", fallback: ":8080", help: "HTTP API address" },
  { flag: "listen-metrics-addr", kind: "string", fallback: ":8081", help: "metrics address" },
  { flag: "read-timeout", kind: "duration", fallback: "2m", help: "HTTP read timeout" },
  { flag: "write-timeout", kind: "duration", fallback: "2m", help: "HTTP write timeout" },
  // Ours.
  {
    flag: "kubeconfig",
    kind: "string",
    fallback: "",
    help: "kubeconfig file (default: KUBECONFIG, in-cluster, ~/.kube/config)",
  },
  { flag: "context", kind: "string", fallback: "", help: "kubeconfig context" },
  {
    flag: "unseal-workers",
    kind: "int",
    fallback: "",
    help: "threads that run RSA (default: one per core; 0: main thread)",
  },
  {
    flag: "leader-elect",
    kind: "bool",
    fallback: "false",
    help: "run several replicas: only the Lease holder writes",
  },
  {
    flag: "leader-election-id",
    kind: "string",
    fallback: "sealed-secrets-controller",
    help: "name of the Lease in the controller namespace",
  },
];

const envName = (flag: string): string =>
  `SEALED_SECRETS_${flag.toUpperCase().replaceAll("-", "_")}`;
const attribute = (flag: string): string =>
  flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** The flag values as text: command line, else SEALED_SECRETS_<FLAG>, else the default. */
export type FlagValues = Readonly<Record<string, string>>;

/** Reads every flag's text from the parsed command and the environment. */
export function flagValues(
  command: Command,
  env: Readonly<Record<string, string | undefined>>,
): FlagValues {
  const options = command.opts<Record<string, unknown>>();
  const out: Record<string, string> = {};
  for (const { flag, fallback } of controllerFlags) {
    const key = attribute(flag);
    const value = options[key];
    if (
      command.getOptionValueSource(key) === "cli" &&
      (typeof value === "string" || value === true)
    )
      out[flag] = value === true ? "true" : value;
    else out[flag] = env[envName(flag)] ?? fallback;
  }
  return out;
}

function usage(flag: string, value: string, why: string): CliError {
  return new CliError(
    `invalid argument ${JSON.stringify(value)} for "--${flag}" flag: ${why}`,
    ExitCode.usage,
  );
}

function goBool(flag: string, value: string): boolean {
  const parsed = parseGoBool(value);
  if (parsed === undefined) throw usage(flag, value, "strconv.ParseBool: parsing: invalid syntax");
  return parsed;
}

function goInt(flag: string, value: string): number {
  if (!/^[+-]?\d+$/.test(value))
    throw usage(flag, value, "strconv.ParseInt: parsing: invalid syntax");
  return Number(value);
}

function goFloat(flag: string, value: string): number {
  const number = Number(value);
  if (value.trim() === "" || Number.isNaN(number))
    throw usage(flag, value, "strconv.ParseFloat: parsing: invalid syntax");
  return number;
}

/** Where the controller runs (§7.1): POD_NAMESPACE, the service account's namespace, default. */
export function controllerNamespace(
  env: Readonly<Record<string, string | undefined>>,
  serviceAccountFile: string,
): string {
  const fromEnv = env.POD_NAMESPACE;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  try {
    const text = readFileSync(serviceAccountFile, "utf8").trim();
    if (text !== "") return text;
  } catch {
    // not in a pod
  }
  return "default";
}

/**
 * Turns flag values into the controller's configuration.
 * @throws CliError (exit 2) naming the flag for a value that does not parse; (exit 1) for an
 *   invalid key prefix or cutoff time, as upstream fails at start
 */
export async function configFromFlags(
  values: FlagValues,
  namespace: string,
): Promise<ControllerConfig> {
  const ss = await import("../controllers/sealedsecrets/index.js");
  const { parseGoDuration } = await import("../controllers/externalsecrets/index.js");
  const text = (flag: string): string => values[flag] ?? "";
  const bool = (flag: string): boolean => goBool(flag, text(flag));
  const int = (flag: string): number => goInt(flag, text(flag));
  const duration = (flag: string): number => {
    try {
      return parseGoDuration(text(flag));
    } catch (error) {
      throw usage(flag, text(flag), (error as Error).message);
    }
  };
  const attempt = <T>(what: () => T, exitCode: number = ExitCode.error): T => {
    try {
      return what();
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError((error as Error).message, exitCode, { cause: error });
    }
  };
  goFloat("kubeclient-qps", text("kubeclient-qps"));
  int("kubeclient-burst");
  bool("watch-for-secrets");
  const renew =
    text("rotate-period") === "" ? duration("key-renew-period") : duration("rotate-period");
  const cutoff = text("key-cutoff-time");
  const workers = text("unseal-workers");
  const defaults = ss.defaultConfig();
  const unsealWorkers = workers === "" ? defaults.unsealWorkers : int("unseal-workers");
  return ss.defaultConfig({
    controllerNamespace: namespace,
    keyPrefix: attempt(() => ss.validateKeyPrefix(text("key-prefix"))),
    keySize: int("key-size"),
    keyTtlMs: duration("key-ttl"),
    myCn: text("my-cn"),
    keyRenewPeriodMs: renew,
    keyOrderPriority: text("key-order-priority"),
    ...(cutoff === "" ? {} : { keyCutoffTime: attempt(() => ss.parseRfc1123z(cutoff)) }),
    acceptV1Data: bool("accept-deprecated-v1-data"),
    allNamespaces: bool("all-namespaces"),
    additionalNamespaces: text("additional-namespaces")
      .split(",")
      .filter((item) => item !== ""),
    labelSelector: text("label-selector"),
    rateLimit: int("rate-limit"),
    rateLimitBurst: int("rate-limit-burst"),
    privateKeyAnnotations: attempt(
      () => ss.parseKeyValuePairs(text("privatekey-annotations"), "--privatekey-annotations"),
      2,
    ),
    privateKeyLabels: attempt(
      () => ss.parseKeyValuePairs(text("privatekey-labels"), "--privatekey-labels"),
      2,
    ),
    oldGcBehavior: bool("old-gc-behavior"),
    updateStatus: bool("update-status"),
    skipRecreate: bool("skip-recreate"),
    maxUnsealRetries: int("max-unseal-retries"),
    listenAddr: attempt(() => ss.parseListenAddress(text("listen-addr"), "--listen-addr"), 2),
    listenMetricsAddr: attempt(
      () => ss.parseListenAddress(text("listen-metrics-addr"), "--listen-metrics-addr"),
      2,
    ),
    readTimeoutMs: duration("read-timeout"),
    writeTimeoutMs: duration("write-timeout"),
    unsealWorkers,
    concurrency: Math.max(4, Math.max(1, unsealWorkers) * 3),
    ...(bool("leader-elect") ? { leaderElection: { leaseName: text("leader-election-id") } } : {}),
  });
}

/** Registers `secretfleet controller sealed-secrets` (creating the `controller` group if needed). */
export function registerControllerSealedSecrets(program: Command): void {
  const parent = controllerGroup(program);
  const command = parent
    .command("sealed-secrets")
    .description(
      "run the Sealed Secrets controller (bitnami-compatible): unseal SealedSecrets into Secrets, keep the " +
        "sealing keys, serve /v1/cert.pem, /v1/verify, /v1/rotate and /metrics; every flag also reads " +
        "SEALED_SECRETS_<FLAG>",
    );
  for (const spec of controllerFlags) {
    const shown = spec.fallback === "" ? "" : ` (default ${JSON.stringify(spec.fallback)})`;
    const option =
      spec.kind === "bool"
        ? new Option(`--${spec.flag} [bool]`, `${spec.help}${shown}`)
        : new Option(
            `--${spec.flag} <${spec.kind === "duration" ? "duration" : spec.kind === "string" ? "value" : "n"}>`,
            `${spec.help}${shown}`,
          );
    if (spec.flag === "rotate-period") option.hideHelp();
    command.addOption(option);
  }
  command.action(async (_options: unknown, self: Command) => {
    const { runSealedSecretsController } = await import("./controller-sealed-secrets-run.js");
    const code = await runSealedSecretsController(flagValues(self, process.env), process.env);
    if (code !== 0) throw new CliError("controller stopped: leadership lost", code);
  });
}

// The controller's settings (upstream's flags, §7.14), typed, with upstream's defaults. The CLI
// reads flags and SEALED_SECRETS_* variables into this once; nothing below reads process.env.
import { availableParallelism } from "node:os";
import { defaultKeyPrefix } from "../../sealing/index.js";

/** A listen address: host ("" = every interface) and port. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** Everything the controller is configured with. Durations are milliseconds. */
export interface ControllerConfig {
  /** Where keys live and where the controller runs (POD_NAMESPACE, service account, default). */
  readonly controllerNamespace: string;
  readonly keyPrefix: string;
  readonly keySize: number;
  readonly keyTtlMs: number;
  readonly myCn: string;
  /** 0 disables renewal. */
  readonly keyRenewPeriodMs: number;
  readonly keyOrderPriority: string;
  /** `--key-cutoff-time`, ms epoch. */
  readonly keyCutoffTime?: number;
  readonly acceptV1Data: boolean;
  readonly allNamespaces: boolean;
  readonly additionalNamespaces: readonly string[];
  readonly labelSelector: string;
  readonly rateLimit: number;
  readonly rateLimitBurst: number;
  readonly privateKeyAnnotations: Readonly<Record<string, string>>;
  readonly privateKeyLabels: Readonly<Record<string, string>>;
  readonly oldGcBehavior: boolean;
  readonly updateStatus: boolean;
  readonly skipRecreate: boolean;
  readonly maxUnsealRetries: number;
  readonly listenAddr: ListenAddress;
  readonly listenMetricsAddr: ListenAddress;
  readonly readTimeoutMs: number;
  readonly writeTimeoutMs: number;
  /** Worker threads that run RSA; 0 unseals on the main thread. */
  readonly unsealWorkers: number;
  /** Reconciles in flight at once. */
  readonly concurrency: number;
  /** Run the controller loop only while holding this Lease (several replicas); off when absent. */
  readonly leaderElection?: { readonly leaseName: string; readonly identity?: string };
}

/** Upstream's defaults (§7.14), and ours for what upstream does not have. */
export function defaultConfig(overrides: Partial<ControllerConfig> = {}): ControllerConfig {
  const workers = Math.max(1, availableParallelism());
  return {
    controllerNamespace: "kube-system",
    keyPrefix: defaultKeyPrefix,
    keySize: 4096,
    keyTtlMs: 87_600 * 3_600_000,
    myCn: "",
    keyRenewPeriodMs: 720 * 3_600_000,
    keyOrderPriority: "CertNotBefore",
    acceptV1Data: true,
    allNamespaces: true,
    additionalNamespaces: [],
    labelSelector: "",
    rateLimit: 2,
    rateLimitBurst: 2,
    privateKeyAnnotations: {},
    privateKeyLabels: {},
    oldGcBehavior: false,
    updateStatus: true,
    skipRecreate: false,
    maxUnsealRetries: 5,
    listenAddr: { host: "", port: 8080 },
    listenMetricsAddr: { host: "", port: 8081 },
    readTimeoutMs: 120_000,
    writeTimeoutMs: 120_000,
    unsealWorkers: workers,
    concurrency: Math.max(4, workers * 3),
    ...overrides,
  };
}

const maxKeyPrefixLength = 245;

/**
 * Checks `--key-prefix` as upstream does: only `a-z0-9-`, at most 245 characters.
 * @throws Error `name contains illegal character <c>` / `name is too long, must be shorter than 245, got <n>`
 */
export function validateKeyPrefix(prefix: string): string {
  if (prefix.length > maxKeyPrefixLength)
    throw new Error(
      `name is too long, must be shorter than ${maxKeyPrefixLength}, got ${prefix.length}`,
    );
  for (const char of prefix) {
    if (!/^[a-z0-9-]$/.test(char)) throw new Error(`name contains illegal character ${char}`);
  }
  return prefix;
}

/**
 * Parses `--privatekey-labels` / `--privatekey-annotations`: comma-separated `k=v` pairs
 * (duplicates dropped, the last value of a key wins). Upstream crashes on a pair without `=`;
 * this rejects it.
 * @throws Error naming the flag and the pair's position (never its text: it may be a value)
 */
export function parseKeyValuePairs(text: string, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (text === "") return out;
  text.split(",").forEach((pair, index) => {
    const equals = pair.indexOf("=");
    if (equals <= 0) throw new Error(`invalid ${flag}: pair ${index + 1} is not key=value`);
    out[pair.slice(0, equals)] = pair.slice(equals + 1);
  });
  return out;
}

const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/**
 * Parses `--key-cutoff-time`: Go's RFC 1123 with a numeric zone (`Mon, 02 Jan 2006 15:04:05 -0700`,
 * what `date -R` prints).
 * @returns milliseconds since the epoch
 * @throws Error `parsing time "<text>" as "Mon, 02 Jan 2006 15:04:05 -0700": cannot parse` (Go's form)
 */
export function parseRfc1123z(text: string): number {
  const match =
    /^([A-Z][a-z]{2}), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(
      text,
    );
  const fail = (): Error =>
    new Error(
      `parsing time ${JSON.stringify(text)} as "Mon, 02 Jan 2006 15:04:05 -0700": cannot parse`,
    );
  if (match === null) throw fail();
  const [
    ,
    day = "",
    dd = "",
    mon = "",
    yyyy = "",
    hh = "",
    mm = "",
    ss = "",
    sign = "",
    zh = "",
    zm = "",
  ] = match;
  const month = months.indexOf(mon);
  if (month < 0 || !days.includes(day)) throw fail();
  const [year, date, hour, minute, second] = [yyyy, dd, hh, mm, ss].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const utc = Date.UTC(year, month, date, hour, minute, second);
  const probe = new Date(utc);
  if (probe.getUTCDate() !== date || hour > 23 || minute > 59 || second > 59) throw fail();
  const offset = (Number(zh) * 60 + Number(zm)) * 60_000 * (sign === "-" ? -1 : 1);
  return utc - offset;
}

/**
 * Parses a listen address (`:8080`, `0.0.0.0:8080`, `[::1]:8080`, `127.0.0.1:0`).
 * @throws Error naming the flag when the port is missing or not a number from 0 to 65535
 */
export function parseListenAddress(text: string, flag: string): ListenAddress {
  const colon = text.lastIndexOf(":");
  const port = Number(text.slice(colon + 1));
  if (
    colon < 0 ||
    text.slice(colon + 1) === "" ||
    !Number.isInteger(port) ||
    port < 0 ||
    port > 65535
  )
    throw new Error(`invalid ${flag} ${JSON.stringify(text)}: want [host]:port`);
  const host = text.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
  return { host, port };
}

/** The namespaces to watch (§7.2): undefined means every namespace. */
export function watchedNamespaces(config: ControllerConfig): readonly string[] | undefined {
  if (config.allNamespaces && config.additionalNamespaces.length === 0) return undefined;
  return [
    ...new Set([
      config.controllerNamespace,
      ...config.additionalNamespaces.filter((ns) => ns !== ""),
    ]),
  ];
}

// `secretfleet controller sealed-secrets` as its own process against a local cluster, reached as
// kubeseal reaches it (the static manifests' Service through the API server's service proxy), and
// the command-line peers the end-to-end tests drive it with (kubectl, `secretfleet seal`).
import { execFile, spawn, type ChildProcess } from "node:child_process";
import type { SealedSecretsCluster } from "./sealed-secrets-cluster.js";
import { cliPath } from "./paths.js";
import { waitFor } from "./wait.js";

/** What a command printed and how it exited. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (60 s at most), feeding `input` (or nothing) on stdin. */
export function run(
  command: string,
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      { timeout: 60_000, maxBuffer: 64 << 20, env: { ...process.env, ...options.env } },
      (error, stdout, stderr) => {
        resolve({
          code: error === null ? 0 : typeof error.code === "number" ? error.code : 1,
          stdout,
          stderr,
        });
      },
    );
    child.stdin?.end(options.input ?? "");
  });
}

/** kubectl against the cluster. */
export const kubectl = (env: SealedSecretsCluster, args: string[], input?: string): Promise<Run> =>
  run(
    "kubectl",
    ["--kubeconfig", env.kubeconfigPath, ...args],
    input === undefined ? {} : { input },
  );

/** `secretfleet seal` with the cluster's kubeconfig. */
export const seal = (env: SealedSecretsCluster, args: string[], input?: string): Promise<Run> =>
  run(
    process.execPath,
    [cliPath, "seal", "--kubeconfig", env.kubeconfigPath, ...args],
    input === undefined ? {} : { input },
  );

/** A running controller process. */
export interface ControllerProcess {
  readonly child: ChildProcess;
  readonly apiUrl: string;
  readonly metricsUrl: string;
  /** Everything it wrote on stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then its exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts the controller (JSON logs at DEBUG, ports 0, keys in kube-system, 2048-bit generated
 * keys, no renewal timer) and waits until its servers listen.
 */
export async function startControllerProcess(
  env: SealedSecretsCluster,
  extraArgs: readonly string[] = [],
): Promise<ControllerProcess> {
  const child = spawn(
    process.execPath,
    [
      cliPath,
      "controller",
      "sealed-secrets",
      "--kubeconfig",
      env.kubeconfigPath,
      "--listen-addr",
      "127.0.0.1:0",
      "--listen-metrics-addr",
      "127.0.0.1:0",
      "--log-format",
      "json",
      "--log-level",
      "DEBUG",
      "--unseal-workers",
      "1",
      "--key-renew-period",
      "0",
      "--key-size",
      "2048",
      ...extraArgs,
    ],
    { env: { ...process.env, POD_NAMESPACE: "kube-system" } },
  );
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => {
    child.on("exit", (code) => {
      resolve(code);
    });
  });
  let stopped: Promise<number | null> | undefined;
  const stop = (): Promise<number | null> => {
    if (stopped === undefined) {
      child.kill("SIGTERM");
      stopped = exited;
    }
    return stopped;
  };
  try {
    const listening = await waitFor(
      "the controller's servers",
      () =>
        output
          .split("\n")
          .filter((line) => line.includes("HTTP servers listening"))
          .map((line) => JSON.parse(line) as { api: string; metrics: string })[0],
      { timeoutMs: 60_000 },
    );
    return {
      child,
      apiUrl: listening.api,
      metricsUrl: listening.metrics,
      output: () => output,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Creates the static manifests' Service `kube-system/sealed-secrets-controller` (unnamed port
 * 8080, so kubeseal proxies to `http:NAME:`) and points it at `controller`; calling it again
 * re-points the Service at a restarted controller.
 */
export async function exposeController(
  env: SealedSecretsCluster,
  controller: ControllerProcess,
): Promise<void> {
  const ref = {
    apiVersion: "v1",
    kind: "Service",
    namespace: "kube-system",
    name: "sealed-secrets-controller",
  };
  if ((await env.client.get(ref)) === undefined) {
    await env.client.create({
      apiVersion: "v1",
      kind: "Service",
      metadata: { namespace: "kube-system", name: "sealed-secrets-controller" },
      spec: {
        ports: [{ port: 8080, targetPort: 8080 }],
        selector: { name: "sealed-secrets-controller" },
      },
    });
  }
  env.cluster.registerServiceEndpoint(
    "kube-system",
    "sealed-secrets-controller",
    8080,
    controller.apiUrl,
  );
}

/**
 * The sum of every series of one counter or gauge on the controller's /metrics (0 when it has
 * no series yet).
 * @throws Error when the controller does not register the metric at all (a misspelt name)
 */
export async function metricValue(controller: ControllerProcess, name: string): Promise<number> {
  const text = await (await fetch(`${controller.metricsUrl}/metrics`)).text();
  if (!text.includes(`# TYPE ${name} `)) throw new Error(`no metric ${name}`);
  return text
    .split("\n")
    .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
}

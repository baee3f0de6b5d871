import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import * as k8s from "@kubernetes/client-node";
import { startLocalCluster } from "../../src/localcluster/index.js";
import type { LocalCluster, LocalClusterOptions } from "../../src/localcluster/index.js";

/** The outcome of one kubectl run. */
export interface KubectlResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** A kubectl process still running. */
export interface RunningKubectl {
  /** Resolves once stdout matches `pattern`; rejects when the process ends first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Stops the process (if still running) and returns what it printed. */
  stop(): Promise<KubectlResult>;
  /** Resolves when the process ends by itself (bounded by `timeoutMs`, then it is stopped). */
  exited(timeoutMs?: number): Promise<KubectlResult>;
}

function runningKubectl(
  kubeconfig: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): RunningKubectl {
  const child = spawn("kubectl", ["--kubeconfig", kubeconfig, ...args], { env });
  let stdout = "";
  let stderr = "";
  const listeners = new Set<() => void>();
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const listener of listeners) listener();
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<KubectlResult>((resolve) => {
    child.on("close", (code) => {
      for (const listener of listeners) listener();
      resolve({ status: code ?? 1, stdout, stderr });
    });
  });
  const exited = async (timeoutMs = 60_000): Promise<KubectlResult> => {
    const timer = setTimeout(() => child.kill(), timeoutMs);
    const result = await done;
    clearTimeout(timer);
    return result;
  };
  return {
    waitFor: (pattern, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (pattern.test(stdout))
            finish(() => {
              resolve(stdout);
            });
          else if (child.exitCode !== null || child.signalCode !== null) {
            finish(() => {
              reject(new Error(`kubectl ended before printing ${pattern}: ${stdout}${stderr}`));
            });
          }
        };
        const timer = setTimeout(() => {
          finish(() => {
            reject(new Error(`timed out waiting for ${pattern}: ${stdout}${stderr}`));
          });
        }, timeoutMs);
        const finish = (then: () => void): void => {
          clearTimeout(timer);
          listeners.delete(check);
          then();
        };
        listeners.add(check);
        check();
      }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
      return done;
    },
    exited,
  };
}

/** A local cluster with a private kubectl (own HOME and cache) and a client-node config. */
export interface KubectlHarness {
  cluster: LocalCluster;
  dir: string;
  kubeconfig: string;
  kc: k8s.KubeConfig;
  kubectl(args: readonly string[], input?: string): Promise<KubectlResult>;
  /** Starts a long-lived kubectl (`get -w`, `wait`) whose output is read while it runs. */
  spawnKubectl(args: readonly string[]): RunningKubectl;
  /** Writes a file in the harness's temporary folder and returns its path. */
  file(name: string, content: string): string;
}

/**
 * Starts a local cluster for one test and tears it down afterwards. kubectl runs asynchronously
 * (the server lives in this process) with HOME set to a temporary folder, so its discovery cache
 * is private to the test.
 */
export async function kubectlHarness(
  t: TestContext,
  options: LocalClusterOptions = {},
): Promise<KubectlHarness> {
  const cluster = await startLocalCluster(options);
  const dir = mkdtempSync(join(tmpdir(), "secretfleet-kubectl-"));
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(kubeconfig, cluster.kubeconfig());
  const kc = new k8s.KubeConfig();
  kc.loadFromString(cluster.kubeconfig());
  t.after(async () => {
    await cluster.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const env = {
    ...process.env,
    HOME: dir,
    KUBECONFIG: kubeconfig,
    KUBECACHEDIR: join(dir, "cache"),
  };
  return {
    cluster,
    dir,
    kubeconfig,
    kc,
    kubectl: (args, input) =>
      new Promise((resolve) => {
        const child = execFile(
          "kubectl",
          ["--kubeconfig", kubeconfig, ...args],
          { env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
          (error, stdout, stderr) => {
            const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
            resolve({ status: code, stdout, stderr });
          },
        );
        if (input !== undefined) child.stdin?.end(input);
        else child.stdin?.end();
      }),
    spawnKubectl: (args) => runningKubectl(kubeconfig, args, env),
    file: (name, content) => {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
  };
}

/** True when kubectl is on PATH (the interop tests skip otherwise). */
export async function haveKubectl(): Promise<boolean> {
  return new Promise((resolve) => {
    execFile("kubectl", ["version", "--client"], { timeout: 20_000 }, (error) => {
      resolve(error === null);
    });
  });
}

/** Polls `check` until it returns true, at most `attempts` times `intervalMs` apart. */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  attempts = 100,
  intervalMs = 50,
): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return false;
}

// Running the built `secretfleet` CLI from tests, the one way every test does it.
import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cliPath } from "./paths.js";

/** What a CLI run printed and its exit status (null when a signal ended it). */
export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly input?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/**
 * Runs `secretfleet ARGS` and waits for it, blocking this process: only for commands that need
 * nothing served by this test process (use {@link runCliAsync} for those).
 */
export function runCli(args: readonly string[], options: CliOptions = {}): CliResult {
  const result = spawnSync(process.execPath, [cliPath, ...args], {
    encoding: "utf8",
    input: options.input ?? "",
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Runs `secretfleet ARGS` without blocking, so that servers in this test process (a local cluster,
 * a Vault double) keep answering it; killed after `timeoutMs` (default 60 s), which leaves
 * `status` null.
 */
export function runCliAsync(
  args: readonly string[],
  options: Omit<CliOptions, "input"> & { readonly timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cliPath, ...args],
      {
        timeout: options.timeoutMs ?? 60_000,
        ...(options.env === undefined ? {} : { env: options.env }),
        ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      },
      (error, stdout, stderr) => {
        // A run killed by a signal (the timeout) has no status, as CliResult says.
        const status = error === null ? 0 : error.signal != null ? null : Number(error.code ?? 1);
        resolve({ status, stdout, stderr });
      },
    );
  });
}

/** A long-running `secretfleet` command (a controller) and what it has printed so far. */
export interface RunningCli {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Its exit status, once it ends (null when a signal ended it). */
  readonly exit: Promise<number | null>;
}

/** Starts `secretfleet ARGS` in the background; the test's end kills it if it still runs. */
export function startCli(
  args: readonly string[],
  t: { after: (fn: () => void) => void },
): RunningCli {
  const child = spawn(process.execPath, [cliPath, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on("close", resolve));
  t.after(() => {
    child.kill("SIGKILL");
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exit };
}

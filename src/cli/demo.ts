// `secretfleet demo` (what `npm start` runs): the seeds' fleet on local control planes in this
// process — a hub with Argo CD's ApplicationSet controller and External Secrets, two spokes with
// a Sealed Secrets controller and a key each — step by step, printing where to look. The heavy
// half (demo-run.ts) is imported only when the command runs.
import { mkdir, mkdtemp, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { CliError, ExitCode } from "./errors.js";

interface DemoOptions {
  dir?: string;
  keySize: string;
  keepRunning?: boolean;
}

/** The demo's folder: `--dir` (made if missing; an existing file is refused) or a new temporary one. */
async function demoFolder(dir: string | undefined): Promise<string> {
  if (dir === undefined) return mkdtemp(join(tmpdir(), "secretfleet-demo-"));
  const path = resolve(dir);
  const found = await stat(path).catch(() => undefined);
  if (found !== undefined && !found.isDirectory())
    throw new CliError(`--dir "${dir}": not a folder`, ExitCode.usage);
  try {
    await mkdir(path, { recursive: true });
  } catch (error) {
    throw new CliError(`--dir "${dir}": ${(error as Error).message}`, ExitCode.usage, {
      cause: error,
    });
  }
  return path;
}

async function demo(options: DemoOptions): Promise<void> {
  const keySize = Number(options.keySize);
  if (!Number.isInteger(keySize) || keySize < 2048 || keySize > 16384)
    throw new CliError(
      `invalid --key-size "${options.keySize}": want RSA bits from 2048 to 16384`,
      ExitCode.usage,
    );
  const dir = await demoFolder(options.dir);
  const { runDemo } = await import("./demo-run.js");
  await runDemo({ dir, keySize, keepRunning: options.keepRunning === true });
}

/** Registers `secretfleet demo`. */
export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description(
      "run the seeds' fleet on local control planes in this process: a hub (ApplicationSet " +
        "controller, External Secrets with the Fake provider) and two spokes (prod, stage) each " +
        "with a Sealed Secrets controller and its own key; seal for both, unseal, show why keys " +
        "per cluster matter, print where to look, then stop (or --keep-running)",
    )
    .option("--dir <dir>", "folder for the demo's files (default: a new temporary folder)")
    .option("--key-size <bits>", "RSA bits of the controllers' keys", "4096")
    .option("--keep-running", "keep the clusters and controllers up until Ctrl-C (SIGINT/SIGTERM)")
    .action((options: DemoOptions) => demo(options));
}

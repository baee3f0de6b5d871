import { resolve } from "node:path";
import type { Command } from "commander";
import { CliError } from "./errors.js";
import { writeFileAtomic } from "./io.js";

interface ClusterFlags {
  port: string;
  kubeconfig: string;
  name: string;
  dataDir?: string;
  tokensFile?: string;
  host: string;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new CliError(`invalid --port "${text}": want an integer from 0 to 65535`, 2);
  }
  return port;
}

/** Resolves with the signal's name when the process is asked to stop (SIGINT or SIGTERM). */
export function stopSignal(): Promise<string> {
  return new Promise((done) => {
    const handler = (signal: string): void => {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
      done(signal);
    };
    process.on("SIGINT", handler);
    process.on("SIGTERM", handler);
  });
}

async function runCluster(flags: ClusterFlags): Promise<void> {
  const port = parsePort(flags.port);
  const { startLocalCluster } = await import("../localcluster/index.js");
  const options: Parameters<typeof startLocalCluster>[0] = {
    port,
    host: flags.host,
    name: flags.name,
  };
  if (flags.dataDir !== undefined) options.dataDir = resolve(flags.dataDir);
  if (flags.tokensFile !== undefined) options.tokensFile = resolve(flags.tokensFile);
  let cluster: Awaited<ReturnType<typeof startLocalCluster>>;
  try {
    cluster = await startLocalCluster(options);
  } catch (error) {
    throw new CliError(`cannot start the local cluster: ${(error as Error).message}`, 1, {
      cause: error,
    });
  }
  const stopped = stopSignal();
  try {
    await writeFileAtomic(flags.kubeconfig, cluster.kubeconfig(flags.name), 0o600);
  } catch (error) {
    await cluster.close();
    throw error;
  }
  process.stdout.write(`${cluster.url}\n`);
  const signal = await stopped;
  process.stderr.write(`received ${signal}, stopping\n`);
  await cluster.close();
}

/** Registers `secretfleet dev …`: local development helpers (`dev cluster`). */
export function registerDev(program: Command): void {
  const dev = program.command("dev").description("local development helpers");
  dev
    .command("cluster")
    .description(
      "run a local Kubernetes-API-compatible control plane in the foreground; prints its URL " +
        "when ready and writes a kubeconfig for it",
    )
    .requiredOption("--kubeconfig <file>", "where to write the kubeconfig (atomically)")
    .option("--port <port>", "TCP port on 127.0.0.1 (0 picks a free one)", "0")
    .option("--name <name>", "cluster and current-context name in the kubeconfig", "local")
    .option("--data-dir <dir>", "keep state in <dir>/cluster.db (node:sqlite) across restarts")
    .option(
      "--tokens-file <file>",
      "require bearer tokens from this token file (token,user,uid[,groups])",
    )
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .action(async (flags: ClusterFlags) => {
      await runCluster(flags);
    });
}

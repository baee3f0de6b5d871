// Flag conventions shared by the commands that mirror Go tools (pflag-style booleans) and by the
// `controller` command group the controllers register into.
import type { Command } from "commander";
import type { KubeClient } from "../kube/index.js";
import { CliError, ExitCode } from "./errors.js";

/** Go's strconv.ParseBool, as pflag reads booleans; undefined for anything else. */
export function parseGoBool(text: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(text)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(text)) return false;
  return undefined;
}

/** The `controller` command group, created by whichever controller registers first. */
export function controllerGroup(program: Command): Command {
  return (
    program.commands.find((command) => command.name() === "controller") ??
    program.command("controller").description("run a secretfleet controller in the foreground")
  );
}

/**
 * A controller's API client from `--kubeconfig` / `--context` (else KUBECONFIG, the in-cluster
 * service account or ~/.kube/config), writing as `fieldManager`. The Kubernetes client is only
 * loaded here, so other commands do not pay for it at start-up.
 * @throws CliError naming what is wrong with the configuration
 */
export async function controllerKubeClient(
  flags: { kubeconfig?: string | undefined; context?: string | undefined },
  fieldManager: string,
): Promise<KubeClient> {
  const { createKubeClient } = await import("../kube/index.js");
  try {
    return createKubeClient({
      ...(flags.kubeconfig === undefined ? {} : { kubeconfig: flags.kubeconfig }),
      ...(flags.context === undefined ? {} : { context: flags.context }),
      env: process.env,
      fieldManager,
    });
  } catch (error) {
    throw new CliError((error as Error).message, ExitCode.error, { cause: error });
  }
}

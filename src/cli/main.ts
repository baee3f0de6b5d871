import { Command, CommanderError } from "commander";
import { registerAvp } from "./avp.js";
import { registerAppset } from "./appset.js";
import { registerCluster } from "./cluster.js";
import { registerControllerApplicationSet } from "./controller-applicationset.js";
import { registerControllerExternalSecrets } from "./controller-external-secrets.js";
import { registerControllerSealedSecrets } from "./controller-sealed-secrets.js";
import { registerDev } from "./dev.js";
import { registerDiff } from "./diff.js";
import { CliError, ExitCode } from "./errors.js";
import { registerDemo } from "./demo.js";
import { registerKeys } from "./keys.js";
import { registerSeal } from "./seal.js";
import { registerSops } from "./sops.js";
import { packageVersion } from "./version.js";

/** Builds the `secretfleet` program with every command group registered. */
export function buildProgram(): Command {
  const program = new Command("secretfleet")
    .description(
      "GitOps secret management for a fleet of Kubernetes clusters (Sealed Secrets, External Secrets, " +
        "ApplicationSets, argocd-vault-plugin, SOPS and Reloader, wire-compatible)",
    )
    .version(packageVersion(), "--version", "print the version and exit")
    .showHelpAfterError()
    .exitOverride();
  // Command groups register themselves here, one file each (src/cli/<group>.ts).
  registerAppset(program);
  registerCluster(program);
  registerAvp(program);
  registerDev(program);
  registerDiff(program);
  registerSeal(program);
  registerKeys(program);
  registerDemo(program);
  registerSops(program);
  registerControllerExternalSecrets(program);
  registerControllerSealedSecrets(program);
  registerControllerApplicationSet(program);
  return program;
}

/**
 * Runs the CLI with `argv` (without the node and script paths) and returns the exit status.
 * Errors are printed as `error: <message>` on stderr.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: "user" });
    // A command may end with a non-error status of its own (e.g. "some items skipped").
    return typeof process.exitCode === "number" ? process.exitCode : ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here with exit code 0; usage errors were already printed.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (error instanceof CliError) {
      process.stderr.write(`error: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return ExitCode.error;
  }
}

import { Command, CommanderError } from "commander";
import { CliError, ExitCode } from "./errors.js";
import { packageVersion } from "./version.js";

type Register = (program: Command) => void;

/**
 * The command groups, one file each (src/cli/<group>.ts), in registration order: the top-level
 * command names a group registers and how to import it. Only the groups named by the first
 * argument are imported, so `secretfleet seal` does not load the modules of every other command
 * (start-up of seal is a goal: within 100 ms of `node -e 0`); help and unknown commands load all.
 */
const groups: readonly { names: readonly string[]; load: () => Promise<Register> }[] = [
  { names: ["appset"], load: async () => (await import("./appset.js")).registerAppset },
  { names: ["cluster"], load: async () => (await import("./cluster.js")).registerCluster },
  { names: ["avp"], load: async () => (await import("./avp.js")).registerAvp },
  { names: ["dev"], load: async () => (await import("./dev.js")).registerDev },
  { names: ["diff"], load: async () => (await import("./diff.js")).registerDiff },
  { names: ["seal"], load: async () => (await import("./seal.js")).registerSeal },
  { names: ["keys"], load: async () => (await import("./keys.js")).registerKeys },
  { names: ["demo"], load: async () => (await import("./demo.js")).registerDemo },
  { names: ["sops"], load: async () => (await import("./sops.js")).registerSops },
  {
    names: ["controller"],
    load: async () =>
      (await import("./controller-external-secrets.js")).registerControllerExternalSecrets,
  },
  {
    names: ["controller"],
    load: async () =>
      (await import("./controller-sealed-secrets.js")).registerControllerSealedSecrets,
  },
  {
    names: ["controller"],
    load: async () =>
      (await import("./controller-applicationset.js")).registerControllerApplicationSet,
  },
];

/**
 * Builds the `secretfleet` program.
 * @param argv the arguments (without node and script paths); when the first one names a command,
 *   only the groups registering that command are loaded, else every group
 * @returns the program, ready for `parseAsync`
 */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command("secretfleet")
    .description(
      "GitOps secret management for a fleet of Kubernetes clusters (Sealed Secrets, External Secrets, " +
        "ApplicationSets, argocd-vault-plugin, SOPS and Reloader, wire-compatible)",
    )
    .version(packageVersion(), "--version", "print the version and exit")
    .showHelpAfterError()
    .exitOverride();
  const [first = ""] = argv;
  const named = groups.filter((group) => group.names.includes(first));
  const registers = await Promise.all((named.length > 0 ? named : groups).map((g) => g.load()));
  for (const register of registers) register(program);
  return program;
}

/**
 * Runs the CLI with `argv` (without the node and script paths) and returns the exit status.
 * Errors are printed as `error: <message>` on stderr.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const program = await buildProgram(argv);
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

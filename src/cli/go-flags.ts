// Flag conventions shared by the commands that mirror Go tools (pflag-style booleans) and by the
// `controller` command group the controllers register into.
import type { Command } from "commander";

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

import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findRepoRoot(): string {
  // Tests run compiled from dist/, so walk up to the folder that holds package.json.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 10; i++) {
    if (existsSync(join(dir, "package.json"))) return dir;
    dir = dirname(dir);
  }
  throw new Error("cannot find the repository root (no package.json above the test files)");
}

/** The repository root (the folder with package.json). */
export const repoRoot: string = findRepoRoot();

/** A path under testdata/. */
export function testdata(...parts: string[]): string {
  return join(repoRoot, "testdata", ...parts);
}

/**
 * The steering repository's shared/ folder (upstream data, conformance tables), found next to the
 * checkout as ../shared, or at $SECRETFLEET_SHARED. Undefined when neither exists.
 */
export const sharedDir: string | undefined = [
  process.env.SECRETFLEET_SHARED,
  join(repoRoot, "..", "shared"),
].find((candidate): candidate is string => candidate !== undefined && existsSync(candidate));

/** A path under ../shared, or undefined when the shared folder is not available on this machine. */
export function shared(...parts: string[]): string | undefined {
  return sharedDir === undefined ? undefined : join(sharedDir, ...parts);
}

/** The built CLI as users run it (package.json's bin, the esbuild bundle), for child processes. */
export const cliPath: string = join(repoRoot, "dist", "cli", "secretfleet.js");

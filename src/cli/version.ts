import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// This file runs from the bundle (dist/cli/) and from tsc's output (dist/src/cli/).
const candidates = ["../../package.json", "../../../package.json"];

function readPackage(candidate: string): { name?: unknown; version?: unknown } | undefined {
  try {
    return JSON.parse(readFileSync(new URL(candidate, import.meta.url), "utf8")) as {
      name?: unknown;
      version?: unknown;
    };
  } catch {
    return undefined;
  }
}

/** The folder of secretfleet's package.json (the checkout), or undefined when not found. */
function packageRoot(): string | undefined {
  for (const candidate of candidates) {
    if (readPackage(candidate)?.name === "secretfleet")
      return dirname(fileURLToPath(new URL(candidate, import.meta.url)));
  }
  return undefined;
}

/** A file shipped with the package (deploy/…), by its path from the package root. */
export function packagePath(...parts: string[]): string | undefined {
  const root = packageRoot();
  return root === undefined ? undefined : join(root, ...parts);
}

/** The package version, read from package.json next to dist/ or src/. */
export function packageVersion(): string {
  for (const candidate of candidates) {
    const parsed = readPackage(candidate);
    if (parsed?.name === "secretfleet" && typeof parsed.version === "string") return parsed.version;
  }
  return "0.0.0-unknown";
}

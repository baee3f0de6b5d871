import { readFileSync } from "node:fs";

/** The package version, read from package.json next to dist/ or src/. */
export function packageVersion(): string {
  for (const candidate of ["../../package.json", "../../../package.json"]) {
    try {
      const text = readFileSync(new URL(candidate, import.meta.url), "utf8");
      const parsed = JSON.parse(text) as { name?: unknown; version?: unknown };
      if (parsed.name === "secretfleet" && typeof parsed.version === "string")
        return parsed.version;
    } catch {
      // try the next location
    }
  }
  return "0.0.0-unknown";
}

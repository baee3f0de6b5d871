// `npm run bench [-- WORKLOAD...]`: runs the named workloads (all when none is named). Each workload
// is a module bench/<name>.bench.ts exporting `run(): Promise<void>` that prints its rate beside
// the physical limit measured in the same run, and the ratio. Arguments starting with `--` are left
// to the workloads (`npm run bench -- external-secrets --scale=0.1`).
import { readdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

interface Workload {
  run: () => Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((name) => name.endsWith(".bench.js"))
  .map((name) => name.slice(0, -".bench.js".length))
  .sort();

const requested = process.argv.slice(2).filter((arg) => !arg.startsWith("--"));
const unknown = requested.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  process.stderr.write(
    `error: unknown workload ${unknown.map((n) => `"${n}"`).join(", ")}; ` +
      `available: ${available.join(", ") || "none"}\n`,
  );
  process.exit(2);
}

for (const name of requested.length > 0 ? requested : available) {
  process.stdout.write(`\n## ${name}\n`);
  const workload = (await import(`./${name}.bench.js`)) as Workload;
  await workload.run();
}

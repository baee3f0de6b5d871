// `npm run bench -- templating`: ApplicationSet-style rendering through the Go template engine.
// A template with 10 substitutions (parsed once) is executed over many clusters' parameter sets,
// beside a naive string-concatenation loop building the same strings in the same run: the
// physical limit for this workload. Goal: >= 25,000 renders/s (one render per Application).
import { functionSet, parseGoTemplate, renderFastTemplate } from "../src/templating/index.js";
import { ratioLine } from "./limits.js";

const template =
  "{{.name}}-{{.path.basename}} ns={{.metadata.labels.env}} server={{.server}} " +
  "repo={{.values.repo}} rev={{.values.revision}} path={{.path.path}} " +
  "project={{.values.project}} region={{.metadata.labels.region}} team={{.metadata.labels.team}}";

const fast =
  "{{name}}-{{path.basename}} ns={{metadata.labels.env}} server={{server}} " +
  "repo={{values.repo}} rev={{values.revision}} path={{path.path}} " +
  "project={{values.project}} region={{metadata.labels.region}} team={{metadata.labels.team}}";

interface Params {
  name: string;
  server: string;
  path: { path: string; basename: string };
  metadata: { labels: { env: string; region: string; team: string } };
  values: { repo: string; revision: string; project: string };
}

function params(n: number): Params[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `cluster-${i}`,
    server: `https://10.0.${i % 256}.${i % 199}:6443`,
    path: { path: `apps/app-${i % 50}`, basename: `app-${i % 50}` },
    metadata: {
      labels: {
        env: i % 2 === 0 ? "production" : "staging",
        region: `eu-${i % 3}`,
        team: `team-${i % 7}`,
      },
    },
    values: { repo: "https://git.example.com/org/gitops.git", revision: "main", project: "fleet" },
  }));
}

function naive(p: Params): string {
  return (
    p.name +
    "-" +
    p.path.basename +
    " ns=" +
    p.metadata.labels.env +
    " server=" +
    p.server +
    " repo=" +
    p.values.repo +
    " rev=" +
    p.values.revision +
    " path=" +
    p.path.path +
    " project=" +
    p.values.project +
    " region=" +
    p.metadata.labels.region +
    " team=" +
    p.metadata.labels.team
  );
}

function flat(p: Params): Record<string, string> {
  return {
    name: p.name,
    server: p.server,
    "path.path": p.path.path,
    "path.basename": p.path.basename,
    "metadata.labels.env": p.metadata.labels.env,
    "metadata.labels.region": p.metadata.labels.region,
    "metadata.labels.team": p.metadata.labels.team,
    "values.repo": p.values.repo,
    "values.revision": p.values.revision,
    "values.project": p.values.project,
  };
}

/** Runs `fn` over the inputs repeatedly for about `seconds` and returns calls per second. */
function rate<T>(inputs: readonly T[], fn: (input: T) => string, seconds = 2): number {
  let sink = 0;
  // Reading the last character flattens V8's rope strings, so both sides pay for a real string.
  const use = (s: string): number => s.charCodeAt(s.length - 1);
  // Warm-up so the JIT has compiled both paths before measuring.
  for (const input of inputs) sink += use(fn(input));
  let calls = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() - start < budget) {
    for (const input of inputs) sink += use(fn(input));
    calls += inputs.length;
  }
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  if (sink === 0) throw new Error("nothing rendered");
  return calls / elapsed;
}

export async function run(): Promise<void> {
  const inputs = params(1000);
  const parsed = parseGoTemplate(template, { name: "base", functions: functionSet("argocd") });
  for (const p of inputs.slice(0, 3)) {
    if (parsed.execute(p) !== naive(p))
      throw new Error("goTemplate output differs from the reference");
    if (renderFastTemplate(fast, flat(p)) !== naive(p))
      throw new Error("fasttemplate output differs");
  }
  const limit = rate(inputs, naive);
  const ours = rate(inputs, (p) => parsed.execute(p));
  const flatInputs = inputs.map(flat);
  const fastRate = rate(flatInputs, (p) => renderFastTemplate(fast, p));
  process.stdout.write(
    ratioLine("goTemplate, 10 substitutions (parse once, execute)", ours, limit, "renders/s") +
      "\n",
  );
  process.stdout.write(
    ratioLine("fasttemplate, 10 substitutions", fastRate, limit, "renders/s") + "\n",
  );
  process.stdout.write(
    `goal: >= 25000 renders/s (one Application each): ${ours >= 25000 ? "met" : "NOT met"}\n`,
  );
  await Promise.resolve();
}

// Checks that imports between src/ modules follow the dependency order in DESIGN.md, and that a
// module is only entered through its index.ts. Run by `npm run lint`.
// Plain JavaScript so that it runs before anything is built.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, dirname, sep } from "node:path";

const PURE = ["templating", "sealing", "sops"];
/** module -> modules it may import (besides itself) */
const ALLOWED = {
  templating: [],
  sealing: ["templating"],
  sops: ["templating"],
  kube: [],
  localcluster: [],
  providers: ["kube"],
  argocd: [...PURE, "providers"],
  avp: [...PURE, "providers"],
  audit: [...PURE, "argocd", "avp"],
  controllers: [...PURE, "providers", "argocd", "avp", "kube"],
  web: [...PURE, "providers", "argocd", "avp", "audit", "kube"],
  cli: ["*"],
};

const root = resolve(dirname(new URL(import.meta.url).pathname), "..");
const src = join(root, "src");
const problems = [];

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else if (name.endsWith(".ts")) out.push(path);
  }
  return out;
}

function moduleOf(file) {
  const rel = relative(src, file);
  if (rel.startsWith("..")) return undefined;
  const parts = rel.split(sep);
  // Each controller is a module of its own: src/controllers/<name>/index.ts.
  if (parts[0] === "controllers" && parts.length > 2) return `controllers/${parts[1]}`;
  return parts[0];
}

const groupOf = (module) => module.split("/")[0];

const importPattern =
  /(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

for (const file of walk(src)) {
  const from = moduleOf(file);
  if (from === undefined) continue;
  if (!(groupOf(from) in ALLOWED)) {
    problems.push(`${relative(root, file)}: module "${from}" is not in DESIGN.md's module map`);
    continue;
  }
  const isTest = file.endsWith(".test.ts");
  const text = readFileSync(file, "utf8");
  for (const match of text.matchAll(importPattern)) {
    const spec = match[1] ?? match[2];
    if (spec === undefined || !spec.startsWith(".")) continue;
    const target = resolve(dirname(file), spec).replace(/\.js$/, ".ts");
    const to = moduleOf(target);
    if (to === undefined || to === from) continue;
    const allowed = ALLOWED[groupOf(from)];
    // Tests may drive a module through any public surface (e.g. a controller test against localcluster).
    if (!isTest && !allowed.includes("*") && !allowed.includes(groupOf(to))) {
      problems.push(`${relative(root, file)}: "${from}" may not import "${to}" (${spec})`);
    }
    const indexOfTarget = join(src, to, "index.ts");
    if (target !== indexOfTarget && !(from === "cli" && to === "cli")) {
      problems.push(`${relative(root, file)}: import "${to}" through its index.ts, not ${spec}`);
    }
  }
}

if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}

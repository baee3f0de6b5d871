// Bundles the built CLI (dist/src/cli/bin.js, made by tsc) into dist/cli/ with esbuild: the
// `secretfleet` bin users run. Why: start-up of `secretfleet seal` is a goal (within 100 ms of
// `node -e 0`), and resolving and loading ~130 separate files (yaml alone is 74 CommonJS files)
// cost more than half of it; one ES module per command group, with the compile cache, costs a
// fraction. Lazy command groups stay lazy: each dynamic import becomes its own chunk.
// Plain JavaScript so that it runs right after tsc, on the pinned Node.
import { readFileSync, rmSync } from "node:fs";
import { build } from "esbuild";

const packageJson = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

// Bundled: the pure-JavaScript packages every command loads. Everything else stays a package
// import, because it reads files next to its own code at run time (jq-web's WebAssembly, pino's
// transport workers) or is only loaded by commands where start-up does not matter (controllers).
const BUNDLED = new Set(["yaml", "commander"]);
const external = Object.keys(packageJson.dependencies).filter((name) => !BUNDLED.has(name));

// Files that code finds by a path relative to its own module at run time. In the bundle every
// chunk sits in dist/cli/, so each such file is an entry point of that name there, and the one
// relative require of another module is pointed at it.
const entryPoints = {
  secretfleet: "dist/src/cli/bin.js",
  "unseal-worker": "dist/src/controllers/sealedsecrets/unseal-worker.js",
  "jq-worker": "dist/src/argocd/jq-worker.js",
  templating: "dist/src/templating/index.js",
};
const RELATIVE_REQUIRES = [
  {
    file: /[\\/]sealing[\\/]template-data\.js$/,
    from: '"../templating/index.js"',
    to: '"./templating.js"',
  },
];

/** @type {import("esbuild").Plugin} */
const relativeRequires = {
  name: "relative-requires",
  setup(esbuild) {
    for (const { file, from, to } of RELATIVE_REQUIRES) {
      esbuild.onLoad({ filter: file }, (args) => {
        const source = readFileSync(args.path, "utf8");
        if (!source.includes(from)) throw new Error(`${args.path} no longer requires ${from}`);
        return { contents: source.replace(from, to), loader: "js" };
      });
    }
  },
};

// Chunk names carry content hashes: clear the old ones so that only this build's files remain.
rmSync("dist/cli", { recursive: true, force: true });
await build({
  entryPoints,
  outdir: "dist/cli",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node24",
  external,
  plugins: [relativeRequires],
  // Bundled CommonJS (yaml, commander) calls require for node built-ins.
  banner: {
    js: 'import { createRequire as createRequireForBundle } from "node:module"; const require = createRequireForBundle(import.meta.url);',
  },
  logLevel: "warning",
});

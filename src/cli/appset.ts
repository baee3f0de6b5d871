// `secretfleet appset render`: Argo CD's ApplicationSet generation offline, for CI. The argocd
// module is imported inside the action so that start-up stays fast.
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { Option } from "commander";
import type { ApplicationSet, DuplicateName, GenerateResult, JsonObject } from "../argocd/index.js";
import { CliError } from "./errors.js";
import { formatObjects, readClusterSecretsDir, readManifestFile } from "./manifest-files.js";

type Argocd = typeof import("../argocd/index.js");

interface RenderFlags {
  clusterSecrets?: string;
  repo: string[];
  output: string;
  perCluster: boolean;
  enableNewGitFileGlobbing: boolean;
  esoRules: boolean;
  explain: boolean;
  project: string[];
}

/** Exit status when some Applications were skipped by Argo CD's validation (the rest is printed). */
export const exitSkippedApplications = 3;

/** The process around a run, passed in so that tests can drive it in-process. */
export interface AppsetEnvironment {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processEnvironment: AppsetEnvironment = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Registers `secretfleet appset` on `program`. */
export function registerAppset(
  program: Command,
  environment: AppsetEnvironment = processEnvironment,
): void {
  const appset = program.command("appset").description("Argo CD ApplicationSets, offline");
  appset
    .command("render")
    .description(
      "print the Applications an ApplicationSet generates, exactly as Argo CD's ApplicationSet controller " +
        "would, without a cluster: cluster Secrets come from --cluster-secrets, git repositories from --repo. " +
        "Exit status: 0 all generated, 1 error (nothing printed), 2 usage, " +
        `${exitSkippedApplications} some Applications skipped by Argo CD's validation (the others printed)`,
    )
    .argument("<appset>", "ApplicationSet manifest file (- for stdin)")
    .option("--cluster-secrets <dir>", "folder (or file) of Argo CD cluster Secret manifests")
    .option(
      "--repo <url=path>",
      "map a repoURL of the ApplicationSet to a local git repository (repeatable)",
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .addOption(
      new Option("-o, --output <format>", "output format")
        .choices(["yaml", "json"])
        .default("yaml"),
    )
    .option(
      "--per-cluster",
      "group the Applications by destination cluster and list the manifests of directory sources " +
        "each cluster receives (Secret values masked)",
      false,
    )
    .option(
      "--enable-new-git-file-globbing",
      "git files patterns use doublestar rules, as the controller flag",
      false,
    )
    .option("--no-eso-rules", "do not add the ignoreDifferences rules External Secrets needs")
    .option("--explain", "say on stderr why each ESO rule was added", false)
    .option(
      "--project <name>",
      "an AppProject that exists (repeatable); when given, Applications naming another project are skipped",
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .action(async (file: string, flags: RenderFlags) => {
      const argocd = await import("../argocd/index.js");
      const code = await render(argocd, file, flags, environment);
      if (code !== 0) process.exitCode = code;
    });
}

/**
 * Reads repeated `--repo URL=PATH` flags into repoURL → local git repository.
 * @throws CliError (usage) for a value without `=` or a path that does not exist
 */
export function parseRepos(values: readonly string[]): Map<string, string> {
  const repos = new Map<string, string>();
  for (const value of values) {
    const separator = value.lastIndexOf("=");
    if (separator <= 0 || separator === value.length - 1) {
      throw new CliError(`--repo "${value}": want URL=PATH`, 2);
    }
    const path = value.slice(separator + 1);
    if (!existsSync(path)) throw new CliError(`--repo "${value}": "${path}" does not exist`, 2);
    repos.set(value.slice(0, separator), path);
  }
  return repos;
}

async function readAppSets(argocd: Argocd, file: string): Promise<ApplicationSet[]> {
  const objects = (await readManifestFile(argocd, file)).filter(
    ({ object }) => object.kind === "ApplicationSet",
  );
  if (objects.length === 0) throw new CliError(`"${file}": no ApplicationSet found`);
  return objects.map(({ object }) => {
    try {
      return argocd.readApplicationSet(object);
    } catch (error) {
      const field =
        error instanceof argocd.ApplicationSetError && error.field !== "" ? `${error.field}: ` : "";
      throw new CliError(`"${file}": ${field}${(error as Error).message}`, 1, { cause: error });
    }
  });
}

async function render(
  argocd: Argocd,
  file: string,
  flags: RenderFlags,
  environment: AppsetEnvironment,
): Promise<number> {
  const repos = parseRepos(flags.repo);
  const appSets = await readAppSets(argocd, file);
  const clusterSecrets =
    flags.clusterSecrets === undefined
      ? []
      : await readClusterSecretsDir(argocd, flags.clusterSecrets);
  const git = new argocd.GitRepositories(repos);
  try {
    const results: { appSet: ApplicationSet; result: GenerateResult }[] = [];
    for (const appSet of appSets) {
      const result = await argocd.generateApplications(appSet, {
        clusterSecrets,
        git,
        newGitFileGlobbing: flags.enableNewGitFileGlobbing,
        ...(flags.project.length > 0 ? { projects: flags.project } : {}),
      });
      checkResult(file, appSet, result, repos);
      results.push({ appSet, result });
    }
    const applications = results.flatMap(({ result }) => result.applications);
    if (flags.esoRules)
      await addEsoRules(argocd, applications, git, repos, flags.explain ? environment : undefined);
    let skipped = false;
    for (const { appSet, result } of results) {
      for (const warning of result.warnings) environment.stderr(`warning: "${file}": ${warning}\n`);
      if (result.invalid.length > 0) {
        skipped = true;
        environment.stderr(explainInvalid(file, appSet, result));
      }
    }
    const output = flags.perCluster
      ? [await perCluster(argocd, applications, clusterSecrets, git, repos)]
      : applications;
    environment.stdout(formatObjects(output, flags.output, !flags.perCluster));
    return skipped ? exitSkippedApplications : 0;
  } finally {
    await git.close();
  }
}

/** A generator error, or a generator entry Argo CD would skip silently, stops the command. */
function checkResult(
  file: string,
  appSet: ApplicationSet,
  result: GenerateResult,
  repos: ReadonlyMap<string, string>,
): void {
  const unrecognized = result.warnings.find((warning) =>
    warning.includes("contains unrecognized generators"),
  );
  if (unrecognized !== undefined) {
    throw new CliError(
      `"${file}": spec.generators: ${unrecognized} (known: list, clusters, git, matrix, merge)`,
    );
  }
  const error = result.error;
  if (error === undefined) return;
  let hint = "";
  const missingRepo = /repository "([^"]+)" is not available/.exec(error.message);
  if (missingRepo !== null)
    hint = `; pass --repo ${missingRepo[1] ?? ""}=PATH (mapped now: ${[...repos.keys()].join(", ") || "none"})`;
  throw new CliError(
    `"${file}": ApplicationSet ${appSet.name}: ${error.field}: ${error.message}${hint} (Argo CD would set ErrorOccurred, reason ${error.reason}, and create, update or delete nothing)`,
  );
}

function explainInvalid(file: string, appSet: ApplicationSet, result: GenerateResult): string {
  const lines: string[] = [];
  const condition = result.conditions.find((c) => c.type === "ErrorOccurred");
  lines.push(
    `error: "${file}": ApplicationSet ${appSet.name}: ${result.invalid.length} Application name(s) skipped, as Argo CD skips them ` +
      `(condition ErrorOccurred: ${condition?.message ?? ""})`,
  );
  for (const invalid of result.invalid) lines.push(`  ${invalid.name}: ${invalid.message}`);
  if (result.duplicates.length > 0) lines.push(...explainDuplicates(appSet, result.duplicates));
  return `${lines.join("\n")}\n`;
}

function explainDuplicates(appSet: ApplicationSet, duplicates: readonly DuplicateName[]): string[] {
  const metadata = appSet.template.metadata;
  const nameTemplate =
    typeof metadata === "object" &&
    metadata !== null &&
    !Array.isArray(metadata) &&
    typeof metadata.name === "string"
      ? metadata.name
      : "";
  const lines = [
    `why: several param sets render the same metadata.name ${JSON.stringify(nameTemplate)}; Argo CD then skips EVERY copy of that name, not just the extra ones:`,
  ];
  for (const duplicate of duplicates) {
    const differing = duplicate.differingParams.slice(0, 6).join(", ");
    lines.push(
      `  ${duplicate.name}: ${duplicate.count} param sets, differing only in ${differing || "nothing"}`,
    );
  }
  const differing = duplicates[0]?.differingParams ?? [];
  // A normalized name part makes a valid Application name; fall back to any differing param.
  const param = differing.find((p) => p.endsWith("Normalized")) ?? differing[0];
  const reference = (key: string): string =>
    appSet.mode.goTemplate ? `{{ .${key} }}` : `{{${key}}}`;
  lines.push("how to fix:");
  const narrowing = matrixNarrowing(appSet);
  if (narrowing !== undefined) lines.push(`  - ${narrowing}`);
  if (param !== undefined)
    lines.push(
      `  - or make the name unique per param set, e.g. metadata.name: "${nameTemplate}-${reference(param)}"`,
    );
  return lines;
}

/**
 * For a matrix of clusters × git files whose file pattern has a wildcard, the concrete fix: let the
 * git generator use the cluster's name, so each cluster is paired with its own file only.
 */
function matrixNarrowing(appSet: ApplicationSet): string | undefined {
  for (const [index, entry] of appSet.generators.entries()) {
    const matrix = entry.matrix;
    if (
      typeof matrix !== "object" ||
      matrix === null ||
      Array.isArray(matrix) ||
      !Array.isArray(matrix.generators)
    )
      continue;
    const [first, second] = matrix.generators as JsonObject[];
    const git = second?.git;
    if (
      first?.clusters === undefined ||
      typeof git !== "object" ||
      git === null ||
      Array.isArray(git) ||
      !Array.isArray(git.files)
    )
      continue;
    for (const [fileIndex, item] of (git.files as JsonObject[]).entries()) {
      if (typeof item.path !== "string" || !item.path.includes("*")) continue;
      const name = appSet.mode.goTemplate ? "{{ .name }}" : "{{name}}";
      const fixed = item.path.replace("*", name);
      return (
        `the matrix pairs every cluster with every file of ${JSON.stringify(item.path)}; template the git generator from the cluster: ` +
        `spec.generators[${index}].matrix.generators[1].git.files[${fileIndex}].path: "${fixed}"`
      );
    }
  }
  return undefined;
}

async function addEsoRules(
  argocd: Argocd,
  applications: JsonObject[],
  git: InstanceType<Argocd["GitRepositories"]>,
  repos: ReadonlyMap<string, string>,
  explain: AppsetEnvironment | undefined,
): Promise<void> {
  for (const app of applications) {
    const spec = app.spec as JsonObject;
    const sources = await readSources(argocd, spec, git, repos);
    const destination =
      typeof spec.destination === "object" &&
      spec.destination !== null &&
      !Array.isArray(spec.destination)
        ? spec.destination
        : {};
    const namespace = typeof destination.namespace === "string" ? destination.namespace : "";
    const manifests = sources.flatMap((source) => source.manifests ?? []);
    const added = argocd.addEsoRulesToApplication(app, manifests, namespace);
    if (explain === undefined) continue;
    const name = appName(app);
    for (const line of added) explain.stderr(`explain: Application ${name}: ${line}\n`);
  }
}

async function readSources(
  argocd: Argocd,
  spec: JsonObject,
  git: InstanceType<Argocd["GitRepositories"]>,
  repos: ReadonlyMap<string, string>,
): ReturnType<Argocd["readSourceManifests"]> {
  try {
    return await argocd.readSourceManifests(spec, git, (url) => repos.has(url));
  } catch (error) {
    throw new CliError(`cannot read the sources: ${(error as Error).message}`, 1, { cause: error });
  }
}

async function perCluster(
  argocd: Argocd,
  applications: readonly JsonObject[],
  clusterSecrets: Awaited<ReturnType<typeof readClusterSecretsDir>>,
  git: InstanceType<Argocd["GitRepositories"]>,
  repos: ReadonlyMap<string, string>,
): Promise<JsonObject> {
  const groups = new Map<string, JsonObject>();
  for (const app of applications) {
    const spec = app.spec as JsonObject;
    const destination =
      typeof spec.destination === "object" &&
      spec.destination !== null &&
      !Array.isArray(spec.destination)
        ? spec.destination
        : {};
    const server =
      typeof destination.server === "string" ? destination.server.replace(/\/+$/, "") : "";
    const byServer = clusterSecrets.find(
      (secret) => (secret.data.server ?? "").replace(/\/+$/, "") === server,
    );
    const clusterName =
      typeof destination.name === "string" && destination.name !== ""
        ? destination.name
        : (byServer?.data.name ??
          (server === "https://kubernetes.default.svc" ? "in-cluster" : ""));
    const key = `${clusterName}\u0000${server}`;
    let group = groups.get(key);
    if (group === undefined) {
      group = { cluster: clusterName, server, applications: [] };
      groups.set(key, group);
    }
    const sources = (await readSources(argocd, spec, git, repos)).map((source) => ({
      ...source,
      ...(source.manifests === undefined
        ? {}
        : { manifests: source.manifests.map((m) => argocd.maskSecret(m)) }),
    }));
    (group.applications as JsonObject[]).push({
      name: appName(app),
      namespace: typeof destination.namespace === "string" ? destination.namespace : "",
      sources: sources,
    });
  }
  return { clusters: [...groups.values()] };
}

function appName(app: JsonObject): string {
  const metadata = app.metadata;
  const name =
    typeof metadata === "object" && metadata !== null && !Array.isArray(metadata)
      ? metadata.name
      : undefined;
  return typeof name === "string" ? name : "";
}

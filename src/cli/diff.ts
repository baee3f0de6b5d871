// `secretfleet diff DESIRED LIVE`: Argo CD's comparison of desired and live manifests, with its
// ignoreDifferences rules and Secret masking. Exit status as `argocd app diff`: 0 in sync,
// 1 differences, 2 error or bad usage.
import type { Command } from "commander";
import { Option } from "commander";
import type { DiffSettings, JsonObject, JsonValue, ResourceDiff } from "../argocd/index.js";
import { CliError } from "./errors.js";
import { formatObjects, manifestFiles, readManifestFile } from "./manifest-files.js";
import { stringify } from "yaml";

type Argocd = typeof import("../argocd/index.js");

interface DiffFlags {
  ignoreDifferences?: string;
  argocdCm?: string;
  output: string;
  explain: boolean;
  jqTimeout: string;
}

/** One compared resource, for output. */
interface Row {
  key: string;
  status: "Synced" | "OutOfSync" | "Missing" | "Extra";
  diff: ResourceDiff;
  masked: ResourceDiff;
}

/** Registers `secretfleet diff` on `program`. */
export function registerDiff(program: Command): void {
  program
    .command("diff")
    .description(
      "compare desired and live manifests as Argo CD does (ignoreDifferences, managedFieldsManagers, " +
        "system overrides from argocd-cm, built-in normalization) and show the differences with Secret values " +
        "masked as Argo CD masks them. Exit status: 0 in sync, 1 differences, 2 error",
    )
    .argument("<desired>", "file or folder of desired manifests")
    .argument("<live>", "file or folder of live manifests (e.g. kubectl get -o yaml)")
    .option(
      "--ignore-differences <file>",
      "an Application manifest (its spec.ignoreDifferences) or a YAML list of ignoreDifferences rules",
    )
    .option(
      "--argocd-cm <file>",
      "the argocd-cm ConfigMap (resource.customizations, resource.compareoptions, ...)",
    )
    .option(
      "--jq-timeout <duration>",
      "time limit of each jqPathExpressions rule (Argo CD's default 1s)",
      "1s",
    )
    .addOption(
      new Option("-o, --output <format>", "output format")
        .choices(["diff", "json"])
        .default("diff"),
    )
    .option("--explain", "say on stderr which rules removed what", false)
    .action(async (desired: string, live: string, flags: DiffFlags) => {
      const argocd = await import("../argocd/index.js");
      try {
        process.exitCode = await runDiff(argocd, desired, live, flags);
      } catch (error) {
        if (error instanceof CliError) throw new CliError(error.message, 2, { cause: error });
        throw new CliError((error as Error).message, 2, { cause: error });
      } finally {
        argocd.stopJq();
      }
    });
}

async function readAll(argocd: Argocd, path: string): Promise<JsonObject[]> {
  const objects: JsonObject[] = [];
  for (const file of await manifestFiles(path)) {
    for (const { object } of await readManifestFile(argocd, file)) objects.push(object);
  }
  return objects;
}

async function jqTimeoutMs(text: string): Promise<number> {
  const { parseGoDuration } = await import("../templating/index.js");
  let ms: number;
  try {
    ms = parseGoDuration(text.trim());
  } catch {
    ms = Number.NaN;
  }
  if (!(ms > 0))
    throw new CliError(`--jq-timeout "${text}": want a duration such as 1s or 500ms`, 2);
  return ms;
}

async function settingsFrom(argocd: Argocd, flags: DiffFlags): Promise<DiffSettings> {
  let rules: ReturnType<Argocd["readIgnoreDifferences"]> = [];
  if (flags.ignoreDifferences !== undefined) {
    const parsed = await readRuleFile(argocd, flags.ignoreDifferences);
    const application =
      typeof parsed === "object" &&
      parsed !== null &&
      !Array.isArray(parsed) &&
      parsed.kind === "Application";
    const raw = application ? (parsed.spec as JsonObject | undefined)?.ignoreDifferences : parsed;
    try {
      rules = argocd.readIgnoreDifferences(
        raw,
        application ? "spec.ignoreDifferences" : "ignoreDifferences",
      );
    } catch (error) {
      throw new CliError(`"${flags.ignoreDifferences}": ${(error as Error).message}`, 2, {
        cause: error,
      });
    }
  }
  let configMap: JsonObject = {};
  if (flags.argocdCm !== undefined) {
    const found = (await readManifestFile(argocd, flags.argocdCm)).find(
      ({ object }) => object.kind === "ConfigMap",
    );
    if (found === undefined) throw new CliError(`"${flags.argocdCm}": no ConfigMap found`, 2);
    configMap = found.object;
  }
  const timeoutMs = await jqTimeoutMs(flags.jqTimeout);
  try {
    return {
      ...argocd.readArgoCdConfigMap(configMap, rules),
      jqTimeoutMs: timeoutMs,
    };
  } catch (error) {
    throw new CliError(`"${flags.argocdCm ?? ""}": ${(error as Error).message}`, 2, {
      cause: error,
    });
  }
}

async function readRuleFile(argocd: Argocd, file: string): Promise<JsonValue> {
  const { readTextFile } = await import("./manifest-files.js");
  try {
    return argocd.parseYaml11(await readTextFile(file));
  } catch (error) {
    throw new CliError(`"${file}": ${(error as Error).message}`, 2, { cause: error });
  }
}

function resourceKey(object: JsonObject): { key: string; loose: string } {
  const apiVersion = typeof object.apiVersion === "string" ? object.apiVersion : "";
  const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
  const metadata =
    typeof object.metadata === "object" &&
    object.metadata !== null &&
    !Array.isArray(object.metadata)
      ? object.metadata
      : {};
  const name = typeof metadata.name === "string" ? metadata.name : "";
  const namespace = typeof metadata.namespace === "string" ? metadata.namespace : "";
  const kind = typeof object.kind === "string" ? object.kind : "";
  return { key: `${group}/${kind}/${namespace}/${name}`, loose: `${group}/${kind}/${name}` };
}

async function runDiff(
  argocd: Argocd,
  desiredPath: string,
  livePath: string,
  flags: DiffFlags,
): Promise<number> {
  const settings = await settingsFrom(argocd, flags);
  const desired = await readAll(argocd, desiredPath);
  const live = await readAll(argocd, livePath);
  const unmatched = new Map(live.map((object) => [resourceKey(object).key, object]));
  const rows: Row[] = [];
  for (const object of desired) {
    const { key, loose } = resourceKey(object);
    // A desired object without a namespace matches the live one of any namespace, if only one.
    let match = unmatched.get(key);
    let matchKey = key;
    if (match === undefined && key.split("/")[2] === "") {
      const candidates = [...unmatched.entries()].filter(([, o]) => resourceKey(o).loose === loose);
      if (candidates.length === 1 && candidates[0] !== undefined) [matchKey, match] = candidates[0];
    }
    if (match !== undefined) unmatched.delete(matchKey);
    rows.push(compare(argocd, matchKey, object, match, settings));
  }
  for (const [key, object] of unmatched)
    rows.push(compare(argocd, key, undefined, object, settings));
  if (flags.explain) explain(rows);
  if (flags.output === "json") {
    const report = rows.map((row) => ({
      resource: row.key,
      status: row.status,
      normalizedLive: row.masked.normalizedLive ?? null,
      predictedLive: row.masked.predictedLive ?? null,
    }));
    process.stdout.write(formatObjects(report, "json"));
  } else {
    for (const row of rows) process.stdout.write(renderRow(row));
  }
  return rows.some((row) => row.status !== "Synced") ? 1 : 0;
}

function compare(
  argocd: Argocd,
  key: string,
  desired: JsonObject | undefined,
  live: JsonObject | undefined,
  settings: DiffSettings,
): Row {
  const diff = argocd.diffResource(desired, live, settings);
  const status =
    desired === undefined
      ? "Extra"
      : live === undefined
        ? "Missing"
        : diff.modified
          ? "OutOfSync"
          : "Synced";
  return { key, status, diff, masked: argocd.maskDiff(diff, settings.sensitiveAnnotations) };
}

function explain(rows: readonly Row[]): void {
  for (const row of rows) {
    const { normalization } = row.diff;
    for (const note of normalization.notes) process.stderr.write(`explain: ${row.key}: ${note}\n`);
    for (const path of normalization.managedFieldsRemoved) {
      process.stderr.write(
        `explain: ${row.key}: managedFieldsManagers: ignored /${path.join("/")} (owned by a trusted manager)\n`,
      );
    }
    for (const [side, reports] of [
      ["live", normalization.livePatches],
      ["desired", normalization.desiredPatches],
    ] as const) {
      for (const report of reports) {
        process.stderr.write(
          `explain: ${row.key}: ${side}: ${report.outcome} ${report.patch}${report.reason === undefined ? "" : ` (${report.reason})`}\n`,
        );
      }
    }
  }
}

function renderRow(row: Row): string {
  const header = `===== ${row.key} ====== ${row.status}\n`;
  if (row.status === "Synced") return header;
  const before =
    row.masked.normalizedLive === undefined
      ? ""
      : stringify(row.masked.normalizedLive, { version: "1.1", lineWidth: 0 });
  const after =
    row.masked.predictedLive === undefined
      ? ""
      : stringify(row.masked.predictedLive, { version: "1.1", lineWidth: 0 });
  return header + unifiedLines(before.split("\n"), after.split("\n")).join("\n") + "\n";
}

/** A line diff (longest common subsequence), `-` live, `+` desired, unchanged lines indented. */
function unifiedLines(a: readonly string[], b: readonly string[]): string[] {
  const n = a.length;
  const m = b.length;
  const lengths: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      const row = lengths[i] ?? [];
      row[j] =
        a[i] === b[j]
          ? (lengths[i + 1]?.[j + 1] ?? 0) + 1
          : Math.max(lengths[i + 1]?.[j] ?? 0, row[j + 1] ?? 0);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push(`  ${a[i] ?? ""}`);
      i++;
      j++;
    } else if (j < m && (i >= n || (lengths[i]?.[j + 1] ?? 0) >= (lengths[i + 1]?.[j] ?? 0))) {
      out.push(`+ ${b[j] ?? ""}`);
      j++;
    } else {
      out.push(`- ${a[i] ?? ""}`);
      i++;
    }
  }
  return out.filter((line) => line.trim() !== "");
}

// Reading Kubernetes manifests and cluster Secrets from files and folders for the argocd commands.
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import type { ClusterSecret, JsonObject } from "../argocd/index.js";
import { CliError } from "./errors.js";
import { readInput } from "./io.js";
import { stringify } from "yaml";

type Argocd = typeof import("../argocd/index.js");

/** One object read from a file, with where it came from. */
export interface ManifestFromFile {
  readonly file: string;
  readonly object: JsonObject;
}

/**
 * Reads every document of a YAML/JSON manifest file ("-" for stdin), expanding `kind: *List`.
 * @throws CliError naming the file (and the document) when it does not parse
 */
export async function readManifestFile(argocd: Argocd, path: string): Promise<ManifestFromFile[]> {
  const text = (await readInput(path)).toString("utf8");
  let documents;
  try {
    documents = argocd.parseYaml11Documents(text);
  } catch (error) {
    throw new CliError(`"${path}": ${(error as Error).message}`, 1, { cause: error });
  }
  const out: ManifestFromFile[] = [];
  for (const document of documents) {
    if (typeof document !== "object" || document === null || Array.isArray(document)) {
      throw new CliError(`"${path}": a document is not a Kubernetes object`);
    }
    const items = document.items;
    if (
      typeof document.kind === "string" &&
      document.kind.endsWith("List") &&
      Array.isArray(items)
    ) {
      for (const item of items)
        if (typeof item === "object" && item !== null && !Array.isArray(item))
          out.push({ file: path, object: item });
    } else out.push({ file: path, object: document });
  }
  return out;
}

/** Every `*.yaml`, `*.yml` and `*.json` file below `path` (or `path` itself), sorted. */
export async function manifestFiles(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new CliError(`cannot read "${path}": ${(error as Error).message}`, 1, { cause: error });
  }
  if (!info.isDirectory()) return [path];
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory() && !entry.name.startsWith(".")) await walk(full);
      else if (entry.isFile() && /\.(ya?ml|json)$/.test(entry.name)) out.push(full);
    }
  };
  await walk(path);
  return out.sort((a, b) => (relative(path, a) < relative(path, b) ? -1 : 1));
}

/**
 * Reads the cluster Secrets (label `argocd.argoproj.io/secret-type: cluster`) of every manifest
 * file below `dir`; other objects are ignored. Errors name the file, the Secret and the field.
 * @throws CliError for a malformed file or cluster Secret
 */
export async function readClusterSecretsDir(argocd: Argocd, dir: string): Promise<ClusterSecret[]> {
  const secrets: ClusterSecret[] = [];
  for (const file of await manifestFiles(dir)) {
    for (const { object } of await readManifestFile(argocd, file)) {
      const metadata = object.metadata;
      const labels =
        typeof metadata === "object" && metadata !== null && !Array.isArray(metadata)
          ? metadata.labels
          : undefined;
      const isCluster =
        object.kind === "Secret" &&
        typeof labels === "object" &&
        labels !== null &&
        !Array.isArray(labels) &&
        labels["argocd.argoproj.io/secret-type"] === "cluster";
      if (!isCluster) continue;
      try {
        secrets.push(argocd.readClusterSecret(object, file));
      } catch (error) {
        throw new CliError((error as Error).message, 1, { cause: error });
      }
    }
  }
  return secrets;
}

/** Reads a whole text file, naming it in the error. */
export async function readTextFile(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new CliError(`cannot read "${path}": ${(error as Error).message}`, 1, { cause: error });
  }
}

/**
 * Prints objects for stdout: `yaml` as a multi-document stream (YAML 1.1 quoting, so kubectl reads
 * strings like "yes" back as strings), `json` as one indented JSON value (a list when `list`).
 */
export function formatObjects(objects: readonly unknown[], format: string, list = true): string {
  if (format === "json") return `${JSON.stringify(list ? objects : objects[0], null, 2)}\n`;
  return objects.map((object) => stringify(object, { version: "1.1", lineWidth: 0 })).join("---\n");
}

import { posix } from "node:path";
import type { GitSource } from "./git-source.js";
import { globMatch } from "./glob.js";
import { isObject, type JsonObject } from "./json.js";
import { parseYaml11Documents } from "./yaml11.js";

/** How a source is rendered by Argo CD, as far as an offline reader can tell. */
export type SourceKind = "directory" | "helm" | "kustomize" | "plugin" | "ref" | "chart";

/** One Application source and, for directory sources, the manifests it holds. */
export interface SourceManifests {
  readonly repoURL: string;
  readonly path: string;
  readonly targetRevision: string;
  readonly kind: SourceKind;
  /** The objects of a directory source (undefined for other kinds or unmapped repositories). */
  readonly manifests?: JsonObject[];
  /** Why manifests are missing, when they are. */
  readonly note?: string;
}

const manifestFile = /\.(ya?ml|json)$/;

/**
 * Reads the manifests of an Application's sources that are plain directories (no Chart.yaml, no
 * kustomization file, no helm/kustomize/plugin block) in repositories `git` can read: the files
 * `*.yaml`, `*.yml`, `*.json` of `path` (subdirectories with `directory.recurse`), filtered by
 * `directory.include`/`exclude`, every document of each.
 * @throws Error naming the repository and file when a manifest does not parse
 */
export async function readSourceManifests(
  spec: JsonObject,
  git: GitSource,
  canRead: (repoURL: string) => boolean,
): Promise<SourceManifests[]> {
  const sources =
    Array.isArray(spec.sources) && spec.sources.length > 0 ? spec.sources : [spec.source];
  const out: SourceManifests[] = [];
  for (const source of sources) {
    if (!isObject(source)) continue;
    out.push(await readSource(source, git, canRead));
  }
  return out;
}

async function readSource(
  source: JsonObject,
  git: GitSource,
  canRead: (repoURL: string) => boolean,
): Promise<SourceManifests> {
  const repoURL = typeof source.repoURL === "string" ? source.repoURL : "";
  const path =
    typeof source.path === "string" ? posix.normalize(source.path).replace(/^\.?\/?$/, "") : "";
  const targetRevision = typeof source.targetRevision === "string" ? source.targetRevision : "";
  const base = { repoURL, path, targetRevision };
  if (typeof source.chart === "string")
    return { ...base, kind: "chart", note: "Helm repository chart" };
  if (source.path === undefined && typeof source.ref === "string")
    return { ...base, kind: "ref", note: "values reference only" };
  for (const kind of ["helm", "kustomize", "plugin"] as const) {
    if (source[kind] !== undefined)
      return { ...base, kind, note: `${kind} source, rendered by Argo CD` };
  }
  if (!canRead(repoURL))
    return { ...base, kind: "directory", note: "repository not mapped with --repo" };
  const listing = await git.listTree(repoURL, targetRevision);
  const prefix = path === "" ? "" : `${path}/`;
  const inPath = listing.files.filter((file) => file.startsWith(prefix));
  const names = new Set(inPath.map((file) => file.slice(prefix.length)));
  if (names.has("Chart.yaml"))
    return { ...base, kind: "helm", note: "Helm chart, rendered by Argo CD" };
  if (["kustomization.yaml", "kustomization.yml", "Kustomization"].some((n) => names.has(n))) {
    return { ...base, kind: "kustomize", note: "kustomization, rendered by Argo CD" };
  }
  const directory = isObject(source.directory) ? source.directory : {};
  const recurse = directory.recurse === true;
  const include = typeof directory.include === "string" ? directory.include : "";
  const exclude = typeof directory.exclude === "string" ? directory.exclude : "";
  const files = [...names]
    .filter((name) => manifestFile.test(name) && (recurse || !name.includes("/")))
    .filter(
      (name) =>
        (include === "" || globMatch(include, name)) &&
        (exclude === "" || !globMatch(exclude, name)),
    )
    .sort();
  const contents = await git.readFiles(
    repoURL,
    listing.commit,
    files.map((name) => prefix + name),
  );
  const manifests: JsonObject[] = [];
  for (const name of files) {
    const content = contents.get(prefix + name);
    if (content === undefined) continue;
    let documents;
    try {
      documents = parseYaml11Documents(Buffer.from(content).toString("utf8"));
    } catch (error) {
      throw new Error(`${repoURL}: "${prefix}${name}": ${(error as Error).message}`, {
        cause: error,
      });
    }
    manifests.push(...documents.filter(isObject));
  }
  return { ...base, kind: "directory", manifests };
}

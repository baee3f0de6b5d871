import { posix } from "node:path";
import {
  appendTemplatedValues,
  GeneratorError,
  readValues,
  type GeneratorContext,
} from "./generator-context.js";
import { goPathMatch, matchFiles, visibleDirectories, type GitTreeListing } from "./git-source.js";
import { isObject, type JsonObject, type JsonValue } from "./json.js";
import { jsonKind } from "./generator-list.js";
import { normalizeName } from "./names.js";
import { flattenToStrings, type ParamSet } from "./params.js";
import { parseYaml11 } from "./yaml11.js";

interface PathItem {
  path: string;
  exclude: boolean;
}

/**
 * The git generator (§3.5): `directories` (Go path.Match patterns over the repository's visible
 * directories, exclude wins) or `files` (pattern matches unioned, exclude matches removed, files
 * in sorted order, each YAML/JSON object one param set), with path params and `pathParamPrefix`.
 * @throws GeneratorError with Argo CD's texts (`error generating params from git: ...`)
 */
export async function gitGenerator(
  spec: JsonObject,
  context: GeneratorContext,
  field: string,
): Promise<ParamSet[]> {
  const repoURL = requiredString(spec, "repoURL", field);
  const revision = typeof spec.revision === "string" ? spec.revision : "";
  const prefix = typeof spec.pathParamPrefix === "string" ? spec.pathParamPrefix : "";
  const values = readValues(spec, field);
  const directories = readItems(spec.directories, `${field}.directories`);
  const files = readItems(spec.files, `${field}.files`);
  if (directories.length === 0 && files.length === 0)
    throw new GeneratorError("ApplicationSet is empty", field);
  const git = context.git;
  if (git === undefined) {
    throw new GeneratorError(
      `error generating params from git: no git repository is available for "${repoURL}"`,
      field,
    );
  }
  const settings: PathSettings = { prefix, values, context };
  try {
    if (directories.length > 0) {
      let listing;
      try {
        listing = await git.listTree(repoURL, revision);
      } catch (error) {
        throw new Error(`error getting directories from repo: ${(error as Error).message}`, {
          cause: error,
        });
      }
      return directoryParamSets(listing, directories, settings);
    }
    return await fileParams(repoURL, revision, files, settings);
  } catch (error) {
    if (error instanceof GeneratorError) throw error;
    throw new GeneratorError(
      `error generating params from git: ${(error as Error).message}`,
      field,
      { cause: error },
    );
  }
}

interface PathSettings {
  prefix: string;
  values: Record<string, string> | undefined;
  context: GeneratorContext;
}

// A matrix runs its git child once per param set of the first child (once per cluster), nearly
// always over one listing with the same patterns: walk, match and build the params once per
// listing and settings.
const directorySets = new WeakMap<GitTreeListing, Map<string, readonly ParamSet[]>>();
const memoPerListing = 1000;

function directoryParamSets(
  listing: GitTreeListing,
  items: readonly PathItem[],
  settings: PathSettings,
): ParamSet[] {
  let memo = directorySets.get(listing);
  if (memo === undefined)
    directorySets.set(listing, (memo = new Map<string, readonly ParamSet[]>()));
  const { prefix, values, context } = settings;
  const key = JSON.stringify([items, prefix, values ?? null, context.mode]);
  let sets = memo.get(key);
  if (sets === undefined) {
    sets = visibleDirectories(listing)
      .filter((dir) => directoryWanted(items, dir))
      .map((dir) => directoryParams(dir, settings));
    // Patterns templated from each cluster never repeat; keep the memo bounded for them.
    if (memo.size >= memoPerListing) memo.clear();
    memo.set(key, sets);
  }
  // Each call gets its own top-level sets; what they hold (path, segments, values) is shared, as
  // the matrix already shares the first child's data between the sets it merges: param sets are
  // never changed once generated.
  return sets.map((set) => ({ ...set }));
}

function directoryWanted(items: readonly PathItem[], dir: string): boolean {
  let include = false;
  let exclude = false;
  for (const item of items) {
    // A malformed pattern is logged upstream and matches nothing.
    if (goPathMatch(item.path, dir) !== true) continue;
    if (item.exclude) exclude = true;
    else include = true;
  }
  return include && !exclude;
}

function directoryParams(dir: string, settings: PathSettings): ParamSet {
  const params: ParamSet = {};
  const base = posix.basename(dir);
  if (settings.context.mode.goTemplate) {
    const path: JsonObject = {
      path: dir,
      basename: base,
      basenameNormalized: normalizeName(base),
      segments: dir.split("/"),
    };
    if (settings.prefix === "") params.path = path;
    else params[settings.prefix] = { path };
  } else {
    const name = settings.prefix === "" ? "path" : `${settings.prefix}.path`;
    params[name] = dir;
    params[`${name}.basename`] = base;
    params[`${name}.basenameNormalized`] = normalizeName(base);
    addSegments(params, name, dir);
  }
  appendValues(params, settings);
  return params;
}

async function fileParams(
  repoURL: string,
  revision: string,
  items: readonly PathItem[],
  settings: PathSettings,
): Promise<ParamSet[]> {
  const git = settings.context.git;
  if (git === undefined) return [];
  const listing = await git.listTree(repoURL, revision);
  const newGlobbing = settings.context.newGitFileGlobbing;
  const selected = new Set<string>();
  for (const item of items.filter((i) => !i.exclude)) {
    for (const file of matchFiles(listing.files, item.path, newGlobbing)) selected.add(file);
  }
  for (const item of items.filter((i) => i.exclude)) {
    for (const file of matchFiles(listing.files, item.path, newGlobbing)) selected.delete(file);
  }
  const paths = [...selected].sort();
  const contents = await git.readFiles(repoURL, listing.commit, paths);
  const result: ParamSet[] = [];
  for (const path of paths) {
    const content = contents.get(path);
    if (content === undefined) {
      // A symlink leaving the repository: new globbing drops it; a checkout read would escape.
      if (newGlobbing) continue;
      throw new Error(
        `unable to read files. repo ${repoURL} with revision ${revision} pattern: "${path}" links outside the repository`,
      );
    }
    try {
      for (const object of parseParamsFile(content))
        result.push(fileObjectParams(path, object, settings));
    } catch (error) {
      throw new Error(
        `unable to process file '${path}' from repository '${repoURL}': ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }
  return result;
}

/**
 * Reads a git generator file: first as one object (an empty file is one empty object), else as a
 * list of objects. Only the first YAML document counts; YAML 1.1 scalars.
 * @throws Error `unable to parse file: ...` for anything else
 */
export function parseParamsFile(content: Uint8Array): JsonObject[] {
  let value: JsonValue;
  try {
    value = parseYaml11(Buffer.from(content).toString("utf8"));
  } catch (error) {
    throw new Error(
      `unable to parse file: error converting YAML to JSON: yaml: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  if (value === null) return [{}];
  if (isObject(value)) return [value];
  if (Array.isArray(value) && value.every(isObject)) return value;
  const kind = Array.isArray(value)
    ? jsonKind(value.find((item) => !isObject(item)) ?? null)
    : jsonKind(value);
  const target = Array.isArray(value) ? "map[string]interface {}" : "[]map[string]interface {}";
  throw new Error(
    `unable to parse file: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${kind} into Go value of type ${target}`,
  );
}

function fileObjectParams(filePath: string, object: JsonObject, settings: PathSettings): ParamSet {
  const dir = posix.dirname(filePath);
  const base = posix.basename(dir);
  const filename = posix.basename(filePath);
  let params: ParamSet;
  if (settings.context.mode.goTemplate) {
    params = { ...object };
    const path: JsonObject = {
      path: dir,
      basename: base,
      filename,
      basenameNormalized: normalizeName(base),
      filenameNormalized: normalizeName(filename),
      segments: dir.split("/"),
    };
    if (settings.prefix === "") params.path = path;
    else params[settings.prefix] = { path };
  } else {
    params = flattenToStrings(object);
    const name = settings.prefix === "" ? "path" : `${settings.prefix}.path`;
    params[name] = dir;
    params[`${name}.basename`] = base;
    params[`${name}.filename`] = filename;
    params[`${name}.basenameNormalized`] = normalizeName(base);
    params[`${name}.filenameNormalized`] = normalizeName(filename);
    addSegments(params, name, dir);
  }
  appendValues(params, settings);
  return params;
}

function addSegments(params: ParamSet, name: string, dir: string): void {
  dir.split("/").forEach((segment, index) => {
    if (segment !== "") params[`${name}[${index}]`] = segment;
  });
}

function appendValues(params: ParamSet, settings: PathSettings): void {
  try {
    appendTemplatedValues(settings.values, params, settings.context.mode);
  } catch (error) {
    throw new Error(`failed to append templated values: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function readItems(value: unknown, field: string): PathItem[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new GeneratorError(`${field} must be a list`, field);
  return value.map((item, index) => {
    if (!isObject(item) || typeof item.path !== "string") {
      throw new GeneratorError(
        `${field}[${index}].path must be a string`,
        `${field}[${index}].path`,
      );
    }
    return { path: item.path, exclude: item.exclude === true };
  });
}

function requiredString(spec: JsonObject, key: string, field: string): string {
  const value = spec[key];
  if (typeof value !== "string" || value === "") {
    throw new GeneratorError(`${field}.${key} must be a non-empty string`, `${field}.${key}`);
  }
  return value;
}

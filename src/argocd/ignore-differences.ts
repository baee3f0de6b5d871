import { globMatch } from "./glob.js";
import { isObject, type JsonObject } from "./json.js";
import { runJq } from "./jq-runner.js";
import { parseYaml11 } from "./yaml11.js";

/** One `spec.ignoreDifferences[]` rule of an Application (§10.1). */
export interface IgnoreDifferencesRule {
  group: string;
  kind: string;
  name: string;
  namespace: string;
  jsonPointers: string[];
  jqPathExpressions: string[];
  managedFieldsManagers: string[];
}

/** The ignoreDifferences part of a system-level override (argocd-cm). */
export interface OverrideIgnoreDiff {
  jsonPointers: string[];
  jqPathExpressions: string[];
  managedFieldsManagers: string[];
}

/** Argo CD's diff settings: Application rules plus argocd-cm (§10.1). */
export interface DiffSettings {
  /** The Application's `spec.ignoreDifferences`, in order. */
  readonly rules: readonly IgnoreDifferencesRule[];
  /** System overrides keyed `<group>/<kind>`, `<kind>` (core) or `*\/*`. */
  readonly overrides: ReadonlyMap<string, OverrideIgnoreDiff>;
  /** `resource.compareoptions` ignoreAggregatedRoles. */
  readonly ignoreAggregatedRoles: boolean;
  /** argocd-cm `resource.sensitive.mask.annotations`. */
  readonly sensitiveAnnotations: readonly string[];
  /** jq time limit per expression (default 1 s). */
  readonly jqTimeoutMs: number;
}

/** Settings with no rule at all, status not ignored. */
export const emptyDiffSettings: DiffSettings = {
  rules: [],
  overrides: new Map(),
  ignoreAggregatedRoles: false,
  sensitiveAnnotations: [],
  jqTimeoutMs: 1000,
};

/**
 * Reads `spec.ignoreDifferences` (a list of rules) from decoded YAML/JSON.
 * @throws Error naming the entry and field (`ignoreDifferences[0].jsonPointers: must be a list of strings`)
 */
export function readIgnoreDifferences(
  value: unknown,
  where = "ignoreDifferences",
): IgnoreDifferencesRule[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Error(`${where}: must be a list`);
  return value.map((entry, index) => {
    const field = `${where}[${index}]`;
    if (!isObject(entry)) throw new Error(`${field}: must be an object`);
    return {
      group: optionalString(entry, "group", field),
      kind: optionalString(entry, "kind", field),
      name: optionalString(entry, "name", field),
      namespace: optionalString(entry, "namespace", field),
      ...readOverride(entry, field),
    };
  });
}

function readOverride(entry: JsonObject, field: string): OverrideIgnoreDiff {
  return {
    jsonPointers: stringList(entry, "jsonPointers", field),
    jqPathExpressions: stringList(entry, "jqPathExpressions", field),
    managedFieldsManagers: stringList(entry, "managedFieldsManagers", field),
  };
}

/**
 * Reads Argo CD's diff settings from an `argocd-cm` ConfigMap: the legacy `resource.customizations`
 * map (each entry's `ignoreDifferences` a YAML text), the split keys
 * `resource.customizations.ignoreDifferences.<group>_<kind>` / `.<kind>` / `.all` (which replace
 * the legacy entry's ignoreDifferences), `resource.compareoptions` (ignoreResourceStatusField,
 * default all: `/status` ignored for every kind; ignoreAggregatedRoles) and
 * `resource.sensitive.mask.annotations`.
 * @throws Error naming the ConfigMap key when a value does not parse
 */
export function readArgoCdConfigMap(
  configMap: unknown,
  rules: readonly IgnoreDifferencesRule[] = [],
): DiffSettings {
  const data = isObject(configMap) && isObject(configMap.data) ? configMap.data : {};
  const text = (key: string): string | undefined =>
    typeof data[key] === "string" ? data[key] : undefined;
  const overrides = new Map<string, OverrideIgnoreDiff>();
  const legacy = text("resource.customizations");
  if (legacy !== undefined && legacy !== "") {
    const parsed = parseAt(legacy, "resource.customizations");
    if (!isObject(parsed)) throw new Error(`argocd-cm "resource.customizations": must be a map`);
    for (const [key, entry] of Object.entries(parsed)) {
      if (!isObject(entry) || typeof entry.ignoreDifferences !== "string") continue;
      overrides.set(
        key,
        overrideFromText(
          entry.ignoreDifferences,
          `resource.customizations: ${key}.ignoreDifferences`,
        ),
      );
    }
  }
  for (const [key, value] of Object.entries(data)) {
    const prefix = "resource.customizations.ignoreDifferences.";
    if (!key.startsWith(prefix) || typeof value !== "string") continue;
    overrides.set(overrideKey(key.slice(prefix.length), key), overrideFromText(value, key));
  }
  const compare = text("resource.compareoptions");
  const options = compare === undefined ? {} : parseAt(compare, "resource.compareoptions");
  const compareOptions = isObject(options) ? options : {};
  const statusField = compareOptions.ignoreResourceStatusField;
  const status =
    typeof statusField === "string" ? statusField : statusField === false ? "false" : "";
  if (status === "crd") addStatus(overrides, "apiextensions.k8s.io/CustomResourceDefinition");
  else if (!["none", "off", "false"].includes(status)) addStatus(overrides, "*/*");
  const sensitive = (text("resource.sensitive.mask.annotations") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  return {
    rules,
    overrides,
    ignoreAggregatedRoles: compareOptions.ignoreAggregatedRoles === true,
    sensitiveAnnotations: sensitive,
    jqTimeoutMs: 1000,
  };
}

function parseAt(text: string, key: string): unknown {
  try {
    return parseYaml11(text);
  } catch (error) {
    throw new Error(`argocd-cm "${key}": ${(error as Error).message}`, { cause: error });
  }
}

function overrideFromText(text: string, key: string): OverrideIgnoreDiff {
  const parsed = parseAt(text, key);
  if (parsed !== null && !isObject(parsed)) throw new Error(`argocd-cm "${key}": must be a map`);
  return readOverride(parsed ?? {}, `argocd-cm "${key}"`);
}

function overrideKey(groupKind: string, key: string): string {
  if (groupKind === "all") return "*/*";
  const parts = groupKind.split("_");
  if (parts.length === 2) return `${parts[0] ?? ""}/${parts[1] ?? ""}`;
  if (parts.length === 1 && groupKind !== "") return groupKind;
  throw new Error(
    `argocd-cm "${key}": group kind should be in format \`resource.customizations.<type>.<group_kind>\` or resource.customizations.<type>.<kind>\`, got group kind: '${groupKind}'`,
  );
}

function addStatus(overrides: Map<string, OverrideIgnoreDiff>, key: string): void {
  const existing = overrides.get(key) ?? {
    jsonPointers: [],
    jqPathExpressions: [],
    managedFieldsManagers: [],
  };
  overrides.set(key, { ...existing, jsonPointers: [...existing.jsonPointers, "/status"] });
}

/** The group and kind an override key stands for (`*\/*`, `<group>/<kind>`, `<kind>`). */
export function overrideGroupKind(key: string): { group: string; kind: string } {
  const slash = key.indexOf("/");
  return slash < 0
    ? { group: "", kind: key }
    : { group: key.slice(0, slash), kind: key.slice(slash + 1) };
}

/** The API group of an object without its version (`apps`, "" for core). */
export function groupOf(object: JsonObject): string {
  const apiVersion = typeof object.apiVersion === "string" ? object.apiVersion : "";
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

function metadataString(object: JsonObject, key: string): string {
  const metadata = isObject(object.metadata) ? object.metadata : {};
  return typeof metadata[key] === "string" ? metadata[key] : "";
}

/** Whether a rule applies to an object (§10.2): group/kind globs, exact name and namespace. */
export function ruleMatches(
  rule: Pick<IgnoreDifferencesRule, "group" | "kind" | "name" | "namespace">,
  object: JsonObject,
): boolean {
  return (
    globMatch(rule.group, groupOf(object)) &&
    globMatch(rule.kind, typeof object.kind === "string" ? object.kind : "") &&
    (rule.name === "" || rule.name === metadataString(object, "name")) &&
    (rule.namespace === "" || rule.namespace === metadataString(object, "namespace"))
  );
}

/**
 * The managedFieldsManagers that apply to an object (§10.3 step 2): the system entry for exactly
 * `<group>/<kind>` (for the core group that key is `/Kind`, which a core override never has:
 * upstream quirk kept), the `*\/*` entry, then matching Application rules; duplicates dropped.
 */
export function managersFor(settings: DiffSettings, object: JsonObject): string[] {
  const managers: string[] = [];
  const add = (list: readonly string[]): void => {
    for (const manager of list) if (!managers.includes(manager)) managers.push(manager);
  };
  const kind = typeof object.kind === "string" ? object.kind : "";
  add(settings.overrides.get(`${groupOf(object)}/${kind}`)?.managedFieldsManagers ?? []);
  add(settings.overrides.get("*/*")?.managedFieldsManagers ?? []);
  for (const rule of settings.rules) if (ruleMatches(rule, object)) add(rule.managedFieldsManagers);
  return managers;
}

/** One normalization patch, with what matched it (for explanations). */
interface Patch {
  readonly match: Pick<IgnoreDifferencesRule, "group" | "kind" | "name" | "namespace">;
  readonly pointer?: string;
  readonly jq?: string;
}

/** What happened to each ignore patch on one object, for `--explain` and logs. */
export interface PatchReport {
  readonly patch: string;
  readonly outcome: "applied" | "skipped";
  readonly reason?: string;
}

/**
 * Applies the ignore rules (§10.3 step 5) to one object: Application rules first, then system
 * overrides; each JSON pointer is an RFC 6902 `remove`, each jq expression runs as `del(E)` with
 * the time limit. A patch that does not apply (missing path, jq error, no or several outputs,
 * timeout) is skipped. Returns a new object.
 * @throws Error when a jq expression does not compile (a configuration error)
 */
export function applyIgnoreRules(
  object: JsonObject,
  settings: DiffSettings,
  report?: PatchReport[],
): JsonObject {
  let current = object;
  for (const patch of patchesFor(settings)) {
    if (!ruleMatches(patch.match, current)) continue;
    if (patch.pointer !== undefined) {
      const next = removePointer(current, patch.pointer);
      report?.push(
        next === undefined
          ? { patch: patch.pointer, outcome: "skipped", reason: "path not found" }
          : { patch: patch.pointer, outcome: "applied" },
      );
      if (next !== undefined) current = next;
      continue;
    }
    const expression = patch.jq ?? "";
    const outcome = runJq(`del(${expression})`, current, settings.jqTimeoutMs);
    if (outcome.kind === "compile-error") {
      throw new Error(`jqPathExpressions ${JSON.stringify(expression)}: ${outcome.message}`);
    }
    let reason: string | undefined;
    if (outcome.kind === "timeout")
      reason = `JQ patch execution timed out (${formatSeconds(settings.jqTimeoutMs)})`;
    else if (outcome.kind === "runtime-error")
      reason = `JQ patch returned error: ${outcome.message}`;
    else if (outcome.outputs.length === 0) reason = "JQ patch did not return any data";
    else if (outcome.outputs.length > 1) reason = "JQ patch returned multiple objects";
    else if (!isObject(outcome.outputs[0])) reason = "JQ patch did not return an object";
    if (reason === undefined && outcome.kind === "ok") {
      current = outcome.outputs[0] as JsonObject;
      report?.push({ patch: expression, outcome: "applied" });
    } else {
      report?.push({ patch: expression, outcome: "skipped", reason: reason ?? "" });
    }
  }
  return current;
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function patchesFor(settings: DiffSettings): Patch[] {
  const patches: Patch[] = [];
  const add = (match: Patch["match"], rule: OverrideIgnoreDiff): void => {
    for (const pointer of rule.jsonPointers) patches.push({ match, pointer });
    for (const jq of rule.jqPathExpressions) patches.push({ match, jq });
  };
  for (const rule of settings.rules) add(rule, rule);
  for (const [key, override] of settings.overrides) {
    add({ ...overrideGroupKind(key), name: "", namespace: "" }, override);
  }
  return patches;
}

/**
 * RFC 6901/6902 `remove`: returns a copy without the addressed value, or undefined when the path
 * does not exist (upstream skips such a patch).
 */
export function removePointer(object: JsonObject, pointer: string): JsonObject | undefined {
  if (pointer === "") return undefined;
  if (!pointer.startsWith("/")) return undefined;
  const tokens = pointer
    .slice(1)
    .split("/")
    .map((token) => token.replaceAll("~1", "/").replaceAll("~0", "~"));
  const copy = structuredClone(object);
  let parent: unknown = copy;
  for (const token of tokens.slice(0, -1)) {
    parent = child(parent, token);
    if (parent === undefined) return undefined;
  }
  const last = tokens.at(-1) ?? "";
  if (Array.isArray(parent)) {
    const index = arrayIndex(last, parent.length);
    if (index === undefined) return undefined;
    parent.splice(index, 1);
    return copy;
  }
  if (!isObject(parent) || !Object.hasOwn(parent, last)) return undefined;
  Reflect.deleteProperty(parent, last);
  return copy;
}

function child(parent: unknown, token: string): unknown {
  if (Array.isArray(parent)) {
    const index = arrayIndex(token, parent.length);
    return index === undefined ? undefined : (parent[index] as unknown);
  }
  if (isObject(parent) && Object.hasOwn(parent, token)) return parent[token];
  return undefined;
}

function arrayIndex(token: string, length: number): number | undefined {
  if (!/^(0|[1-9]\d*)$/.test(token)) return undefined;
  const index = Number(token);
  return index < length ? index : undefined;
}

function optionalString(entry: JsonObject, key: string, field: string): string {
  const value = entry[key];
  if (value === undefined || value === null) return "";
  if (typeof value !== "string") throw new Error(`${field}.${key}: must be a string`);
  return value;
}

function stringList(entry: JsonObject, key: string, field: string): string[] {
  const value = entry[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw new Error(`${field}.${key}: must be a list of strings`);
  }
  return value;
}

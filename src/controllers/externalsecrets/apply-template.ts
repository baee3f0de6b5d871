import { parse as parseYaml } from "yaml";
import { decodeValue } from "./decoding.js";
import { templateContext, type TemplateRenderer } from "./template-renderer.js";
import type { ExternalSecretTemplate, TemplateFrom } from "./types.js";

/** The parts of a Secret a template writes to. */
export interface TemplateTarget {
  readonly data: Map<string, Uint8Array>;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

/**
 * The ConfigMaps and Secrets that `templateFrom` entries name, read from the ExternalSecret's
 * namespace by the caller. `undefined` means the object does not exist.
 */
export interface TemplateSources {
  configMap(name: string): Readonly<Record<string, string>> | undefined;
  secret(name: string): ReadonlyMap<string, Uint8Array> | undefined;
}

/** The ConfigMap and Secret names a template reads, so a caller can fetch them first. */
export function templateSourceNames(template: ExternalSecretTemplate | undefined): {
  configMaps: string[];
  secrets: string[];
} {
  const froms = template?.templateFrom ?? [];
  return {
    configMaps: [
      ...new Set(
        froms.flatMap((from) => (from.configMap === undefined ? [] : [from.configMap.name])),
      ),
    ],
    secrets: [
      ...new Set(froms.flatMap((from) => (from.secret === undefined ? [] : [from.secret.name]))),
    ],
  };
}

/**
 * Renders `templateFrom` (in order), then `template.data`, then the templated labels and annotations
 * into `target` (ESO `ApplyTemplate` after the data baseline, spec §5).
 * @throws Error `could not apply template: ...` naming the key; values never appear
 */
export function renderTemplateInto(
  template: ExternalSecretTemplate,
  dataMap: ReadonlyMap<string, Uint8Array>,
  target: TemplateTarget,
  sources: TemplateSources,
  render: TemplateRenderer,
): void {
  const context = templateContext(dataMap);
  const exec = (source: string, name: string): string => {
    try {
      return render(source, context, { name, missingKey: "error" });
    } catch (error) {
      throw new Error(`unable to execute template at key ${name}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  };
  try {
    for (const from of template.templateFrom ?? []) applyTemplateFrom(from, target, sources, exec);
  } catch (error) {
    throw new Error(
      `could not apply template: error fetching templateFrom data: ${(error as Error).message}`,
      { cause: error },
    );
  }
  try {
    const sink = (to: TargetName): Sink => ({ to, target, exec, decoding: undefined });
    applyValues(template.data ?? {}, sink("data"));
    applyValues(template.metadata?.labels ?? {}, sink("labels"));
    applyValues(template.metadata?.annotations ?? {}, sink("annotations"));
  } catch (error) {
    throw new Error(
      `could not apply template: could not execute template: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

type Exec = (source: string, name: string) => string;
type TargetName = "data" | "labels" | "annotations";

/** Where rendered values go: which part of the Secret, and how each value is decoded first. */
interface Sink {
  readonly to: TargetName;
  readonly target: TemplateTarget;
  readonly exec: Exec;
  readonly decoding: string | undefined;
}

function targetName(from: TemplateFrom): TargetName {
  // The CRD defaults the target to Data; the names compare case-insensitively (validated earlier).
  const lower = (from.target ?? "").toLowerCase();
  return lower === "labels" || lower === "annotations" ? lower : "data";
}

function applyTemplateFrom(
  from: TemplateFrom,
  target: TemplateTarget,
  sources: TemplateSources,
  exec: Exec,
): void {
  const sink: Sink = { to: targetName(from), target, exec, decoding: from.valuesDecodingStrategy };
  if (from.configMap !== undefined) {
    const configMap = sources.configMap(from.configMap.name);
    if (configMap === undefined)
      throw new Error(`configmaps ${JSON.stringify(from.configMap.name)} not found`);
    for (const item of from.configMap.items) {
      const text = configMap[item.key];
      if (text === undefined || !Object.hasOwn(configMap, item.key)) {
        throw new Error(`error in configmap ${from.configMap.name}: missing key ${item.key}`);
      }
      applyItem(item.key, text, item.templateAs, sink);
    }
  }
  if (from.secret !== undefined) {
    const secret = sources.secret(from.secret.name);
    if (secret === undefined)
      throw new Error(`secrets ${JSON.stringify(from.secret.name)} not found`);
    for (const item of from.secret.items) {
      const bytes = secret.get(item.key);
      if (bytes === undefined)
        throw new Error(`error in secret ${from.secret.name}: missing key ${item.key}`);
      applyItem(item.key, Buffer.from(bytes).toString("utf8"), item.templateAs, sink);
    }
  }
  if (from.literal !== undefined) applyKeysAndValues(from.literal, sink);
}

function applyItem(
  key: string,
  template: string,
  scope: "Values" | "KeysAndValues" | undefined,
  sink: Sink,
): void {
  if (scope === "KeysAndValues") applyKeysAndValues(template, sink);
  else applyValues({ [key]: template }, sink);
}

function applyValues(templates: Readonly<Record<string, string>>, sink: Sink): void {
  for (const [key, template] of Object.entries(templates)) {
    const rendered = Buffer.from(sink.exec(template, key));
    setTarget(key, decodeRendered(sink.decoding, key, rendered), sink);
  }
}

// A KeysAndValues template renders a YAML mapping of strings. Upstream parses it with
// sigs.k8s.io/yaml (YAML 1.1, then JSON into map[string]string): a null value becomes "",
// any other non-string value is an error.
function applyKeysAndValues(template: string, sink: Sink): void {
  const rendered = sink.exec(template, template);
  let parsed: unknown;
  try {
    parsed = parseYaml(rendered, { version: "1.1" });
  } catch {
    throw new Error(
      `could not unmarshal template to 'map[string][]byte': the rendered template is not valid YAML`,
    );
  }
  if (parsed === null || parsed === undefined) return;
  if (typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error(
      `could not unmarshal template to 'map[string][]byte': the rendered template is not a mapping`,
    );
  }
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (value !== null && typeof value !== "string") {
      throw new Error(
        `could not unmarshal template to 'map[string][]byte': the value of ${JSON.stringify(key)} is not a string`,
      );
    }
    setTarget(key, decodeRendered(sink.decoding, key, Buffer.from(value ?? "")), sink);
  }
}

function decodeRendered(strategy: string | undefined, key: string, value: Uint8Array): Uint8Array {
  try {
    return decodeValue(strategy, value);
  } catch (error) {
    throw new Error(
      `failed to decode rendered template value for key ${key}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

function setTarget(key: string, value: Uint8Array, { to, target }: Sink): void {
  if (to === "data") {
    target.data.set(key, value);
    return;
  }
  Object.defineProperty(target[to], key, {
    value: Buffer.from(value).toString("utf8"),
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

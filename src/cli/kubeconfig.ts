// The namespace kubectl would use: `-n`, else the current (or --context) context's namespace from
// the kubeconfig files, else "default". Only what offline commands need; reading the files with
// `yaml` keeps `secretfleet seal` from loading the Kubernetes client.
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { parse as parseYaml } from "yaml";

/** Where the kubeconfig comes from. */
export interface KubeconfigSource {
  /** `--kubeconfig`: the only file read when set. */
  explicitPath?: string;
  /** `--context`: overrides current-context. */
  context?: string;
  /** The KUBECONFIG variable (a path list). */
  kubeconfigEnv?: string;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

async function readConfig(path: string): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return undefined; // kubectl skips missing files in KUBECONFIG
  }
  const value: unknown = parseYaml(text);
  return isObject(value) ? value : undefined;
}

/**
 * The namespace of the selected kubeconfig context, or "default" when there is none. As kubectl
 * merges KUBECONFIG files, the first file that sets current-context or defines a context wins.
 */
export async function kubeconfigNamespace(source: KubeconfigSource): Promise<string> {
  const paths =
    source.explicitPath !== undefined && source.explicitPath !== ""
      ? [source.explicitPath]
      : source.kubeconfigEnv !== undefined && source.kubeconfigEnv !== ""
        ? source.kubeconfigEnv.split(delimiter).filter((path) => path !== "")
        : [join(homedir(), ".kube", "config")];
  const configs = (await Promise.all(paths.map(readConfig))).filter(
    (config) => config !== undefined,
  );
  const current =
    source.context !== undefined && source.context !== ""
      ? source.context
      : configs
          .map((config) => config["current-context"])
          .find((name) => typeof name === "string" && name !== "");
  for (const config of configs) {
    const contexts = Array.isArray(config.contexts) ? (config.contexts as unknown[]) : [];
    for (const entry of contexts) {
      if (!isObject(entry) || entry.name !== current || !isObject(entry.context)) continue;
      const namespace = entry.context.namespace;
      return typeof namespace === "string" && namespace !== "" ? namespace : "default";
    }
  }
  return "default";
}

import type { KubeObject } from "../../kube/index.js";
import type { ApiClient } from "./api-client.js";
import { templateSourceNames, type TemplateSources } from "./apply-template.js";
import { secretData } from "./desired-secret.js";
import type { ExternalSecretTemplate, Secret } from "./types.js";

/**
 * Reads the ConfigMaps and Secrets a template's `templateFrom` names, from `namespace`, through
 * the API (upstream does not watch them either: a change is seen at the next refresh).
 * @throws ApiError when a read fails for another reason than "not found"
 */
export async function fetchTemplateSources(
  api: ApiClient,
  namespace: string,
  template: ExternalSecretTemplate | undefined,
  signal: AbortSignal,
): Promise<TemplateSources> {
  const names = templateSourceNames(template);
  const configMaps = new Map<string, Readonly<Record<string, string>>>();
  const secrets = new Map<string, ReadonlyMap<string, Uint8Array>>();
  for (const name of names.configMaps) {
    const found = await api.get<KubeObject & { data?: Record<string, string> }>(
      { apiVersion: "v1", kind: "ConfigMap", namespace, name },
      { signal },
    );
    if (found !== undefined) configMaps.set(name, found.data ?? {});
  }
  for (const name of names.secrets) {
    const found = await api.get<Secret & KubeObject>(
      { apiVersion: "v1", kind: "Secret", namespace, name },
      { signal },
    );
    if (found !== undefined) secrets.set(name, secretData(found));
  }
  return { configMap: (name) => configMaps.get(name), secret: (name) => secrets.get(name) };
}

import { compileGoRegexp } from "./go-regexp.js";
import { matchesLabelSelector } from "./label-selector.js";
import type { SecretStore, SecretStoreRef } from "./types.js";

/** A namespace as the store checks see it. */
export interface NamespaceInfo {
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Whether a store belongs to this controller (ESO `ShouldProcessStore`): no class, or the same class.
 */
export function isManagedStore(store: SecretStore | undefined, controllerClass: string): boolean {
  const storeClass = store?.spec.controller ?? "";
  return storeClass === "" || storeClass === controllerClass;
}

/**
 * Whether an object in `namespace` may use a store (ESO `shouldProcessSecret`, spec §7.2): always
 * for a SecretStore or a ClusterSecretStore without conditions; otherwise at least one condition
 * must match by namespaceSelector, by name (`kubernetes.io/metadata.name`), or by an unanchored Go
 * regexp on the name.
 * @throws Error when a namespaceRegexes entry does not compile
 */
export function storeAllowsNamespace(store: SecretStore, namespace: NamespaceInfo): boolean {
  if (store.kind !== "ClusterSecretStore") return true;
  const conditions = store.spec.conditions ?? [];
  if (conditions.length === 0) return true;
  // The API server sets this label on every namespace; upstream matches `namespaces` through it.
  const labels = { ...namespace.labels, "kubernetes.io/metadata.name": namespace.name };
  return conditions.some(
    (condition) =>
      (condition.namespaceSelector !== undefined &&
        matchesLabelSelector(condition.namespaceSelector, labels)) ||
      (condition.namespaces ?? []).some((name) => labels["kubernetes.io/metadata.name"] === name) ||
      (condition.namespaceRegexes ?? []).some((pattern) =>
        compileGoRegexp(pattern).test(namespace.name),
      ),
  );
}

/**
 * Why an ExternalSecret or PushSecret cannot use a store, in upstream's words (ESO client manager,
 * spec §7.4), or undefined when it can.
 * @param floodGate check that the store is Ready (ExternalSecrets: yes; PushSecrets: no)
 */
export function storeAccessProblem(
  ref: SecretStoreRef,
  store: SecretStore | undefined,
  namespace: NamespaceInfo,
  options: { readonly controllerClass: string; readonly floodGate: boolean },
): string | undefined {
  const kind = ref.kind ?? "SecretStore";
  if (store === undefined) {
    const resource = kind === "ClusterSecretStore" ? "clustersecretstores" : "secretstores";
    return `could not get ${kind} ${JSON.stringify(ref.name)}, ${resource}.external-secrets.io ${JSON.stringify(ref.name)} not found`;
  }
  if (!isManagedStore(store, options.controllerClass)) return "can not reference unmanaged store";
  if (!storeAllowsNamespace(store, namespace)) {
    return `using cluster store ${JSON.stringify(store.metadata.name)} is not allowed from namespace ${JSON.stringify(namespace.name)}: denied by spec.condition`;
  }
  if (options.floodGate) {
    const ready = store.status?.conditions?.find((condition) => condition.type === "Ready");
    if (ready?.status !== "True")
      return `${store.kind} ${JSON.stringify(store.metadata.name)} is not ready`;
  }
  return undefined;
}

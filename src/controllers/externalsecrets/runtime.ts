import type { CacheReader, KubeObject, Logger } from "../../kube/index.js";
import type { ApiClient } from "./api-client.js";
import type { EsoMetrics } from "./metrics.js";
import { parsedOnce } from "./parse-common.js";
import { parseSecretStore } from "./parse-store.js";
import type { JitterOptions } from "./refresh.js";
import type { CredentialReader } from "./store-client.js";
import type { StoreClients } from "./store-clients.js";
import type { NamespaceInfo } from "./store-access.js";
import type { TemplateRenderer } from "./template-renderer.js";
import type { SecretStore, StoreKind } from "./types.js";

/** Where reconcilers record Kubernetes events (src/kube's EventRecorder fits). */
export interface EventSink {
  event(object: KubeObject, type: "Normal" | "Warning", reason: string, message: string): void;
}

/** A namespace as the reconcilers see it. */
export interface NamespaceView extends NamespaceInfo {
  readonly terminating: boolean;
}

/** Reads of watched objects, from informer caches. */
export interface Lookups {
  /**
   * A store by kind and name (`namespace` is ignored for a ClusterSecretStore).
   * @returns undefined when it does not exist
   * @throws ObjectError when it exists but is malformed
   */
  store(kind: StoreKind, namespace: string, name: string): SecretStore | undefined;
  /** A namespace's labels; a namespace not in the cache is seen with its name only. */
  namespace(name: string): NamespaceView;
}

/** What every External Secrets reconciler shares. */
export interface EsoRuntime {
  readonly api: ApiClient;
  readonly events: EventSink;
  readonly metrics: EsoMetrics;
  readonly clients: StoreClients;
  readonly lookups: Lookups;
  readonly render: TemplateRenderer;
  readonly log: Logger;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** When this controller process started (for spreading refreshes overdue at start). */
  readonly startedAt: number;
  /** `--controller-class`: stores of another class are left alone. */
  readonly controllerClass: string;
  /** `--enable-flood-gate`: ExternalSecrets skip stores that are not Ready. */
  readonly floodGate: boolean;
  /** `--enable-cluster-store-reconciler`: when false, ExternalSecrets on a ClusterSecretStore are skipped. */
  readonly clusterStoreEnabled: boolean;
  readonly jitter: JitterOptions;
  /** Upper bound for how old a shared provider read may be (beyond ESO; 0 disables sharing). */
  readonly readCacheMaxAgeMs: number;
  /** This cluster's name, part of the owner identity written with pushes. */
  readonly clusterName: string;
}

/** Store and namespace lookups over informer caches. */
export function cacheLookups(caches: {
  readonly secretStores: CacheReader<KubeObject>;
  readonly clusterSecretStores: CacheReader<KubeObject>;
  readonly namespaces: CacheReader<KubeObject>;
}): Lookups {
  const parseStore = parsedOnce(parseSecretStore);
  return {
    store(kind, namespace, name) {
      const raw =
        kind === "ClusterSecretStore"
          ? caches.clusterSecretStores.get(name)
          : caches.secretStores.get(`${namespace}/${name}`);
      return raw === undefined ? undefined : parseStore(raw);
    },
    namespace(name) {
      const raw = caches.namespaces.get(name);
      return {
        name,
        ...(raw?.metadata?.labels === undefined ? {} : { labels: raw.metadata.labels }),
        terminating:
          raw?.metadata?.deletionTimestamp !== undefined ||
          (raw?.status as { phase?: string } | undefined)?.phase === "Terminating",
      };
    },
  };
}

interface WireSecret extends KubeObject {
  data?: Record<string, string>;
}

interface WireConfigMap extends KubeObject {
  data?: Record<string, string>;
}

/** Reads credential Secrets and ConfigMaps through the API (they are not watched). */
export function apiCredentialReader(api: ApiClient, signal?: AbortSignal): CredentialReader {
  const options = signal === undefined ? {} : { signal };
  return {
    async secretKey(namespace, name, key) {
      const secret = await api.get<WireSecret>(
        { apiVersion: "v1", kind: "Secret", namespace, name },
        options,
      );
      if (secret === undefined)
        throw new Error(`cannot get Secret "${namespace}/${name}": not found`);
      const value = secret.data?.[key];
      if (value === undefined)
        throw new Error(
          `cannot find secret data for key "${key}" in Secret "${namespace}/${name}"`,
        );
      return Buffer.from(value, "base64");
    },
    async serviceAccountToken(namespace, name, audiences, expirationSeconds) {
      const answer = await api.createSubresource<{
        status?: { token?: string; expirationTimestamp?: string };
      }>(
        { apiVersion: "v1", kind: "ServiceAccount", namespace, name },
        "token",
        {
          apiVersion: "authentication.k8s.io/v1",
          kind: "TokenRequest",
          spec: { ...(audiences.length === 0 ? {} : { audiences }), expirationSeconds },
        },
        options,
      );
      const token = answer.status?.token;
      if (token === undefined || token === "")
        throw new Error(`cannot create token for ServiceAccount "${namespace}/${name}": no token`);
      const expires = Date.parse(answer.status?.expirationTimestamp ?? "");
      return {
        token,
        expiresAt: Number.isNaN(expires) ? Date.now() + expirationSeconds * 1000 : expires,
      };
    },
    async configMapKey(namespace, name, key) {
      const map = await api.get<WireConfigMap>(
        { apiVersion: "v1", kind: "ConfigMap", namespace, name },
        options,
      );
      if (map === undefined)
        throw new Error(`cannot get ConfigMap "${namespace}/${name}": not found`);
      const value = map.data?.[key];
      if (value === undefined)
        throw new Error(`cannot find data for key "${key}" in ConfigMap "${namespace}/${name}"`);
      return value;
    },
  };
}

import {
  ItemExponentialRateLimiter,
  MaxOfRateLimiter,
  objectKey,
  ownerKeys,
  Priority,
  silentLogger,
  systemClock,
  TokenBucketRateLimiter,
  type CacheReader,
  type Clock,
  type Controller,
  type Informer,
  type KubeObject,
  type Logger,
  type Manager,
  type RateLimiter,
  type WatchSpec,
} from "../../kube/index.js";
import { renderGoTemplate, functionSet, GoMap } from "../../templating/index.js";
import { throttledClient, type ApiClient, type ClientRateLimit } from "./api-client.js";
import { clusterExternalSecretReconciler } from "./cluster-external-secret-reconciler.js";
import { targetSecretName } from "./desired-secret.js";
import {
  createdByIndex,
  createdByIndexValues,
  externalSecretReconciler,
  referencedStores,
} from "./external-secret-reconciler.js";
import { Labels } from "./labels.js";
import { EsoMetrics } from "./metrics.js";
import { syncedResourceVersion } from "./object-hash.js";
import { pushSecretReconciler, pushSecretsForSource } from "./push-secret-reconciler.js";
import { defaultJitter, isTargetValid, type JitterOptions } from "./refresh.js";
import { apiCredentialReader, cacheLookups, type EsoRuntime } from "./runtime.js";
import { StoreClients } from "./store-clients.js";
import { storeReconciler } from "./store-reconciler.js";
import type { TemplateRenderer } from "./template-renderer.js";
import {
  apiVersionV1,
  apiVersionV1alpha1,
  type ExternalSecret,
  type Secret,
  type StoreKind,
} from "./types.js";

/** How `secretfleet controller external-secrets` runs (ESO's flags, spec §12, and ours). */
export interface ExternalSecretsOptions {
  /** `--concurrent`: reconciles at once per controller (default 1, as ESO). */
  readonly concurrent?: number;
  /** `--controller-class` (default "default"). */
  readonly controllerClass?: string;
  /** `--namespace`: watch only this namespace (cluster-scoped kinds are then not reconciled). */
  readonly namespace?: string;
  readonly enableClusterStoreReconciler?: boolean;
  readonly enableSecretStoreReconciler?: boolean;
  readonly enableClusterExternalSecretReconciler?: boolean;
  readonly enablePushSecretReconciler?: boolean;
  /** `--store-requeue-interval` in ms (default 5 min). */
  readonly storeRequeueMs?: number;
  /** `--enable-flood-gate` (default true). */
  readonly floodGate?: boolean;
  /** `--client-qps` / `--client-burst` for the reconcilers' API calls (default 50 / 100). */
  readonly clientRateLimit?: ClientRateLimit;
  /** `--enable-extended-metric-labels`. */
  readonly extendedMetricLabels?: boolean;
  /** `--cluster-name`: part of the owner identity written with pushes (default "cluster"). */
  readonly clusterName?: string;
  /** Refresh spreading (beyond ESO). */
  readonly jitter?: JitterOptions;
  /** `--read-cache-max-age`: upper bound on how old a shared provider read may be (ms). */
  readonly readCacheMaxAgeMs?: number;
  /** The token file for Vault Kubernetes auth without a secretRef. */
  readonly serviceAccountTokenFile?: string;
  /** Per-key retry backoff, ESO's 1 s → 7 min unless given. */
  readonly backoff?: { readonly baseMs: number; readonly maxMs: number };
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Observes every API request the reconcilers make (tests and the benchmark count them). */
  readonly onApiRequest?: (verb: string) => void;
  /**
   * Wraps the client the reconcilers call (informers keep the manager's): tracing, or the
   * benchmark's measure of the reconcilers alone, with writes acknowledged in memory.
   */
  readonly wrapApiClient?: (client: ApiClient) => ApiClient;
}

/** What setupExternalSecrets created, for the caller to inspect and close. */
export interface ExternalSecretsHandle {
  readonly controllers: readonly Controller[];
  readonly clients: StoreClients;
  readonly metrics: EsoMetrics;
  /** Closes the cached provider clients (revoking login tokens); call after the manager stops. */
  close(): Promise<void>;
}

const esoApi = {
  externalSecret: { apiVersion: apiVersionV1, kind: "ExternalSecret" },
  clusterExternalSecret: { apiVersion: apiVersionV1, kind: "ClusterExternalSecret" },
  secretStore: { apiVersion: apiVersionV1, kind: "SecretStore" },
  clusterSecretStore: { apiVersion: apiVersionV1, kind: "ClusterSecretStore" },
  pushSecret: { apiVersion: apiVersionV1alpha1, kind: "PushSecret" },
} as const;

/** ESO's template renderer: src/templating with ESO's function set and `missingkey=error`. */
export const esoTemplateRenderer: TemplateRenderer = (source, data, options) => {
  const functions = functionSet("external-secrets");
  return renderGoTemplate(source, new GoMap("string", { ...data }), {
    name: options.name,
    missingKey: options.missingKey,
    functions,
  });
};

// ESO's workqueue limiter: 1 s → 7 min per key, and 10/s with a burst of 100 overall (spec §12).
function esoRateLimiter(
  clock: Clock,
  backoff: { baseMs: number; maxMs: number } | undefined,
): RateLimiter<string> {
  return new MaxOfRateLimiter<string>(
    new ItemExponentialRateLimiter<string>(backoff?.baseMs ?? 1000, backoff?.maxMs ?? 420_000),
    new TokenBucketRateLimiter<string>(10, 100, clock),
  );
}

/**
 * What makes a new reconcile worthwhile: status-only updates (our own writes) do not (ESO's
 * predicates: generation, labels, annotations, finalizers, deletion).
 */
function fingerprint(obj: KubeObject): string {
  const meta = obj.metadata ?? {};
  return JSON.stringify([
    meta.generation,
    meta.labels,
    meta.annotations,
    meta.finalizers,
    meta.deletionTimestamp,
  ]);
}

/**
 * Enqueues the keys of `informer`'s objects on add and delete, and on updates that change more
 * than status. `priority` decides how urgent an added object is.
 */
function watchChanges<T extends KubeObject>(
  controller: Controller,
  informer: Informer<T>,
  keys: (obj: T) => readonly string[],
  priority: (obj: T) => number = () => Priority.High,
): void {
  informer.addHandlers({
    onAdd: (obj) => {
      for (const key of keys(obj)) controller.enqueue(key, priority(obj));
    },
    onUpdate: (old, current) => {
      if (old === current || fingerprint(old) === fingerprint(current)) return;
      for (const key of new Set([...keys(current), ...keys(old)])) controller.enqueue(key);
    },
    onDelete: (obj) => {
      for (const key of keys(obj)) controller.enqueue(key);
    },
  });
}

// An ExternalSecret that never synced, or whose spec or metadata changed since, jumps the queue
// (beyond ESO); one in sync, seen again at start-up, waits behind them.
function esPriority(obj: KubeObject): number {
  const status = obj.status as { refreshTime?: string; syncedResourceVersion?: string } | undefined;
  const meta = obj.metadata ?? {};
  const inSync =
    (status?.refreshTime ?? "") !== "" &&
    status?.syncedResourceVersion === syncedResourceVersion(meta);
  return inSync ? Priority.Normal : Priority.High;
}

/** The informers the controllers share. */
interface Informers {
  readonly externalSecrets: Informer<KubeObject>;
  readonly managedSecrets: Informer<KubeObject>;
  readonly secretStores: Informer<KubeObject>;
  readonly clusterSecretStores: Informer<KubeObject> | undefined;
  readonly namespaces: Informer<KubeObject>;
  readonly pushSecrets: Informer<KubeObject> | undefined;
}

const emptyCache: CacheReader<KubeObject> = {
  get: () => undefined,
  list: () => [],
  keys: () => [],
  byIndex: () => [],
  byNamespace: () => [],
  size: () => 0,
};

/** The ExternalSecret cache index on the target Secret: `<namespace>/<target name>`. */
const targetIndex = "target";
/** The ExternalSecret cache index on the stores read: `<kind>/<namespace>/<name>`. */
const storeIndex = "store";

function storeIndexKey(kind: string, namespace: string, name: string): string {
  return kind === "ClusterSecretStore" ? `${kind}//${name}` : `${kind}/${namespace}/${name}`;
}

// A stored ExternalSecret as the index functions read it (the spec may be malformed: the
// reconciler reports that; indexing must not throw).
function withSpec(obj: KubeObject): ExternalSecret {
  const spec = typeof obj.spec === "object" && obj.spec !== null ? obj.spec : {};
  return { ...(obj as unknown as ExternalSecret), spec: spec };
}

function createInformers(
  manager: Manager,
  namespaced: { namespace?: string },
  clusterKinds: boolean,
  pushSecrets: boolean,
): Informers {
  return {
    externalSecrets: manager.informer(
      { ...esoApi.externalSecret, ...namespaced },
      {
        indexers: {
          [targetIndex]: (obj) => {
            const es = withSpec(obj);
            return [`${obj.metadata?.namespace ?? ""}/${targetSecretName(es)}`];
          },
          [storeIndex]: (obj) => {
            const namespace = obj.metadata?.namespace ?? "";
            return referencedStores(withSpec(obj)).map((ref) =>
              storeIndexKey(ref.kind ?? "SecretStore", namespace, ref.name),
            );
          },
        },
      },
    ),
    managedSecrets: manager.informer(
      {
        apiVersion: "v1",
        kind: "Secret",
        ...namespaced,
        labelSelector: `${Labels.managed}=${Labels.managedValue}`,
      },
      { indexers: { [createdByIndex]: createdByIndexValues } },
    ),
    secretStores: manager.informer({ ...esoApi.secretStore, ...namespaced }),
    clusterSecretStores: clusterKinds ? manager.informer(esoApi.clusterSecretStore) : undefined,
    namespaces: manager.informer({ apiVersion: "v1", kind: "Namespace" }),
    pushSecrets: pushSecrets
      ? manager.informer({ ...esoApi.pushSecret, ...namespaced })
      : undefined,
  };
}

function createRuntime(
  manager: Manager,
  options: ExternalSecretsOptions,
  informers: Informers,
  clusterStoreEnabled: boolean,
): EsoRuntime {
  const clock = options.clock ?? systemClock;
  const metrics = new EsoMetrics(manager.registry, options.extendedMetricLabels ?? false);
  const api: ApiClient = throttledClient(
    options.wrapApiClient?.(manager.client) ?? manager.client,
    options.clientRateLimit ?? { qps: 50, burst: 100 },
    clock,
    options.onApiRequest,
  );
  const clients = new StoreClients({
    credentials: apiCredentialReader(api),
    observe: (call, ok) => {
      metrics.apiCall("HashiCorp/Vault", call, ok);
    },
    now: () => clock.now(),
    ...(options.serviceAccountTokenFile === undefined
      ? {}
      : { serviceAccountTokenFile: options.serviceAccountTokenFile }),
  });
  return {
    api,
    events: manager.eventRecorder("external-secrets"),
    metrics,
    clients,
    lookups: cacheLookups({
      secretStores: informers.secretStores.cache,
      clusterSecretStores: informers.clusterSecretStores?.cache ?? emptyCache,
      namespaces: informers.namespaces.cache,
    }),
    render: esoTemplateRenderer,
    log: options.logger ?? silentLogger,
    now: () => clock.now(),
    startedAt: clock.now(),
    controllerClass: options.controllerClass ?? "default",
    floodGate: options.floodGate ?? true,
    clusterStoreEnabled,
    jitter: options.jitter ?? defaultJitter,
    readCacheMaxAgeMs: options.readCacheMaxAgeMs ?? 10 * 60_000,
    clusterName: options.clusterName ?? "cluster",
  };
}

// Watching with no keys only makes a controller wait for the informer's first list; handlers
// registered separately decide what to enqueue.
function syncOnly(informer: Informer<KubeObject> | undefined): WatchSpec[] {
  return informer === undefined ? [] : [{ informer, map: () => [] }];
}

interface ControllerSettings {
  readonly workers: number;
  readonly rateLimiter: () => RateLimiter<string>;
}

function addExternalSecretController(
  manager: Manager,
  rt: EsoRuntime,
  informers: Informers,
  settings: ControllerSettings,
): Controller {
  const { externalSecrets, managedSecrets } = informers;
  const controller = manager.addController({
    name: "externalsecret",
    workers: settings.workers,
    rateLimiter: settings.rateLimiter(),
    reconcile: externalSecretReconciler(rt, {
      externalSecrets: externalSecrets.cache,
      managedSecrets: managedSecrets.cache,
    }),
    watches: [
      ...syncOnly(externalSecrets),
      ...syncOnly(managedSecrets),
      ...syncOnly(informers.secretStores),
      ...syncOnly(informers.clusterSecretStores),
      ...syncOnly(informers.namespaces),
    ],
  });
  watchChanges(controller, externalSecrets, (obj) => [objectKey(obj)], esPriority);
  // Drift: a managed Secret edited or deleted by someone else is restored at once (upstream's
  // Secret watch); our own writes leave a valid Secret and enqueue nothing.
  const keysFor = (secret: KubeObject): string[] =>
    externalSecrets.cache.byIndex(targetIndex, objectKey(secret)).map((es) => objectKey(es));
  managedSecrets.addHandlers({
    onUpdate: (_old, secret) => {
      for (const key of keysFor(secret)) {
        const es = externalSecrets.cache.get(key) as unknown as ExternalSecret | undefined;
        if (es !== undefined && !isTargetValid(secret as unknown as Secret, es))
          controller.enqueue(key);
      }
    },
    onDelete: (secret) => {
      for (const key of keysFor(secret)) controller.enqueue(key);
    },
  });
  // Beyond ESO: a store that turns Ready releases the ExternalSecrets the flood gate held back,
  // instead of leaving them to their backoff.
  for (const stores of [informers.secretStores, informers.clusterSecretStores]) {
    stores?.addHandlers({
      onUpdate: (old, store) => {
        if (isReady(old) || !isReady(store)) return;
        const key = storeIndexKey(
          store.kind ?? "",
          store.metadata?.namespace ?? "",
          store.metadata?.name ?? "",
        );
        for (const es of externalSecrets.cache.byIndex(storeIndex, key))
          controller.enqueue(objectKey(es));
      },
    });
  }
  return controller;
}

function isReady(obj: KubeObject): boolean {
  const conditions = (obj.status as { conditions?: { type: string; status: string }[] } | undefined)
    ?.conditions;
  return conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
}

function addStoreController(
  manager: Manager,
  rt: EsoRuntime,
  informers: Informers,
  settings: ControllerSettings & { readonly requeueMs: number },
  kind: StoreKind,
): Controller | undefined {
  const stores =
    kind === "ClusterSecretStore" ? informers.clusterSecretStores : informers.secretStores;
  if (stores === undefined) return undefined;
  const { pushSecrets } = informers;
  const controller = manager.addController({
    name: kind.toLowerCase(),
    workers: settings.workers,
    rateLimiter: settings.rateLimiter(),
    reconcile: storeReconciler(rt, {
      kind,
      stores: stores.cache,
      ...(pushSecrets === undefined ? {} : { pushSecrets: pushSecrets.cache }),
      requeueMs: settings.requeueMs,
    }),
    watches: [...syncOnly(stores), ...syncOnly(pushSecrets), ...syncOnly(informers.namespaces)],
  });
  watchChanges(controller, stores, (obj) => [objectKey(obj)]);
  // A PushSecret that deletes from a store decides the store's finalizer.
  if (pushSecrets !== undefined) {
    watchChanges(controller, pushSecrets, (ps) => {
      const refs =
        (ps.spec as { secretStoreRefs?: { name?: string; kind?: string }[] } | undefined)
          ?.secretStoreRefs ?? [];
      return refs
        .filter((ref) => (ref.kind ?? "SecretStore") === kind && (ref.name ?? "") !== "")
        .map((ref) =>
          kind === "SecretStore"
            ? `${ps.metadata?.namespace ?? ""}/${ref.name ?? ""}`
            : (ref.name ?? ""),
        );
    });
  }
  return controller;
}

function addClusterExternalSecretController(
  manager: Manager,
  rt: EsoRuntime,
  informers: Informers,
  settings: ControllerSettings,
): Controller {
  const clusterExternalSecrets = manager.informer(esoApi.clusterExternalSecret);
  const controller = manager.addController({
    name: "clusterexternalsecret",
    workers: settings.workers,
    rateLimiter: settings.rateLimiter(),
    reconcile: clusterExternalSecretReconciler(rt, {
      clusterExternalSecrets: clusterExternalSecrets.cache,
      externalSecrets: informers.externalSecrets.cache,
      namespaces: informers.namespaces.cache,
    }),
    watches: [
      ...syncOnly(clusterExternalSecrets),
      ...syncOnly(informers.externalSecrets),
      ...syncOnly(informers.namespaces),
    ],
  });
  watchChanges(controller, clusterExternalSecrets, (obj) => [objectKey(obj)]);
  watchChanges(controller, informers.externalSecrets, ownerKeys("ClusterExternalSecret"));
  // A namespace appearing, going or changing labels may change every fan-out.
  watchChanges(controller, informers.namespaces, () => clusterExternalSecrets.cache.keys());
  return controller;
}

function addPushSecretController(
  manager: Manager,
  rt: EsoRuntime,
  informers: Informers,
  settings: ControllerSettings & { readonly namespaced: { namespace?: string } },
  pushSecrets: Informer<KubeObject>,
): Controller {
  const secrets = manager.informer({ apiVersion: "v1", kind: "Secret", ...settings.namespaced });
  const controller = manager.addController({
    name: "pushsecret",
    workers: settings.workers,
    rateLimiter: settings.rateLimiter(),
    reconcile: pushSecretReconciler(rt, {
      pushSecrets: pushSecrets.cache,
      secrets: secrets.cache,
      secretStores: informers.secretStores.cache,
      clusterSecretStores: informers.clusterSecretStores?.cache ?? emptyCache,
    }),
    watches: [
      ...syncOnly(pushSecrets),
      ...syncOnly(secrets),
      ...syncOnly(informers.secretStores),
      ...syncOnly(informers.clusterSecretStores),
      ...syncOnly(informers.namespaces),
    ],
  });
  watchChanges(controller, pushSecrets, (obj) => [objectKey(obj)]);
  // Beyond ESO: a rotated source Secret is pushed at once (upstream waits for the interval).
  const enqueueFor = (secret: KubeObject): void => {
    for (const key of pushSecretsForSource(pushSecrets.cache, secret)) controller.enqueue(key);
  };
  secrets.addHandlers({
    onAdd: (secret) => {
      if (secrets.hasSynced()) enqueueFor(secret);
    },
    onUpdate: (old, secret) => {
      if (old.metadata?.resourceVersion !== secret.metadata?.resourceVersion) enqueueFor(secret);
    },
    onDelete: enqueueFor,
  });
  return controller;
}

/**
 * Adds the External Secrets controllers to a Manager: ExternalSecret, SecretStore,
 * ClusterSecretStore, ClusterExternalSecret and PushSecret, each optional as ESO's
 * `--enable-*-reconciler` flags, sharing informers, cached provider clients, one event
 * recorder (source `external-secrets`) and ESO's metrics in the manager's registry.
 * @returns the controllers and the client cache; call `close()` after the manager stopped
 */
export function setupExternalSecrets(
  manager: Manager,
  options: ExternalSecretsOptions = {},
): ExternalSecretsHandle {
  const namespaced = options.namespace === undefined ? {} : { namespace: options.namespace };
  const clusterKinds = options.namespace === undefined;
  const clusterStore = (options.enableClusterStoreReconciler ?? true) && clusterKinds;
  const informers = createInformers(
    manager,
    namespaced,
    clusterKinds,
    options.enablePushSecretReconciler ?? true,
  );
  const rt = createRuntime(manager, options, informers, clusterStore);
  const settings = {
    workers: Math.max(1, options.concurrent ?? 1),
    rateLimiter: () => esoRateLimiter(options.clock ?? systemClock, options.backoff),
    requeueMs: options.storeRequeueMs ?? 5 * 60_000,
    namespaced,
  };
  const controllers = [addExternalSecretController(manager, rt, informers, settings)];
  if (options.enableSecretStoreReconciler ?? true)
    controllers.push(
      ...compactList([addStoreController(manager, rt, informers, settings, "SecretStore")]),
    );
  if (clusterStore)
    controllers.push(
      ...compactList([addStoreController(manager, rt, informers, settings, "ClusterSecretStore")]),
    );
  if ((options.enableClusterExternalSecretReconciler ?? true) && clusterKinds)
    controllers.push(addClusterExternalSecretController(manager, rt, informers, settings));
  if (informers.pushSecrets !== undefined)
    controllers.push(
      addPushSecretController(manager, rt, informers, settings, informers.pushSecrets),
    );
  return {
    controllers,
    clients: rt.clients,
    metrics: rt.metrics,
    close: () => rt.clients.closeAll(),
  };
}

function compactList<T>(items: readonly (T | undefined)[]): T[] {
  return items.filter((item): item is T => item !== undefined);
}

import type {
  CacheReader,
  KubeObject,
  ObjectRef,
  ReconcileContext,
  ReconcileOutcome,
  Reconciler,
} from "../../kube/index.js";
import { replaceStatus } from "./api-client.js";
import { Annotations, Finalizers } from "./labels.js";
import type { MetricKind } from "./metrics.js";
import { parseSecretStore, storeProviderKey, storeRequeueMs } from "./parse-store.js";
import { parsePushSecret, selectPushStores, storeStatusKey } from "./push-secret.js";
import type { EsoRuntime } from "./runtime.js";
import { isManagedStore } from "./store-access.js";
import { isReferentStore } from "./store-client.js";
import { storeStatusAfter, type StoreValidation } from "./store-status.js";
import { apiVersionV1, type SecretStore, type SecretStoreStatus, type StoreKind } from "./types.js";

/** What the store reconciler reads besides the store itself. */
export interface StoreReconcilerOptions {
  readonly kind: StoreKind;
  readonly stores: CacheReader<KubeObject>;
  /** PushSecrets (when that reconciler runs): stores they delete from keep a finalizer. */
  readonly pushSecrets?: CacheReader<KubeObject>;
  /** `--store-requeue-interval` in ms. */
  readonly requeueMs: number;
}

/**
 * The SecretStore / ClusterSecretStore reconciler (spec §7.3): controller class, the finalizer
 * kept while PushSecrets with `deletionPolicy: Delete` use the store, validation through the
 * cached provider client (so it costs no login), Ready with upstream's reasons, events, metrics,
 * and a requeue after the store's refresh interval. A referent ClusterSecretStore is Ready=True
 * `Valid` without a round trip, as upstream.
 */
export function storeReconciler(rt: EsoRuntime, options: StoreReconcilerOptions): Reconciler {
  const metricKind: MetricKind =
    options.kind === "ClusterSecretStore" ? "clustersecretstore" : "secretstore";
  return async (key, context) => {
    const raw = options.stores.get(key);
    const object = { name: context.name, namespace: context.namespace ?? "" };
    if (raw === undefined) {
      rt.metrics.forget(metricKind, object);
      return undefined;
    }
    const started = rt.now();
    try {
      return await reconcileStore(rt, options, raw, context, metricKind);
    } finally {
      rt.metrics.duration(metricKind, object, rt.now() - started);
    }
  };
}

function storeRef(kind: StoreKind, raw: KubeObject): ObjectRef {
  const namespace = raw.metadata?.namespace;
  return {
    apiVersion: apiVersionV1,
    kind,
    name: raw.metadata?.name ?? "",
    ...(kind === "SecretStore" && namespace !== undefined ? { namespace } : {}),
  };
}

async function reconcileStore(
  rt: EsoRuntime,
  options: StoreReconcilerOptions,
  raw: KubeObject,
  context: ReconcileContext,
  metricKind: MetricKind,
): Promise<ReconcileOutcome | undefined> {
  const ref = storeRef(options.kind, raw);
  const object = { name: ref.name, namespace: ref.namespace ?? "" };
  let store: SecretStore;
  try {
    store = parseSecretStore(raw);
  } catch (error) {
    const update = storeStatusAfter(
      { ...(raw as unknown as SecretStore), status: raw.status as SecretStoreStatus },
      { outcome: "invalid", message: (error as Error).message },
      new Date(rt.now()).toISOString(),
    );
    await writeStatus(rt, ref, raw.status, update.status, context);
    rt.events.event(raw, update.event.type, update.event.reason, update.event.message);
    rt.metrics.condition(metricKind, object, "Ready", "False");
    return undefined;
  }
  if (!isManagedStore(store, rt.controllerClass)) return undefined;
  const wantsFinalizer =
    options.pushSecrets !== undefined && pushSecretsDeleteFrom(store, options, rt);
  const finalizers = store.metadata.finalizers ?? [];
  const hasFinalizer = finalizers.includes(Finalizers.secretStore);
  if (store.metadata.deletionTimestamp !== undefined) {
    rt.clients.forget(store, store.metadata.namespace ?? "");
    if (hasFinalizer && !wantsFinalizer)
      await setFinalizers(
        rt,
        ref,
        store,
        finalizers.filter((f) => f !== Finalizers.secretStore),
        context,
      );
    // A store with PushSecrets still deleting from it waits; they requeue it when they are done.
    return undefined;
  }
  if (wantsFinalizer !== hasFinalizer) {
    await setFinalizers(
      rt,
      ref,
      store,
      wantsFinalizer
        ? [...finalizers, Finalizers.secretStore]
        : finalizers.filter((f) => f !== Finalizers.secretStore),
      context,
    );
  }
  const validation = await validate(rt, store);
  const update = storeStatusAfter(store, validation, new Date(rt.now()).toISOString());
  await writeStatus(rt, ref, raw.status, update.status, context);
  rt.events.event(raw, update.event.type, update.event.reason, update.event.message);
  if (
    storeProviderKey(store) === "fake" &&
    store.metadata.annotations?.[Annotations.ignoreMaintenanceChecks] === undefined
  ) {
    rt.events.event(
      raw,
      "Warning",
      "StoreUnmaintained",
      `store ${store.metadata.name} uses the fake provider, which upstream flags as unmaintained`,
    );
  }
  const ready = update.status.conditions?.find((condition) => condition.type === "Ready");
  rt.metrics.condition(metricKind, object, "Ready", ready?.status ?? "False");
  if (update.backoff) throw new Error(`store ${ref.name}: ${update.event.message}`);
  return { requeueAfter: storeRequeueMs(store, options.requeueMs) };
}

async function validate(rt: EsoRuntime, store: SecretStore): Promise<StoreValidation> {
  // Referent credentials resolve per ExternalSecret namespace: nothing to check here (spec §1.3).
  if (isReferentStore(store)) return { outcome: "valid", capabilities: "ReadWrite" };
  let client;
  try {
    client = await rt.clients.get(store, store.metadata.namespace ?? "");
  } catch (error) {
    return { outcome: "clientError", message: (error as Error).message };
  }
  const result = await client.provider.validate();
  switch (result.status) {
    case "Ready":
      return { outcome: "valid", capabilities: client.provider.capabilities };
    case "Unknown":
      return { outcome: "unknownWithError", message: "could not determine validation status" };
    case "Error":
      rt.clients.forget(store, store.metadata.namespace ?? "");
      return { outcome: "invalid", message: result.message };
  }
}

// Whether a PushSecret with deletionPolicy Delete pushed to this store or references it.
function pushSecretsDeleteFrom(
  store: SecretStore,
  options: StoreReconcilerOptions,
  rt: EsoRuntime,
): boolean {
  const statusKey = storeStatusKey(store);
  return (options.pushSecrets?.list() ?? []).some((raw) => {
    try {
      const ps = parsePushSecret(raw);
      if (ps.spec.deletionPolicy !== "Delete") return false;
      if (Object.hasOwn(ps.status?.syncedPushSecrets ?? {}, statusKey)) return true;
      return selectPushStores(ps, [store], rt.controllerClass).length > 0;
    } catch {
      return false;
    }
  });
}

async function setFinalizers(
  rt: EsoRuntime,
  ref: ObjectRef,
  store: SecretStore,
  finalizers: string[],
  context: ReconcileContext,
): Promise<void> {
  await rt.api.patch(
    ref,
    { metadata: { finalizers, resourceVersion: store.metadata.resourceVersion } },
    "merge",
    { signal: context.signal },
  );
}

async function writeStatus(
  rt: EsoRuntime,
  ref: ObjectRef,
  current: unknown,
  status: SecretStoreStatus,
  context: ReconcileContext,
): Promise<void> {
  if (JSON.stringify(current ?? {}) === JSON.stringify(status)) return;
  await replaceStatus(rt.api, ref, status, context.signal);
}

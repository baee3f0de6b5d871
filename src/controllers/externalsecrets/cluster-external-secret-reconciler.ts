import type {
  CacheReader,
  KubeObject,
  ObjectRef,
  ReconcileContext,
  ReconcileOutcome,
  Reconciler,
} from "../../kube/index.js";
import { replaceStatus } from "./api-client.js";
import {
  fanOutStatus,
  parseClusterExternalSecret,
  planFanOut,
  isOwnedByClusterExternalSecret,
  type ExistingExternalSecret,
  type FannedOutExternalSecret,
  type FanOutNamespace,
} from "./cluster-external-secret.js";
import { parseGoDuration } from "../../templating/index.js";
import { Finalizers } from "./labels.js";
import { defaultRefreshIntervalMs } from "./refresh.js";
import type { EsoRuntime } from "./runtime.js";
import { apiVersionV1, type ClusterExternalSecret, type OwnerReference } from "./types.js";

/** The caches the ClusterExternalSecret reconciler reads. */
export interface ClusterExternalSecretCaches {
  readonly clusterExternalSecrets: CacheReader<KubeObject>;
  readonly externalSecrets: CacheReader<KubeObject>;
  readonly namespaces: CacheReader<KubeObject>;
}

function cesRef(name: string): ObjectRef {
  return { apiVersion: apiVersionV1, kind: "ClusterExternalSecret", name };
}

function esRef(namespace: string, name: string): ObjectRef {
  return { apiVersion: apiVersionV1, kind: "ExternalSecret", namespace, name };
}

function controllerOwner(obj: KubeObject | undefined): OwnerReference | undefined {
  return obj?.metadata?.ownerReferences?.find((ref) => ref.controller === true);
}

/**
 * The ClusterExternalSecret reconciler (spec §6): one ExternalSecret per selected namespace, with
 * labels and annotations replaced by `externalSecretMetadata` plus the mirrored force-sync
 * annotation; a namespace where another owner holds the name fails; ExternalSecrets in
 * de-selected namespaces or under a former name are deleted; status and metrics as upstream.
 * Unlike upstream it puts no finalizer on Namespaces (upstream bugs #6677, #7016).
 */
export function clusterExternalSecretReconciler(
  rt: EsoRuntime,
  caches: ClusterExternalSecretCaches,
): Reconciler {
  return async (key, context) => {
    const raw = caches.clusterExternalSecrets.get(key);
    const object = { name: context.name, namespace: "" };
    if (raw === undefined) {
      rt.metrics.forget("clusterexternalsecret", object);
      return undefined;
    }
    const started = rt.now();
    try {
      return await reconcileCes(rt, caches, raw, context);
    } finally {
      rt.metrics.duration("clusterexternalsecret", object, rt.now() - started);
    }
  };
}

async function reconcileCes(
  rt: EsoRuntime,
  caches: ClusterExternalSecretCaches,
  raw: KubeObject,
  context: ReconcileContext,
): Promise<ReconcileOutcome | undefined> {
  let ces: ClusterExternalSecret;
  try {
    ces = parseClusterExternalSecret(raw);
  } catch (error) {
    rt.events.event(raw, "Warning", "Invalid", (error as Error).message);
    return undefined;
  }
  const finalizers = ces.metadata.finalizers ?? [];
  if (ces.metadata.deletionTimestamp !== undefined) {
    if (!finalizers.includes(Finalizers.clusterExternalSecret)) return undefined;
    const name = ces.status?.externalSecretName ?? ces.spec.externalSecretName ?? ces.metadata.name;
    for (const namespace of ces.status?.provisionedNamespaces ?? [])
      await deleteOwned(rt, caches, ces, namespace, name, context);
    await rt.api.patch(
      cesRef(ces.metadata.name),
      {
        metadata: {
          finalizers: finalizers.filter((f) => f !== Finalizers.clusterExternalSecret),
          resourceVersion: ces.metadata.resourceVersion,
        },
      },
      "merge",
      { signal: context.signal },
    );
    rt.metrics.forget("clusterexternalsecret", { name: ces.metadata.name });
    return undefined;
  }
  if (!finalizers.includes(Finalizers.clusterExternalSecret)) {
    await rt.api.patch(
      cesRef(ces.metadata.name),
      {
        metadata: {
          finalizers: [...finalizers, Finalizers.clusterExternalSecret],
          resourceVersion: ces.metadata.resourceVersion,
        },
      },
      "merge",
      { signal: context.signal },
    );
  }
  const namespaces: FanOutNamespace[] = caches.namespaces.list().map((ns) => {
    const view = rt.lookups.namespace(ns.metadata?.name ?? "");
    return view;
  });
  const name = ces.spec.externalSecretName ?? ces.metadata.name;
  const existing = new Map<string, ExistingExternalSecret>();
  for (const namespace of namespaces) {
    const found = caches.externalSecrets.get(`${namespace.name}/${name}`);
    if (found !== undefined) {
      const owner = controllerOwner(found);
      existing.set(namespace.name, owner === undefined ? {} : { controllerOwner: owner });
    }
  }
  const plan = planFanOut(ces, namespaces, existing);
  const rawSpec = (raw.spec as { externalSecretSpec?: unknown } | undefined)?.externalSecretSpec;
  for (const removal of plan.remove)
    await deleteOwned(rt, caches, ces, removal.namespace, removal.name, context);
  const provisioned: string[] = [];
  const failed = [...plan.failed];
  for (const desired of plan.apply) {
    try {
      // The stored CES spec carries the API server's CRD defaults, as the stored ES spec does, so
      // an unchanged spec compares equal and is not written again.
      await applyExternalSecret(rt, caches, desired, rawSpec, context);
      provisioned.push(desired.metadata.namespace);
    } catch (error) {
      failed.push({ namespace: desired.metadata.namespace, reason: (error as Error).message });
    }
  }
  const status = fanOutStatus(ces, plan.externalSecretName, provisioned, failed);
  if (JSON.stringify(raw.status ?? {}) !== JSON.stringify(status)) {
    await replaceStatus(rt.api, cesRef(ces.metadata.name), status, context.signal);
  }
  rt.metrics.condition(
    "clusterexternalsecret",
    { name: ces.metadata.name },
    "Ready",
    failed.length === 0 ? "True" : "False",
  );
  const every =
    ces.spec.refreshTime === undefined
      ? defaultRefreshIntervalMs
      : parseGoDuration(ces.spec.refreshTime);
  return every > 0 ? { requeueAfter: every } : undefined;
}

async function deleteOwned(
  rt: EsoRuntime,
  caches: ClusterExternalSecretCaches,
  ces: ClusterExternalSecret,
  namespace: string,
  name: string,
  context: ReconcileContext,
): Promise<void> {
  const found = caches.externalSecrets.get(`${namespace}/${name}`);
  if (
    found === undefined ||
    !isOwnedByClusterExternalSecret(controllerOwner(found), ces.metadata.name)
  )
    return;
  await rt.api.delete(esRef(namespace, name), { signal: context.signal });
}

// Create or update one generated ExternalSecret: labels, annotations and spec replaced wholesale,
// everything else (status, finalizers, other owners) kept. Nothing is written when nothing changed.
async function applyExternalSecret(
  rt: EsoRuntime,
  caches: ClusterExternalSecretCaches,
  desired: FannedOutExternalSecret,
  spec: unknown,
  context: ReconcileContext,
): Promise<void> {
  const found = caches.externalSecrets.get(
    `${desired.metadata.namespace}/${desired.metadata.name}`,
  );
  if (found === undefined) {
    await rt.api.create(
      { ...(desired as unknown as KubeObject), spec },
      { signal: context.signal },
    );
    return;
  }
  const metadata = found.metadata ?? {};
  const owners = (metadata.ownerReferences ?? []).filter((ref) => ref.controller !== true);
  const next: KubeObject = {
    ...found,
    apiVersion: apiVersionV1,
    metadata: {
      ...metadata,
      labels: { ...desired.metadata.labels },
      annotations: { ...desired.metadata.annotations },
      ownerReferences: [...owners, ...(desired.metadata.ownerReferences ?? [])].map((ref) => ({
        ...ref,
      })),
    },
    spec,
  };
  const unchanged =
    JSON.stringify(metadata.labels ?? {}) === JSON.stringify(next.metadata?.labels) &&
    JSON.stringify(metadata.annotations ?? {}) === JSON.stringify(next.metadata?.annotations) &&
    JSON.stringify(metadata.ownerReferences) === JSON.stringify(next.metadata?.ownerReferences) &&
    canonical(found.spec) === canonical(spec);
  if (unchanged) return;
  await rt.api.replace(next, { signal: context.signal });
}

// JSON with object keys sorted, for comparing objects the API server may have reordered.
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === "object" && item !== null && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}

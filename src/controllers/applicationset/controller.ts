import { isDeepStrictEqual } from "node:util";
import { selectClusters, type JsonObject } from "../../argocd/index.js";
import {
  objectKey,
  ownerKeys,
  systemClock,
  type Controller,
  type Informer,
  type KubeObject,
  type Manager,
} from "../../kube/index.js";
import { clusterSelectors } from "./appset-fields.js";
import { clusterSecretSelector } from "./cluster-secrets.js";
import { argoApiVersion } from "./plan.js";
import { ApplicationSetReconciler, type ReconcilerSettings } from "./reconciler.js";

/** Settings of the ApplicationSet controller. */
export interface ApplicationSetControllerOptions extends ReconcilerSettings {
  /** Concurrent ApplicationSet reconciles (`--concurrent-reconciliations`, default 10). */
  readonly concurrentReconciliations?: number;
  /** Check that generated Applications name an existing AppProject (needs the AppProject kind). */
  readonly validateProjects?: boolean;
}

/**
 * Adds the ApplicationSet controller to a Manager: informers on ApplicationSets, Applications,
 * cluster Secrets (and AppProjects when `validateProjects`) of the Argo CD namespace, and the
 * reconciler. An ApplicationSet is reconciled when it changes (not when only its status does),
 * when an Application it owns changes its spec, labels, annotations or finalizers or is deleted,
 * and when a cluster Secret that its clusters generators could select is added, changed
 * (including relabelled) or removed.
 * @returns the Controller (for `enqueue`) once added; it runs when the manager runs
 */
export function addApplicationSetController(
  manager: Manager,
  options: ApplicationSetControllerOptions,
): Controller {
  const namespace = options.namespace;
  const appSets = manager.informer({
    apiVersion: argoApiVersion,
    kind: "ApplicationSet",
    namespace,
  });
  const applications = manager.informer({
    apiVersion: argoApiVersion,
    kind: "Application",
    namespace,
  });
  const secrets = manager.informer({
    apiVersion: "v1",
    kind: "Secret",
    namespace,
    labelSelector: clusterSecretSelector,
  });
  const projects =
    options.validateProjects === true
      ? manager.informer({ apiVersion: argoApiVersion, kind: "AppProject", namespace })
      : undefined;
  const reconciler = new ApplicationSetReconciler(options, {
    client: manager.client,
    appSets: appSets.cache,
    applications: applications.cache,
    clusterSecrets: secrets.cache,
    ...(projects === undefined ? {} : { projects: projects.cache }),
    events: manager.eventRecorder("applicationset-controller"),
    clock: systemClock,
  });
  // ApplicationSets and Applications are mapped to keys by the handlers below, which compare
  // the old and new object; they are listed here (mapping to no key) so the controller still
  // waits for their caches before its first reconcile.
  const none = (): string[] => [];
  const controller = manager.addController({
    name: "applicationset",
    workers: options.concurrentReconciliations ?? 10,
    reconcile: (key, context) => reconciler.reconcile(key, context),
    watches: [
      { informer: appSets, map: none },
      { informer: applications, map: none },
      { informer: secrets, map: (secret) => appSetsForClusterSecret(secret, appSets) },
      ...(projects === undefined
        ? []
        : [{ informer: projects, map: (): string[] => appSets.cache.keys() }]),
    ],
  });
  appSets.addHandlers({
    onAdd: (obj) => {
      controller.enqueue(objectKey(obj));
    },
    onUpdate: (old, current) => {
      if (appSetChanged(old, current)) controller.enqueue(objectKey(current));
    },
    onDelete: (obj) => {
      controller.enqueue(objectKey(obj));
    },
  });
  const owners = ownerKeys("ApplicationSet");
  applications.addHandlers({
    onUpdate: (old, current) => {
      if (!applicationChanged(old, current)) return;
      for (const key of new Set([...owners(old), ...owners(current)])) controller.enqueue(key);
    },
    onDelete: (obj) => {
      for (const key of owners(obj)) controller.enqueue(key);
    },
  });
  return controller;
}

/**
 * True when an ApplicationSet changed in a way a reconcile must see: its spec (generation),
 * labels, annotations, finalizers or deletion. Status-only writes (our own) are skipped.
 */
function appSetChanged(old: KubeObject, current: KubeObject): boolean {
  if (old === current) return true; // a periodic resync
  const a = old.metadata ?? {};
  const b = current.metadata ?? {};
  return (
    a.generation !== b.generation ||
    a.deletionTimestamp !== b.deletionTimestamp ||
    !equalEmpty(a.annotations, b.annotations) ||
    !equalEmpty(a.labels, b.labels) ||
    !equalEmpty(a.finalizers, b.finalizers) ||
    (a.generation === undefined && !isDeepStrictEqual(old.spec, current.spec))
  );
}

/**
 * Argo CD's shouldRequeueForApplication (without progressive syncs): an owned Application's
 * spec, annotations, labels or finalizers changed. Status changes by Argo CD's application
 * controller do not re-run generation.
 */
function applicationChanged(old: KubeObject, current: KubeObject): boolean {
  if (old === current) return false;
  const a = old.metadata ?? {};
  const b = current.metadata ?? {};
  return (
    !equalEmpty(old.spec, current.spec) ||
    !equalEmpty(a.annotations, b.annotations) ||
    !equalEmpty(a.labels, b.labels) ||
    !equalEmpty(a.finalizers, b.finalizers) ||
    !isDeepStrictEqual(a.ownerReferences, b.ownerReferences)
  );
}

/** Deep equality where absent, empty maps and empty lists are the same (go-cmp EquateEmpty). */
function equalEmpty(a: unknown, b: unknown): boolean {
  const empty = (v: unknown): boolean =>
    v === undefined ||
    v === null ||
    (Array.isArray(v) && v.length === 0) ||
    (typeof v === "object" && Object.keys(v).length === 0);
  if (empty(a) && empty(b)) return true;
  return isDeepStrictEqual(a, b);
}

/**
 * The ApplicationSets a cluster Secret event concerns: those with a clusters generator (at any
 * nesting level) whose selector matches the Secret's labels, or cannot be judged before
 * rendering. Called with the old and the new Secret on a change, so a relabelled cluster
 * reaches the sets it left and the sets it joined.
 */
function appSetsForClusterSecret(secret: KubeObject, appSets: Informer<KubeObject>): string[] {
  const labels = secret.metadata?.labels ?? {};
  const asCluster = {
    secretName: secret.metadata?.name ?? "",
    namespace: secret.metadata?.namespace,
    labels,
    annotations: {},
    data: {},
  };
  const keys: string[] = [];
  for (const appSet of appSets.cache.list()) {
    const spec = (appSet.spec ?? {}) as { generators?: unknown };
    const generators = Array.isArray(spec.generators) ? (spec.generators as JsonObject[]) : [];
    const selectors = clusterSelectors(generators);
    if (selectors === undefined) continue;
    const matches = selectors.some((selector) => {
      if (selector === "any") return true;
      try {
        return selectClusters([asCluster], selector).length > 0;
      } catch {
        return true; // an invalid selector: let the reconcile report it
      }
    });
    if (matches) keys.push(objectKey(appSet));
  }
  return keys;
}

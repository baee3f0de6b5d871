/**
 * The ApplicationSet controller (spec ../shared/spec/argocd.md §2, §5): turns ApplicationSets
 * (argoproj.io/v1alpha1) into Applications on a hub, as Argo CD's ApplicationSet controller does,
 * over src/kube's runtime and src/argocd's generators. Beyond Argo CD: `maxDeletions` refuses a
 * reconcile's deletions when it would delete more Applications than allowed.
 *
 * @example
 * ```ts
 * const end = await runController({ client, health: { port: 8081 } }, (manager) => {
 *   addApplicationSetController(manager, {
 *     namespace: "argocd",
 *     policy: { policy: "sync", enablePolicyOverride: true },
 *     repositories: new Map([["https://github.com/org/gitops-repo", "/srv/gitops-repo"]]),
 *   });
 * });
 * ```
 * @module
 */

/**
 * Adds the controller (informers, reconciler, event handlers) to a Manager; see
 * {@link ApplicationSetControllerOptions} for the settings (Argo CD namespace, policy,
 * maxDeletions, git repositories, requeue interval, preserved fields, concurrency).
 */
export { addApplicationSetController } from "./controller.js";
export type { ApplicationSetControllerOptions } from "./controller.js";

/**
 * The reconciler itself, for callers that wire their own informers: `reconcile(key, context)`
 * reads the caches given in {@link ReconcilerDeps} and writes through its client.
 */
export { ApplicationSetReconciler, defaultRequeueAfterMs, errorRequeueMs } from "./reconciler.js";
export type { ReconcilerDeps, ReconcilerSettings } from "./reconciler.js";

/**
 * applicationsSync policies (spec §5.2): parsePolicy (`""` → sync; throws for other names),
 * effectivePolicy (Argo CD's DefaultPolicy with override semantics), allowsUpdate, allowsDelete,
 * defaultPolicyOverride (the `--enable-policy-override` default computed from the environment).
 */
export {
  ApplicationsSyncPolicy,
  allowsDelete,
  allowsUpdate,
  defaultPolicyOverride,
  effectivePolicy,
  parsePolicy,
} from "./policy.js";
export type { PolicySettings } from "./policy.js";

/**
 * The pure planning step: planApplications(input) → creates, merge-patch updates, deletions
 * (with the finalizer removal Argo CD does for vanished clusters) or blocked deletions.
 */
export { planApplications, planUpdate, ownerReference, isOwnedBy } from "./plan.js";
export type { AppSetRef, ApplicationDeletion, ApplicationWrite, Plan, PlanInput } from "./plan.js";

/** Status conditions as Argo CD writes them (outcomeConditions, mergeConditions). */
export { Reason, mergeConditions, outcomeConditions } from "./conditions.js";
export type { AppSetStatusCondition, ReconcileOutcomeReport } from "./conditions.js";

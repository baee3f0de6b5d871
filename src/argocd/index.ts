// Argo CD compatibility (spec ../shared/spec/argocd.md): ApplicationSet generators and rendering,
// the cluster-Secret codec, and Argo CD's diff rules (ignoreDifferences, managedFieldsManagers,
// Secret masking). Pure functions over their inputs; the only side effects are the system `git`
// reader (GitRepositories) and the jq worker thread used by jqPathExpressions.
//
// For the ApplicationSet controller:
//   readApplicationSet(object)                 -> ApplicationSet (throws ApplicationSetError naming the field)
//   generateApplications(appSet, inputs)       -> { applications, invalid, generatedNames, error?, conditions, ... }
//   compareApplications(live, generated, opts) -> { changed, desired, patch }  (create-or-update decision)
//   readClusterSecret / secretToCluster / clusterToSecret (cluster-Secret codec)

/**
 * Generates the Applications of an ApplicationSet as Argo CD's controller does before writing
 * (§2 steps 2–4). Never throws for bad generator input: a generator or render error comes back in
 * `result.error` with NO Applications (the controller must then create, update and delete nothing);
 * validation failures (empty or duplicate names, unknown project or destination) come back in
 * `result.invalid` and those Applications are left out of `result.applications`; deletions must
 * compare against `result.generatedNames`. `result.conditions` holds the ErrorOccurred /
 * ParametersGenerated conditions Argo CD would set (without lastTransitionTime).
 * @param appSet from {@link readApplicationSet}
 * @param inputs cluster Secrets, a git reader, the new-globbing flag, known projects, a RenderCache
 */
export { generateApplications, RenderCache } from "./generate.js";
export type {
  GenerateInputs,
  GenerateResult,
  AppSetCondition,
  InvalidApplication,
  DuplicateName,
} from "./generate.js";

/**
 * Reads and checks an ApplicationSet object decoded from YAML/JSON.
 * @throws ApplicationSetError with `field` set to the path of the bad field
 */
export { readApplicationSet, ApplicationSetError } from "./appset.js";
export type { ApplicationSet } from "./appset.js";

/**
 * Git access: {@link GitRepositories} reads local repositories with the system `git` (no checkout,
 * one `cat-file --batch` process per repository, one `ls-tree` per commit, contents cached by
 * repo + revision + path; `invocations` counts git processes; call `close()`). Any other
 * {@link GitSource} implementation may be passed to generateApplications.
 */
export { GitRepositories } from "./git-repositories.js";
export type { GitSource, GitTreeListing } from "./git-source.js";

/**
 * The cluster-Secret codec (§9): readClusterSecret (manifest → stored form, throws naming file,
 * Secret and field, never a value), secretToCluster (Argo CD's view: server trimmed, system
 * labels dropped), clusterToSecret (the manifest Argo CD writes, data keys sorted, config as Go
 * JSON), clusterSecretName (`cluster-<host>-<fnv32a>`), marshalClusterConfig /
 * parseClusterConfig (the config JSON, byte-compatible with Go's encoding/json).
 */
export {
  readClusterSecret,
  secretToCluster,
  clusterToSecret,
  clusterSecretName,
  marshalClusterConfig,
  parseClusterConfig,
  secretTypeLabel,
  inClusterServer,
} from "./cluster-secret.js";
export type { ClusterSecret, Cluster, ClusterConfig } from "./cluster-secret.js";

/**
 * Cluster selection for fleet commands: the clusters generator's selector rules (matchLabels,
 * matchExpressions, Kubernetes' validation texts) applied to cluster Secret labels.
 * @throws Error with Kubernetes' text for an invalid selector
 */
export { selectClusters, parseLabelSelector } from "./select-clusters.js";

/**
 * Argo CD's diff rules: readIgnoreDifferences (an Application's rules), readArgoCdConfigMap
 * (system overrides from argocd-cm, including the default `/status` rule), normalizePair (§10.3
 * pipeline), diffResource (normalize + three-way diff: `modified` is the sync status), maskDiff /
 * hideSecretData / maskSecret (§10.5 masking, for display only), removePointer, runJq (jq with a
 * time limit in a worker; stopJq ends the worker).
 */
export {
  readIgnoreDifferences,
  readArgoCdConfigMap,
  emptyDiffSettings,
  ruleMatches,
  applyIgnoreRules,
  removePointer,
} from "./ignore-differences.js";
export type {
  DiffSettings,
  IgnoreDifferencesRule,
  OverrideIgnoreDiff,
  PatchReport,
} from "./ignore-differences.js";
export { normalizePair, normalizeBuiltin, normalizeSecret } from "./normalize.js";
export type { NormalizedPair } from "./normalize.js";
export { diffResource, maskDiff } from "./diff.js";
export type { ResourceDiff } from "./diff.js";
export { hideSecretData, maskSecret } from "./secret-mask.js";
export { runJq, stopJq } from "./jq-runner.js";
export type { JqOutcome } from "./jq-runner.js";

/**
 * The Application comparison the ApplicationSet controller uses for updates (§5.1, §5.3, §5.4):
 * compareApplications(live, generated, options) → { changed, desired, patch }.
 * normalizeApplicationSpec is Argo CD's NormalizeApplicationSpec on JSON.
 */
export {
  compareApplications,
  normalizeApplicationSpec,
  createMergePatch,
  defaultPreservedAnnotations,
} from "./app-compare.js";
export type { ApplicationUpdate, ApplicationUpdateOptions } from "./app-compare.js";

/**
 * Drift rules External Secrets needs (shared by `appset render` and the repository audit):
 * esoFieldOwner (ESO's field manager name), esoDriftRules (one rule per ExternalSecret),
 * esoRuleCovered, addEsoRulesToApplication (adds missing rules and RespectIgnoreDifferences).
 */
export {
  esoFieldOwner,
  esoDriftRules,
  esoRuleCovered,
  addEsoRulesToApplication,
} from "./eso-rules.js";
export type { EsoDriftRule } from "./eso-rules.js";

/**
 * The manifests of an Application's plain-directory sources read from git (other source kinds
 * are reported, not rendered).
 */
export { readSourceManifests } from "./source-manifests.js";
export type { SourceManifests, SourceKind } from "./source-manifests.js";

/** YAML as Argo CD reads it (YAML 1.1 scalars, numbers as doubles, first document only). */
export { parseYaml11, parseYaml11Documents } from "./yaml11.js";
export type { JsonObject, JsonValue } from "./json.js";
/** Deep equality of two JSON values, object key order aside (what Application comparison uses). */
export { jsonEqual } from "./json.js";

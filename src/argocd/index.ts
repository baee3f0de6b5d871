export { generateApplications, RenderCache } from "./generate.js";
export type {
  GenerateInputs,
  GenerateResult,
  AppSetCondition,
  InvalidApplication,
} from "./generate.js";
export { readApplicationSet, ApplicationSetError } from "./appset.js";
export type { ApplicationSet } from "./appset.js";
export { GitRepositories } from "./git-repositories.js";
export type { GitSource, GitTreeListing } from "./git-source.js";
export {
  readClusterSecret,
  secretToCluster,
  clusterToSecret,
  clusterSecretName,
  marshalClusterConfig,
  parseClusterConfig,
} from "./cluster-secret.js";
export type { ClusterSecret, Cluster, ClusterConfig } from "./cluster-secret.js";
export { parseYaml11, parseYaml11Documents } from "./yaml11.js";
export type { JsonObject, JsonValue } from "./json.js";

import { defineResource } from "../define-resource.js";
import type { JsonObject } from "../json.js";
import type { ResourceType } from "../resource-type.js";

/**
 * authentication.k8s.io/v1 tokenreviews: never stored; answered by the server's token checks
 * (an action, see service-account-tokens.ts), as Vault's Kubernetes auth and webhooks call it.
 */
export const tokenReviews: ResourceType = defineResource({
  group: "authentication.k8s.io",
  version: "v1",
  resource: "tokenreviews",
  kind: "TokenReview",
  namespaced: false,
  verbs: ["create"],
});

/**
 * authorization.k8s.io/v1 selfsubjectaccessreviews (`kubectl auth can-i`): never stored; answered
 * by {@link selfSubjectAccessReviewResponse} (an action of the server).
 */
export const selfSubjectAccessReviews: ResourceType = defineResource({
  group: "authorization.k8s.io",
  version: "v1",
  resource: "selfsubjectaccessreviews",
  kind: "SelfSubjectAccessReview",
  namespaced: false,
  verbs: ["create"],
});

/**
 * The answer to a posted SelfSubjectAccessReview: every request is allowed, since the local
 * cluster has no authorizer beyond its optional tokens.
 */
export function selfSubjectAccessReviewResponse(review: JsonObject): JsonObject {
  return {
    ...review,
    apiVersion: "authorization.k8s.io/v1",
    kind: "SelfSubjectAccessReview",
    metadata: { creationTimestamp: null },
    status: { allowed: true, reason: "the local cluster allows every request" },
  };
}

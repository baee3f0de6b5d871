/** Object metadata as the API server sends it (the fields the runtime reads; others pass through). */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  managedFields?: unknown[];
  [field: string]: unknown;
}

/** metadata.ownerReferences[] */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/**
 * Any Kubernetes object as plain JSON, exactly as the API server sent it (timestamps stay
 * strings). Narrow it with your own interface: `interface ConfigMap extends KubeObject { data?: … }`.
 */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

/** Names one object: its API version, kind, namespace (omit for cluster-scoped kinds) and name. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

/** Names one collection: every object of a kind, optionally in one namespace. */
export interface ResourceRef {
  readonly apiVersion: string;
  readonly kind: string;
  /** Omit for all namespaces, or for cluster-scoped kinds. */
  readonly namespace?: string;
}

/**
 * The cache and queue key of an object: `namespace/name`, or `name` for cluster-scoped objects
 * (client-go's MetaNamespaceKeyFunc).
 */
export function objectKey(obj: KubeObject): string {
  const name = obj.metadata?.name ?? "";
  const namespace = obj.metadata?.namespace;
  return namespace === undefined || namespace === "" ? name : `${namespace}/${name}`;
}

/** Splits a key made by objectKey into namespace (undefined when cluster-scoped) and name. */
export function splitKey(key: string): { namespace?: string; name: string } {
  const slash = key.indexOf("/");
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

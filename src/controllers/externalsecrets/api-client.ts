import {
  sleep,
  systemClock,
  TokenBucketRateLimiter,
  type ApplyOptions,
  type CallOptions,
  type Clock,
  type DeleteOptions,
  type KubeObject,
  type ListOptions,
  type ObjectList,
  type ObjectRef,
  type PatchType,
  type ResourceRef,
  type WriteOptions,
} from "../../kube/index.js";

/**
 * The Kubernetes calls the External Secrets reconcilers make (a subset of src/kube's KubeClient,
 * which satisfies it as is). Reads of watched kinds come from informer caches; this is for the
 * rest: writes, and reads of objects nobody watches (template ConfigMaps, credential Secrets).
 */
export interface ApiClient {
  get<T extends KubeObject = KubeObject>(
    ref: ObjectRef,
    options?: CallOptions,
  ): Promise<T | undefined>;
  list<T extends KubeObject = KubeObject>(
    resource: ResourceRef,
    options?: ListOptions,
  ): Promise<ObjectList<T>>;
  create<T extends KubeObject>(obj: T, options?: WriteOptions): Promise<T>;
  createSubresource<T>(
    ref: ObjectRef,
    subresource: string,
    body: unknown,
    options?: CallOptions,
  ): Promise<T>;
  replace<T extends KubeObject>(obj: T, options?: WriteOptions): Promise<T>;
  patch<T extends KubeObject = KubeObject>(
    ref: ObjectRef,
    patch: unknown,
    type: PatchType,
    options?: ApplyOptions,
  ): Promise<T>;
  patchStatus<T extends KubeObject = KubeObject>(
    ref: ObjectRef,
    patch: unknown,
    type: PatchType,
    options?: ApplyOptions,
  ): Promise<T>;
  delete(ref: ObjectRef, options?: DeleteOptions): Promise<boolean>;
}

/** Client-side rate limits, as ESO's `--client-qps` / `--client-burst` (client-go's QPS/Burst). */
export interface ClientRateLimit {
  readonly qps: number;
  readonly burst: number;
}

/**
 * Wraps a client so that every call first takes a token from one bucket (`qps` per second after
 * an initial `burst`), as client-go's rest client does. Calls wait their turn; none is dropped.
 * @param onRequest observes each call once it is let through (for counting requests)
 */
export function throttledClient(
  client: ApiClient,
  limit: ClientRateLimit,
  clock: Clock = systemClock,
  onRequest?: (verb: string) => void,
): ApiClient {
  const bucket = new TokenBucketRateLimiter<string>(limit.qps, limit.burst, clock);
  const turn = async (verb: string, signal: AbortSignal | undefined): Promise<void> => {
    const wait = bucket.when("client");
    if (wait > 0) await sleep(clock, wait, signal);
    onRequest?.(verb);
  };
  return {
    async get(ref, options) {
      await turn("get", options?.signal);
      return client.get(ref, options);
    },
    async list(resource, options) {
      await turn("list", options?.signal);
      return client.list(resource, options);
    },
    async create(obj, options) {
      await turn("create", options?.signal);
      return client.create(obj, options);
    },
    async createSubresource(ref, subresource, body, options) {
      await turn("create", options?.signal);
      return client.createSubresource(ref, subresource, body, options);
    },
    async replace(obj, options) {
      await turn("update", options?.signal);
      return client.replace(obj, options);
    },
    async patch(ref, patch, type, options) {
      await turn("patch", options?.signal);
      return client.patch(ref, patch, type, options);
    },
    async patchStatus(ref, patch, type, options) {
      await turn("patch", options?.signal);
      return client.patchStatus(ref, patch, type, options);
    },
    async delete(ref, options) {
      await turn("delete", options?.signal);
      return client.delete(ref, options);
    },
  };
}

/**
 * Writes an object's whole status through its status subresource (a JSON patch that replaces
 * `/status`), so that map entries the new status no longer holds go away, which a merge patch
 * would keep. No resourceVersion: only this controller writes these statuses.
 */
export async function replaceStatus(
  api: ApiClient,
  ref: ObjectRef,
  status: unknown,
  signal: AbortSignal,
): Promise<void> {
  await api.patchStatus(ref, [{ op: "add", path: "/status", value: status }], "json", { signal });
}

import type { KubeConfig, V1APIResource } from "@kubernetes/client-node";
import {
  ApiException,
  HttpMethod,
  KubernetesObjectApi,
  PatchStrategy,
  Watch,
} from "@kubernetes/client-node";
import { ApiError, apiErrorFromResponse } from "./api-error.js";
import type { KubeConfigOptions } from "./kubeconfig.js";
import { loadKubeConfig } from "./kubeconfig.js";
import { exchange, sharingConnections } from "./transport.js";
import type { KubeObject, ObjectRef, ResourceRef } from "./types.js";

/** Patch formats: JSON merge patch, JSON patch (RFC 6902), strategic merge, server-side apply. */
export type PatchType = "merge" | "json" | "strategic" | "apply";

const patchContentType: Record<PatchType, string> = {
  merge: PatchStrategy.MergePatch,
  json: PatchStrategy.JsonPatch,
  strategic: PatchStrategy.StrategicMergePatch,
  apply: PatchStrategy.ServerSideApply,
};

/** Options of every call. */
export interface CallOptions {
  /** Aborts the request (e.g. on shutdown). */
  readonly signal?: AbortSignal;
}

/** Options of calls that write. */
export interface WriteOptions extends CallOptions {
  /** The field manager recorded in managedFields; default the client's. */
  readonly fieldManager?: string;
  /** Validate on the server without persisting (`dryRun=All`). */
  readonly dryRun?: boolean;
}

/** Options of server-side apply. */
export interface ApplyOptions extends WriteOptions {
  /** Take over fields other managers own instead of failing with a 409 conflict. */
  readonly force?: boolean;
}

/** Options of a list call. */
export interface ListOptions extends CallOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Page size; follow `continue` for the next page (or use listAll). */
  readonly limit?: number;
  readonly continue?: string;
  readonly resourceVersion?: string;
}

/** One page of a list. */
export interface ObjectList<T> {
  readonly items: T[];
  /** The collection's resourceVersion: watch from here to see every later change. */
  readonly resourceVersion: string;
  /** Token for the next page, absent on the last one. */
  readonly continue?: string;
}

/** Options of a delete call. */
export interface DeleteOptions extends CallOptions {
  readonly propagationPolicy?: "Background" | "Foreground" | "Orphan";
  readonly gracePeriodSeconds?: number;
  /** Delete only if the object still has this uid / resourceVersion. */
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
  readonly dryRun?: boolean;
}

/** Options of a watch. */
export interface WatchOptions {
  /** Start after this version; absent: synthetic ADDED events for the current objects first. */
  readonly resourceVersion?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly allowWatchBookmarks?: boolean;
  /** Ask the server to end the stream cleanly after this many seconds. */
  readonly timeoutSeconds?: number;
}

/** One event of a watch stream, as the server sent it. */
export interface WatchEvent {
  readonly type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  /** The object; for ERROR a Status (e.g. code 410, reason Expired). */
  readonly object: KubeObject;
}

/** A running watch. */
export interface WatchHandle {
  /** Ends the stream; `done` then resolves. */
  stop(): void;
  /**
   * Resolves when the stream ends cleanly (server timeout, stop()); rejects with an ApiError for
   * an HTTP error status (410 included) or with the transport error (connection refused, reset,
   * client-node's 30 s inactivity abort).
   */
  readonly done: Promise<void>;
}

/** Options of a KubeClient. */
export interface KubeClientOptions {
  /** Field manager for writes that name none. Default "secretfleet". */
  readonly fieldManager?: string;
  /** Per-request timeout of non-watch calls in milliseconds. Default 30 s. */
  readonly requestTimeoutMs?: number;
}

/**
 * client-node's KubernetesObjectApi, reused for what it does well (discovery of a kind's plural
 * and scope, auth, TLS, user agent) with one raw request method that returns the JSON as sent,
 * so custom resources and built-in kinds look the same (no Date objects), and JSON patch and
 * /status work for any kind.
 */
class RawObjectApi extends KubernetesObjectApi {
  static create(kc: KubeConfig): RawObjectApi {
    const api = sharingConnections(kc).makeApiClient(RawObjectApi);
    api.setDefaultNamespace(kc);
    return api;
  }

  get namespace(): string {
    return this.defaultNamespace;
  }

  async describe(apiVersion: string, kind: string): Promise<V1APIResource> {
    let found: V1APIResource | undefined;
    try {
      found = await this.resource(apiVersion, kind);
    } catch (error) {
      // A group/version the server does not serve answers 404 to discovery.
      if (!(error instanceof ApiException && error.code === 404)) {
        const detail =
          error instanceof ApiException ? `HTTP ${error.code}` : transportMessage(error);
        throw new Error(`cannot discover kind "${kind}" in "${apiVersion}": ${detail}`, {
          cause: error,
        });
      }
    }
    if (found === undefined) {
      throw new ApiError(`the server does not serve kind "${kind}" in "${apiVersion}"`, {
        code: 404,
        reason: "NotFound",
        serverMessage: "the server could not find the requested resource",
      });
    }
    return found;
  }

  async send(
    method: HttpMethod,
    path: string,
    request: {
      query?: Record<string, string | undefined>;
      body?: string;
      contentType?: string;
      signal?: AbortSignal | undefined;
      /** Gives up when the answer's headers, or a gap in its body, take longer. */
      timeoutMs: number;
    },
  ): Promise<{ status: number; text: string }> {
    const config = this.configuration;
    let context = config.baseServer.makeRequestContext(path, method);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) context.setQueryParam(name, value);
    }
    context.setHeaderParam("Accept", "application/json");
    if (request.body !== undefined) {
      context.setHeaderParam("Content-Type", request.contentType ?? "application/json");
      context.setBody(request.body);
    }
    if (request.signal !== undefined) context.setSignal(request.signal);
    await config.authMethods.default?.applySecurityAuthentication(context);
    for (const middleware of config.middleware) context = await middleware.pre(context).toPromise();
    // client-node's only middleware (the User-Agent header) works on the request alone.
    return exchange(context, request.signal, request.timeoutMs);
  }
}

/**
 * A narrow, typed client for any kind, on @kubernetes/client-node: objects in and out are the
 * plain JSON the server speaks, failures are ApiError with the Status code and reason.
 *
 * @example
 * const client = new KubeClient(loadKubeConfig({ env: process.env }));
 * const cm = await client.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "a", name: "b" });
 */
export class KubeClient {
  readonly #kc: KubeConfig;
  readonly #api: RawObjectApi;
  readonly #fieldManager: string;
  readonly #timeoutMs: number;

  /** @throws Error if the kubeconfig has no current cluster */
  constructor(kubeConfig: KubeConfig, options: KubeClientOptions = {}) {
    this.#kc = kubeConfig;
    this.#api = RawObjectApi.create(kubeConfig);
    this.#fieldManager = options.fieldManager ?? "secretfleet";
    this.#timeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  /** The client-node configuration, for the rare call this client does not wrap. */
  get kubeConfig(): KubeConfig {
    return this.#kc;
  }

  /** The namespace of the current context ("default" when it names none). */
  get defaultNamespace(): string {
    return this.#api.namespace;
  }

  /**
   * Reads one object.
   * @returns the object, or undefined if it does not exist
   * @throws ApiError for any other failure
   */
  async get<T extends KubeObject = KubeObject>(
    ref: ObjectRef,
    options: CallOptions = {},
  ): Promise<T | undefined> {
    // Discovery stays outside the try: an unknown kind is an error, not a missing object.
    const path = await this.#objectPath(ref);
    try {
      return await this.#call<T>("get", ref, HttpMethod.GET, path, options);
    } catch (error) {
      if (error instanceof ApiError && error.code === 404) return undefined;
      throw error;
    }
  }

  /**
   * Lists one page of a collection (all of it unless `limit` is set).
   * @throws ApiError (410 Expired for a too-old `continue` token)
   */
  async list<T extends KubeObject = KubeObject>(
    resource: ResourceRef,
    options: ListOptions = {},
  ): Promise<ObjectList<T>> {
    const path = await this.#collectionPath(resource);
    const where = resource.namespace === undefined ? "" : ` in "${resource.namespace}"`;
    const body = await this.#call<{
      items?: T[] | null;
      metadata?: { resourceVersion?: string; continue?: string };
    }>(`list`, { ...resource, name: "" }, HttpMethod.GET, path, {
      ...options,
      query: {
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        limit: options.limit?.toString(),
        continue: options.continue,
        resourceVersion: options.resourceVersion,
      },
      action: `cannot list ${resource.kind}${where}`,
    });
    const next = body.metadata?.continue;
    return {
      items: body.items ?? [],
      resourceVersion: body.metadata?.resourceVersion ?? "",
      ...(next === undefined || next === "" ? {} : { continue: next }),
    };
  }

  /**
   * Lists a whole collection, page by page (`limit` is the page size).
   * @returns every item and the resourceVersion of the last page
   * @throws ApiError (410 if a continue token expired between pages)
   */
  async listAll<T extends KubeObject = KubeObject>(
    resource: ResourceRef,
    options: ListOptions = {},
  ): Promise<ObjectList<T>> {
    const items: T[] = [];
    let page: ObjectList<T> | undefined;
    do {
      const token = page?.continue;
      page = await this.list<T>(resource, {
        ...options,
        ...(token === undefined ? {} : { continue: token }),
      });
      items.push(...page.items);
    } while (page.continue !== undefined);
    return { items, resourceVersion: page.resourceVersion };
  }

  /**
   * Creates an object (`metadata.generateName` works). @returns the stored object
   * @throws ApiError: 409 AlreadyExists, 422 Invalid, 404 if the namespace is missing
   */
  create<T extends KubeObject>(obj: T, options: WriteOptions = {}): Promise<T> {
    return this.#write("create", obj, HttpMethod.POST, options, false);
  }

  /**
   * POSTs `body` to a subresource of an object that computes an answer, such as a service
   * account's `token` (TokenRequest). @returns the server's answer
   * @throws ApiError: 404 when the object is missing, 422 when the server refuses the body
   */
  async createSubresource<T>(
    ref: ObjectRef,
    subresource: string,
    body: unknown,
    options: CallOptions = {},
  ): Promise<T> {
    const path = `${await this.#objectPath(ref)}/${subresource}`;
    return this.#call<T>(`create ${subresource} for`, ref, HttpMethod.POST, path, {
      ...options,
      body: JSON.stringify(body),
    });
  }

  /**
   * Replaces an object (PUT). With metadata.resourceVersion set the write is conditional.
   * @throws ApiError: 409 Conflict when the object changed meanwhile, 404 when it is gone
   */
  replace<T extends KubeObject>(obj: T, options: WriteOptions = {}): Promise<T> {
    return this.#write("replace", obj, HttpMethod.PUT, options, false);
  }

  /**
   * Replaces an object's status subresource (PUT …/status); spec changes in `obj` are ignored.
   * @throws ApiError: 409 Conflict, 404 (also when the kind has no status subresource)
   */
  updateStatus<T extends KubeObject>(obj: T, options: WriteOptions = {}): Promise<T> {
    return this.#write("update status of", obj, HttpMethod.PUT, options, true);
  }

  /**
   * Patches an object: `merge` (RFC 7386), `json` (RFC 6902 operations), `strategic`
   * (built-in kinds only) or `apply` (prefer `apply()`).
   * @throws ApiError: 404, 409, 422, 415 for strategic merge of a custom resource
   */
  async patch<T extends KubeObject = KubeObject>(
    ref: ObjectRef,
    patch: unknown,
    type: PatchType,
    options: ApplyOptions = {},
  ): Promise<T> {
    return this.#patch<T>(ref, patch, type, options, false);
  }

  /** Like patch(), on the status subresource. */
  async patchStatus<T extends KubeObject = KubeObject>(
    ref: ObjectRef,
    patch: unknown,
    type: PatchType,
    options: ApplyOptions = {},
  ): Promise<T> {
    return this.#patch<T>(ref, patch, type, options, true);
  }

  /**
   * Server-side apply: `obj` holds the fields this manager wants to own (apiVersion, kind,
   * metadata.name and namespace required); fields it no longer lists are removed if only it
   * owned them. Creates the object if missing.
   * @throws ApiError: 409 Conflict when another manager owns a field (unless `force`)
   */
  apply<T extends KubeObject>(obj: T, options: ApplyOptions = {}): Promise<T> {
    return this.#patch<T>(refOf(obj), obj, "apply", options, false);
  }

  /**
   * Deletes an object.
   * @returns false if it did not exist
   * @throws ApiError for other failures (409 when a precondition fails)
   */
  async delete(ref: ObjectRef, options: DeleteOptions = {}): Promise<boolean> {
    const hasBody = options.preconditions !== undefined || options.propagationPolicy !== undefined;
    const body = hasBody
      ? JSON.stringify({
          apiVersion: "v1",
          kind: "DeleteOptions",
          ...(options.propagationPolicy === undefined
            ? {}
            : { propagationPolicy: options.propagationPolicy }),
          ...(options.preconditions === undefined ? {} : { preconditions: options.preconditions }),
        })
      : undefined;
    const path = await this.#objectPath(ref);
    try {
      await this.#call("delete", ref, HttpMethod.DELETE, path, {
        ...options,
        query: {
          gracePeriodSeconds: options.gracePeriodSeconds?.toString(),
          dryRun: options.dryRun === true ? "All" : undefined,
        },
        ...(body === undefined ? {} : { body }),
      });
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.code === 404) return false;
      throw error;
    }
  }

  /**
   * Starts a watch of a collection through client-node's Watch; `onEvent` gets every event.
   * @throws ApiError 404 if the kind is not served (checked before connecting)
   */
  async watch(
    resource: ResourceRef,
    options: WatchOptions,
    onEvent: (event: WatchEvent) => void,
  ): Promise<WatchHandle> {
    const path = await this.#collectionPath(resource);
    const query: Record<string, string | number | boolean | undefined> = {
      resourceVersion: options.resourceVersion,
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
      allowWatchBookmarks: options.allowWatchBookmarks,
      timeoutSeconds: options.timeoutSeconds,
    };
    let stopped = false;
    let controller: AbortController | undefined;
    let settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;
    const done = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
    });
    const what = `cannot watch ${resource.kind}${resource.namespace === undefined ? "" : ` in "${resource.namespace}"`}`;
    controller = await new Watch(this.#kc).watch(
      path,
      query,
      (type: string, object: unknown) => {
        if (!stopped && typeof object === "object" && object !== null) {
          onEvent({ type: type as WatchEvent["type"], object: object as KubeObject });
        }
      },
      (error: unknown) => {
        if (stopped || error === null || error === undefined) settle?.resolve();
        else settle?.reject(watchError(what, error));
      },
    );
    return {
      stop: () => {
        stopped = true;
        controller?.abort();
        controller = undefined;
        settle?.resolve();
      },
      done,
    };
  }

  async #patch<T extends KubeObject>(
    ref: ObjectRef,
    patch: unknown,
    type: PatchType,
    options: ApplyOptions,
    status: boolean,
  ): Promise<T> {
    const path = (await this.#objectPath(ref)) + (status ? "/status" : "");
    const fieldManager = options.fieldManager ?? this.#fieldManager;
    return this.#call<T>(
      `${type === "apply" ? "apply" : "patch"}${status ? " status of" : ""}`,
      ref,
      HttpMethod.PATCH,
      path,
      {
        ...options,
        query: {
          fieldManager,
          force: type === "apply" && options.force === true ? "true" : undefined,
          dryRun: options.dryRun === true ? "All" : undefined,
        },
        body: JSON.stringify(patch),
        contentType: patchContentType[type],
      },
    );
  }

  async #write<T extends KubeObject>(
    verb: string,
    obj: T,
    method: HttpMethod,
    options: WriteOptions,
    status: boolean,
  ): Promise<T> {
    const ref = refOf(obj, method === HttpMethod.POST);
    const path =
      method === HttpMethod.POST ? await this.#collectionPath(ref) : await this.#objectPath(ref);
    return this.#call<T>(verb, ref, method, path + (status ? "/status" : ""), {
      ...options,
      query: {
        fieldManager: options.fieldManager ?? this.#fieldManager,
        dryRun: options.dryRun === true ? "All" : undefined,
      },
      body: JSON.stringify(obj),
    });
  }

  async #call<T>(
    verb: string,
    ref: ObjectRef,
    method: HttpMethod,
    path: string,
    request: CallOptions & {
      query?: Record<string, string | undefined>;
      body?: string;
      contentType?: string;
      action?: string;
    },
  ): Promise<T> {
    const action = request.action ?? `cannot ${verb} ${ref.kind} "${describeRef(ref)}"`;
    // The time limit is undici's own (headers and body timeouts): an AbortSignal.timeout per
    // request, combined with the caller's by AbortSignal.any, cost a timer and a composite signal
    // each, ~5% of a controller's CPU at a few thousand writes per second.
    let response: { status: number; text: string };
    try {
      response = await this.#api.send(method, path, { ...request, timeoutMs: this.#timeoutMs });
    } catch (error) {
      throw new Error(`${action}: ${transportMessage(error)}`, { cause: error });
    }
    if (response.status < 200 || response.status > 299) {
      throw apiErrorFromResponse(action, response.status, response.text);
    }
    try {
      return JSON.parse(response.text) as T;
    } catch (error) {
      throw new Error(
        `${action}: the server answered ${response.status} with a body that is not JSON`,
        {
          cause: error,
        },
      );
    }
  }

  async #collectionPath(resource: ResourceRef): Promise<string> {
    const info = await this.#api.describe(resource.apiVersion, resource.kind);
    const root = resource.apiVersion.includes("/")
      ? `/apis/${resource.apiVersion}`
      : `/api/${resource.apiVersion}`;
    if (!info.namespaced || resource.namespace === undefined) return `${root}/${info.name}`;
    return `${root}/namespaces/${encodeURIComponent(resource.namespace)}/${info.name}`;
  }

  async #objectPath(ref: ObjectRef): Promise<string> {
    const info = await this.#api.describe(ref.apiVersion, ref.kind);
    const namespace = info.namespaced ? (ref.namespace ?? this.#api.namespace) : undefined;
    const collection = await this.#collectionPath({
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      ...(namespace === undefined ? {} : { namespace }),
    });
    return `${collection}/${encodeURIComponent(ref.name)}`;
  }
}

/**
 * A KubeClient from flags and environment in one call: `loadKubeConfig(config)` then
 * `new KubeClient(kubeConfig, config)`.
 *
 * @example
 * const client = createKubeClient({ kubeconfig: opts.kubeconfig, context: opts.context,
 *   env: process.env, fieldManager: "sealed-secrets-controller" });
 * @throws Error from loadKubeConfig (no or malformed kubeconfig, unknown context)
 */
export function createKubeClient(config: KubeConfigOptions & KubeClientOptions = {}): KubeClient {
  return new KubeClient(loadKubeConfig(config), config);
}

/** The ObjectRef of an object; `forCreate` allows a missing name (generateName). */
function refOf(obj: KubeObject, forCreate = false): ObjectRef {
  const { apiVersion, kind } = obj;
  const name = obj.metadata?.name ?? "";
  if (apiVersion === undefined || kind === undefined || (name === "" && !forCreate)) {
    throw new Error(
      `object "${name}" needs apiVersion, kind${forCreate ? "" : " and metadata.name"} (got apiVersion ` +
        `"${apiVersion ?? ""}", kind "${kind ?? ""}")`,
    );
  }
  const namespace = obj.metadata?.namespace;
  return { apiVersion, kind, name, ...(namespace === undefined ? {} : { namespace }) };
}

function describeRef(ref: ObjectRef): string {
  return ref.namespace === undefined ? ref.name : `${ref.namespace}/${ref.name}`;
}

function transportMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // fetch (discovery, watches) reports "fetch failed" and keeps the useful part (ECONNREFUSED …)
  // in `cause`.
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
}

function watchError(action: string, error: unknown): Error {
  const statusCode = (error as { statusCode?: unknown }).statusCode;
  if (typeof statusCode === "number") {
    const message = error instanceof Error ? error.message : String(error);
    return new ApiError(`${action}: ${message}`, {
      code: statusCode,
      reason: statusCode === 410 ? "Expired" : "",
      serverMessage: message,
    });
  }
  return new Error(`${action}: ${transportMessage(error)}`, { cause: error });
}

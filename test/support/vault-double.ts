// A Vault-API-compatible test double (vault-api.md): a real node:http server on 127.0.0.1 port 0
// with KV v1 and v2 mounts, token / AppRole / Kubernetes / userpass logins, policies with `*` and
// `+` globs, token lookup/renew/revoke, namespaces, sys/mounts, sys/health, Vault's error bodies,
// a request log (never values) and fault injection. Tests and benchmarks only.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonMap = Record<string, Json>;

/** A policy: API path glob (`*` suffix, `+` segment) → capabilities. */
export type Policy = Record<string, readonly Capability[]>;
export type Capability =
  "create" | "read" | "update" | "patch" | "delete" | "list" | "sudo" | "deny";

/** One request as the double saw it (no bodies, no token values). */
export interface LoggedRequest {
  readonly method: string;
  /** Path after `/v1/`, relative to the namespace, without the query. */
  readonly path: string;
  readonly namespace: string;
  readonly list: boolean;
  readonly query: string;
  readonly hadToken: boolean;
  readonly status: number;
}

interface Token {
  readonly id: string;
  readonly accessor: string;
  readonly policies: readonly string[];
  readonly namespace: string;
  readonly path: string;
  readonly meta: Record<string, string> | null;
  readonly ttlSeconds: number;
  readonly renewable: boolean;
  readonly issuedAt: number;
  expiresAt: number | undefined;
  lastRenewal: number | undefined;
}

interface KvVersion {
  data: JsonMap | null;
  readonly createdTime: string;
  deletionTime: string;
  destroyed: boolean;
}

interface KvKey {
  versions: Map<number, KvVersion>;
  currentVersion: number;
  oldestVersion: number;
  customMetadata: Record<string, string> | null;
  maxVersions: number;
  casRequired: boolean;
  readonly createdTime: string;
  updatedTime: string;
}

interface Mount {
  readonly path: string;
  readonly version: 1 | 2;
  readonly v1: Map<string, JsonMap>;
  readonly v2: Map<string, KvKey>;
  maxVersions: number;
  casRequired: boolean;
}

interface AppRole {
  readonly roleId: string;
  readonly secretIds: Set<string>;
  readonly policies: readonly string[];
  readonly ttlSeconds: number;
  readonly bindSecretId: boolean;
}

/** What a Kubernetes login's JWT stands for (the pluggable TokenReview). */
export interface ServiceAccountIdentity {
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string;
}

interface KubernetesRole {
  readonly boundNames: readonly string[];
  readonly boundNamespaces: readonly string[];
  readonly policies: readonly string[];
  readonly ttlSeconds: number;
}

/** An injected fault, applied to requests whose path matches `path` (all when absent). */
export type Fault =
  | { readonly kind: "reset"; readonly path?: RegExp }
  | { readonly kind: "status"; readonly status: number; readonly path?: RegExp; remaining?: number }
  | { readonly kind: "delay"; readonly milliseconds: number; readonly path?: RegExp };

/** Options of {@link startVaultDouble}. */
export interface VaultDoubleOptions {
  /** Serve namespaces (X-Vault-Namespace and path prefixes), as Enterprise/OpenBao do. */
  readonly namespaces?: boolean;
  /** The 403 text for a valid token lacking a capability (Vault's multi-error form by default). */
  readonly capabilityDeniedMessage?: string;
  /** Serve HTTPS with this key and certificate (PEM). */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer };
}

const rootPolicy = "root";

/**
 * The double. Seed it directly (`mount`, `writeKv`, `createToken`, `addAppRole`…) or through the API
 * with the root token; read `requests` / `count()` to assert on traffic; set `fault` to misbehave.
 */
export class VaultDouble {
  readonly rootToken = "root-token";
  readonly requests: LoggedRequest[] = [];
  /** Faults, applied in order; a status fault with `remaining` is removed when it reaches 0. */
  faults: Fault[] = [];
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #options: VaultDoubleOptions;
  readonly #mounts = new Map<string, Map<string, Mount>>();
  readonly #tokens = new Map<string, Token>();
  readonly #policies = new Map<string, Policy>();
  readonly #appRoles = new Map<string, AppRole>();
  readonly #kubernetesRoles = new Map<string, KubernetesRole>();
  readonly #serviceAccountTokens = new Map<string, ServiceAccountIdentity>();
  readonly #namespaces = new Set<string>([""]);
  #clockOffset = 0;
  address = "";

  constructor(options: VaultDoubleOptions = {}) {
    this.#options = options;
    const handler = (request: IncomingMessage, response: ServerResponse): void => {
      this.#handle(request, response);
    };
    this.#server =
      options.tls === undefined ? createServer(handler) : createTlsServer(options.tls, handler);
    this.#server.on("connection", (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
    this.#tokens.set(this.rootToken, {
      id: this.rootToken,
      accessor: randomUUID(),
      policies: [rootPolicy],
      namespace: "",
      path: "auth/token/root",
      meta: null,
      ttlSeconds: 0,
      renewable: false,
      issuedAt: this.now(),
      expiresAt: undefined,
      lastRenewal: undefined,
    });
  }

  /** Listens on 127.0.0.1, port 0. */
  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    const { port } = this.#server.address() as AddressInfo;
    this.address = `${this.#options.tls === undefined ? "http" : "https"}://127.0.0.1:${port}`;
  }

  /** Stops the server, drops open connections and pending delayed answers. */
  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) =>
      this.#server.close(() => {
        resolve();
      }),
    );
  }

  /** The double's clock (ms): real time plus what {@link advance} added. */
  now(): number {
    return Date.now() + this.#clockOffset;
  }

  /** Moves the double's clock forward (token expiry, TTLs). */
  advance(seconds: number): void {
    this.#clockOffset += seconds * 1000;
  }

  /** Requests matching method and path (exact string, or a RegExp on the path). */
  count(method: string, path: string | RegExp): number {
    return this.requests.filter(
      (request) =>
        request.method === method &&
        (typeof path === "string" ? request.path === path : path.test(request.path)),
    ).length;
  }

  /** Adds a namespace (e.g. `team-a` or `team-a/child`). */
  addNamespace(namespace: string): void {
    this.#namespaces.add(trim(namespace));
  }

  /** Mounts a KV engine at `path` (in `namespace`). */
  mount(path: string, version: 1 | 2, namespace = ""): void {
    const mounts = this.#mountsOf(trim(namespace));
    mounts.set(trim(path), {
      path: trim(path),
      version,
      v1: new Map(),
      v2: new Map(),
      maxVersions: 0,
      casRequired: false,
    });
  }

  /**
   * Writes a secret directly: KV v1 replaces the map; KV v2 adds a version. `path` is the logical
   * path including the mount (`kv/app/db`, not `kv/data/app/db`).
   */
  writeKv(path: string, data: JsonMap, namespace = ""): void {
    const found = this.#findMount(trim(namespace), trim(path));
    if (found === undefined) throw new Error(`no mount for "${path}"`);
    const { mount, rest } = found;
    if (mount.version === 1) mount.v1.set(rest, structuredClone(data));
    else this.#kvPut(mount, rest, structuredClone(data));
  }

  /** Soft-deletes (or destroys) versions of a KV v2 key directly. */
  deleteKvVersions(
    path: string,
    versions: readonly number[],
    destroy = false,
    namespace = "",
  ): void {
    const found = this.#findMount(trim(namespace), trim(path));
    const key = found?.mount.v2.get(found.rest);
    if (key === undefined) throw new Error(`no KV v2 key "${path}"`);
    for (const number of versions) {
      const version = key.versions.get(number);
      if (version === undefined) continue;
      if (destroy) {
        version.destroyed = true;
        version.data = null;
      } else version.deletionTime = this.#timestamp();
    }
  }

  /** Defines a policy. */
  setPolicy(name: string, policy: Policy): void {
    this.#policies.set(name, policy);
  }

  /** Creates a token and returns its id. */
  createToken(options: {
    policies: readonly string[];
    ttlSeconds?: number;
    renewable?: boolean;
    namespace?: string;
    id?: string;
  }): string {
    return this.#issue({
      policies: options.policies,
      ttlSeconds: options.ttlSeconds ?? 0,
      renewable: options.renewable ?? false,
      namespace: trim(options.namespace ?? ""),
      path: "auth/token/create",
      meta: null,
      ...(options.id === undefined ? {} : { id: options.id }),
    }).id;
  }

  /** Whether a token is still known (not revoked). */
  hasToken(token: string): boolean {
    return this.#tokens.has(token);
  }

  /** Adds an AppRole role with one secret ID; returns both. */
  addAppRole(
    name: string,
    options: {
      policies: readonly string[];
      ttlSeconds?: number;
      roleId?: string;
      secretId?: string;
    },
  ): { roleId: string; secretId: string } {
    const roleId = options.roleId ?? randomUUID();
    const secretId = options.secretId ?? randomUUID();
    this.#appRoles.set(name, {
      roleId,
      secretIds: new Set([secretId]),
      policies: options.policies,
      ttlSeconds: options.ttlSeconds ?? 3600,
      bindSecretId: true,
    });
    return { roleId, secretId };
  }

  /** Adds a Kubernetes auth role. */
  addKubernetesRole(
    name: string,
    options: {
      boundServiceAccountNames: readonly string[];
      boundServiceAccountNamespaces: readonly string[];
      policies: readonly string[];
      ttlSeconds?: number;
    },
  ): void {
    this.#kubernetesRoles.set(name, {
      boundNames: options.boundServiceAccountNames,
      boundNamespaces: options.boundServiceAccountNamespaces,
      policies: options.policies,
      ttlSeconds: options.ttlSeconds ?? 3600,
    });
  }

  /** Registers a service-account JWT as valid (the double's TokenReview). */
  acceptServiceAccountToken(jwt: string, identity: ServiceAccountIdentity): void {
    this.#serviceAccountTokens.set(jwt, identity);
  }

  // ---------------------------------------------------------------------------------------------

  #handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const url = new URL(request.url ?? "/", "http://double");
      const rawPath = decodeURIComponent(url.pathname);
      const fault = this.#faultFor(rawPath);
      if (fault?.kind === "reset") {
        request.socket.destroy();
        return;
      }
      const answer = (): void => {
        const result =
          fault?.kind === "status"
            ? { status: fault.status, body: { errors: [`injected ${fault.status}`] } }
            : this.#route(request, url, rawPath, Buffer.concat(chunks).toString("utf8"));
        this.#send(request, response, url, result);
      };
      if (fault?.kind === "delay") {
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          answer();
        }, fault.milliseconds);
        this.#timers.add(timer);
      } else answer();
    });
  }

  #faultFor(path: string): Fault | undefined {
    const index = this.faults.findIndex(
      (fault) => fault.path === undefined || fault.path.test(path),
    );
    const fault = this.faults[index];
    if (fault?.kind === "status" && fault.remaining !== undefined) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) this.faults.splice(index, 1);
    }
    return fault;
  }

  #send(request: IncomingMessage, response: ServerResponse, url: URL, result: Result): void {
    const namespace = trim(header(request, "x-vault-namespace") ?? "");
    this.requests.push({
      method: request.method ?? "GET",
      path: decodeURIComponent(url.pathname).replace(/^\/v1\//, ""),
      namespace,
      list: request.method === "LIST" || url.searchParams.get("list") === "true",
      query: url.search,
      hadToken: tokenOf(request) !== undefined,
      status: result.status,
    });
    if (result.status === 204 || request.method === "HEAD") {
      response.writeHead(result.status, { "Cache-Control": "no-store" }).end();
      return;
    }
    const text = JSON.stringify(result.body);
    response
      .writeHead(result.status, {
        "Content-Type": "application/json",
        "Cache-Control": "no-store",
        "Content-Length": Buffer.byteLength(text),
      })
      .end(text);
  }

  #route(request: IncomingMessage, url: URL, rawPath: string, bodyText: string): Result {
    if (!rawPath.startsWith("/v1/")) return notFound(rawPath);
    let body: JsonMap = {};
    if (bodyText.trim() !== "") {
      try {
        const parsed = JSON.parse(bodyText) as Json;
        if (isMap(parsed)) body = parsed;
        else return error(400, "failed to parse JSON input: not an object");
      } catch {
        return error(400, "failed to parse JSON input: invalid JSON");
      }
    }
    const method = request.method ?? "GET";
    const list = method === "LIST" || (method === "GET" && url.searchParams.get("list") === "true");
    const resolved = this.#resolveNamespace(header(request, "x-vault-namespace"), rawPath.slice(4));
    if (resolved === undefined) return error(404, "namespace not found");
    const { namespace, path } = resolved;
    const context: Context = { method, list, path, namespace, body, url, token: tokenOf(request) };

    if (path === "sys/health") return this.#health(url);
    if (/^auth\/[^/]+\/login(\/|$)/.test(path) && !path.startsWith("auth/token/")) {
      return this.#login(context);
    }
    const token = this.#authenticate(context);
    if (!("id" in token)) return token;
    if (path.startsWith("auth/token/")) return this.#tokenSelf(context, token);
    return this.#authorized(context, token);
  }

  #authorized(context: Context, token: Token): Result {
    const capability = capabilityFor(context);
    // Any valid token may ask which engine serves a path (the Vault CLI does, before every kv call).
    const open = context.path.startsWith("sys/internal/ui/mounts/");
    if (!open && !this.#allowed(token, context.path, capability)) {
      return error(
        403,
        this.#options.capabilityDeniedMessage ?? "1 error occurred:\n\t* permission denied\n\n",
      );
    }
    if (context.path.startsWith("sys/")) return this.#sys(context);
    if (context.path.startsWith("auth/approle/role/")) return this.#appRoleAdmin(context);
    const found = this.#findMount(context.namespace, context.path);
    if (found === undefined) {
      return error(404, `no handler for route "${context.path}". route entry not found.`);
    }
    return found.mount.version === 1
      ? this.#kv1(context, found.mount, found.rest)
      : this.#kv2(context, found.mount, found.rest);
  }

  #resolveNamespace(
    headerValue: string | undefined,
    path: string,
  ): { namespace: string; path: string } | undefined {
    if (this.#options.namespaces !== true) return { namespace: "", path };
    let namespace = trim(headerValue ?? "");
    if (!this.#namespaces.has(namespace)) return undefined;
    let rest = path;
    // A namespace may also be written as a path prefix (header and path combine).
    for (;;) {
      const [first, ...others] = rest.split("/");
      const candidate = trim(namespace === "" ? (first ?? "") : `${namespace}/${first ?? ""}`);
      if (
        first === undefined ||
        first === "" ||
        !this.#namespaces.has(candidate) ||
        others.length === 0
      )
        break;
      namespace = candidate;
      rest = others.join("/");
    }
    return { namespace, path: rest };
  }

  #authenticate(context: Context): Token | Result {
    const id = context.token;
    const token = id === undefined ? undefined : this.#tokens.get(id);
    if (token === undefined) return error(403, "permission denied");
    if (token.expiresAt !== undefined && this.now() >= token.expiresAt) {
      this.#tokens.delete(token.id);
      return error(403, "permission denied");
    }
    if (token.policies.includes(rootPolicy)) return token;
    if (token.namespace !== "" && !`${context.namespace}/`.startsWith(`${token.namespace}/`)) {
      return error(403, "permission denied");
    }
    return token;
  }

  #allowed(token: Token, path: string, capability: Capability): boolean {
    if (token.policies.includes(rootPolicy)) return true;
    let best: { length: number; capabilities: readonly Capability[] } | undefined;
    for (const name of [...token.policies, "default"]) {
      const policy = this.#policies.get(name);
      if (policy === undefined) continue;
      for (const [glob, capabilities] of Object.entries(policy)) {
        if (!globMatches(glob, path)) continue;
        if (best === undefined || glob.length > best.length)
          best = { length: glob.length, capabilities };
        else if (glob.length === best.length)
          best = { length: glob.length, capabilities: [...best.capabilities, ...capabilities] };
      }
    }
    if (best === undefined || best.capabilities.includes("deny")) return false;
    if (capability === "create" || capability === "update") {
      return best.capabilities.includes("create") || best.capabilities.includes("update");
    }
    return best.capabilities.includes(capability);
  }

  #login(context: Context): Result {
    if (!["POST", "PUT"].includes(context.method)) return error(405, "unsupported operation");
    const mount = context.path.split("/")[1] ?? "";
    if (mount === "approle") return this.#appRoleLogin(context);
    if (mount === "kubernetes") return this.#kubernetesLogin(context);
    if (mount === "userpass") return error(400, "invalid username or password");
    return error(404, `no handler for route "${context.path}". route entry not found.`);
  }

  #appRoleLogin(context: Context): Result {
    const roleId = context.body.role_id;
    const secretId = context.body.secret_id;
    if (typeof roleId !== "string" || roleId === "") return error(500, "missing role_id");
    const entry = [...this.#appRoles.entries()].find(([, role]) => role.roleId === roleId);
    if (entry === undefined) return error(400, "invalid role or secret ID");
    const [name, role] = entry;
    if (role.bindSecretId && (typeof secretId !== "string" || secretId === ""))
      return error(400, "missing secret_id");
    if (role.bindSecretId && !role.secretIds.has(secretId as string))
      return error(400, "invalid role or secret ID");
    const token = this.#issue({
      policies: ["default", ...role.policies],
      ttlSeconds: role.ttlSeconds,
      renewable: true,
      namespace: context.namespace,
      path: "auth/approle/login",
      meta: { role_name: name },
    });
    return ok(null, authBlock(token));
  }

  #kubernetesLogin(context: Context): Result {
    const role = context.body.role;
    const jwt = context.body.jwt;
    if (typeof role !== "string" || role === "") return error(400, "missing role");
    if (typeof jwt !== "string" || jwt === "") return error(400, "missing jwt");
    const definition = this.#kubernetesRoles.get(role);
    if (definition === undefined) return error(400, `invalid role name "${role}"`);
    const identity = this.#serviceAccountTokens.get(jwt);
    if (identity === undefined) return error(403, "permission denied");
    if (!definition.boundNames.some((glob) => glob === "*" || glob === identity.name)) {
      return error(403, "service account name not authorized");
    }
    if (!definition.boundNamespaces.some((glob) => glob === "*" || glob === identity.namespace)) {
      return error(403, "namespace not authorized");
    }
    const token = this.#issue({
      policies: ["default", ...definition.policies],
      ttlSeconds: definition.ttlSeconds,
      renewable: true,
      namespace: context.namespace,
      path: "auth/kubernetes/login",
      meta: {
        role,
        service_account_name: identity.name,
        service_account_namespace: identity.namespace,
        service_account_secret_name: "",
        service_account_uid: identity.uid ?? randomUUID(),
      },
    });
    return ok(null, authBlock(token));
  }

  #tokenSelf(context: Context, token: Token): Result {
    switch (context.path) {
      case "auth/token/lookup-self":
        return ok(this.#lookup(token));
      case "auth/token/renew-self": {
        if (!token.renewable) return error(400, "lease is not renewable");
        token.expiresAt = this.now() + token.ttlSeconds * 1000;
        token.lastRenewal = this.now();
        return ok(null, authBlock(token));
      }
      case "auth/token/revoke-self":
        this.#tokens.delete(token.id);
        return noContent();
      default:
        return error(404, `no handler for route "${context.path}". route entry not found.`);
    }
  }

  #lookup(token: Token): JsonMap {
    const remaining =
      token.expiresAt === undefined
        ? 0
        : Math.max(0, Math.round((token.expiresAt - this.now()) / 1000));
    const data: JsonMap = {
      accessor: token.accessor,
      creation_time: Math.floor(token.issuedAt / 1000),
      creation_ttl: token.ttlSeconds,
      display_name: token.path.split("/")[1] ?? "token",
      entity_id: "",
      expire_time: token.expiresAt === undefined ? null : new Date(token.expiresAt).toISOString(),
      explicit_max_ttl: 0,
      id: token.id,
      issue_time: new Date(token.issuedAt).toISOString(),
      meta: token.meta,
      num_uses: 0,
      orphan: true,
      path: token.path,
      policies: [...token.policies],
      renewable: token.renewable,
      ttl: remaining,
      type: "service",
    };
    if (token.lastRenewal !== undefined)
      data.last_renewal_time = Math.floor(token.lastRenewal / 1000);
    return data;
  }

  #health(url: URL): Result {
    const code = url.searchParams.get("activecode");
    const status = code === null ? 200 : Number(code);
    if (!Number.isInteger(status)) return error(400, "invalid activecode");
    return {
      status,
      body: {
        initialized: true,
        sealed: false,
        standby: false,
        performance_standby: false,
        replication_performance_mode: "disabled",
        replication_dr_mode: "disabled",
        server_time_utc: Math.floor(this.now() / 1000),
        version: "1.20.0",
        cluster_name: "vault-double",
        cluster_id: "00000000-0000-0000-0000-000000000000",
      },
    };
  }

  #sys(context: Context): Result {
    const mounts = this.#mountsOf(context.namespace);
    if (context.path === "sys/mounts") {
      const data: JsonMap = {};
      for (const mount of mounts.values()) {
        data[`${mount.path}/`] = {
          type: "kv",
          options: { version: String(mount.version) },
          description: "",
        };
      }
      return ok(data);
    }
    const prefix = "sys/internal/ui/mounts/";
    if (context.path.startsWith(prefix)) {
      const found = this.#findMount(context.namespace, context.path.slice(prefix.length));
      if (found === undefined) return notFound(context.path);
      return ok({
        path: `${found.mount.path}/`,
        type: "kv",
        options: { version: String(found.mount.version) },
      });
    }
    return notFound(context.path);
  }

  #appRoleAdmin(context: Context): Result {
    const [, , , name, action] = context.path.split("/");
    if (name === undefined) return notFound(context.path);
    if (action === undefined && ["POST", "PUT"].includes(context.method)) {
      const policies = context.body.token_policies;
      this.addAppRole(name, {
        policies: Array.isArray(policies)
          ? policies.map(String)
          : typeof policies === "string"
            ? policies.split(",")
            : [],
        ttlSeconds: typeof context.body.token_ttl === "number" ? context.body.token_ttl : 3600,
      });
      return noContent();
    }
    const role = this.#appRoles.get(name);
    if (role === undefined) return notFound(context.path);
    if (action === "role-id" && context.method === "GET") return ok({ role_id: role.roleId });
    if (action === "secret-id" && ["POST", "PUT"].includes(context.method)) {
      const secretId = randomUUID();
      role.secretIds.add(secretId);
      return ok({
        secret_id: secretId,
        secret_id_accessor: randomUUID(),
        secret_id_ttl: 0,
        secret_id_num_uses: 0,
      });
    }
    return notFound(context.path);
  }

  #kv1(context: Context, mount: Mount, key: string): Result {
    if (context.list) return listResult([...mount.v1.keys()], key);
    switch (context.method) {
      case "GET": {
        const data = mount.v1.get(key);
        if (data === undefined) return notFound();
        return ok(structuredClone(data), null, leaseOf(data));
      }
      case "POST":
      case "PUT":
        if (Object.keys(context.body).length === 0) return error(400, "missing data fields");
        mount.v1.set(key, structuredClone(context.body));
        return noContent();
      case "DELETE":
        mount.v1.delete(key);
        return noContent();
      default:
        return error(405, "unsupported operation");
    }
  }

  #kv2(context: Context, mount: Mount, rest: string): Result {
    const slash = rest.indexOf("/");
    const area = slash === -1 ? rest : rest.slice(0, slash);
    const key = slash === -1 ? "" : rest.slice(slash + 1);
    switch (area) {
      case "data":
        return this.#kv2Data(context, mount, key);
      case "metadata":
        return context.list
          ? listResult([...mount.v2.keys()], key)
          : this.#kv2Metadata(context, mount, key);
      case "delete":
      case "undelete":
      case "destroy":
        return this.#kv2Versions(context, mount, key, area);
      case "config":
        if (context.method === "GET")
          return ok({
            max_versions: mount.maxVersions,
            cas_required: mount.casRequired,
            delete_version_after: "0s",
          });
        if (typeof context.body.max_versions === "number")
          mount.maxVersions = context.body.max_versions;
        if (typeof context.body.cas_required === "boolean")
          mount.casRequired = context.body.cas_required;
        return noContent();
      default:
        return notFound();
    }
  }

  #kv2Data(context: Context, mount: Mount, key: string): Result {
    const entry = mount.v2.get(key);
    switch (context.method) {
      case "GET": {
        if (entry === undefined) return notFound();
        const requested = Number(context.url.searchParams.get("version") ?? "0");
        const number = requested === 0 ? entry.currentVersion : requested;
        const version = entry.versions.get(number);
        if (version === undefined) return notFound();
        const metadata = this.#versionMetadata(entry, number, version);
        const deleted =
          version.destroyed ||
          (version.deletionTime !== "" && Date.parse(version.deletionTime) <= this.now());
        if (deleted) return { status: 404, body: envelope({ data: null, metadata }) };
        return ok({ data: structuredClone(version.data), metadata });
      }
      case "POST":
      case "PUT": {
        const data = context.body.data;
        if (!isMap(data)) return error(400, "no data provided");
        const cas = this.#checkCas(context.body.options, entry, mount);
        if (cas !== undefined) return cas;
        const number = this.#kvPut(mount, key, data);
        const written = mount.v2.get(key)!;
        return ok(this.#versionMetadata(written, number, written.versions.get(number)!));
      }
      case "DELETE": {
        const version = entry?.versions.get(entry.currentVersion);
        if (version?.deletionTime === "") version.deletionTime = this.#timestamp();
        return noContent();
      }
      default:
        return error(405, "unsupported operation");
    }
  }

  #checkCas(options: Json | undefined, entry: KvKey | undefined, mount: Mount): Result | undefined {
    const cas = isMap(options) ? options.cas : undefined;
    const required = mount.casRequired || entry?.casRequired === true;
    if (cas === undefined)
      return required ? error(400, "check-and-set parameter required for this call") : undefined;
    if (typeof cas !== "number" || !Number.isInteger(cas))
      return error(400, "error parsing check-and-set parameter");
    if (cas !== (entry?.currentVersion ?? 0))
      return error(400, "check-and-set parameter did not match the current version");
    return undefined;
  }

  #kv2Metadata(context: Context, mount: Mount, key: string): Result {
    const entry = mount.v2.get(key);
    switch (context.method) {
      case "GET": {
        if (entry === undefined) return notFound();
        const versions: JsonMap = {};
        for (const [number, version] of entry.versions) {
          versions[String(number)] = {
            created_time: version.createdTime,
            deletion_time: version.deletionTime,
            destroyed: version.destroyed,
          };
        }
        return ok({
          cas_required: entry.casRequired,
          created_time: entry.createdTime,
          current_version: entry.currentVersion,
          custom_metadata: entry.customMetadata,
          delete_version_after: "0s",
          max_versions: entry.maxVersions,
          oldest_version: entry.oldestVersion,
          updated_time: entry.updatedTime,
          versions,
        });
      }
      case "POST":
      case "PUT": {
        const custom = context.body.custom_metadata;
        const fields = ["max_versions", "cas_required", "delete_version_after", "custom_metadata"];
        if (!fields.some((field) => field in context.body)) return noContent();
        if (custom !== undefined && custom !== null) {
          const problem = customMetadataProblem(custom);
          if (problem !== undefined)
            return error(
              400,
              `1 error occurred:\n\t* custom_metadata validation failed: ${problem}\n\n`,
            );
        }
        const target = entry ?? this.#newKey(mount, key);
        if (isMap(custom))
          target.customMetadata = Object.fromEntries(
            Object.entries(custom).map(([k, v]) => [
              k,
              typeof v === "string" ? v : JSON.stringify(v),
            ]),
          );
        if (typeof context.body.max_versions === "number")
          target.maxVersions = context.body.max_versions;
        if (typeof context.body.cas_required === "boolean")
          target.casRequired = context.body.cas_required;
        target.updatedTime = this.#timestamp();
        return noContent();
      }
      case "DELETE":
        mount.v2.delete(key);
        return noContent();
      default:
        return error(405, "unsupported operation");
    }
  }

  #kv2Versions(context: Context, mount: Mount, key: string, action: string): Result {
    if (!["POST", "PUT"].includes(context.method)) return error(405, "unsupported operation");
    const versions = context.body.versions;
    if (!Array.isArray(versions) || versions.length === 0) {
      return error(
        400,
        action === "destroy" ? "no version number provided" : "No version number provided",
      );
    }
    const entry = mount.v2.get(key);
    for (const number of versions) {
      const version = entry?.versions.get(Number(number));
      if (version === undefined) continue;
      if (action === "delete" && version.deletionTime === "")
        version.deletionTime = this.#timestamp();
      if (action === "undelete" && !version.destroyed) version.deletionTime = "";
      if (action === "destroy") {
        version.destroyed = true;
        version.data = null;
      }
    }
    return noContent();
  }

  #kvPut(mount: Mount, key: string, data: JsonMap): number {
    const entry = mount.v2.get(key) ?? this.#newKey(mount, key);
    const number = entry.currentVersion + 1;
    entry.versions.set(number, {
      data: structuredClone(data),
      createdTime: this.#timestamp(),
      deletionTime: "",
      destroyed: false,
    });
    entry.currentVersion = number;
    entry.updatedTime = this.#timestamp();
    const limit = Math.max(entry.maxVersions, mount.maxVersions) || 10;
    for (const old of [...entry.versions.keys()].sort((a, b) => a - b)) {
      if (entry.versions.size <= limit) break;
      entry.versions.delete(old);
      entry.oldestVersion = old + 1;
    }
    return number;
  }

  #newKey(mount: Mount, key: string): KvKey {
    const entry: KvKey = {
      versions: new Map(),
      currentVersion: 0,
      oldestVersion: 0,
      customMetadata: null,
      maxVersions: 0,
      casRequired: false,
      createdTime: this.#timestamp(),
      updatedTime: this.#timestamp(),
    };
    mount.v2.set(key, entry);
    return entry;
  }

  #versionMetadata(entry: KvKey, number: number, version: KvVersion): JsonMap {
    return {
      created_time: version.createdTime,
      custom_metadata: entry.customMetadata,
      deletion_time: version.deletionTime,
      destroyed: version.destroyed,
      version: number,
    };
  }

  #issue(options: {
    policies: readonly string[];
    ttlSeconds: number;
    renewable: boolean;
    namespace: string;
    path: string;
    meta: Record<string, string> | null;
    id?: string;
  }): Token {
    const token: Token = {
      id: options.id ?? `hvs.${randomUUID().replaceAll("-", "")}`,
      accessor: randomUUID(),
      policies: options.policies,
      namespace: options.namespace,
      path: options.path,
      meta: options.meta,
      ttlSeconds: options.ttlSeconds,
      renewable: options.renewable,
      issuedAt: this.now(),
      expiresAt: options.ttlSeconds > 0 ? this.now() + options.ttlSeconds * 1000 : undefined,
      lastRenewal: undefined,
    };
    this.#tokens.set(token.id, token);
    return token;
  }

  #mountsOf(namespace: string): Map<string, Mount> {
    let mounts = this.#mounts.get(namespace);
    if (mounts === undefined) {
      mounts = new Map();
      this.#mounts.set(namespace, mounts);
    }
    return mounts;
  }

  #findMount(namespace: string, path: string): { mount: Mount; rest: string } | undefined {
    const mounts = this.#mountsOf(namespace);
    let best: Mount | undefined;
    for (const mount of mounts.values()) {
      if (
        (path === mount.path || path.startsWith(`${mount.path}/`)) &&
        (best === undefined || mount.path.length > best.path.length)
      ) {
        best = mount;
      }
    }
    if (best === undefined) return undefined;
    return { mount: best, rest: path.slice(best.path.length + 1) };
  }

  #timestamp(): string {
    // RFC 3339 with nanoseconds, as Vault writes them.
    return new Date(this.now()).toISOString().replace(/\.(\d{3})Z$/, ".$1000000Z");
  }
}

interface Context {
  readonly method: string;
  readonly list: boolean;
  readonly path: string;
  readonly namespace: string;
  readonly body: JsonMap;
  readonly url: URL;
  readonly token: string | undefined;
}

interface Result {
  readonly status: number;
  readonly body?: Json;
}

/** Starts a double on 127.0.0.1 port 0; close it in `t.after`. */
export async function startVaultDouble(options: VaultDoubleOptions = {}): Promise<VaultDouble> {
  const double = new VaultDouble(options);
  await double.listen();
  return double;
}

function envelope(data: Json, auth: Json = null, leaseDuration = 0): JsonMap {
  return {
    request_id: randomUUID(),
    lease_id: "",
    renewable: false,
    lease_duration: leaseDuration,
    data,
    wrap_info: null,
    warnings: null,
    auth,
    mount_type: "kv",
  };
}

function ok(data: Json, auth: Json = null, leaseDuration = 0): Result {
  return { status: 200, body: envelope(data, auth, leaseDuration) };
}

function noContent(): Result {
  return { status: 204 };
}

function error(status: number, message: string): Result {
  return { status, body: { errors: [message] } };
}

function notFound(_path?: string): Result {
  return { status: 404, body: { errors: [] } };
}

function authBlock(token: Token): JsonMap {
  return {
    client_token: token.id,
    accessor: token.accessor,
    policies: [...token.policies],
    token_policies: [...token.policies],
    metadata: token.meta,
    lease_duration: token.ttlSeconds,
    renewable: token.renewable,
    entity_id: "",
    token_type: "service",
    orphan: true,
    mfa_requirement: null,
    num_uses: 0,
  };
}

function listResult(keys: readonly string[], folder: string): Result {
  const prefix = folder === "" || folder.endsWith("/") ? folder : `${folder}/`;
  const children = new Set<string>();
  for (const key of keys) {
    if (!key.startsWith(prefix) || key === prefix) continue;
    const rest = key.slice(prefix.length);
    const slash = rest.indexOf("/");
    children.add(slash === -1 ? rest : rest.slice(0, slash + 1));
  }
  if (children.size === 0) return notFound();
  return ok({ keys: [...children].sort() });
}

function leaseOf(data: JsonMap): number {
  const ttl = data.ttl ?? data.lease;
  if (typeof ttl === "number") return ttl;
  if (typeof ttl === "string") {
    const match = /^(\d+)([smh]?)$/.exec(ttl);
    if (match !== null) return Number(match[1]) * ({ "": 1, s: 1, m: 60, h: 3600 }[match[2]!] ?? 1);
  }
  return 2764800;
}

function customMetadataProblem(custom: Json): string | undefined {
  if (!isMap(custom)) return "custom_metadata must be a map";
  const entries = Object.entries(custom);
  if (entries.length > 64)
    return `payload must contain at most 64 keys, provided ${entries.length}`;
  for (const [key, value] of entries) {
    if (key.length < 1 || key.length > 128)
      return `length of key "${key}" is ${key.length} but must be 0 < len(key) <= 128`;
    const text = typeof value === "string" ? value : JSON.stringify(value);
    if (text.length < 1 || text.length > 512)
      return `length of value for key "${key}" is ${text.length} but must be 0 < len(value) <= 512`;
  }
  return undefined;
}

function capabilityFor(context: Context): Capability {
  if (context.list) return "list";
  switch (context.method) {
    case "GET":
    case "HEAD":
      return "read";
    case "DELETE":
      return "delete";
    case "PATCH":
      return "patch";
    default:
      return "update";
  }
}

function globMatches(glob: string, path: string): boolean {
  const source = glob
    .split("")
    .map((char, index) => {
      if (char === "*" && index === glob.length - 1) return "[\\s\\S]*";
      if (char === "+") return "[^/]+";
      return char.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    })
    .join("");
  return new RegExp(`^${source}$`).test(path);
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function tokenOf(request: IncomingMessage): string | undefined {
  const direct = header(request, "x-vault-token");
  if (direct !== undefined && direct !== "") return direct;
  const bearer = /^Bearer (.+)$/.exec(header(request, "authorization") ?? "");
  return bearer?.[1];
}

function isMap(value: Json | undefined): value is JsonMap {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function trim(path: string): string {
  return path.replace(/^\/+|\/+$/g, "");
}

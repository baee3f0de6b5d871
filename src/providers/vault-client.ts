import * as http from "node:http";
import * as https from "node:https";
import { setTimeout as delay } from "node:timers/promises";
import {
  goJsonMarshal,
  isJsonObject,
  parseJson,
  type JsonObject,
  type JsonValue,
  isJsonNumber,
} from "./json-values.js";
import { ProviderError } from "./provider.js";

/**
 * How a {@link VaultClient} gets its token. `mount` is the API path of the auth method, without
 * `/login` (`auth/approle`, `auth/kubernetes`); `namespace` is the Vault namespace to log in under
 * (ESO's `auth.namespace`), when it differs from the client's.
 */
export type VaultAuth =
  | { readonly method: "token"; readonly token: string }
  | {
      readonly method: "appRole";
      readonly mount?: string;
      readonly roleId: string;
      readonly secretId: string;
      readonly namespace?: string;
    }
  | {
      readonly method: "kubernetes" | "jwt";
      readonly mount?: string;
      readonly role: string;
      /** Returns the service-account JWT to present (read lazily, so a rotated token is picked up). */
      readonly jwt: () => Promise<string>;
      readonly namespace?: string;
    }
  | {
      readonly method: "github";
      readonly mount?: string;
      readonly token: string;
      readonly namespace?: string;
    }
  | {
      readonly method: "userPass";
      readonly mount?: string;
      readonly username: string;
      readonly password: string;
      readonly namespace?: string;
    };

/** Options of a {@link VaultClient}. */
export interface VaultClientOptions {
  /** Vault's address, e.g. `https://vault.example:8200`. */
  readonly address: string;
  /** Namespace sent as `X-Vault-Namespace` on secret I/O (Enterprise / OpenBao). */
  readonly namespace?: string;
  /** PEM certificates to trust instead of the system roots (ESO `caBundle`, `VAULT_CACERT`). */
  readonly caBundle?: string | Uint8Array;
  /** Client certificate and key (PEM) for mutual TLS. */
  readonly clientCert?: string | Uint8Array;
  readonly clientKey?: string | Uint8Array;
  /** Skip TLS verification (`VAULT_SKIP_VERIFY`). */
  readonly insecureSkipVerify?: boolean;
  /** Extra headers sent on every request (ESO `headers`). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly auth?: VaultAuth;
  /** Per-request timeout in milliseconds (default 30 s). */
  readonly timeoutMs?: number;
  /** Retries after a connection error, 412, 429 or 5xx (default 2, like the Go client). */
  readonly retries?: number;
  /** First retry delay in milliseconds, doubled per attempt, with jitter (default 200). */
  readonly retryDelayMs?: number;
  /** Clock in milliseconds (tests pass a fake one to exercise renewal). */
  readonly now?: () => number;
  /** Waits between retries (tests pass an instant one). */
  readonly sleep?: (milliseconds: number) => Promise<void>;
}

/** The `auth` block of a login or renewal response. */
export interface VaultTokenInfo {
  readonly clientToken: string;
  readonly leaseDurationSeconds: number;
  readonly renewable: boolean;
  readonly policies: readonly string[];
}

/** A successful Vault response: the envelope's `data` and `auth`, and the HTTP status. */
export interface VaultResponse {
  readonly status: number;
  readonly data: JsonObject | null;
  readonly auth: JsonObject | null;
  readonly warnings: readonly string[];
}

/** A Vault API failure. `errors` holds Vault's own messages (never values). */
export class VaultError extends ProviderError {
  readonly errors: readonly string[];

  constructor(
    message: string,
    details: { status?: number; errors?: readonly string[]; retryable?: boolean; cause?: unknown },
  ) {
    super("vault", message, details);
    this.name = "VaultError";
    this.errors = details.errors ?? [];
  }
}

interface RawResponse {
  status: number;
  body: JsonValue | undefined;
}

interface RequestOptions {
  readonly body?: JsonValue;
  readonly query?: Readonly<Record<string, string>>;
  /** Namespace for this request; defaults to the client's. */
  readonly namespace?: string;
  /** Send the token (false for login calls). */
  readonly authenticated?: boolean;
}

const retryableStatuses = new Set([412, 429, 500, 502, 503, 504]);

/**
 * A Vault HTTP client (vault-api.md §10): KV reads and writes under `/v1/`, LIST as
 * `GET ?list=true`, the Go client's 404 rules, namespaces, a custom CA, per-request timeouts and
 * retries, and a token lifecycle: log in lazily, renew at two thirds of the lease (or log in again
 * when the token cannot be renewed), and log in once more when Vault answers 403 to a token that
 * came from a login. Static tokens are used as given and never revoked.
 *
 * Nothing here logs; error messages carry the method, the API path and Vault's own error strings.
 */
export class VaultClient {
  readonly #base: URL;
  readonly #options: VaultClientOptions;
  readonly #agent: http.Agent;
  readonly #now: () => number;
  readonly #sleep: (milliseconds: number) => Promise<void>;
  #token: string | undefined;
  #tokenFromLogin = false;
  #renewAt: number | undefined;
  #renewable = false;
  #login: Promise<VaultTokenInfo> | undefined;

  constructor(options: VaultClientOptions) {
    let base: URL;
    try {
      base = new URL(options.address);
    } catch (error) {
      throw new VaultError(`invalid vault address "${options.address}"`, { cause: error });
    }
    if (base.protocol !== "http:" && base.protocol !== "https:") {
      throw new VaultError(`invalid vault address "${options.address}": want http or https`, {});
    }
    this.#base = base;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? ((milliseconds) => delay(milliseconds));
    this.#agent =
      base.protocol === "https:"
        ? new https.Agent({
            keepAlive: true,
            ...(options.caBundle === undefined ? {} : { ca: Buffer.from(options.caBundle) }),
            ...(options.clientCert === undefined ? {} : { cert: Buffer.from(options.clientCert) }),
            ...(options.clientKey === undefined ? {} : { key: Buffer.from(options.clientKey) }),
            rejectUnauthorized: options.insecureSkipVerify !== true,
          })
        : new http.Agent({ keepAlive: true });
    if (options.auth?.method === "token") this.#token = options.auth.token;
  }

  /** Vault's address as configured. */
  get address(): string {
    return this.#options.address;
  }

  /** Uses `token` from now on (e.g. one read from a cache); it is treated like a login token. */
  setToken(token: string): void {
    this.#token = token;
    this.#tokenFromLogin = this.#options.auth?.method !== "token";
    this.#renewAt = undefined;
  }

  /**
   * Reads `path` (e.g. `secret/data/app`). Follows the Go client: a 404 whose body carries `data`
   * or `warnings` (a deleted KV v2 version) is returned as a response; a bare 404 (`{"errors":[]}`)
   * is undefined; a 404 with an error message (unknown mount or namespace) rejects.
   * @throws VaultError for any other failure
   */
  async read(
    path: string,
    query?: Readonly<Record<string, string>>,
  ): Promise<VaultResponse | undefined> {
    const response = await this.#authorized("GET", path, query === undefined ? {} : { query });
    if (response.status === 404) {
      const envelope = toEnvelope(response);
      if (envelope.data !== null || envelope.warnings.length > 0) return envelope;
      // Unlike the Go client, a 404 that says why (unknown mount, unknown namespace) is an error:
      // only Vault's bare `{"errors":[]}` means "no secret here", so a typo never reads as missing.
      if (errorStrings(response.body).length === 0) return undefined;
    }
    return this.#expectOk("GET", path, response);
  }

  /**
   * Lists the children of folder `path` (`GET ?list=true`); folders end in `/`.
   * @returns the keys, or undefined when Vault answers 404 (empty, missing or a leaf)
   */
  async list(path: string): Promise<string[] | undefined> {
    const folder = path.endsWith("/") ? path : `${path}/`;
    const response = await this.#authorized("GET", folder, { query: { list: "true" } });
    if (response.status === 404) return undefined;
    const envelope = this.#expectOk("LIST", folder, response);
    const keys = envelope.data?.keys;
    if (!Array.isArray(keys)) return [];
    return keys.filter((key): key is string => typeof key === "string");
  }

  /** Writes `body` to `path` with PUT (what ESO sends). Returns the response, undefined on 204. */
  async write(path: string, body: JsonValue): Promise<VaultResponse | undefined> {
    const response = await this.#authorized("PUT", path, { body });
    const envelope = this.#expectOk("PUT", path, response);
    return response.status === 204 ? undefined : envelope;
  }

  /** Deletes `path`. A 404 counts as done. */
  async delete(path: string): Promise<void> {
    const response = await this.#authorized("DELETE", path, {});
    if (response.status !== 404) this.#expectOk("DELETE", path, response);
  }

  /**
   * `auth/token/lookup-self` for the current token.
   * @throws VaultError (403) when the token is unknown, expired or revoked
   */
  async lookupSelf(): Promise<JsonObject> {
    await this.#ensureToken();
    const response = await this.#send("GET", "auth/token/lookup-self", { authenticated: true });
    return this.#expectOk("GET", "auth/token/lookup-self", response).data ?? {};
  }

  /**
   * Logs in with the configured method and keeps the token.
   * @throws VaultError when Vault refuses the credentials, or for a static-token client
   */
  async login(): Promise<VaultTokenInfo> {
    this.#login ??= this.#doLogin().finally(() => {
      this.#login = undefined;
    });
    return this.#login;
  }

  /** Revokes a token this client logged in for (`revoke-self`), then closes its connections. */
  async close(options: { revoke?: boolean } = {}): Promise<void> {
    try {
      if ((options.revoke ?? true) && this.#tokenFromLogin && this.#token !== undefined) {
        await this.#send("PUT", "auth/token/revoke-self", { authenticated: true }).catch(
          () => undefined,
        );
        this.#token = undefined;
      }
    } finally {
      this.#agent.destroy();
    }
  }

  async #doLogin(): Promise<VaultTokenInfo> {
    const auth = this.#options.auth;
    if (auth === undefined || auth.method === "token") {
      throw new VaultError("vault login: no login method configured (static token)", {});
    }
    const { path, body } = await loginRequest(auth);
    const response = await this.#send("PUT", path, {
      body,
      authenticated: false,
      ...(auth.namespace === undefined ? {} : { namespace: auth.namespace }),
    });
    const envelope = this.#expectOk("PUT", path, response);
    const info = tokenInfo(envelope.auth);
    if (info === undefined) {
      throw new VaultError(`vault PUT "${path}": the response has no auth.client_token`, {
        status: response.status,
      });
    }
    this.#adopt(info);
    return info;
  }

  #adopt(info: VaultTokenInfo): void {
    this.#token = info.clientToken;
    this.#tokenFromLogin = true;
    this.#renewable = info.renewable;
    this.#renewAt =
      info.leaseDurationSeconds > 0
        ? this.#now() + (info.leaseDurationSeconds * 1000 * 2) / 3
        : undefined;
  }

  async #ensureToken(): Promise<void> {
    if (this.#token === undefined) {
      if (this.#options.auth === undefined)
        throw new VaultError("vault: no token and no login method", {});
      await this.login();
      return;
    }
    if (!this.#tokenFromLogin || this.#renewAt === undefined || this.#now() < this.#renewAt) return;
    if (this.#renewable) {
      const response = await this.#send("PUT", "auth/token/renew-self", {
        body: {},
        authenticated: true,
      });
      const info = response.status === 200 ? tokenInfo(toEnvelope(response).auth) : undefined;
      if (info !== undefined) {
        this.#adopt({ ...info, clientToken: this.#token });
        return;
      }
    }
    await this.login();
  }

  async #authorized(method: string, path: string, options: RequestOptions): Promise<RawResponse> {
    await this.#ensureToken();
    const first = await this.#send(method, path, { ...options, authenticated: true });
    if (first.status !== 403 || !this.#tokenFromLogin || this.#options.auth?.method === "token") {
      return first;
    }
    // The token may have been revoked or expired behind our back: log in once more, then retry.
    await this.login();
    return this.#send(method, path, { ...options, authenticated: true });
  }

  #expectOk(method: string, path: string, response: RawResponse): VaultResponse {
    if (response.status >= 200 && response.status < 300) return toEnvelope(response);
    const errors = errorStrings(response.body);
    const reason =
      errors.length > 0 ? errors.join("; ") : (http.STATUS_CODES[response.status] ?? "error");
    throw new VaultError(`vault ${method} "${path}": ${response.status} ${oneLine(reason)}`, {
      status: response.status,
      errors,
      retryable: retryableStatuses.has(response.status),
    });
  }

  async #send(method: string, path: string, options: RequestOptions): Promise<RawResponse> {
    const retries = this.#options.retries ?? 2;
    const base = this.#options.retryDelayMs ?? 200;
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await this.#sendOnce(method, path, options);
        if (!retryableStatuses.has(response.status) || attempt >= retries) return response;
      } catch (error) {
        if (attempt >= retries) throw error;
      }
      await this.#sleep(base * 2 ** attempt * (0.5 + Math.random() / 2));
    }
  }

  #sendOnce(method: string, path: string, options: RequestOptions): Promise<RawResponse> {
    const url = this.#url(path, options.query);
    const headers: Record<string, string> = { "X-Vault-Request": "true", ...this.#options.headers };
    const namespace = options.namespace ?? this.#options.namespace;
    if (namespace !== undefined && namespace !== "") headers["X-Vault-Namespace"] = namespace;
    if (options.authenticated === true && this.#token !== undefined)
      headers["X-Vault-Token"] = this.#token;
    const payload = options.body === undefined ? undefined : goJsonMarshal(options.body);
    if (payload !== undefined) {
      headers["Content-Type"] = "application/json";
      headers["Content-Length"] = String(Buffer.byteLength(payload));
    }
    const timeout = this.#options.timeoutMs ?? 30_000;
    const transport = url.protocol === "https:" ? https : http;
    return new Promise<RawResponse>((resolve, reject) => {
      const request = transport.request(
        url,
        { method, headers, agent: this.#agent, timeout },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("error", reject);
          response.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            resolve({ status: response.statusCode ?? 0, body: parseBody(text) });
          });
        },
      );
      request.on("timeout", () => {
        request.destroy(new Error(`timed out after ${timeout} ms`));
      });
      request.on("error", (error) => {
        reject(
          new VaultError(
            `vault ${method} "${path}": cannot reach ${this.#base.origin}: ${error.message}`,
            {
              retryable: true,
              cause: error,
            },
          ),
        );
      });
      request.end(payload);
    });
  }

  #url(path: string, query: Readonly<Record<string, string>> | undefined): URL {
    const prefix = this.#base.pathname.replace(/\/+$/, "");
    const encoded = path
      .replace(/^\/+/, "")
      .split("/")
      .map((segment) => encodeURIComponent(segment))
      .join("/");
    const url = new URL(this.#base.origin);
    url.pathname = `${prefix}/v1/${encoded}`;
    for (const [name, value] of Object.entries(query ?? {})) url.searchParams.set(name, value);
    return url;
  }
}

async function loginRequest(
  auth: Exclude<VaultAuth, { method: "token" }>,
): Promise<{ path: string; body: JsonObject }> {
  switch (auth.method) {
    case "appRole":
      return {
        path: `${trimSlashes(auth.mount ?? "auth/approle")}/login`,
        body: { role_id: auth.roleId, secret_id: auth.secretId },
      };
    case "kubernetes":
    case "jwt":
      return {
        path: `${trimSlashes(auth.mount ?? `auth/${auth.method}`)}/login`,
        body: { role: auth.role, jwt: await auth.jwt() },
      };
    case "github":
      return {
        path: `${trimSlashes(auth.mount ?? "auth/github")}/login`,
        body: { token: auth.token },
      };
    case "userPass":
      return {
        path: `${trimSlashes(auth.mount ?? "auth/userpass")}/login/${auth.username}`,
        body: { password: auth.password },
      };
  }
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, "");
}

function parseBody(text: string): JsonValue | undefined {
  if (text.trim() === "") return undefined;
  try {
    return parseJson(text);
  } catch {
    return undefined;
  }
}

function toEnvelope(response: RawResponse): VaultResponse {
  const body = isJsonObject(response.body) ? response.body : {};
  const data = body.data;
  const auth = body.auth;
  const warnings = Array.isArray(body.warnings)
    ? body.warnings.filter((w) => typeof w === "string")
    : [];
  return {
    status: response.status,
    data: isJsonObject(data) ? data : null,
    auth: isJsonObject(auth) ? auth : null,
    warnings,
  };
}

function errorStrings(body: JsonValue | undefined): string[] {
  if (!isJsonObject(body) || !Array.isArray(body.errors)) return [];
  return body.errors.filter((error): error is string => typeof error === "string");
}

function oneLine(text: string): string {
  // Vault wraps some errors in Go's multi-error format ("1 error occurred:\n\t* permission denied").
  return text
    .replace(/^\d+ errors? occurred:\s*/, "")
    .replace(/\s*\n\t\* /g, "; ")
    .replace(/^\* /, "")
    .trim();
}

function tokenInfo(auth: JsonObject | null): VaultTokenInfo | undefined {
  const token = auth?.client_token;
  if (auth === null || typeof token !== "string" || token === "") return undefined;
  const lease = auth.lease_duration;
  const policies = Array.isArray(auth.policies)
    ? auth.policies.filter((p) => typeof p === "string")
    : [];
  return {
    clientToken: token,
    leaseDurationSeconds: isJsonNumber(lease) ? Number(lease.text) : 0,
    renewable: auth.renewable === true,
    policies,
  };
}

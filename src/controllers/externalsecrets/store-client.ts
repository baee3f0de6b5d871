import { readFile } from "node:fs/promises";
import {
  createFakeProvider,
  createKubernetesProvider,
  createVaultProvider,
  kubeClientForCluster,
  kubeClientFromKubeconfig,
  type FakeEntry,
  type SecretsProvider,
  type ValidationResult,
  type VaultAuth,
  type VaultClientOptions,
} from "../../providers/index.js";
import type { KubeClient } from "../../kube/index.js";
import { parseGoDuration } from "../../templating/index.js";
import { SharedReadVaultClient, type VaultCallObserver } from "./shared-reads.js";
import { storeProviderKey } from "./parse-store.js";
import type { SecretStore } from "./types.js";

/**
 * Reads the Kubernetes objects a store's credentials point to. A store names Secrets (tokens,
 * AppRole secret IDs, CA bundles) and ConfigMaps; providers read none themselves.
 */
export interface CredentialReader {
  /** @throws Error naming the Secret and key when either is missing (never the value) */
  secretKey(namespace: string, name: string, key: string): Promise<Uint8Array>;
  /** @throws Error naming the ConfigMap and key when either is missing */
  configMapKey(namespace: string, name: string, key: string): Promise<string>;
  /**
   * Mints a token for a service account through the TokenRequest API (`serviceAccountRef`,
   * `auth.serviceAccount`). @param audiences empty for the API server's own audience
   * @returns the token and when it expires (ms since the epoch)
   * @throws Error naming the service account when the request fails (never a token)
   */
  serviceAccountToken(
    namespace: string,
    name: string,
    audiences: readonly string[],
    expirationSeconds: number,
  ): Promise<{ token: string; expiresAt: number }>;
}

/** A provider client for one store (and, for a referent ClusterSecretStore, one namespace). */
export interface StoreClient {
  /** Reads, validation, and pushes without an owner identity. */
  readonly provider: SecretsProvider;
  /**
   * A provider on the same authenticated client that writes `owner` next to ESO's marker and
   * refuses remote secrets another owner wrote (beyond ESO; Vault only, others ignore it).
   */
  forPush(owner: string): SecretsProvider;
  /** Revokes the login token and closes connections. */
  close(): Promise<void>;
  /**
   * When to build the client again (ms since the epoch) because a credential it holds expires:
   * a minted service-account token (`auth.serviceAccount`). Absent: no such limit.
   */
  readonly renewAfter?: number;
}

/** What building a client needs besides the store. */
export interface StoreClientOptions {
  readonly credentials: CredentialReader;
  /** Where credential references without a namespace resolve (spec §1.3). */
  readonly namespace: string;
  /** Observes each call that reaches Vault (provider API call metrics). */
  readonly observe?: VaultCallObserver;
  /** The controller's own service-account token, for Vault Kubernetes auth without a ref. */
  readonly serviceAccountTokenFile?: string;
  readonly now?: () => number;
}

/** Upstream's default location of the pod's service-account token. */
export const defaultServiceAccountTokenFile = "/var/run/secrets/kubernetes.io/serviceaccount/token";

type Json = Readonly<Record<string, unknown>>;

function record(value: unknown): Json | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Json)
    : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The strings of a list field (other items skipped), or undefined when it is not a list. */
function strings(value: unknown): string[] | undefined {
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === "string")
    : undefined;
}

/** The `{name, key, namespace}` selectors a Vault store's auth and TLS settings hold. */
function vaultReferences(vault: Json): Json[] {
  const auth = record(vault.auth) ?? {};
  const candidates: unknown[] = [
    auth.tokenSecretRef,
    record(auth.appRole)?.secretRef,
    record(auth.appRole)?.roleRef,
    record(auth.kubernetes)?.secretRef,
    record(auth.kubernetes)?.serviceAccountRef,
    record(auth.ldap)?.secretRef,
    record(auth.userPass)?.secretRef,
    record(auth.jwt)?.secretRef,
    record(record(auth.jwt)?.kubernetesServiceAccountToken)?.serviceAccountRef,
    record(auth.cert)?.clientCert,
    record(auth.cert)?.secretRef,
    record(record(vault.tls)?.certSecretRef),
    record(record(vault.tls)?.keySecretRef),
  ];
  return candidates.map(record).filter((ref): ref is Json => ref !== undefined);
}

/** The `{name, key, namespace}` selectors a Kubernetes store's auth holds (not the CA). */
function kubernetesReferences(kubernetes: Json): Json[] {
  const auth = record(kubernetes.auth) ?? {};
  const candidates: unknown[] = [
    record(auth.token)?.bearerToken,
    auth.serviceAccount,
    record(auth.cert)?.clientCert,
    record(auth.cert)?.clientKey,
    kubernetes.authRef,
  ];
  return candidates.map(record).filter((ref): ref is Json => ref !== undefined);
}

/**
 * Whether a ClusterSecretStore's credentials are referent (spec §1.3): some reference names no
 * namespace, so it resolves in the namespace of each ExternalSecret or PushSecret, and the store
 * controller cannot validate it. SecretStores are never referent.
 */
export function isReferentStore(store: SecretStore): boolean {
  if (store.kind !== "ClusterSecretStore") return false;
  const vault = record(store.spec.provider.vault);
  const kubernetes = record(store.spec.provider.kubernetes);
  const references = [
    ...(vault === undefined ? [] : vaultReferences(vault)),
    ...(kubernetes === undefined ? [] : kubernetesReferences(kubernetes)),
  ];
  return references.some((ref) => text(ref.namespace) === undefined);
}

/**
 * Builds the provider client for a store (ESO's `NewClient`): Vault (KV v1/v2; token, AppRole,
 * Kubernetes, JWT, LDAP and userpass auth; namespaces; CA bundle or caProvider; mTLS; extra
 * headers; retrySettings), Kubernetes (this or another cluster by URL, CA and bearer token or
 * client certificate, or a whole kubeconfig by `authRef`) and Fake. Credential references are
 * read once, here.
 * @throws Error naming the store and field for an unsupported provider or auth method, or a
 *   credential that cannot be read
 */
export async function createStoreClient(
  store: SecretStore,
  options: StoreClientOptions,
): Promise<StoreClient> {
  const key = storeProviderKey(store);
  const spec = record(store.spec.provider[key]) ?? {};
  if (key === "fake") {
    const validationResult = fakeValidation(spec);
    const provider = createFakeProvider({
      data: fakeEntries(spec),
      ...(validationResult === undefined ? {} : { validationResult }),
    });
    return { provider, forPush: () => provider, close: () => provider.close() };
  }
  if (key === "vault") return vaultClient(store, spec, options);
  if (key === "kubernetes") {
    const { client, renewAfter } = await kubernetesApiClient(store, spec, options);
    const provider = createKubernetesProvider({
      client,
      remoteNamespace: text(spec.remoteNamespace) ?? "default",
      allowNamespaceOverride: store.kind === "ClusterSecretStore",
    });
    // Upstream's Kubernetes provider writes no ownership marker, so there is no owner to add.
    return {
      provider,
      forPush: () => provider,
      close: () => provider.close(),
      ...(renewAfter === undefined ? {} : { renewAfter }),
    };
  }
  throw new Error(
    `provider ${JSON.stringify(key)} is not supported by this controller (supported: vault, kubernetes, fake)`,
  );
}

function fakeEntries(spec: Json): FakeEntry[] {
  const data = Array.isArray(spec.data) ? spec.data : [];
  return data.flatMap((item: unknown) => {
    const entry = record(item);
    if (entry === undefined || typeof entry.key !== "string" || typeof entry.value !== "string")
      return [];
    const version = text(entry.version);
    return [{ key: entry.key, value: entry.value, ...(version === undefined ? {} : { version }) }];
  });
}

function fakeValidation(spec: Json): ValidationResult["status"] | undefined {
  const result = spec.validationResult;
  return result === "Ready" || result === "Unknown" || result === "Error" ? result : undefined;
}

async function vaultClient(
  store: SecretStore,
  vault: Json,
  options: StoreClientOptions,
): Promise<StoreClient> {
  const where = `spec.provider.vault`;
  const server = text(vault.server);
  if (server === undefined) throw new Error(`${where}.server: required`);
  const version = vault.version === "v1" ? "v1" : "v2";
  const auth = await vaultAuth(store, record(vault.auth) ?? {}, options);
  const ca = await caBundle(store, vault, "spec.provider.vault", options);
  const tls = await clientTls(store, record(vault.tls), options);
  const retry = store.spec.retrySettings;
  const headers = record(vault.headers);
  const namespace = text(vault.namespace);
  const clientOptions: VaultClientOptions = {
    address: server,
    ...(namespace === undefined ? {} : { namespace }),
    ...(ca === undefined ? {} : { caBundle: ca }),
    ...tls,
    ...(headers === undefined
      ? {}
      : {
          headers: Object.fromEntries(
            Object.entries(headers).filter(
              (entry): entry is [string, string] => typeof entry[1] === "string",
            ),
          ),
        }),
    ...(auth === undefined ? {} : { auth }),
    // retrySettings: maxRetries defaults to 0 once the block is present (spec §8.1).
    ...(retry === undefined ? {} : { retries: retry.maxRetries ?? 0 }),
    ...(retry?.retryInterval === undefined
      ? {}
      : { retryDelayMs: parseGoDuration(retry.retryInterval) }),
    ...(options.now === undefined ? {} : { now: options.now }),
  };
  const client = new SharedReadVaultClient(clientOptions, {
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.observe === undefined ? {} : { observe: options.observe }),
  });
  const path = text(vault.path);
  const checkAndSet = record(vault.checkAndSet)?.required === true;
  const providerOptions = {
    client,
    version,
    ...(path === undefined ? {} : { path }),
    ...(checkAndSet ? { checkAndSetRequired: true } : {}),
  } as const;
  const provider = createVaultProvider(providerOptions);
  return {
    provider,
    forPush: (owner) => createVaultProvider({ ...providerOptions, pushOwner: owner }),
    close: () => provider.close(),
  };
}

/** Reads the Secret a `{name, key, namespace}` selector names, as text. */
async function selectedSecret(
  store: SecretStore,
  options: StoreClientOptions,
  ref: unknown,
  field: string,
  defaultKey?: string,
): Promise<string> {
  const selector = record(ref);
  const name = text(selector?.name);
  const key = text(selector?.key) ?? defaultKey;
  if (name === undefined || key === undefined)
    throw new Error(`${field}: name and key are required`);
  const bytes = await options.credentials.secretKey(
    refNamespace(store, selector, options),
    name,
    key,
  );
  return Buffer.from(bytes).toString("utf8");
}

/** ESO's lifetime of the service-account tokens it requests (10 minutes). */
const serviceAccountTokenSeconds = 600;

/**
 * Mints a token for the ServiceAccountSelector `ref` ({name, namespace?, audiences?}) with the
 * TokenRequest API; `extraAudiences` are added after the selector's own.
 */
async function serviceAccountToken(
  store: SecretStore,
  options: StoreClientOptions,
  ref: unknown,
  field: string,
  extraAudiences: readonly string[] = [],
  expirationSeconds = serviceAccountTokenSeconds,
): Promise<{ token: string; expiresAt: number }> {
  const selector = record(ref);
  const name = text(selector?.name);
  if (name === undefined) throw new Error(`${field}.name: required`);
  const audiences = [...(strings(selector?.audiences) ?? []), ...extraAudiences];
  try {
    return await options.credentials.serviceAccountToken(
      refNamespace(store, selector, options),
      name,
      audiences,
      expirationSeconds,
    );
  } catch (error) {
    throw new Error(`${field}: ${(error as Error).message}`, { cause: error });
  }
}

// ESO's provider.kubernetes (spec §8.5): `authRef` (a whole kubeconfig) or `server` + exactly one
// of `auth.token`, `auth.cert`, `auth.serviceAccount` (a token minted with TokenRequest, so the
// client is built again before it expires).
async function kubernetesApiClient(
  store: SecretStore,
  kubernetes: Json,
  options: StoreClientOptions,
): Promise<{ client: KubeClient; renewAfter?: number }> {
  const where = "spec.provider.kubernetes";
  const auth = record(kubernetes.auth);
  if (kubernetes.authRef !== undefined) {
    if (auth !== undefined) throw new Error(`${where}: auth and authRef are mutually exclusive`);
    const kubeconfig = await selectedSecret(store, options, kubernetes.authRef, `${where}.authRef`);
    try {
      return { client: kubeClientFromKubeconfig(kubeconfig) };
    } catch (error) {
      throw new Error(`${where}.authRef: ${(error as Error).message}`, { cause: error });
    }
  }
  if (auth === undefined) throw new Error(`${where}.auth: one of auth or authRef is required`);
  const methods = ["token", "serviceAccount", "cert"].filter((m) => auth[m] !== undefined);
  if (methods.length !== 1)
    throw new Error(`${where}.auth: exactly one of token, serviceAccount or cert is required`);
  const server = record(kubernetes.server) ?? {};
  // Upstream's default is the in-cluster API server; a bare host name means https.
  const url = text(server.url) ?? "kubernetes.default";
  const address = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `https://${url}`;
  const ca = await caBundle(store, server, `${where}.server`, options);
  const token = record(auth.token);
  const cert = record(auth.cert);
  const minted =
    auth.serviceAccount === undefined
      ? undefined
      : await serviceAccountToken(
          store,
          options,
          auth.serviceAccount,
          `${where}.auth.serviceAccount`,
        );
  const credentials =
    minted !== undefined
      ? { token: minted.token }
      : token !== undefined
        ? {
            token: (
              await selectedSecret(
                store,
                options,
                token.bearerToken,
                `${where}.auth.token.bearerToken`,
              )
            ).trim(),
          }
        : {
            clientCert: await selectedSecret(
              store,
              options,
              cert?.clientCert,
              `${where}.auth.cert.clientCert`,
            ),
            clientKey: await selectedSecret(
              store,
              options,
              cert?.clientKey,
              `${where}.auth.cert.clientKey`,
            ),
          };
  try {
    const client = kubeClientForCluster({
      server: address,
      ...(ca === undefined ? {} : { caBundle: ca }),
      ...credentials,
      // Plain http has no TLS to verify; client-node only sends a token over it this way.
      ...(address.toLowerCase().startsWith("http://") ? { insecureSkipVerify: true } : {}),
    });
    if (minted === undefined) return { client };
    // Renewed at 80% of its life, as client-go's token file source re-reads projected tokens.
    const now = options.now?.() ?? Date.now();
    return { client, renewAfter: now + (minted.expiresAt - now) * 0.8 };
  } catch (error) {
    throw new Error(`${where}.server.url: ${(error as Error).message}`, { cause: error });
  }
}

// The first configured method wins, in upstream's order (spec §8.1).
async function vaultAuth(
  store: SecretStore,
  auth: Json,
  options: StoreClientOptions,
): Promise<VaultAuth | undefined> {
  const where = "spec.provider.vault.auth";
  const loginNamespace = text(auth.namespace);
  const ns = loginNamespace === undefined ? {} : { namespace: loginNamespace };
  const secret = async (ref: unknown, field: string, defaultKey?: string): Promise<string> =>
    (await selectedSecret(store, options, ref, `${where}.${field}`, defaultKey)).trim();
  if (auth.tokenSecretRef !== undefined) {
    return { method: "token", token: await secret(auth.tokenSecretRef, "tokenSecretRef") };
  }
  const appRole = record(auth.appRole);
  if (appRole !== undefined) {
    const roleId = text(appRole.roleId) ?? (await secret(appRole.roleRef, "appRole.roleRef"));
    return {
      method: "appRole",
      mount: `auth/${text(appRole.path) ?? "approle"}`,
      roleId,
      secretId: await secret(appRole.secretRef, "appRole.secretRef"),
      ...ns,
    };
  }
  const kubernetes = record(auth.kubernetes);
  if (kubernetes !== undefined) {
    const role = text(kubernetes.role);
    if (role === undefined) throw new Error(`${where}.kubernetes.role: required`);
    const mount = `auth/${text(kubernetes.mountPath) ?? "kubernetes"}`;
    // JWT source priority: serviceAccountRef (a fresh token for every login), secretRef, the
    // controller's own mounted token.
    if (kubernetes.serviceAccountRef !== undefined) {
      const ref = kubernetes.serviceAccountRef;
      return {
        method: "kubernetes",
        mount,
        role,
        jwt: async () =>
          (await serviceAccountToken(store, options, ref, `${where}.kubernetes.serviceAccountRef`))
            .token,
        ...ns,
      };
    }
    const jwt =
      kubernetes.secretRef !== undefined
        ? await secret(kubernetes.secretRef, "kubernetes.secretRef", "token")
        : undefined;
    const file = options.serviceAccountTokenFile ?? defaultServiceAccountTokenFile;
    return {
      method: "kubernetes",
      mount,
      role,
      jwt: async () => jwt ?? (await readFile(file, "utf8")).trim(),
      ...ns,
    };
  }
  for (const method of ["ldap", "userPass"] as const) {
    const block = record(auth[method]);
    if (block === undefined) continue;
    const username = text(block.username);
    if (username === undefined) throw new Error(`${where}.${method}.username: required`);
    return {
      method: "userPass",
      mount: `auth/${text(block.path) ?? method.toLowerCase()}`,
      username,
      password: await secret(block.secretRef, `${method}.secretRef`),
      ...ns,
    };
  }
  const jwtAuth = record(auth.jwt);
  if (jwtAuth !== undefined) {
    const mount = `auth/${text(jwtAuth.path) ?? "jwt"}`;
    const role = text(jwtAuth.role) ?? "";
    if (jwtAuth.secretRef !== undefined) {
      const token = await secret(jwtAuth.secretRef, "jwt.secretRef");
      return { method: "jwt", mount, role, jwt: () => Promise.resolve(token), ...ns };
    }
    const request = record(jwtAuth.kubernetesServiceAccountToken);
    if (request === undefined) {
      throw new Error(
        `${where}.jwt: one of secretRef or kubernetesServiceAccountToken is required`,
      );
    }
    // Upstream's defaults: audience "vault", 10 minutes.
    const audiences = strings(request.audiences) ?? ["vault"];
    const seconds =
      typeof request.expirationSeconds === "number"
        ? request.expirationSeconds
        : serviceAccountTokenSeconds;
    const field = `${where}.jwt.kubernetesServiceAccountToken.serviceAccountRef`;
    return {
      method: "jwt",
      mount,
      role,
      jwt: async () =>
        (
          await serviceAccountToken(
            store,
            options,
            request.serviceAccountRef,
            field,
            audiences,
            seconds,
          )
        ).token,
      ...ns,
    };
  }
  for (const method of ["cert", "iam", "gcp"]) {
    if (auth[method] !== undefined)
      throw new Error(`${where}.${method}: not supported by this controller`);
  }
  return undefined;
}

// A reference with a namespace resolves there (only a ClusterSecretStore may name another one);
// without, in the store's namespace, or for a ClusterSecretStore in the object's (referent auth).
function refNamespace(
  store: SecretStore,
  selector: Json | undefined,
  options: StoreClientOptions,
): string {
  const named = text(selector?.namespace);
  if (store.kind === "ClusterSecretStore") return named ?? options.namespace;
  return store.metadata.namespace ?? options.namespace;
}

// `caBundle` (base64 PEM) or `caProvider` (a Secret or ConfigMap) of a block at `where`.
async function caBundle(
  store: SecretStore,
  block: Json,
  where: string,
  options: StoreClientOptions,
): Promise<string | undefined> {
  const inline = text(block.caBundle);
  if (inline !== undefined) return Buffer.from(inline, "base64").toString("utf8");
  const provider = record(block.caProvider);
  if (provider === undefined) return undefined;
  const name = text(provider.name);
  const key = text(provider.key) ?? "ca.crt";
  if (name === undefined) throw new Error(`${where}.caProvider.name: required`);
  if (store.kind === "ClusterSecretStore" && text(provider.namespace) === undefined)
    throw new Error("missing namespace on caProvider secret");
  const namespace = refNamespace(store, provider, options);
  return provider.type === "ConfigMap"
    ? options.credentials.configMapKey(namespace, name, key)
    : Buffer.from(await options.credentials.secretKey(namespace, name, key)).toString("utf8");
}

async function clientTls(
  store: SecretStore,
  tls: Json | undefined,
  options: StoreClientOptions,
): Promise<{ clientCert?: Uint8Array; clientKey?: Uint8Array }> {
  const cert = record(tls?.certSecretRef);
  const key = record(tls?.keySecretRef);
  if (cert === undefined && key === undefined) return {};
  if (cert === undefined || key === undefined)
    throw new Error("spec.provider.vault.tls: certSecretRef and keySecretRef go together");
  const read = (ref: Json, defaultKey: string): Promise<Uint8Array> =>
    options.credentials.secretKey(
      refNamespace(store, ref, options),
      text(ref.name) ?? "",
      text(ref.key) ?? defaultKey,
    );
  return { clientCert: await read(cert, "tls.crt"), clientKey: await read(key, "tls.key") };
}

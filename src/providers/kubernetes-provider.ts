import { KubeConfig } from "@kubernetes/client-node";
import { ApiError, KubeClient, type KubeClientOptions, type KubeObject } from "../kube/index.js";
import { gjsonGet } from "./gjson.js";
import {
  goJsonMarshal,
  isJsonObject,
  jsonValueToBytes,
  parseJson,
  type JsonValue,
} from "./json-values.js";
import {
  ProviderError,
  type FindRef,
  type PushRemoteRef,
  type PushSecretData,
  type RemoteRef,
  type SecretData,
  type SecretsProvider,
  type ValidationResult,
} from "./provider.js";
import { compileRe2 } from "./re2.js";

/** How to reach another cluster (ESO `provider.kubernetes.server` + `auth`), values resolved. */
export interface ClusterConnection {
  /** API server URL (ESO default `kubernetes.default`). */
  readonly server: string;
  /** PEM CA bundle of the API server. */
  readonly caBundle?: string | Uint8Array;
  /** Bearer token (`auth.token.bearerToken`, or one minted for `auth.serviceAccount`). */
  readonly token?: string;
  /** Client certificate and key, PEM (`auth.cert`). */
  readonly clientCert?: string | Uint8Array;
  readonly clientKey?: string | Uint8Array;
  /** Skip TLS verification (tests against plain-http local clusters need it for client-node). */
  readonly insecureSkipVerify?: boolean;
}

/**
 * A KubeClient for another cluster from its URL, CA and credentials (ESO's `server` + `auth`).
 * @throws Error for a malformed URL
 */
export function kubeClientForCluster(
  connection: ClusterConnection,
  options: KubeClientOptions = {},
): KubeClient {
  const kubeConfig = new KubeConfig();
  const text = (value: string | Uint8Array | undefined): string | undefined =>
    value === undefined ? undefined : Buffer.from(value).toString("base64");
  const caData = text(connection.caBundle);
  const certData = text(connection.clientCert);
  const keyData = text(connection.clientKey);
  kubeConfig.loadFromOptions({
    clusters: [
      {
        name: "remote",
        server: new URL(connection.server).toString().replace(/\/$/, ""),
        skipTLSVerify: connection.insecureSkipVerify === true,
        ...(caData === undefined ? {} : { caData }),
      },
    ],
    users: [
      {
        name: "remote",
        ...(connection.token === undefined ? {} : { token: connection.token }),
        ...(certData === undefined ? {} : { certData }),
        ...(keyData === undefined ? {} : { keyData }),
      },
    ],
    contexts: [{ name: "remote", cluster: "remote", user: "remote" }],
    currentContext: "remote",
  });
  return new KubeClient(kubeConfig, options);
}

/**
 * A KubeClient from a whole kubeconfig (ESO `authRef`).
 * @throws Error for a malformed kubeconfig or one without a current cluster
 */
export function kubeClientFromKubeconfig(
  kubeconfig: string,
  options: KubeClientOptions = {},
): KubeClient {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(kubeconfig);
  if (kubeConfig.getCurrentCluster() === null)
    throw new Error("the kubeconfig has no current cluster");
  return new KubeClient(kubeConfig, options);
}

/** ESO's `provider.kubernetes` with its client already built. */
export interface KubernetesProviderOptions {
  readonly client: KubeClient;
  /** `remoteNamespace` (default `default`). */
  readonly remoteNamespace?: string;
  /**
   * Whether a push's PushSecretMetadata may name another `remoteNamespace` (upstream allows it
   * for a ClusterSecretStore only: a SecretStore's pushes stay in its own remote namespace).
   */
  readonly allowNamespaceOverride?: boolean;
}

interface SecretObject extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

const secretRef = { apiVersion: "v1", kind: "Secret" } as const;

/**
 * Creates the Kubernetes provider (external-secrets.md §8.5): Secrets of `remoteNamespace` in the
 * cluster `client` talks to (this one, or another by URL). Reads the data as text; pushes
 * create or update the remote Secret (no ownership marker, as upstream).
 */
export function createKubernetesProvider(options: KubernetesProviderOptions): SecretsProvider {
  return new KubernetesProvider(options);
}

class KubernetesProvider implements SecretsProvider {
  readonly type = "kubernetes";
  readonly capabilities = "ReadWrite" as const;
  readonly #client: KubeClient;
  readonly #namespace: string;
  readonly #allowNamespaceOverride: boolean;

  constructor(options: KubernetesProviderOptions) {
    this.#client = options.client;
    this.#namespace = options.remoteNamespace ?? "default";
    this.#allowNamespaceOverride = options.allowNamespaceOverride === true;
  }

  async getSecret(ref: RemoteRef): Promise<Uint8Array> {
    const secret = await this.#get(ref.key);
    // ESO's data[] path reports a missing remote Secret as an error (only extract maps it to missing).
    if (secret === undefined) throw this.#notFound(ref.key);
    if (ref.metadataPolicy === "Fetch") return jsonValueToBytes(this.#metadataValue(secret, ref));
    const data = decodeData(secret);
    if (ref.property === undefined || ref.property === "")
      return Buffer.from(goJsonMarshal(textData(data)), "utf8");
    return this.#property(ref.key, data, ref.property);
  }

  async getSecretMap(ref: RemoteRef): Promise<Record<string, Uint8Array> | undefined> {
    const secret = await this.#get(ref.key);
    if (secret === undefined) return undefined;
    const data = decodeData(secret);
    if (ref.property === undefined || ref.property === "") return data;
    const object = parseOrUndefined(
      Buffer.from(this.#property(ref.key, data, ref.property)).toString("utf8"),
    );
    if (!isJsonObject(object)) {
      throw new ProviderError(
        "kubernetes",
        `cannot extract "${ref.key}": property "${ref.property}" is not a JSON object`,
      );
    }
    // Upstream writes every value JSON-encoded, strings with their quotes.
    return Object.fromEntries(
      Object.entries(object).map(([key, value]) => [key, Buffer.from(goJsonMarshal(value))]),
    );
  }

  async getAllSecrets(find: FindRef): Promise<Record<string, Uint8Array> | undefined> {
    const labelSelector =
      find.name === undefined && find.tags !== undefined
        ? Object.entries(find.tags)
            .map(([key, value]) => `${key}=${value}`)
            .join(",")
        : undefined;
    let pattern: RegExp | undefined;
    if (find.name !== undefined) {
      try {
        pattern = compileRe2(find.name.regexp);
      } catch (error) {
        throw new ProviderError("kubernetes", (error as Error).message, { cause: error });
      }
    }
    const list = await this.#call(`list Secrets in "${this.#namespace}"`, () =>
      this.#client.listAll<SecretObject>(
        { ...secretRef, namespace: this.#namespace },
        labelSelector === undefined ? {} : { labelSelector },
      ),
    );
    const out: Record<string, Uint8Array> = {};
    for (const secret of list.items) {
      const name = secret.metadata?.name ?? "";
      if (pattern !== undefined && !pattern.test(name)) continue;
      out[name] = Buffer.from(goJsonMarshal(textData(decodeData(secret))), "utf8");
    }
    return out;
  }

  async pushSecret(secret: SecretData, push: PushSecretData): Promise<void> {
    const name = push.remoteRef.remoteKey;
    const property = push.remoteRef.property;
    const updates: Record<string, Uint8Array> = {};
    if (push.secretKey !== undefined) {
      const value = secret[push.secretKey];
      if (value === undefined)
        throw new ProviderError(
          "kubernetes",
          `cannot push: the source Secret has no key "${push.secretKey}"`,
        );
      if (property === undefined || property === "") {
        throw new ProviderError(
          "kubernetes",
          `cannot push "${push.secretKey}" to "${name}": remoteRef.property is required with secretKey`,
        );
      }
      updates[property] = value;
    } else if (property !== undefined && property !== "") {
      updates[property] = Buffer.from(goJsonMarshal(textData(secret)), "utf8");
    } else Object.assign(updates, secret);
    const metadata = pushMetadata(push.metadata);
    const namespace =
      this.#allowNamespaceOverride && metadata.remoteNamespace !== undefined
        ? metadata.remoteNamespace
        : this.#namespace;
    const current = await this.#get(name, namespace);
    const data = { ...current?.data, ...encodeData(updates) };
    const labels = { ...current?.metadata?.labels, ...metadata.labels };
    const annotations = { ...current?.metadata?.annotations, ...metadata.annotations };
    const next: SecretObject = {
      ...secretRef,
      metadata: {
        ...current?.metadata,
        name,
        namespace,
        ...(Object.keys(labels).length === 0 ? {} : { labels }),
        ...(Object.keys(annotations).length === 0 ? {} : { annotations }),
      },
      type: current?.type ?? "Opaque",
      data,
    };
    if (current === undefined)
      await this.#call(`create Secret "${namespace}/${name}"`, () => this.#client.create(next));
    else if (goJsonMarshal(next) !== goJsonMarshal(current)) {
      await this.#call(`update Secret "${namespace}/${name}"`, () => this.#client.replace(next));
    }
  }

  async deleteSecret(ref: PushRemoteRef): Promise<void> {
    const current = await this.#get(ref.remoteKey);
    if (current === undefined) return;
    const objectRef = { ...secretRef, namespace: this.#namespace, name: ref.remoteKey };
    const property = ref.property;
    if (property !== undefined && property !== "") {
      const rest = Object.fromEntries(
        Object.entries(current.data ?? {}).filter(([key]) => key !== property),
      );
      if (Object.keys(rest).length > 0) {
        await this.#call(`update Secret "${this.#namespace}/${ref.remoteKey}"`, () =>
          this.#client.replace({ ...current, data: rest }),
        );
        return;
      }
    }
    await this.#call(`delete Secret "${this.#namespace}/${ref.remoteKey}"`, () =>
      this.#client.delete(objectRef),
    );
  }

  async secretExists(ref: PushRemoteRef): Promise<boolean> {
    const current = await this.#get(ref.remoteKey);
    if (current === undefined) return false;
    return (
      ref.property === undefined ||
      ref.property === "" ||
      Object.hasOwn(current.data ?? {}, ref.property)
    );
  }

  async validate(): Promise<ValidationResult> {
    try {
      const review = await this.#client.create<KubeObject & { status?: { allowed?: boolean } }>({
        apiVersion: "authorization.k8s.io/v1",
        kind: "SelfSubjectAccessReview",
        spec: {
          resourceAttributes: { namespace: this.#namespace, verb: "get", resource: "secrets" },
        },
      });
      return review.status?.allowed === true
        ? { status: "Ready" }
        : {
            status: "Error",
            message: `client is not allowed to get secrets in "${this.#namespace}"`,
          };
    } catch (error) {
      return {
        status: "Error",
        message: `cannot validate the kubernetes store: ${(error as Error).message}`,
      };
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  async #get(name: string, namespace = this.#namespace): Promise<SecretObject | undefined> {
    return this.#call(`get Secret "${namespace}/${name}"`, () =>
      this.#client.get<SecretObject>({ ...secretRef, namespace, name }),
    );
  }

  async #call<T>(action: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      const status = error instanceof ApiError ? error.code : undefined;
      const retryable = status === undefined || status === 429 || status >= 500;
      throw new ProviderError("kubernetes", `cannot ${action}: ${(error as Error).message}`, {
        ...(status === undefined ? {} : { status }),
        retryable,
        cause: error,
      });
    }
  }

  #notFound(name: string): ProviderError {
    return new ProviderError("kubernetes", `secrets "${name}" not found in "${this.#namespace}"`, {
      status: 404,
    });
  }

  /** An exact data key, else `<key>.<gjson path>` into a key that holds JSON. */
  #property(name: string, data: Record<string, Uint8Array>, property: string): Uint8Array {
    const exact = data[property];
    if (exact !== undefined) return exact;
    const dot = property.indexOf(".");
    const holder = dot === -1 ? undefined : data[property.slice(0, dot)];
    const parsed =
      holder === undefined ? undefined : parseOrUndefined(Buffer.from(holder).toString("utf8"));
    const found = parsed === undefined ? undefined : gjsonGet(parsed, property.slice(dot + 1));
    if (found === undefined) {
      throw new ProviderError(
        "kubernetes",
        `property "${property}" not found in secret "${this.#namespace}/${name}"`,
      );
    }
    return jsonValueToBytes(found);
  }

  #metadataValue(secret: SecretObject, ref: RemoteRef): JsonValue {
    const metadata: Record<string, JsonValue> = {
      annotations: { ...secret.metadata?.annotations },
      labels: { ...secret.metadata?.labels },
    };
    if (ref.property === undefined || ref.property === "") return goJsonMarshal(metadata);
    const found = gjsonGet(metadata, ref.property);
    if (found === undefined) {
      throw new ProviderError(
        "kubernetes",
        `property "${ref.property}" not found in the metadata of "${this.#namespace}/${ref.key}"`,
      );
    }
    return found;
  }
}

function decodeData(secret: { data?: Record<string, string> }): Record<string, Uint8Array> {
  return Object.fromEntries(
    Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, "base64")]),
  );
}

function encodeData(data: Readonly<Record<string, Uint8Array>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString("base64")]),
  );
}

function textData(data: Readonly<Record<string, Uint8Array>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString("utf8")]),
  );
}

function parseOrUndefined(text: string): JsonValue | undefined {
  try {
    return parseJson(text);
  } catch {
    return undefined;
  }
}

/**
 * `PushSecretMetadata` (kubernetes.external-secrets.io/v1alpha1): labels and annotations to merge,
 * and another `remoteNamespace` for the pushed Secret.
 */
function pushMetadata(metadata: unknown): {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  remoteNamespace?: string;
} {
  const spec = isJsonObject(metadata) ? metadata.spec : undefined;
  const pick = (field: string): Record<string, string> => {
    const value = isJsonObject(spec) ? spec[field] : undefined;
    if (typeof value !== "object" || value === null) return {};
    return Object.fromEntries(
      Object.entries(value).filter(
        (entry): entry is [string, string] => typeof entry[1] === "string",
      ),
    );
  };
  const remoteNamespace = isJsonObject(spec) ? spec.remoteNamespace : undefined;
  return {
    labels: pick("labels"),
    annotations: pick("annotations"),
    ...(typeof remoteNamespace === "string" && remoteNamespace !== "" ? { remoteNamespace } : {}),
  };
}

import { jsonString } from "../templating/index.js";
import { goJsonMarshal } from "./go-print.js";
import { isObject, omitKeys, sortedKeys, type JsonObject } from "./json.js";

/** The label that marks a Secret as an Argo CD cluster (value `cluster`). */
export const secretTypeLabel = "argocd.argoproj.io/secret-type";
/** Argo CD's in-cluster API server address. */
export const inClusterServer = "https://kubernetes.default.svc";
/** The name of the implicit in-cluster entry. */
export const inClusterName = "in-cluster";
const managedByAnnotation = "managed-by";
const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

/**
 * A cluster Secret as stored: its metadata and its data values decoded to text. The
 * ApplicationSet clusters generator reads exactly this (labels and annotations unfiltered,
 * `server` verbatim).
 */
export interface ClusterSecret {
  readonly secretName: string;
  readonly namespace: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** Every data key, base64-decoded (stringData folded in, as the API server does). */
  readonly data: Readonly<Record<string, string>>;
}

/** `tlsClientConfig` of a cluster config; the `*Data` values are base64 of PEM bytes. */
export interface TlsClientConfig {
  insecure: boolean;
  serverName?: string;
  certData?: string;
  keyData?: string;
  caData?: string;
}

/** The `config` JSON of a cluster Secret, in Argo CD's field order. */
export interface ClusterConfig {
  username?: string;
  password?: string;
  bearerToken?: string;
  tlsClientConfig: TlsClientConfig;
  awsAuthConfig?: { clusterName?: string; roleARN?: string; profile?: string };
  execProviderConfig?: {
    command?: string;
    args?: string[];
    env?: Record<string, string>;
    apiVersion?: string;
    installHint?: string;
    provideClusterInfo?: boolean;
    config?: JsonObject;
  };
  disableCompression?: boolean;
  proxyUrl?: string;
}

/** A cluster as Argo CD reads it from its Secret (util/db SecretToCluster). */
export interface Cluster {
  name: string;
  /** Trailing `/` removed, as Argo CD's API does. */
  server: string;
  namespaces: string[];
  clusterResources: boolean;
  project: string;
  shard?: number;
  config: ClusterConfig;
  /** Labels without the secret-type label. */
  labels: Record<string, string>;
  /** Annotations without last-applied-configuration and managed-by. */
  annotations: Record<string, string>;
}

/**
 * Reads a cluster Secret manifest (kind Secret, label `argocd.argoproj.io/secret-type: cluster`,
 * `data` in base64 and/or `stringData`).
 * @param where names the source in errors (a file path)
 * @throws Error naming the file, the Secret and the field (`"dir/a.yaml": secret "argocd/prod": data.server: ...`)
 */
export function readClusterSecret(manifest: unknown, where: string): ClusterSecret {
  if (!isObject(manifest) || manifest.kind !== "Secret") {
    throw new Error(`"${where}": not a Secret manifest`);
  }
  const metadata = isObject(manifest.metadata) ? manifest.metadata : {};
  const secretName = typeof metadata.name === "string" ? metadata.name : "";
  const namespace = typeof metadata.namespace === "string" ? metadata.namespace : undefined;
  const label = `"${where}": secret "${namespace === undefined ? "" : `${namespace}/`}${secretName}"`;
  const labels = stringMap(metadata.labels, `${label}: metadata.labels`);
  const annotations = stringMap(metadata.annotations, `${label}: metadata.annotations`);
  if (labels[secretTypeLabel] !== "cluster") {
    throw new Error(`${label}: metadata.labels: missing "${secretTypeLabel}: cluster"`);
  }
  const data: Record<string, string> = {};
  const encoded = stringMap(manifest.data, `${label}: data`);
  for (const [key, value] of Object.entries(encoded))
    data[key] = decodeBase64(value, `${label}: data.${key}`);
  Object.assign(data, stringMap(manifest.stringData, `${label}: stringData`));
  for (const key of ["name", "server"]) {
    if ((data[key] ?? "") === "") throw new Error(`${label}: data.${key}: missing`);
  }
  if ((data.config ?? "") !== "") parseClusterConfig(data.config ?? "", `${label}: data.config`);
  return { secretName, namespace, labels, annotations, data };
}

/**
 * Converts a cluster Secret into the cluster Argo CD sees (server without trailing `/`,
 * namespaces split on commas and trimmed, system labels and annotations dropped).
 * @throws Error when `config` is not a JSON object of the right shape
 */
export function secretToCluster(secret: ClusterSecret): Cluster {
  const { data } = secret;
  const labels = omitKeys({ ...secret.labels }, [secretTypeLabel]);
  const annotations = omitKeys({ ...secret.annotations }, [
    lastAppliedAnnotation,
    managedByAnnotation,
  ]);
  const cluster: Cluster = {
    name: data.name ?? "",
    server: (data.server ?? "").replace(/\/+$/, ""),
    namespaces: (data.namespaces ?? "")
      .split(",")
      .map((ns) => ns.trim())
      .filter((ns) => ns !== ""),
    clusterResources: data.clusterResources === "true",
    project: data.project ?? "",
    config:
      (data.config ?? "") === ""
        ? { tlsClientConfig: { insecure: false } }
        : parseClusterConfig(data.config ?? "", "config"),
    labels,
    annotations,
  };
  const shard = Number.parseInt(data.shard ?? "", 10);
  if (/^[-+]?\d+$/.test(data.shard ?? "") && Number.isSafeInteger(shard)) cluster.shard = shard;
  return cluster;
}

/**
 * Builds the Secret manifest Argo CD writes for a cluster (util/db clusterToSecret): data keys
 * server (trailing `/` removed), name (the server when empty), namespaces, config (Go JSON),
 * shard, clusterResources ("true" only), project; label secret-type=cluster; annotation
 * managed-by=argocd.argoproj.io unless `managedBy` is false. Data keys are sorted as Go writes them.
 * @throws Error when an annotation is the last-applied-configuration (Argo CD rejects it)
 */
export function clusterToSecret(
  cluster: Cluster,
  options: { secretName?: string; namespace?: string; managedBy?: boolean } = {},
): JsonObject {
  if ((cluster.annotations[lastAppliedAnnotation] ?? "") !== "") {
    throw new Error(`annotation ${lastAppliedAnnotation} cannot be set`);
  }
  const data: Record<string, string> = {
    server: cluster.server.replace(/\/+$/, ""),
    name: cluster.name === "" ? cluster.server : cluster.name,
    config: marshalClusterConfig(cluster.config),
  };
  if (cluster.namespaces.length > 0) data.namespaces = cluster.namespaces.join(",");
  if (cluster.shard !== undefined) data.shard = String(cluster.shard);
  if (cluster.clusterResources) data.clusterResources = "true";
  if (cluster.project !== "") data.project = cluster.project;
  const encoded: JsonObject = {};
  for (const key of sortedKeys(data))
    encoded[key] = Buffer.from(data[key] ?? "", "utf8").toString("base64");
  const annotations: Record<string, string> = { ...cluster.annotations };
  if (options.managedBy !== false) annotations[managedByAnnotation] = "argocd.argoproj.io";
  const labels: Record<string, string> = { ...cluster.labels, [secretTypeLabel]: "cluster" };
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: options.secretName ?? clusterSecretName(cluster.server),
      ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
      labels: sortedRecord(labels),
      annotations: sortedRecord(annotations),
    },
    type: "Opaque",
    data: encoded,
  };
}

/**
 * The Secret name Argo CD gives a cluster: `cluster-<host>-<fnv32a(url)>` (host lower-cased,
 * port dropped, IPv6 brackets removed and `:` replaced by `-`).
 * @throws Error when the URL is not absolute
 */
export function clusterSecretName(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new Error(`parse ${JSON.stringify(server)}: invalid URI for request`);
  }
  let host = url.host;
  if (host.startsWith("[")) host = host.slice(1, host.indexOf("]")).replaceAll(":", "-");
  else host = host.split(":")[0] ?? "";
  return `cluster-${host.toLowerCase()}-${fnv32a(server)}`;
}

/** 32-bit FNV-1a of the UTF-8 bytes of `text`, as Go's hash/fnv New32a. */
export function fnv32a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, "utf8")) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * Encodes a cluster config exactly as Go's json.Marshal encodes Argo CD's ClusterConfig: struct
 * field order, omitempty fields left out, `tlsClientConfig.insecure` always present.
 */
export function marshalClusterConfig(config: ClusterConfig): string {
  const parts: string[] = [];
  const add = (key: string, json: string | undefined): void => {
    if (json !== undefined) parts.push(`${jsonString(key, true)}:${json}`);
  };
  add("username", optionalString(config.username));
  add("password", optionalString(config.password));
  add("bearerToken", optionalString(config.bearerToken));
  add("tlsClientConfig", marshalTls(config.tlsClientConfig));
  add(
    "awsAuthConfig",
    config.awsAuthConfig === undefined ? undefined : marshalAws(config.awsAuthConfig),
  );
  add(
    "execProviderConfig",
    config.execProviderConfig === undefined ? undefined : marshalExec(config.execProviderConfig),
  );
  add("disableCompression", config.disableCompression === true ? "true" : undefined);
  add("proxyUrl", optionalString(config.proxyUrl));
  return `{${parts.join(",")}}`;
}

function marshalTls(tls: TlsClientConfig): string {
  const parts = [`"insecure":${tls.insecure ? "true" : "false"}`];
  for (const key of ["serverName", "certData", "keyData", "caData"] as const) {
    const value = optionalString(tls[key]);
    if (value !== undefined) parts.push(`${jsonString(key, true)}:${value}`);
  }
  return `{${parts.join(",")}}`;
}

function marshalAws(aws: NonNullable<ClusterConfig["awsAuthConfig"]>): string {
  const parts: string[] = [];
  for (const key of ["clusterName", "roleARN", "profile"] as const) {
    const value = optionalString(aws[key]);
    if (value !== undefined) parts.push(`${jsonString(key, true)}:${value}`);
  }
  return `{${parts.join(",")}}`;
}

function marshalExec(exec: NonNullable<ClusterConfig["execProviderConfig"]>): string {
  const parts: string[] = [];
  const add = (key: string, json: string | undefined): void => {
    if (json !== undefined) parts.push(`${jsonString(key, true)}:${json}`);
  };
  add("command", optionalString(exec.command));
  add(
    "args",
    exec.args !== undefined && exec.args.length > 0 ? goJsonMarshal(exec.args) : undefined,
  );
  add(
    "env",
    exec.env !== undefined && Object.keys(exec.env).length > 0
      ? goJsonMarshal(exec.env)
      : undefined,
  );
  add("apiVersion", optionalString(exec.apiVersion));
  add("installHint", optionalString(exec.installHint));
  add("provideClusterInfo", exec.provideClusterInfo === true ? "true" : undefined);
  add("config", exec.config === undefined ? undefined : goJsonMarshal(exec.config));
  return `{${parts.join(",")}}`;
}

function optionalString(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : jsonString(value, true);
}

/**
 * Parses the `config` JSON of a cluster Secret as Go's json.Unmarshal into ClusterConfig would:
 * strict JSON, an object, known fields type-checked, unknown fields ignored.
 * @throws Error naming `where` (never the value, which holds credentials)
 */
export function parseClusterConfig(text: string, where: string): ClusterConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${where}: not valid JSON (the value must be strict JSON, not YAML)`);
  }
  if (!isObject(value)) throw new Error(`${where}: must be a JSON object`);
  const config: ClusterConfig = { tlsClientConfig: { insecure: false } };
  for (const key of ["username", "password", "bearerToken", "proxyUrl"] as const) {
    const field = optionalField(value, key, "string", where);
    if (field !== undefined) config[key] = field as string;
  }
  const compression = optionalField(value, "disableCompression", "boolean", where);
  if (compression !== undefined) config.disableCompression = compression as boolean;
  const tls = value.tlsClientConfig;
  if (tls !== undefined && tls !== null) {
    if (!isObject(tls)) throw new Error(`${where}: tlsClientConfig must be an object`);
    const insecure = optionalField(tls, "insecure", "boolean", `${where}: tlsClientConfig`);
    config.tlsClientConfig.insecure = insecure === true;
    for (const key of ["serverName", "certData", "keyData", "caData"] as const) {
      const field = optionalField(tls, key, "string", `${where}: tlsClientConfig`);
      if (field === undefined) continue;
      // Go holds these as []byte: base64 is decoded on read and re-encoded canonically on write.
      config.tlsClientConfig[key] =
        key === "serverName"
          ? (field as string)
          : decodeBase64Bytes(field as string, `${where}: tlsClientConfig.${key}`).toString(
              "base64",
            );
    }
  }
  if (isObject(value.awsAuthConfig)) config.awsAuthConfig = value.awsAuthConfig;
  if (isObject(value.execProviderConfig)) config.execProviderConfig = value.execProviderConfig;
  return config;
}

function optionalField(
  object: JsonObject,
  key: string,
  type: "string" | "boolean",
  where: string,
): unknown {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== type) throw new Error(`${where}: ${key} must be a ${type}`);
  return value;
}

function stringMap(value: unknown, where: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new Error(`${where}: must be a map of strings`);
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== "string") throw new Error(`${where}.${key}: must be a string`);
    out[key] = item;
  }
  return out;
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of sortedKeys(record)) out[key] = record[key] ?? "";
  return out;
}

/**
 * Decodes standard base64 strictly, as Kubernetes does for Secret data.
 * @throws Error naming `where` and the offending byte offset (never the value)
 */
function decodeBase64(text: string, where: string): string {
  return decodeBase64Bytes(text, where).toString("utf8");
}

function decodeBase64Bytes(text: string, where: string): Buffer {
  const clean = text.replace(/[\r\n]/g, "");
  const bad = clean.search(/[^A-Za-z0-9+/=]/);
  const padding = clean.indexOf("=");
  if (bad >= 0) throw new Error(`${where}: illegal base64 data at input byte ${bad}`);
  if (clean.length % 4 !== 0 || (padding >= 0 && !/^=*$/.test(clean.slice(padding)))) {
    throw new Error(
      `${where}: illegal base64 data at input byte ${Math.max(padding, clean.length - (clean.length % 4))}`,
    );
  }
  return Buffer.from(clean, "base64");
}

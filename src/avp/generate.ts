import { mkdir, readdir, readFile, lstat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { compileRe2 } from "../providers/index.js";
import {
  createKubernetesSecretBackend,
  createSopsBackend,
  createVaultBackend,
  splitSecretName,
  type AvpVaultAuth,
  sopsFileDecrypter,
  type SecretReader,
  type TokenCache,
} from "./backends.js";
import { ConfigError, loadSettings, type AvpSettings } from "./config.js";
import { readManifests } from "./manifest-reader.js";
import { annotations, parseGoBool, replacePlaceholders, type AvpBackend } from "./substitute.js";
import { isAvpObject, toYamlNode, type AvpObject } from "./value.js";
import { emitYamlDocument } from "./yaml-emitter.js";

/** A failed `avp generate` run; the message is what AVP prints after `Error: `. */
export class AvpError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "AvpError";
  }
}

/** Everything one `avp generate` run needs from the outside world. */
export interface GenerateRequest {
  /** A file or directory to walk, or `-` for stdin. */
  readonly path: string;
  readonly readStdin: () => Promise<Uint8Array>;
  /** `--config-path`. */
  readonly configPath?: string;
  /** `--secret-name` (`name` in argocd, or `namespace:name`). */
  readonly secretName?: string;
  /** `--disable-token-cache`. */
  readonly disableTokenCache?: boolean;
  /** The process environment (read once by the CLI). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Home directory, for the token cache in `~/.avp`. */
  readonly home: string;
  /** Writes to stdout (manifests only). */
  readonly write: (text: string) => void;
  /** `--verbose-sensitive-output`: receives every step, credentials and values included. */
  readonly verbose?: (message: string) => void;
  /** Reads Kubernetes Secrets (config Secret, `kubernetessecret` backend); undefined when no cluster. */
  readonly readSecret?: SecretReader;
}

const manifestExtensions = [".yaml", ".yml", ".json"];

/** Go's `filepath.Ext`: from the last dot of the last path element. */
function hasManifestExtension(path: string): boolean {
  const base = path.slice(path.lastIndexOf("/") + 1);
  const dot = base.lastIndexOf(".");
  return dot >= 0 && manifestExtensions.includes(base.slice(dot));
}

/** Go's `filepath.Walk` over `root`, keeping entries named `*.yaml`, `*.yml`, `*.json` (directories too). */
export async function listManifestFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  const visit = async (path: string): Promise<void> => {
    if (hasManifestExtension(path)) files.push(path);
    let entries: string[];
    try {
      if (!(await lstat(path)).isDirectory()) return;
      entries = await readdir(path);
    } catch {
      return;
    }
    for (const name of entries.sort()) await visit(join(path, name));
  };
  await visit(root);
  return files;
}

function goFileError(error: unknown, path: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return `open ${path}: no such file or directory`;
  if (code === "EISDIR") return `read ${path}: is a directory`;
  if (code === "EACCES") return `open ${path}: permission denied`;
  return (error as Error).message;
}

/** A manifest and the file it came from (`-` for stdin). */
interface SourcedManifest {
  readonly manifest: AvpObject;
  readonly source: string;
}

async function readInputs(request: GenerateRequest): Promise<SourcedManifest[]> {
  if (request.path === "-") {
    try {
      return readManifests(await request.readStdin()).map((manifest) => ({
        manifest,
        source: "-",
      }));
    } catch (error) {
      throw new AvpError((error as Error).message, { cause: error });
    }
  }
  const files = await listManifestFiles(request.path);
  if (files.length === 0) throw new AvpError(`no YAML or JSON files were found in ${request.path}`);
  const manifests: SourcedManifest[] = [];
  const problems: string[] = [];
  for (const file of files) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (error) {
      problems.push(`could not read file: ${file} from disk: ${goFileError(error, file)}`);
      continue;
    }
    try {
      manifests.push(...readManifests(bytes).map((manifest) => ({ manifest, source: file })));
    } catch (error) {
      problems.push(`could not read file: ${file} from disk: ${(error as Error).message}`);
    }
  }
  if (problems.length > 0)
    throw new AvpError(`could not read YAML/JSON files:\n${problems.join("\n")}`);
  return manifests;
}

async function loadConfiguration(request: GenerateRequest): Promise<AvpSettings> {
  let secretData: Record<string, string> | undefined;
  if (request.secretName !== undefined && request.secretName !== "") {
    request.verbose?.(`reading configuration from secret ${request.secretName}`);
    if (request.readSecret === undefined) {
      throw new AvpError(
        "could not connect to local Kubernetes cluster to read Secret: unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined",
      );
    }
    const { namespace, name } = splitSecretName(request.secretName);
    const data = await request.readSecret(namespace, name);
    secretData = Object.fromEntries(
      Object.entries(data).map(([key, bytes]) => [key, Buffer.from(bytes).toString("utf8")]),
    );
  }
  let configFile: { path: string; text: string } | undefined;
  if (request.configPath !== undefined && request.configPath !== "") {
    request.verbose?.(
      `reading configuration from config file ${request.configPath}, overriding any previous settings`,
    );
    try {
      configFile = { path: request.configPath, text: await readFile(request.configPath, "utf8") };
    } catch (error) {
      throw new AvpError(goFileError(error, request.configPath), { cause: error });
    }
  }
  return loadSettings({
    env: request.env,
    ...(configFile === undefined ? {} : { configFile }),
    ...(secretData === undefined ? {} : { secretData }),
  });
}

/** AVP's token cache in `<home>/.avp/<id>_config.json` (directory 0755, file 0644). */
export function fileTokenCache(home: string): TokenCache {
  const directory = join(home, ".avp");
  const file = (identifier: string): string => join(directory, `${identifier}_config.json`);
  return {
    async read(identifier) {
      const parsed = JSON.parse(await readFile(file(identifier), "utf8")) as {
        vault_token?: unknown;
      };
      return typeof parsed.vault_token === "string" ? parsed.vault_token : undefined;
    },
    async write(identifier, token) {
      await mkdir(directory, { recursive: true, mode: 0o755 });
      await writeFile(file(identifier), JSON.stringify({ vault_token: token }, null, " "), {
        mode: 0o644,
      });
    },
  };
}

function vaultAuth(
  settings: AvpSettings,
  readJwt: (path: string) => Promise<string>,
): AvpVaultAuth {
  const authType = settings.get("AVP_AUTH_TYPE").trim();
  const mountPath = settings.get("AVP_MOUNT_PATH");
  switch (authType) {
    case "approle":
      if (!settings.isSet("AVP_ROLE_ID") || !settings.isSet("AVP_SECRET_ID")) {
        throw new ConfigError(
          "AVP_ROLE_ID and AVP_SECRET_ID for approle authentication cannot be empty",
        );
      }
      return {
        type: "approle",
        roleId: settings.get("AVP_ROLE_ID"),
        secretId: settings.get("AVP_SECRET_ID"),
        mountPath,
      };
    case "github":
      if (!settings.isSet("AVP_GITHUB_TOKEN"))
        throw new ConfigError("AVP_GITHUB_TOKEN for github authentication cannot be empty");
      return { type: "github", token: settings.get("AVP_GITHUB_TOKEN"), mountPath };
    case "k8s": {
      if (!settings.isSet("AVP_K8S_ROLE"))
        throw new ConfigError("AVP_K8S_ROLE cannot be empty when using Kubernetes Auth");
      const tokenPath =
        settings.get("AVP_K8S_TOKEN_PATH") || "/var/run/secrets/kubernetes.io/serviceaccount/token";
      return {
        type: "k8s",
        role: settings.get("AVP_K8S_ROLE"),
        mountPath: settings.isSet("AVP_K8S_MOUNT_PATH")
          ? settings.get("AVP_K8S_MOUNT_PATH")
          : mountPath,
        jwt: async () => (await readJwt(tokenPath)).trim(),
      };
    }
    case "token":
      if (!settings.isSet("VAULT_TOKEN"))
        throw new ConfigError("VAULT_TOKEN for token authentication cannot be empty");
      return { type: "token" };
    case "userpass":
      if (!settings.isSet("AVP_USERNAME") || !settings.isSet("AVP_PASSWORD")) {
        throw new ConfigError(
          "AVP_USERNAME and AVP_PASSWORD for userpass authentication cannot be empty",
        );
      }
      return {
        type: "userpass",
        username: settings.get("AVP_USERNAME"),
        password: settings.get("AVP_PASSWORD"),
        mountPath,
      };
    default:
      throw new ConfigError(`Must provide a supported Authentication Type, received ${authType}`);
  }
}

/** Go's time.ParseDuration for the common forms, or plain seconds (VAULT_CLIENT_TIMEOUT). */
function parseTimeout(text: string | undefined): number {
  if (text === undefined || text === "") return 60_000;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g))
    total += Number(amount) * (units[unit ?? "s"] ?? 1000);
  return total > 0 ? total : 60_000;
}

async function vaultClientOptions(
  env: Readonly<Record<string, string>>,
): Promise<Parameters<typeof createVaultBackend>[0]["client"]> {
  const read = async (variable: string): Promise<Buffer | undefined> => {
    const path = env[variable];
    if (path === undefined || path === "") return undefined;
    try {
      return await readFile(path);
    } catch (error) {
      throw new ConfigError(`cannot read ${variable} "${path}": ${goFileError(error, path)}`);
    }
  };
  const skipVerify = env.VAULT_SKIP_VERIFY;
  if (
    skipVerify !== undefined &&
    skipVerify !== "" &&
    !/^(1|t|T|TRUE|true|True|0|f|F|FALSE|false|False)$/.test(skipVerify)
  ) {
    throw new ConfigError(`could not parse VAULT_SKIP_VERIFY: "${skipVerify}" is not a boolean`);
  }
  const caBundle = await read("VAULT_CACERT");
  const clientCert = await read("VAULT_CLIENT_CERT");
  const clientKey = await read("VAULT_CLIENT_KEY");
  const retries = Number(env.VAULT_MAX_RETRIES ?? "2");
  return {
    address: env.VAULT_ADDR ?? "https://127.0.0.1:8200",
    ...(env.VAULT_NAMESPACE === undefined || env.VAULT_NAMESPACE === ""
      ? {}
      : { namespace: env.VAULT_NAMESPACE }),
    ...(caBundle === undefined ? {} : { caBundle }),
    ...(clientCert === undefined ? {} : { clientCert }),
    ...(clientKey === undefined ? {} : { clientKey }),
    insecureSkipVerify: parseGoBool(skipVerify),
    timeoutMs: parseTimeout(env.VAULT_CLIENT_TIMEOUT),
    retries: Number.isInteger(retries) && retries >= 0 ? retries : 2,
    ...(env.VAULT_TOKEN === undefined || env.VAULT_TOKEN === "" ? {} : { token: env.VAULT_TOKEN }),
  };
}

/**
 * Creates the backend AVP_TYPE names (vault, kubernetessecret, sops); each reads a path once per run.
 * @throws ConfigError with AVP's messages for missing settings and unknown types
 */
export async function createBackend(
  settings: AvpSettings,
  request: Pick<GenerateRequest, "disableTokenCache" | "home" | "verbose" | "readSecret">,
): Promise<AvpBackend & { close?: () => Promise<void> }> {
  const type = settings.get("AVP_TYPE").trim();
  switch (type) {
    case "vault": {
      const auth = vaultAuth(settings, (path) => readFile(path, "utf8"));
      const backend = createVaultBackend({
        client: await vaultClientOptions(settings.env),
        auth,
        kvVersion: settings.get("AVP_KV_VERSION"),
        ...(request.disableTokenCache === true ? {} : { tokenCache: fileTokenCache(request.home) }),
        ...(request.verbose === undefined ? {} : { verbose: request.verbose }),
      });
      return backend;
    }
    case "kubernetessecret": {
      const read = request.readSecret;
      if (read === undefined) {
        throw new ConfigError(
          "Failed to perform login for kubernetes secret backend: could not connect to local Kubernetes cluster to read Secret: unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined",
        );
      }
      return createKubernetesSecretBackend(read, request.verbose);
    }
    case "sops":
      return createSopsBackend(sopsFileDecrypter(settings.env), request.verbose);
    case "ibmsecretsmanager":
    case "awssecretsmanager":
    case "gcpsecretmanager":
    case "azurekeyvault":
    case "yandexcloudlockbox":
    case "1passwordconnect":
    case "keepersecretsmanager":
    case "delineasecretserver":
      throw new ConfigError(
        `AVP_TYPE ${type} is not supported by secretfleet (supported: vault, kubernetessecret, sops)`,
      );
    default:
      throw new ConfigError(
        `Must provide a supported Vault Type, received ${settings.get("AVP_TYPE")}`,
      );
  }
}

/** `avp.kubernetes.io/*` annotations, or none when any annotation is not a string (as upstream). */
function annotationsOf(manifest: AvpObject): Record<string, string> {
  const metadata = manifest.metadata;
  if (!isAvpObject(metadata)) return {};
  const notes = metadata.annotations;
  if (!isAvpObject(notes)) return {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(notes)) {
    if (typeof value !== "string") return {};
    out[key] = value;
  }
  return out;
}

async function renderManifest(
  manifest: AvpObject,
  backend: AvpBackend,
  settings: AvpSettings,
  verbose: ((message: string) => void) | undefined,
): Promise<string> {
  const validation = settings.get("AVP_PATH_VALIDATION");
  let pathValidation: RegExp | undefined;
  if (validation !== "") {
    try {
      pathValidation = compileRe2(validation);
    } catch (error) {
      throw new AvpError(
        `${validation} is not a valid regular expression: ${(error as Error).message}`,
      );
    }
  }
  const notes = annotationsOf(manifest);
  const path = notes[annotations.path] ?? "";
  let data: AvpObject | undefined;
  if (path !== "") {
    if (pathValidation !== undefined && !pathValidation.test(path)) {
      throw new AvpError(`the path ${path} is disallowed by AVP_PATH_VALIDATION restriction`);
    }
    data = await backend.getSecrets(path, notes[annotations.secretVersion] ?? "", notes);
    verbose?.(
      `calling GetSecrets to get all secrets from backend because ${annotations.path} is set to ${path}`,
    );
  }
  if (parseGoBool(notes[annotations.ignore])) {
    verbose?.(
      `skipping ${stringField(manifest, "namespace")}.${stringField(manifest, "name")} because ${annotations.ignore} annotation is present`,
    );
  } else {
    await replacePlaceholders(manifest, {
      kind: kindOf(manifest),
      annotations: notes,
      data,
      backend,
      pathValidation,
      ...(verbose === undefined ? {} : { verbose }),
    });
  }
  try {
    return emitYamlDocument(toYamlNode(manifest));
  } catch (error) {
    throw new AvpError(
      `ToYAML: could not export ${kindOf(manifest)} into YAML: ${(error as Error).message}`,
    );
  }
}

function kindOf(manifest: AvpObject): string {
  return typeof manifest.kind === "string" ? manifest.kind : "";
}

function describe(manifest: AvpObject): string {
  const namespace = stringField(manifest, "namespace");
  const name = stringField(manifest, "name");
  return `${kindOf(manifest)} "${namespace === "" ? name : `${namespace}/${name}`}"`;
}

function stringField(manifest: AvpObject, field: string): string {
  const metadata = manifest.metadata;
  const value = isAvpObject(metadata) ? metadata[field] : undefined;
  return typeof value === "string" ? value : "";
}

/**
 * `argocd-vault-plugin generate`: reads the manifests, loads the configuration, logs in to the
 * backend, then substitutes and prints each manifest followed by `---`. Manifests printed before
 * a failure stay printed (Argo CD discards the output of a failed run).
 * @throws AvpError (or ConfigError / a backend error) with AVP's message
 */
export async function generate(request: GenerateRequest): Promise<void> {
  const manifests = await readInputs(request);
  const settings = await loadConfiguration(request);
  if (request.verbose !== undefined) {
    request.verbose("AVP configured with the following settings:\n");
    for (const [key, value] of Object.entries(settings.all)) request.verbose(`${key}: ${value}\n`);
  }
  const backend = await createBackend(settings, request);
  try {
    await backend.login();
    for (const { manifest, source } of manifests) {
      let rendered: string;
      try {
        rendered = await renderManifest(manifest, backend, settings, request.verbose);
      } catch (error) {
        // Upstream's message first (scripts match on it), then where the manifest came from.
        const message = `${(error as Error).message}\n(in ${describe(manifest)} from ${source === "-" ? "stdin" : source})`;
        throw new AvpError(message, { cause: error });
      }
      request.write(`${rendered}---\n`);
    }
  } finally {
    await backend.close?.();
  }
}

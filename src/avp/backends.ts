import {
  avpReadPath,
  goJsonFloat,
  isJsonObject,
  VaultClient,
  type VaultAuth,
  type VaultClientOptions,
} from "../providers/index.js";
import { annotations, type AvpBackend } from "./substitute.js";
import { isAvpObject, unstructuredNumber, type AvpObject, type AvpValue } from "./value.js";

/**
 * Remembers one read per key for the length of a run (failures too), so that a path named by many
 * manifests and inline placeholders costs one backend call. Upstream re-reads the whole secret for
 * every inline placeholder.
 */
function memoise<T>(read: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const cache = new Map<string, Promise<T>>();
  return (key) => {
    let entry = cache.get(key);
    if (entry === undefined) {
      entry = read(key);
      cache.set(key, entry);
    }
    return entry;
  };
}

/** Token cache of AVP: `~/.avp/<id>_config.json` holding `{"vault_token": "…"}`. */
export interface TokenCache {
  read(identifier: string): Promise<string | undefined>;
  write(identifier: string, token: string): Promise<void>;
}

/** AVP's Vault login methods (`AVP_AUTH_TYPE`) with what each needs. */
export type AvpVaultAuth =
  | { readonly type: "token" }
  | {
      readonly type: "approle";
      readonly roleId: string;
      readonly secretId: string;
      readonly mountPath: string;
    }
  | { readonly type: "github"; readonly token: string; readonly mountPath: string }
  | {
      readonly type: "k8s";
      readonly role: string;
      readonly mountPath: string;
      readonly jwt: () => Promise<string>;
    }
  | {
      readonly type: "userpass";
      readonly username: string;
      readonly password: string;
      readonly mountPath: string;
    };

/** Options of {@link createVaultBackend}. */
export interface VaultBackendOptions {
  /** The Vault client settings (address, namespace, TLS, VAULT_TOKEN as a static token). */
  readonly client: Omit<VaultClientOptions, "auth"> & { readonly token?: string };
  readonly auth: AvpVaultAuth;
  /** `AVP_KV_VERSION` (overridden per manifest by `avp.kubernetes.io/kv-version`). */
  readonly kvVersion: string;
  /** Undefined disables the cache (`--disable-token-cache`). */
  readonly tokenCache?: TokenCache;
  readonly verbose?: (message: string) => void;
}

const mountOf = (path: string): { mount?: string } => (path === "" ? {} : { mount: path });

function clientAuth(auth: AvpVaultAuth, token: string | undefined): VaultAuth | undefined {
  switch (auth.type) {
    case "token":
      return token === undefined ? undefined : { method: "token", token };
    case "approle":
      return {
        method: "appRole",
        ...mountOf(auth.mountPath),
        roleId: auth.roleId,
        secretId: auth.secretId,
      };
    case "github":
      return { method: "github", ...mountOf(auth.mountPath), token: auth.token };
    case "k8s":
      return { method: "kubernetes", ...mountOf(auth.mountPath), role: auth.role, jwt: auth.jwt };
    case "userpass":
      return {
        method: "userPass",
        ...mountOf(auth.mountPath),
        username: auth.username,
        password: auth.password,
      };
  }
}

function cacheIdentifier(auth: AvpVaultAuth): string | undefined {
  switch (auth.type) {
    case "token":
      return undefined;
    case "approle":
      return `approle_${auth.roleId}`;
    case "github":
      return "github";
    case "k8s":
      return "kubernetes";
    case "userpass":
      return `userpass_${auth.username}`;
  }
}

/**
 * argocd-vault-plugin's Vault backend: the manifest's path is the literal Vault API path
 * (`kv/data/app` on KV v2), `?version=` only on KV v2, and upstream's error texts.
 */
export function createVaultBackend(
  options: VaultBackendOptions,
): AvpBackend & { close(): Promise<void> } {
  const auth = clientAuth(options.auth, options.client.token);
  const client = new VaultClient({ ...options.client, ...(auth === undefined ? {} : { auth }) });
  const verbose = options.verbose;
  const read = memoise(async (key: string) => {
    const [path = "", version = ""] = JSON.parse(key) as string[];
    return client.read(avpReadPath(path), version === "" ? undefined : { version });
  });
  return {
    async login() {
      const identifier = cacheIdentifier(options.auth);
      if (identifier === undefined) return;
      const cached = await options.tokenCache?.read(identifier).catch(() => undefined);
      if (cached !== undefined) {
        client.setToken(cached);
        try {
          await client.lookupSelf();
          return;
        } catch (error) {
          verbose?.(
            `Hashicorp Vault cannot retrieve cached token: ${(error as Error).message}. Generating a new one`,
          );
        }
      }
      const info = await client.login();
      verbose?.(`Hashicorp Vault authentication response: ${JSON.stringify(info)}`);
      await options.tokenCache?.write(identifier, info.clientToken).catch((error: unknown) => {
        verbose?.(
          `Hashicorp Vault cannot cache token for future runs: ${(error as Error).message}`,
        );
      });
    },
    async getSecrets(path, version, notes) {
      const kvVersion = Object.hasOwn(notes, annotations.kvVersion)
        ? (notes[annotations.kvVersion] ?? "")
        : options.kvVersion;
      const versioned = version !== "" && kvVersion === "2";
      verbose?.(
        `Hashicorp Vault getting kv pairs from KV-V${versioned ? "2" : "1"} path ${path}${versioned ? ` at version ${version}` : ""}`,
      );
      const secret = await read(JSON.stringify([path, versioned ? version : ""]));
      verbose?.(`Hashicorp Vault get kv pairs response: ${JSON.stringify(secret?.data ?? null)}`);
      if (secret === undefined) {
        if (version === "" || kvVersion === "1")
          throw new Error(`Could not find secrets at path ${path}`);
        throw new Error(`Could not find secrets at path ${path} with version ${version}`);
      }
      const data = secret.data ?? {};
      if (kvVersion === "2") {
        if (Object.hasOwn(data, "data")) {
          const inner = data.data;
          if (inner !== null && inner !== undefined) {
            if (!isJsonObject(inner))
              throw new Error(`The secret at Vault path ${path} is not a map`);
            return inner;
          }
          throw new Error(
            `The secret version ${version} for Vault path ${path} is nil - is this version of the secret deleted?`,
          );
        }
        if (Object.keys(data).length === 0) {
          throw new Error(
            `The Vault path: ${path} is empty - did you forget to include /data/ in the Vault path for kv-v2?`,
          );
        }
        throw new Error("Could not get data from Vault, check that kv-v2 is the correct engine");
      }
      if (kvVersion === "1") return data;
      throw new Error("Unsupported kvVersion specified");
    },
    async getIndividualSecret(path, key, version, notes) {
      const data = await this.getSecrets(path, version, notes);
      return Object.hasOwn(data, key) ? data[key] : undefined;
    },
    close: () => client.close({ revoke: false }),
  };
}

/** Reads a Kubernetes Secret's data (`namespace`, `name`) → bytes by key. */
export type SecretReader = (namespace: string, name: string) => Promise<Record<string, Uint8Array>>;

/** `name` → (argocd, name); `namespace:name` → (namespace, name), as AVP splits Secret names. */
export function splitSecretName(input: string): { namespace: string; name: string } {
  const parts = input.split(":");
  if (parts.length === 2) return { namespace: parts[0] ?? "", name: parts[1] ?? "" };
  return { namespace: "argocd", name: parts[0] ?? "" };
}

/** AVP's `kubernetessecret` backend: the path names a Secret; values are its data as text. */
export function createKubernetesSecretBackend(
  reader: SecretReader,
  verbose?: (message: string) => void,
): AvpBackend {
  const read = memoise((path: string) => {
    const { namespace, name } = splitSecretName(path);
    return reader(namespace, name);
  });
  return {
    login: () => Promise.resolve(),
    async getSecrets(path) {
      verbose?.(`K8s Secret getting secret: ${path}`);
      const data = await read(path);
      return Object.fromEntries(
        Object.entries(data).map(([key, bytes]) => [key, Buffer.from(bytes).toString("utf8")]),
      );
    },
    async getIndividualSecret(path, key, version, notes) {
      const data = await this.getSecrets(path, version, notes);
      return Object.hasOwn(data, key) ? data[key] : undefined;
    },
  };
}

/** Decrypts the SOPS file at `path` (read as YAML, as AVP does) to its first document. */
export type SopsDecrypt = (path: string) => Promise<AvpValue>;

/**
 * AVP's `sops` backend: the path is a SOPS-encrypted file (relative to the working directory, the
 * application's folder under Argo CD); its top-level keys are the values.
 */
export function createSopsBackend(
  decryptFile: SopsDecrypt,
  verbose?: (message: string) => void,
): AvpBackend {
  const decrypt = memoise(decryptFile);
  return {
    login: () => Promise.resolve(),
    async getSecrets(path, version) {
      verbose?.(`Local secret manager getting secret ${path} at version ${version}`);
      let value: AvpValue;
      try {
        value = await decrypt(path);
      } catch (error) {
        throw new Error(`Could not find file ${path} - ${(error as Error).message}`, {
          cause: error,
        });
      }
      if (value === null) return {};
      if (!isAvpObject(value)) {
        throw new Error(
          "error unmarshaling JSON: json: cannot unmarshal array into Go value of type map[string]interface {}",
        );
      }
      return value;
    },
    async getIndividualSecret(path, key, version, notes) {
      const data = await this.getSecrets(path, version, notes);
      return Object.hasOwn(data, key) ? data[key] : undefined;
    },
  };
}

/**
 * A {@link SopsDecrypt} over src/sops: decrypts with the keys the environment names
 * (`SOPS_AGE_KEY_FILE`, `SOPS_AGE_KEY`, GnuPG), then converts the first document as AVP's
 * YAML → JSON → unstructured round trip would (integers int64, comments dropped).
 */
export function sopsFileDecrypter(env: Readonly<Record<string, string>>): SopsDecrypt {
  return async (path) => {
    const sops = await import("../sops/index.js");
    const { readFile } = await import("node:fs/promises");
    const decrypted = await sops.decryptFile(await readFile(path), {
      format: "yaml",
      env: { ...env },
    });
    const first = decrypted.documents[0];
    return first === undefined ? null : sopsTreeToValue(first);
  };
}

type SopsTree = import("../sops/index.js").TreeValue;

/** A decrypted SOPS tree as AVP values (numbers as Kubernetes' unstructured decoder keeps them). */
export function sopsTreeToValue(tree: SopsTree): AvpValue {
  if (tree === null || typeof tree === "string" || typeof tree === "boolean") return tree;
  if (tree instanceof Uint8Array) return Buffer.from(tree).toString("utf8");
  switch (tree.kind) {
    case "map": {
      const out: AvpObject = {};
      for (const item of tree.items) {
        if (typeof item.key === "string") out[item.key] = sopsTreeToValue(item.value);
        else if (item.key.kind === "nonstring") out[item.key.text] = sopsTreeToValue(item.value);
      }
      return out;
    }
    case "list":
      return tree.items.flatMap((item) =>
        typeof item === "object" &&
        item !== null &&
        !(item instanceof Uint8Array) &&
        item.kind === "comment"
          ? []
          : [sopsTreeToValue(item)],
      );
    case "int":
      return unstructuredNumber(tree.value.toString());
    case "float":
      return unstructuredNumber(goJsonFloat(tree.value));
    case "time":
      return tree.text;
    case "unsupported":
      return unstructuredNumber(tree.text);
  }
}

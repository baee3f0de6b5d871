import { createPrivateKey, randomInt, type KeyObject, type X509Certificate } from "node:crypto";
import { parseCertificates } from "./certificate.js";
import { publicKeyFingerprint } from "./fingerprint.js";
import { decodeGoBase64 } from "./go-base64.js";
import { pemBlocks } from "./pem.js";
import type { SealingKey } from "./sealing-key.js";
import type { Secret } from "./types.js";

/** Label that marks key Secrets; only the value `active` is loaded by the controller. */
export const sealingKeyLabel = "sealedsecrets.bitnami.com/sealed-secrets-key";
/** The controller's default `--key-prefix`: generateName of new keys and the legacy key's name. */
export const defaultKeyPrefix = "sealed-secrets-key";
/** Namespace where the upstream static manifests run the controller. */
export const defaultControllerNamespace = "kube-system";

// Go's type names, which upstream prints for keys it cannot use.
const GO_KEY_TYPES: Partial<Record<string, string>> = {
  ec: "*ecdsa.PrivateKey",
  ed25519: "ed25519.PrivateKey",
  dsa: "*dsa.PrivateKey",
};

/**
 * Parses the first private key of a PEM text (`RSA PRIVATE KEY` PKCS#1, `PRIVATE KEY` PKCS#8 or
 * `EC PRIVATE KEY`), as client-go's `ParsePrivateKeyPEM` does, and requires it to be RSA.
 * @throws Error `data does not contain a valid RSA or EC private key` when no block parses;
 *   `unexpected private key type <Go type>` for a non-RSA key
 */
export function parsePrivateKeyPem(pem: string | Uint8Array): KeyObject {
  const text = typeof pem === "string" ? pem : Buffer.from(pem).toString("latin1");
  for (const block of pemBlocks(text)) {
    const type =
      block.type === "RSA PRIVATE KEY"
        ? "pkcs1"
        : block.type === "PRIVATE KEY"
          ? "pkcs8"
          : block.type === "EC PRIVATE KEY"
            ? "sec1"
            : undefined;
    if (type === undefined) continue;
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: block.der, format: "der", type });
    } catch {
      continue;
    }
    if (key.asymmetricKeyType !== "rsa") {
      const goType = GO_KEY_TYPES[key.asymmetricKeyType ?? ""] ?? String(key.asymmetricKeyType);
      throw new Error(`unexpected private key type ${goType}`);
    }
    return key;
  }
  throw new Error("data does not contain a valid RSA or EC private key");
}

/** A key read from a key Secret. */
export interface KeySecretEntry {
  /** The Secret's name ("" when it has none). */
  name: string;
  privateKey: KeyObject;
  /** The first certificate of `tls.crt`. */
  certificate: X509Certificate;
  fingerprint: string;
  /** The Secret's creationTimestamp, if it has one. */
  creationTimestamp?: Date;
}

function dataItem(secret: Secret, key: string): Buffer | undefined {
  const value = secret.data?.[key];
  return value === undefined ? undefined : decodeGoBase64(value);
}

/**
 * Reads a key Secret (`tls.key` PEM in PKCS#1 or PKCS#8, `tls.crt` PEM; any type and labels).
 * @throws Error naming the Secret when a field is missing or holds no RSA key or certificate
 */
export function parseKeySecret(secret: Secret): KeySecretEntry {
  const name = secret.metadata.name ?? "";
  try {
    const keyPem = dataItem(secret, "tls.key");
    const certPem = dataItem(secret, "tls.crt");
    if (keyPem === undefined) throw new Error("no data[tls.key]");
    if (certPem === undefined) throw new Error("no data[tls.crt]");
    const privateKey = parsePrivateKeyPem(keyPem);
    const [certificate] = parseCertificates(certPem);
    if (certificate === undefined) throw new Error("no certificate in data[tls.crt]");
    const entry: KeySecretEntry = {
      name,
      privateKey,
      certificate,
      fingerprint: publicKeyFingerprint(privateKey),
    };
    const created = secret.metadata.creationTimestamp;
    if (typeof created === "string" && !Number.isNaN(Date.parse(created))) {
      entry.creationTimestamp = new Date(created);
    }
    return entry;
  } catch (cause) {
    throw new Error(`key Secret "${name}": ${(cause as Error).message}`, { cause });
  }
}

/** True when a Secret is labelled as an active sealing key. */
export function isActiveKeySecret(secret: Secret): boolean {
  return secret.metadata.labels?.[sealingKeyLabel] === "active";
}

// The API server's generateName alphabet (no vowels, no look-alikes) and suffix length.
const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** `prefix` plus five random characters, as the API server completes a generateName. */
export function generatedName(prefix: string = defaultKeyPrefix): string {
  let suffix = "";
  for (let i = 0; i < 5; i++) suffix += NAME_ALPHABET[randomInt(NAME_ALPHABET.length)] ?? "";
  return `${prefix}${suffix}`;
}

/** Where and how a key Secret is written. */
export interface KeySecretOptions {
  namespace?: string;
  /** A fixed name; default `generatedName()`, so that `kubectl apply` accepts the manifest. */
  name?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** The label value; `active` (default) makes the controller load it. */
  state?: string;
}

/**
 * The key Secret a controller keeps (§7.3): `kubernetes.io/tls`, `tls.crt` = certificate PEM,
 * `tls.key` = PKCS#1 PEM, label `sealedsecrets.bitnami.com/sealed-secrets-key: active`.
 * Extra labels never override the key label.
 */
export function keySecretManifest(
  key: Pick<SealingKey, "certificatePem" | "privateKeyPem">,
  options: KeySecretOptions = {},
): Secret {
  const labels: Record<string, string> = {
    ...options.labels,
    [sealingKeyLabel]: options.state ?? "active",
  };
  const secret: Secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: options.name ?? generatedName(),
      namespace: options.namespace ?? defaultControllerNamespace,
      labels,
    },
    data: {
      "tls.crt": Buffer.from(key.certificatePem).toString("base64"),
      "tls.key": Buffer.from(key.privateKeyPem).toString("base64"),
    },
    type: "kubernetes.io/tls",
  };
  if (options.annotations !== undefined && Object.keys(options.annotations).length > 0) {
    secret.metadata.annotations = { ...options.annotations };
  }
  return secret;
}

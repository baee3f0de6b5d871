import type { KeyObject } from "node:crypto";
import { parsePrivateKeyPem } from "./key-secret.js";
import { decodeSecret, isEmptySecret, parseManifests, type ManifestDocument } from "./manifest.js";
import { decodeGoBase64 } from "./go-base64.js";
import { pemBlocks } from "./pem.js";
import type { Secret } from "./types.js";

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function secretsOf(documents: ManifestDocument[]): Secret[] {
  const [first] = documents;
  const list = documents.length === 1 && isObject(first?.value) ? first.value : undefined;
  if (list?.kind === "List" && list.apiVersion === "v1") {
    const items = Array.isArray(list.items) ? (list.items as unknown[]) : [];
    return items.map((value, i) => decodeSecret({ index: i + 1, value }));
  }
  return documents.map(decodeSecret).filter((secret) => !isEmptySecret(secret));
}

/**
 * Reads the private keys of one `--recovery-private-key` file, trying in kubeseal's order:
 * a PEM private key; a `v1/List` of Secrets (`kubectl get secret -o yaml`); one or more Secrets.
 * A PEM file that holds no RSA key therefore falls through and contributes no key, as upstream.
 * @returns the RSA private keys found (possibly none)
 * @throws Error `secret must contain a 'tls.data' key` (sic, upstream's text) for a Secret without
 *   `tls.key`, `unexpected private key type …` for a non-RSA `tls.key`, or a manifest error
 */
export function readRecoveryKeys(content: string): KeyObject[] {
  try {
    return [parsePrivateKeyPem(content)];
  } catch {
    // not a PEM RSA key: try manifests
  }
  // A PEM file without an RSA key (an EC key, a certificate) is not a manifest either.
  if (pemBlocks(content).length > 0) return [];
  return secretsOf(parseManifests(content)).map((secret) => {
    const key = secret.data?.["tls.key"];
    if (key === undefined) throw new Error("secret must contain a 'tls.data' key");
    return parsePrivateKeyPem(decodeGoBase64(key));
  });
}

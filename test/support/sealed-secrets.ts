// Fixtures for the Sealed Secrets controller's tests: the committed key pairs (testdata/sealing
// and testdata/sealedsecrets) as sealing keys and key Secrets, certificates re-issued for those
// keys with a chosen NotBefore (to order them), and SealedSecrets sealed with them.
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  buildSealingCertificate,
  keySecretManifest,
  sealSecret,
  sealingKeyFrom,
  type SealedSecret,
  type SealingKey,
  type Secret,
} from "../../src/sealing/index.js";
import { testdata } from "./paths.js";

/** Names of the committed key pairs. */
export type TestKeyName = "a" | "b" | "c" | "byo-2048" | "byo-4096";

function paths(name: TestKeyName): { key: string; crt: string } {
  const base = name.startsWith("byo")
    ? testdata("sealing", name)
    : testdata("sealedsecrets", `key-${name}`);
  return { key: `${base}.key`, crt: `${base}.crt` };
}

/** A committed key pair with its own (openssl-made) certificate. */
export function testKey(name: TestKeyName): SealingKey {
  const { key, crt } = paths(name);
  return sealingKeyFrom(
    createPrivateKey(readFileSync(key)),
    new X509Certificate(readFileSync(crt)),
  );
}

/** A committed key with a fresh self-signed certificate whose NotBefore is `notBefore`. */
export async function testKeyAt(name: TestKeyName, notBefore: Date): Promise<SealingKey> {
  const base = testKey(name);
  const certificate = await buildSealingCertificate(base.privateKey, base.publicKey, {
    notBefore,
    notAfter: new Date(notBefore.getTime() + 10 * 365 * 86_400_000),
  });
  return sealingKeyFrom(base.privateKey, certificate);
}

/** The key Secret of a key, as the controller (or `keys import`) writes it. */
export function keySecret(
  key: SealingKey,
  options: { name: string; namespace?: string; createdAt?: Date; state?: string },
): Secret {
  const secret = keySecretManifest(key, {
    name: options.name,
    namespace: options.namespace ?? "kube-system",
    ...(options.state === undefined ? {} : { state: options.state }),
  });
  if (options.createdAt !== undefined)
    secret.metadata.creationTimestamp = options.createdAt.toISOString().replace(/\.\d{3}Z$/, "Z");
  return secret;
}

/** A SealedSecret for `namespace/name` with `items` (plain text), sealed with `key`. */
export function sealedFor(
  key: SealingKey,
  namespace: string,
  name: string,
  items: Readonly<Record<string, string>>,
  annotations?: Readonly<Record<string, string>>,
): SealedSecret {
  return sealSecret(
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        namespace,
        name,
        ...(annotations === undefined ? {} : { annotations: { ...annotations } }),
      },
      stringData: { ...items },
    },
    key.publicKey,
  );
}

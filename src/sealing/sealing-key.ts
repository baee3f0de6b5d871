import {
  createHash,
  generateKeyPair,
  randomBytes,
  sign,
  X509Certificate,
  type KeyObject,
} from "node:crypto";
import { promisify } from "node:util";
import { certificateToPem } from "./certificate.js";
import { publicKeyFingerprint } from "./fingerprint.js";
import { pemEncode } from "./pem.js";

const generateRsa = promisify(generateKeyPair);

/** The controller's defaults: `--key-size 4096`, `--key-ttl 87600h` (10 years), `--my-cn ""`. */
export const sealingKeyDefaults = {
  bits: 4096,
  validForMs: 87_600 * 3_600_000,
  commonName: "",
} as const;

/** A sealing key pair with its self-signed certificate. */
export interface SealingKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  certificate: X509Certificate;
  /** One PEM `CERTIFICATE` block. */
  certificatePem: string;
  /** PEM `RSA PRIVATE KEY` (PKCS#1), as the controller stores it. */
  privateKeyPem: string;
  /** OpenSSH SHA-256 fingerprint of the public key. */
  fingerprint: string;
}

/** What the certificate says besides its key. */
export interface CertificateOptions {
  notBefore: Date;
  notAfter: Date;
  /** Subject and issuer CN; "" gives an empty DN (the controller's default). */
  commonName?: string;
}

// A DER INTEGER body for a random serial in [0, 2^128): minimal, and positive.
function serialNumber(): Uint8Array {
  let bytes = randomBytes(16);
  while (bytes.length > 1 && bytes[0] === 0 && ((bytes[1] ?? 0) & 0x80) === 0)
    bytes = bytes.subarray(1);
  return (bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
}

/**
 * Builds the self-signed X.509 v3 certificate the controller makes for a sealing key (§7.5):
 * random 128-bit serial, subject = issuer = CN (empty DN by default), keyUsage encipherOnly
 * (critical), basicConstraints CA:TRUE (critical), subjectKeyIdentifier = first 20 bytes of
 * SHA-256 over the RSAPublicKey (Go 1.25+), signed with sha256WithRSAEncryption.
 * @throws Error when the keys are not RSA
 */
export async function buildSealingCertificate(
  privateKey: KeyObject,
  publicKey: KeyObject,
  options: CertificateOptions,
): Promise<X509Certificate> {
  // Loaded on demand: only key generation needs an ASN.1 writer, and sealing must start fast.
  const [{ AsnConvert, OctetString }, asn] = await Promise.all([
    import("@peculiar/asn1-schema"),
    import("@peculiar/asn1-x509"),
  ]);
  const spki = AsnConvert.parse(
    publicKey.export({ type: "spki", format: "der" }),
    asn.SubjectPublicKeyInfo,
  );
  const skid = createHash("sha256")
    .update(new Uint8Array(spki.subjectPublicKey))
    .digest()
    .subarray(0, 20);
  const name = (): InstanceType<typeof asn.Name> => {
    const cn = options.commonName ?? "";
    if (cn === "") return new asn.Name();
    const attribute = new asn.AttributeTypeAndValue({
      type: "2.5.4.3",
      value: new asn.AttributeValue({ utf8String: cn }),
    });
    return new asn.Name([new asn.RelativeDistinguishedName([attribute])]);
  };
  const extension = (
    id: string,
    critical: boolean,
    value: object,
  ): InstanceType<typeof asn.Extension> =>
    new asn.Extension({
      extnID: id,
      critical,
      extnValue: new OctetString(AsnConvert.serialize(value)),
    });
  const signatureAlgorithm = new asn.AlgorithmIdentifier({
    algorithm: "1.2.840.113549.1.1.11", // sha256WithRSAEncryption
    parameters: null,
  });
  const serial = serialNumber();
  const tbs = new asn.TBSCertificate({
    version: asn.Version.v3,
    serialNumber: serial.buffer.slice(
      serial.byteOffset,
      serial.byteOffset + serial.byteLength,
    ) as ArrayBuffer,
    signature: signatureAlgorithm,
    issuer: name(),
    subject: name(),
    validity: new asn.Validity({
      notBefore: truncateToSeconds(options.notBefore),
      notAfter: truncateToSeconds(options.notAfter),
    }),
    subjectPublicKeyInfo: spki,
    extensions: new asn.Extensions([
      extension(asn.id_ce_keyUsage, true, new asn.KeyUsage(asn.KeyUsageFlags.encipherOnly)),
      extension(asn.id_ce_basicConstraints, true, new asn.BasicConstraints({ cA: true })),
      extension(asn.id_ce_subjectKeyIdentifier, false, new asn.SubjectKeyIdentifier(skid)),
    ]),
  });
  const signature = sign("sha256", Buffer.from(AsnConvert.serialize(tbs)), privateKey);
  const certificate = new asn.Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm,
    signatureValue: signature.buffer.slice(
      signature.byteOffset,
      signature.byteOffset + signature.byteLength,
    ),
  });
  return new X509Certificate(Buffer.from(AsnConvert.serialize(certificate)));
}

function truncateToSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/**
 * Wraps an existing RSA private key and its certificate as a SealingKey.
 * @throws Error when the key is not RSA
 */
export function sealingKeyFrom(privateKey: KeyObject, certificate: X509Certificate): SealingKey {
  if (privateKey.asymmetricKeyType !== "rsa") throw new Error("sealing keys must be RSA keys");
  return {
    privateKey,
    publicKey: certificate.publicKey,
    certificate,
    certificatePem: certificateToPem(certificate),
    privateKeyPem: pemEncode(
      "RSA PRIVATE KEY",
      privateKey.export({ type: "pkcs1", format: "der" }),
    ),
    fingerprint: publicKeyFingerprint(privateKey),
  };
}

/**
 * Generates a sealing key shaped like the controller's: an RSA key (e = 65537) of `bits` bits and
 * its self-signed certificate valid from `now` for `validForMs`.
 * @param options.bits key size, default 4096 (takes a few seconds)
 * @param options.now NotBefore, default the current time
 */
export async function generateSealingKey(
  options: { bits?: number; validForMs?: number; commonName?: string; now?: Date } = {},
): Promise<SealingKey> {
  const now = options.now ?? new Date();
  const { privateKey, publicKey } = await generateRsa("rsa", {
    modulusLength: options.bits ?? sealingKeyDefaults.bits,
    publicExponent: 65537,
  });
  const certificate = await buildSealingCertificate(privateKey, publicKey, {
    notBefore: now,
    notAfter: new Date(now.getTime() + (options.validForMs ?? sealingKeyDefaults.validForMs)),
    commonName: options.commonName ?? sealingKeyDefaults.commonName,
  });
  return sealingKeyFrom(privateKey, certificate);
}

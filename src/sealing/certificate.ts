import { X509Certificate, type KeyObject } from "node:crypto";
import { pemBlocks, pemEncode } from "./pem.js";

/** A parsed sealing certificate: the RSA public key and the validity kubeseal looks at. */
export interface SealingCertificate {
  certificate: X509Certificate;
  publicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
}

/** Formats a date as Go's `January 2, 2006` layout in UTC. */
export function goLongDate(date: Date): string {
  const month = date.toLocaleString("en-US", { month: "long", timeZone: "UTC" });
  return `${month} ${date.getUTCDate()}, ${date.getUTCFullYear()}`;
}

// Go calls an ECDSA key "&{...}"; naming the algorithm is clearer and leaks nothing.
function describeKey(key: KeyObject): string {
  return `${(key.asymmetricKeyType ?? "unknown").toUpperCase()} key`;
}

/**
 * Reads the certificates of a PEM text (every `CERTIFICATE` block; other blocks are skipped).
 * @throws Error `data does not contain any valid RSA or ECDSA certificates` when there is none
 *   (a bare `PUBLIC KEY` is refused like this, as kubeseal does), or when a block does not parse
 */
export function parseCertificates(pem: string | Uint8Array): X509Certificate[] {
  const text = typeof pem === "string" ? pem : Buffer.from(pem).toString("latin1");
  const certificates = pemBlocks(text)
    .filter((block) => block.type === "CERTIFICATE")
    .map((block) => {
      try {
        return new X509Certificate(block.der);
      } catch (cause) {
        throw new Error("x509: malformed certificate", { cause });
      }
    });
  if (certificates.length === 0) {
    throw new Error("data does not contain any valid RSA or ECDSA certificates");
  }
  return certificates;
}

/**
 * Parses a sealing certificate as kubeseal does: the first certificate of the PEM text, which
 * must hold an RSA key and must not be expired at `now`. Neither NotBefore nor trust is checked.
 * @param now the clock (tests pass a fixed date)
 * @throws Error with kubeseal's messages: no certificate, `expected RSA public key but found …`,
 *   `failed to encrypt using an expired certificate on <Month D, YYYY>`
 */
export function parseSealingCertificate(
  pem: string | Uint8Array,
  now: Date = new Date(),
): SealingCertificate {
  const [certificate] = parseCertificates(pem);
  if (certificate === undefined) throw new Error("failed to read any certificates");
  const publicKey = certificate.publicKey;
  if (publicKey.asymmetricKeyType !== "rsa") {
    throw new Error(`expected RSA public key but found ${describeKey(publicKey)}`);
  }
  const notAfter = new Date(certificate.validTo);
  if (now.getTime() > notAfter.getTime()) {
    throw new Error(`failed to encrypt using an expired certificate on ${goLongDate(notAfter)}`);
  }
  return { certificate, publicKey, notBefore: new Date(certificate.validFrom), notAfter };
}

/** The certificate as one PEM `CERTIFICATE` block (what `/v1/cert.pem` serves). */
export function certificateToPem(certificate: X509Certificate): string {
  return pemEncode("CERTIFICATE", certificate.raw);
}

import { createHash, type KeyObject } from "node:crypto";

// SSH wire encoding of an mpint: big-endian, with a leading zero when the high bit is set.
function mpint(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  const body = (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
  return sshString(body);
}

function sshString(body: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  return Buffer.concat([length, body]);
}

/**
 * The OpenSSH SHA-256 fingerprint of an RSA public key (`SHA256:` + unpadded base64), which
 * upstream uses to de-duplicate keys; the same text `ssh-keygen -l` prints.
 * @param key an RSA public or private key
 * @throws Error when the key is not RSA
 */
export function publicKeyFingerprint(key: KeyObject): string {
  if (key.asymmetricKeyType !== "rsa")
    throw new Error("fingerprints are computed for RSA keys only");
  const jwk = key.export({ format: "jwk" });
  const n = Buffer.from(jwk.n ?? "", "base64url");
  const e = Buffer.from(jwk.e ?? "", "base64url");
  const wire = Buffer.concat([sshString(Buffer.from("ssh-rsa")), mpint(e), mpint(n)]);
  return `SHA256:${createHash("sha256").update(wire).digest("base64").replace(/=+$/, "")}`;
}

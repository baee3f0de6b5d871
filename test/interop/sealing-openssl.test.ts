// Sealed Secrets' wire format checked by peers nobody here wrote: openssl opens the RSA-OAEP part
// of every item we seal (SHA-256 for OAEP and MGF1, the scope label) and node:crypto then opens the
// AES-256-GCM part with that session key; openssl reads the certificates we generate; ssh-keygen
// computes the same key fingerprints.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createDecipheriv } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { cliPath } from "../support/paths.js";
import { byo2048, byo4096 } from "../support/sealing.js";
import {
  buildSealingCertificate,
  certificateToPem,
  decodeSealedSecret,
  labelFor,
  parseManifests,
  publicKeyFingerprint,
  scopeOf,
} from "../../src/sealing/index.js";

function workdir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), "secretfleet-openssl-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

// openssl opens the RSA block; the session key opens the AES-GCM part (zero nonce, 16-byte tag).
function openWithOpenssl(dir: string, keyPath: string, blob: Buffer, label: Buffer): Buffer {
  const rsaLength = blob.readUInt16BE(0);
  const rsaPath = join(dir, "rsa.bin");
  writeFileSync(rsaPath, blob.subarray(2, 2 + rsaLength));
  const args = [
    "pkeyutl",
    "-decrypt",
    "-inkey",
    keyPath,
    "-in",
    rsaPath,
    "-pkeyopt",
    "rsa_padding_mode:oaep",
    "-pkeyopt",
    "rsa_oaep_md:sha256",
    "-pkeyopt",
    "rsa_mgf1_md:sha256",
  ];
  if (label.length > 0) args.push("-pkeyopt", `rsa_oaep_label:${label.toString("hex")}`);
  const sessionKey = execFileSync("openssl", args);
  assert.equal(sessionKey.length, 32);
  const aes = blob.subarray(2 + rsaLength);
  const decipher = createDecipheriv("aes-256-gcm", sessionKey, Buffer.alloc(12));
  decipher.setAuthTag(aes.subarray(aes.length - 16));
  return Buffer.concat([decipher.update(aes.subarray(0, aes.length - 16)), decipher.final()]);
}

test("openssl pkeyutl opens every item secretfleet seal writes, in each scope", (t) => {
  const dir = workdir(t);
  const input =
    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: team-a\ndata:\n  bin: AAEC/w==\nstringData:\n  password: s3cret\n  empty: ''\n";
  for (const [scope, pair] of [
    ["strict", byo4096],
    ["namespace-wide", byo2048],
    ["cluster-wide", byo4096],
  ] as const) {
    const result = spawnSync(
      process.execPath,
      [cliPath, "seal", "--cert", pair.certificatePath, "--scope", scope],
      { input, encoding: "utf8" },
    );
    assert.equal(result.status, 0, result.stderr);
    const sealed = decodeSealedSecret(parseManifests(result.stdout)[0]!);
    const label = labelFor(
      sealed.metadata.namespace ?? "",
      sealed.metadata.name ?? "",
      scopeOf(sealed.metadata.annotations),
    );
    const opened = Object.fromEntries(
      Object.entries(sealed.spec.encryptedData).map(([key, value]) => [
        key,
        openWithOpenssl(dir, pair.keyPath, Buffer.from(value, "base64"), label).toString("base64"),
      ]),
    );
    assert.deepEqual(
      opened,
      { bin: "AAEC/w==", password: Buffer.from("s3cret").toString("base64"), empty: "" },
      scope,
    );
  }
});

test("openssl pkeyutl opens a --raw item only with its exact label", (t) => {
  const dir = workdir(t);
  const raw = spawnSync(
    process.execPath,
    [cliPath, "seal", "--raw", "--cert", byo4096.certificatePath, "--name", "db", "-n", "team-a"],
    { input: "v", encoding: "utf8" },
  );
  const blob = Buffer.from(raw.stdout, "base64");
  assert.equal(
    openWithOpenssl(dir, byo4096.keyPath, blob, Buffer.from("team-a/db")).toString(),
    "v",
  );
  assert.throws(() => openWithOpenssl(dir, byo4096.keyPath, blob, Buffer.from("team-a")));
});

test("openssl x509 -text shows the extensions of a generated sealing certificate", async (t) => {
  const dir = workdir(t);
  const certificate = await buildSealingCertificate(byo2048.privateKey, byo2048.publicKey, {
    notBefore: new Date("2026-03-01T00:00:00Z"),
    notAfter: new Date("2036-02-27T00:00:00Z"),
  });
  const path = join(dir, "cert.pem");
  writeFileSync(path, certificateToPem(certificate));
  const text = execFileSync("openssl", ["x509", "-in", path, "-noout", "-text"], {
    encoding: "utf8",
  });
  assert.match(text, /Version: 3 \(0x2\)/);
  assert.match(text, /Signature Algorithm: sha256WithRSAEncryption/);
  assert.match(text, /Issuer: *\n/);
  assert.match(text, /Subject: *\n/);
  assert.match(text, /Not Before: Mar {2}1 00:00:00 2026 GMT/);
  assert.match(text, /Not After : Feb 27 00:00:00 2036 GMT/);
  assert.match(text, /X509v3 Key Usage: critical\n\s+Encipher Only\n/);
  assert.match(text, /X509v3 Basic Constraints: critical\n\s+CA:TRUE\n/);
  assert.match(text, /X509v3 Subject Key Identifier: *\n\s+([0-9A-F]{2}:){19}[0-9A-F]{2}\n/);
  assert.doesNotMatch(text, /Authority Key Identifier/);
  const modulus = execFileSync("openssl", ["x509", "-in", path, "-noout", "-modulus"], {
    encoding: "utf8",
  });
  const expected = execFileSync("openssl", ["rsa", "-in", byo2048.keyPath, "-noout", "-modulus"], {
    encoding: "utf8",
  });
  assert.equal(modulus, expected);
});

test("ssh-keygen computes the same SHA-256 fingerprint for a sealing key", (t) => {
  const dir = workdir(t);
  const pub = join(dir, "key.pub.pem");
  writeFileSync(pub, byo4096.publicKey.export({ type: "spki", format: "pem" }));
  const openssh = execFileSync("ssh-keygen", ["-i", "-m", "PKCS8", "-f", pub], {
    encoding: "utf8",
  });
  writeFileSync(join(dir, "key.pub"), openssh);
  const listed = execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", join(dir, "key.pub")], {
    encoding: "utf8",
  });
  assert.equal(listed.split(" ")[1], publicKeyFingerprint(byo4096.publicKey));
  assert.equal(readFileSync(join(dir, "key.pub"), "utf8").startsWith("ssh-rsa "), true);
});

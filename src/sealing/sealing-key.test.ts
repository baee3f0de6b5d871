import assert from "node:assert/strict";
import { test } from "node:test";
import { byo2048 } from "../../test/support/sealing.js";
import {
  buildSealingCertificate,
  generateSealingKey,
  hybridDecrypt,
  hybridEncrypt,
  KeyOrderPriority,
  keyOrderingTime,
  KeyRegistry,
  keySecretManifest,
  parseKeySecret,
  parsePrivateKeyPem,
  parseSealingCertificate,
  publicKeyFingerprint,
  sealingKeyFrom,
  sealingKeyLabel,
  sortByCreationTimestamp,
  type Secret,
} from "./index.js";

test("buildSealingCertificate() makes a self-signed certificate shaped like the controller's", async () => {
  const notBefore = new Date("2026-01-02T03:04:05.678Z");
  const cert = await buildSealingCertificate(byo2048.privateKey, byo2048.publicKey, {
    notBefore,
    notAfter: new Date(notBefore.getTime() + 87_600 * 3_600_000),
  });
  assert.ok(!cert.subject, "empty subject DN");
  assert.ok(!cert.issuer, "empty issuer DN");
  assert.equal(new Date(cert.validFrom).toISOString(), "2026-01-02T03:04:05.000Z");
  assert.equal(new Date(cert.validTo).toISOString(), "2035-12-31T03:04:05.000Z");
  assert.ok(cert.verify(byo2048.publicKey), "self-signed");
  assert.ok(cert.publicKey.equals(byo2048.publicKey));
  assert.match(cert.serialNumber, /^[0-9A-F]+$/);
});

test("buildSealingCertificate() puts the common name in subject and issuer when given", async () => {
  const cert = await buildSealingCertificate(byo2048.privateKey, byo2048.publicKey, {
    notBefore: new Date(),
    notAfter: new Date(Date.now() + 1000),
    commonName: "sealed-secret",
  });
  assert.equal(cert.subject, "CN=sealed-secret");
  assert.equal(cert.issuer, "CN=sealed-secret");
});

test("generateSealingKey() makes a working key pair with a PKCS#1 PEM and a certificate kubeseal accepts", async () => {
  const key = await generateSealingKey({ bits: 2048, now: new Date() });
  assert.match(key.privateKeyPem, /^-----BEGIN RSA PRIVATE KEY-----\n/);
  assert.equal(key.privateKey.asymmetricKeyDetails?.modulusLength, 2048);
  assert.equal(key.privateKey.asymmetricKeyDetails.publicExponent, 65537n);
  const parsed = parseSealingCertificate(key.certificatePem);
  const blob = hybridEncrypt(parsed.publicKey, Buffer.from("x"), Buffer.alloc(0));
  assert.equal(
    hybridDecrypt([parsePrivateKeyPem(key.privateKeyPem)], blob, Buffer.alloc(0)).toString(),
    "x",
  );
  const years = (parsed.notAfter.getTime() - parsed.notBefore.getTime()) / (365.25 * 86_400_000);
  assert.ok(years > 9.99 && years < 10.01, `${years} years`);
});

test("keySecretManifest() writes the controller's key Secret and parseKeySecret() reads it back", () => {
  const key = sealingKeyFrom(
    byo2048.privateKey,
    parseSealingCertificate(byo2048.certificatePem).certificate,
  );
  const secret = keySecretManifest(key, {
    labels: { team: "a", [sealingKeyLabel]: "compromised" },
    annotations: { a: "b" },
  });
  assert.equal(secret.type, "kubernetes.io/tls");
  assert.equal(secret.metadata.namespace, "kube-system");
  assert.match(secret.metadata.name ?? "", /^sealed-secrets-key[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.deepEqual(secret.metadata.labels, { team: "a", [sealingKeyLabel]: "active" });
  assert.deepEqual(secret.metadata.annotations, { a: "b" });
  assert.match(
    Buffer.from(secret.data?.["tls.key"] ?? "", "base64").toString(),
    /^-----BEGIN RSA PRIVATE KEY-----/,
  );
  const entry = parseKeySecret(secret);
  assert.ok(entry.privateKey.equals(byo2048.privateKey));
  assert.equal(entry.fingerprint, publicKeyFingerprint(byo2048.publicKey));
});

test("parseKeySecret() accepts a PKCS#8 key (openssl req) and names the Secret on errors", () => {
  const secret: Secret = {
    metadata: { name: "byo" },
    data: {
      "tls.crt": Buffer.from(byo2048.certificatePem).toString("base64"),
      "tls.key": Buffer.from(byo2048.keyPem).toString("base64"),
    },
  };
  assert.ok(parseKeySecret(secret).privateKey.equals(byo2048.privateKey));
  assert.throws(() => parseKeySecret({ metadata: { name: "empty" }, data: {} }), {
    message: 'key Secret "empty": no data[tls.key]',
  });
});

test("KeyRegistry keeps the newest key by ordering time, first one on ties, and de-duplicates", async () => {
  const registry = new KeyRegistry();
  const cert = parseSealingCertificate(byo2048.certificatePem).certificate;
  const entry = {
    name: "a",
    privateKey: byo2048.privateKey,
    certificate: cert,
    fingerprint: "fp-a",
  };
  registry.register(entry, new Date(1000));
  registry.register({ ...entry, name: "b", fingerprint: "fp-b" }, new Date(3000));
  registry.register({ ...entry, name: "c", fingerprint: "fp-c" }, new Date(3000));
  registry.register({ ...entry, name: "a2", fingerprint: "fp-a" }, new Date(2000));
  assert.equal(registry.latest?.name, "b");
  assert.equal(registry.size, 3);
  assert.deepEqual(
    registry
      .keys()
      .map((key) => key.name)
      .sort(),
    ["a2", "b", "c"],
  );
  const created = {
    ...parseKeySecret(keySecretManifest(sealingKeyFrom(byo2048.privateKey, cert))),
    creationTimestamp: new Date(5000),
  };
  assert.equal(keyOrderingTime(created).toISOString(), new Date(cert.validFrom).toISOString());
  assert.equal(keyOrderingTime(created, KeyOrderPriority.secretCreationTimestamp).getTime(), 5000);
  const sorted = sortByCreationTimestamp([
    { metadata: { name: "late", creationTimestamp: "2025-01-02T00:00:00Z" } },
    { metadata: { name: "early", creationTimestamp: "2024-01-02T00:00:00Z" } },
  ]);
  assert.deepEqual(
    sorted.map((secret) => secret.metadata.name),
    ["early", "late"],
  );
  await Promise.resolve();
});

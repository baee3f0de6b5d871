import assert from "node:assert/strict";
import { test } from "node:test";
import { createLogger, silentLogger } from "../../kube/index.js";
import { keySecret, testKey, testKeyAt } from "../../../test/support/sealed-secrets.js";
import type { Secret } from "../../sealing/index.js";
import { firstRenewalDelay, isKeySecret, KeyRing, needsKeyAtStart, newKeySecret } from "./keys.js";

const hour = 3_600_000;

test("KeyRing loads every active key and makes the newest certificate the sealing key", async () => {
  const older = await testKeyAt("a", new Date(Date.UTC(2024, 0, 1)));
  const newer = await testKeyAt("b", new Date(Date.UTC(2025, 0, 1)));
  const ring = new KeyRing("CertNotBefore", silentLogger);
  let changes = 0;
  ring.onChange(() => changes++);
  ring.replace([keySecret(newer, { name: "k2" }), keySecret(older, { name: "k1" })]);
  assert.equal(ring.keys().length, 2);
  assert.equal(ring.latest()?.name, "k2");
  assert.equal(changes, 1);
  ring.replace([keySecret(newer, { name: "k2" }), keySecret(older, { name: "k1" })]);
  assert.equal(changes, 1, "no change, no notification");
});

test("KeyRing orders by Secret creationTimestamp with SecretCreationTimestamp", async () => {
  const older = await testKeyAt("a", new Date(Date.UTC(2024, 0, 1)));
  const newer = await testKeyAt("b", new Date(Date.UTC(2025, 0, 1)));
  const ring = new KeyRing("SecretCreationTimestamp", silentLogger);
  ring.replace([
    keySecret(newer, { name: "k2", createdAt: new Date(Date.UTC(2020, 0, 1)) }),
    keySecret(older, { name: "k1", createdAt: new Date(Date.UTC(2021, 0, 1)) }),
  ]);
  assert.equal(ring.latest()?.name, "k1");
});

test("KeyRing logs and skips an unparsable key Secret and keeps the others", () => {
  const lines: string[] = [];
  const logger = createLogger({ destination: { write: (line: string) => lines.push(line) } });
  const ring = new KeyRing("CertNotBefore", logger);
  const broken: Secret = { metadata: { name: "broken" }, data: { "tls.key": "bm90IGEga2V5" } };
  ring.replace([broken, keySecret(testKey("a"), { name: "good" })]);
  assert.deepEqual(
    ring.keys().map((key) => key.name),
    ["good"],
  );
  assert.ok(
    lines.some(
      (line) => line.includes("skipping unparsable key Secret") && line.includes("broken"),
    ),
  );
});

test("KeyRing keeps a generated key until the watch shows its Secret, and drops removed keys", () => {
  const ring = new KeyRing("CertNotBefore", silentLogger);
  const a = testKey("a");
  const b = testKey("b");
  ring.replace([keySecret(a, { name: "ka" })]);
  ring.addGenerated("kb", b, Date.now());
  assert.equal(ring.latest()?.fingerprint, b.fingerprint);
  ring.replace([keySecret(a, { name: "ka" })]);
  assert.equal(ring.keys().length, 2, "generated key survives a rebuild that does not show it yet");
  ring.replace([keySecret(b, { name: "kb" })]);
  assert.deepEqual(
    ring.keys().map((key) => key.name),
    ["kb"],
  );
  assert.equal(ring.latest()?.name, "kb");
  assert.ok(ring.digestKey(b.fingerprint) !== undefined);
  assert.equal(ring.digestKey(a.fingerprint), undefined, "a removed key proves nothing");
});

test("isKeySecret() takes active keys and the legacy key name only", () => {
  const a = testKey("a");
  assert.ok(isKeySecret(keySecret(a, { name: "x" }), "sealed-secrets-key"));
  assert.ok(!isKeySecret(keySecret(a, { name: "x", state: "compromised" }), "sealed-secrets-key"));
  const legacy = keySecret(a, { name: "sealed-secrets-key", state: "compromised" });
  assert.ok(isKeySecret(legacy, "sealed-secrets-key"));
});

test("newKeySecret() is the Secret upstream writes: generateName, tls type, active label", () => {
  const secret = newKeySecret(testKey("a"), {
    namespace: "kube-system",
    keyPrefix: "sealed-secrets-key",
    keySize: 2048,
    keyTtlMs: hour,
    commonName: "",
    labels: { team: "x", "sealedsecrets.bitnami.com/sealed-secrets-key": "compromised" },
    annotations: { note: "y" },
  });
  assert.equal(secret.metadata.name, undefined);
  assert.equal(secret.metadata.generateName, "sealed-secrets-key");
  assert.equal(secret.type, "kubernetes.io/tls");
  assert.deepEqual(secret.metadata.labels, {
    team: "x",
    "sealedsecrets.bitnami.com/sealed-secrets-key": "active",
  });
  assert.deepEqual(secret.metadata.annotations, { note: "y" });
  assert.match(
    Buffer.from(secret.data?.["tls.key"] ?? "", "base64").toString(),
    /^-----BEGIN RSA PRIVATE KEY-----/,
  );
});

test("renewal timing follows the newest key's age, and the cutoff forces a key at start", () => {
  const now = Date.UTC(2026, 5, 1);
  assert.equal(firstRenewalDelay(720 * hour, now - 700 * hour, now), 20 * hour);
  assert.equal(firstRenewalDelay(720 * hour, now - 800 * hour, now), 0);
  assert.equal(firstRenewalDelay(0, now, now), undefined);
  assert.ok(needsKeyAtStart(undefined, undefined));
  assert.ok(needsKeyAtStart(now - hour, now));
  assert.ok(!needsKeyAtStart(now, now - hour));
});

test("KeyRing orders keys made here by their exact creation time, also within one second", async () => {
  const second = new Date(Date.UTC(2026, 0, 1, 0, 0, 0));
  const first = await testKeyAt("a", second);
  const next = await testKeyAt("b", second);
  const ring = new KeyRing("CertNotBefore", silentLogger);
  ring.addGenerated("k1", first, second.getTime() + 100);
  ring.addGenerated("k2", next, second.getTime() + 600);
  ring.replace([keySecret(first, { name: "k1" }), keySecret(next, { name: "k2" })]);
  assert.equal(ring.latest()?.name, "k2");
});

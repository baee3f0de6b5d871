import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { test } from "node:test";
import fc from "fast-check";
import { byo2048, byo4096 } from "../../test/support/sealing.js";
import { hybridDecrypt, hybridEncrypt, labelFor, noKeyMessage, Scope } from "./index.js";

const label = labelFor("team-a", "db", Scope.strict);

test("hybridEncrypt() lays out length, RSA block, AES ciphertext and tag for a 2048-bit key", () => {
  const blob = hybridEncrypt(byo2048.publicKey, Buffer.from("hello"), label);
  assert.equal(blob.readUInt16BE(0), 256);
  assert.equal(blob.length, 2 + 256 + 5 + 16);
  assert.match(blob.toString("base64"), /^AQ[A-D]/);
});

test("hybridEncrypt() with a 4096-bit key gives 530 + n bytes starting AgA..AgD", () => {
  const blob = hybridEncrypt(byo4096.publicKey, Buffer.alloc(0), label);
  assert.equal(blob.length, 530);
  assert.match(blob.toString("base64"), /^Ag[A-D]/);
});

test("hybridDecrypt() opens what hybridEncrypt() sealed, for any plaintext and label", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.string(), (plaintext, text) => {
      const bytes = Buffer.from(text);
      const blob = hybridEncrypt(byo2048.publicKey, plaintext, bytes);
      assert.deepEqual(hybridDecrypt([byo2048.privateKey], blob, bytes), Buffer.from(plaintext));
    }),
    { numRuns: 25 },
  );
});

test("hybridDecrypt() tries every key and the matching one wins", () => {
  const blob = hybridEncrypt(byo2048.publicKey, Buffer.from("x"), label);
  const opened = hybridDecrypt([byo4096.privateKey, byo2048.privateKey], blob, label);
  assert.equal(opened.toString(), "x");
});

test("hybridDecrypt() fails with upstream's message on a wrong label, key, tamper or truncation", () => {
  const blob = hybridEncrypt(byo2048.publicKey, Buffer.from("secret"), label);
  const tampered = Buffer.from(blob);
  tampered[tampered.length - 1] = (tampered.at(-1) ?? 0) ^ 1;
  const cases: [string, () => Buffer][] = [
    [
      "other label",
      () => hybridDecrypt([byo2048.privateKey], blob, labelFor("team-b", "db", Scope.strict)),
    ],
    ["other key", () => hybridDecrypt([byo4096.privateKey], blob, label)],
    ["tampered tag", () => hybridDecrypt([byo2048.privateKey], tampered, label)],
    [
      "truncated RSA block",
      () => hybridDecrypt([byo2048.privateKey], blob.subarray(0, 100), label),
    ],
    [
      "truncated tag",
      () => hybridDecrypt([byo2048.privateKey], blob.subarray(0, blob.length - 1), label),
    ],
    ["one byte", () => hybridDecrypt([byo2048.privateKey], Buffer.from([1]), label)],
    ["no keys", () => hybridDecrypt([], blob, label)],
  ];
  for (const [name, attempt] of cases) {
    assert.throws(attempt, { message: noKeyMessage }, name);
  }
});

test("hybridEncrypt() refuses a non-RSA key and leaves Error.stackTraceLimit as it was", () => {
  const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const before = Error.stackTraceLimit;
  assert.throws(() => hybridEncrypt(publicKey, Buffer.from("x"), label));
  assert.equal(Error.stackTraceLimit, before);
  assert.ok(new Error("probe").stack?.includes("hybrid.test"), "stack traces still recorded");
});

test("hybridEncrypt() draws a fresh session key for every item", () => {
  // Equal plaintexts under equal session keys would give equal AES ciphertexts (zero nonce).
  const plaintext = Buffer.alloc(32, 7);
  const bodies = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const blob = hybridEncrypt(byo2048.publicKey, plaintext, label);
    bodies.add(blob.subarray(2 + 256).toString("hex"));
  }
  assert.equal(bodies.size, 200);
});

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { byo2048, byo4096, sealingData } from "../../test/support/sealing.js";
import { readRecoveryKeys } from "./index.js";

const b64 = (text: string): string => Buffer.from(text).toString("base64");
const keySecret = (name: string, keyPem: string): string =>
  `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\ndata:\n  tls.key: ${b64(keyPem)}\n  tls.crt: ""\n`;

test("readRecoveryKeys() reads a PEM private key, PKCS#8 or PKCS#1", () => {
  const [key] = readRecoveryKeys(byo2048.keyPem);
  assert.ok(key?.equals(byo2048.privateKey));
  const pkcs1 = byo2048.privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  assert.ok(readRecoveryKeys(pkcs1)[0]?.equals(byo2048.privateKey));
});

test("readRecoveryKeys() reads a v1/List backup and multi-document Secrets", () => {
  const list = {
    apiVersion: "v1",
    kind: "List",
    items: [
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "a" },
        data: { "tls.key": b64(byo2048.keyPem) },
      },
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "b" },
        data: { "tls.key": b64(byo4096.keyPem) },
      },
    ],
  };
  assert.equal(readRecoveryKeys(JSON.stringify(list)).length, 2);
  const documents = `${keySecret("a", byo2048.keyPem)}---\n${keySecret("b", byo4096.keyPem)}`;
  const keys = readRecoveryKeys(documents);
  assert.ok(keys[0]?.equals(byo2048.privateKey));
  assert.ok(keys[1]?.equals(byo4096.privateKey));
});

test("readRecoveryKeys() keeps upstream's errors and its silent fall-through for non-RSA PEM", () => {
  assert.deepEqual(readRecoveryKeys(readFileSync(sealingData("ec.key"), "utf8")), []);
  assert.throws(
    () =>
      readRecoveryKeys("apiVersion: v1\nkind: Secret\nmetadata: {name: x}\ndata: {other: YQ==}\n"),
    {
      message: "secret must contain a 'tls.data' key",
    },
  );
  assert.throws(
    () => readRecoveryKeys(keySecret("ec", readFileSync(sealingData("ec.key"), "utf8"))),
    {
      message: "unexpected private key type *ecdsa.PrivateKey",
    },
  );
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { sealedFor, testKey } from "../../../test/support/sealed-secrets.js";
import {
  computeMac,
  digestAnnotation,
  digestKey,
  formatDigest,
  parseDigest,
  producedItems,
  verifyDigest,
} from "./digest.js";

const key = testKey("a");
const other = testKey("b");
const sealed = sealedFor(key, "team", "db", { password: "hunter2-planted" });
const data = { password: Buffer.from("hunter2-planted").toString("base64") };
const hmacKey = digestKey(key.privateKey);
const annotations = {
  [digestAnnotation]: formatDigest({
    fingerprint: key.fingerprint,
    mac: computeMac(hmacKey, sealed, data),
  }),
};
const keyFor = (fingerprint: string): Buffer | undefined =>
  fingerprint === key.fingerprint ? hmacKey : undefined;

test("verifyDigest() proves a Secret in sync with its SealedSecret without decrypting", () => {
  assert.deepEqual(verifyDigest(sealed, annotations, data, keyFor), {
    data,
    fingerprint: key.fingerprint,
  });
});

test("verifyDigest() fails when the Secret's items, the SealedSecret or its place changed", () => {
  const changed = { password: Buffer.from("other").toString("base64") };
  assert.equal(verifyDigest(sealed, annotations, changed, keyFor), undefined, "items edited");
  assert.equal(verifyDigest(sealed, annotations, {}, keyFor), undefined, "item deleted");
  const moved = { ...sealed, metadata: { ...sealed.metadata, namespace: "elsewhere" } };
  assert.equal(verifyDigest(moved, annotations, data, keyFor), undefined, "namespace");
  const resealed = sealedFor(key, "team", "db", { password: "hunter2-planted" });
  assert.equal(verifyDigest(resealed, annotations, data, keyFor), undefined, "new ciphertext");
});

test("verifyDigest() fails when the key that made the digest is not loaded", () => {
  assert.equal(
    verifyDigest(sealed, annotations, data, () => undefined),
    undefined,
  );
  const forged = {
    [digestAnnotation]: formatDigest({
      fingerprint: key.fingerprint,
      mac: computeMac(digestKey(other.privateKey), sealed, data),
    }),
  };
  assert.equal(
    verifyDigest(sealed, forged, data, keyFor),
    undefined,
    "a digest made with another key",
  );
});

test("the digest annotation reveals neither the value nor the key", () => {
  const value = annotations[digestAnnotation];
  assert.ok(!value.includes("hunter2"));
  assert.ok(!value.includes(data.password));
  assert.ok(!value.includes(hmacKey.toString("base64url")));
  assert.deepEqual(parseDigest(value)?.fingerprint, key.fingerprint);
  assert.equal(parseDigest("v2;x;y"), undefined);
});

test("producedItems() lists encryptedData and template.data names, none for legacy spec.data", () => {
  const templated = {
    ...sealed,
    spec: { ...sealed.spec, template: { data: { url: "{{ .password }}" } } },
  };
  assert.deepEqual(producedItems(templated), ["password", "url"]);
  assert.equal(producedItems({ ...sealed, spec: { encryptedData: {}, data: "AAAA" } }), undefined);
});

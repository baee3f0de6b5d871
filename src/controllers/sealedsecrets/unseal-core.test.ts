import assert from "node:assert/strict";
import { test } from "node:test";
import { sealedFor, testKey } from "../../../test/support/sealed-secrets.js";
import { unsealWithKeys, type UnsealKey } from "./unseal-core.js";

const [a, b, c] = (["a", "b", "c"] as const).map(testKey) as [
  ReturnType<typeof testKey>,
  ReturnType<typeof testKey>,
  ReturnType<typeof testKey>,
];
const keys: UnsealKey[] = [a, b, c].map((key) => ({
  fingerprint: key.fingerprint,
  privateKey: key.privateKey,
}));
const items = { one: "1", two: "2", three: "3", four: "4" };

test("unsealWithKeys() opens every item and says which key opened them", () => {
  const outcome = unsealWithKeys(keys, {
    sealed: sealedFor(c, "ns", "s", items),
    hints: [],
    acceptV1Data: true,
  });
  assert.ok(outcome.result.ok);
  assert.equal(outcome.fingerprint, c.fingerprint);
  assert.deepEqual(Object.keys(outcome.result.secret.data ?? {}).sort(), [
    "four",
    "one",
    "three",
    "two",
  ]);
});

test("unsealWithKeys() tries the remembered key first: one RSA operation per item", () => {
  const outcome = unsealWithKeys(keys, {
    sealed: sealedFor(c, "ns", "s", items),
    hints: [c.fingerprint],
    acceptV1Data: true,
  });
  assert.equal(outcome.rsaOperations, 4);
});

test("unsealWithKeys() without a hint pays for the search once, then reuses the opening key", () => {
  const outcome = unsealWithKeys(keys, {
    sealed: sealedFor(c, "ns", "s", items),
    hints: [],
    acceptV1Data: true,
  });
  // item 1 tries a, b, c; items 2–4 start with c.
  assert.equal(outcome.rsaOperations, 3 + 3);
});

test("unsealWithKeys() reports upstream's error when no key opens an item", () => {
  const outcome = unsealWithKeys([keys[0]!], {
    sealed: sealedFor(b, "ns", "s", { x: "1" }),
    hints: [],
    acceptV1Data: true,
  });
  assert.deepEqual(outcome.result, { ok: false, error: "no key could decrypt secret (x)" });
  assert.equal(outcome.fingerprint, undefined);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { createFakeProvider } from "./index.js";

const text = (bytes: Uint8Array | undefined): string | undefined =>
  bytes === undefined ? undefined : Buffer.from(bytes).toString("utf8");

const fake = createFakeProvider({
  data: [
    { key: "/foo/bar", value: "HELLO1" },
    { key: "/foo/bar", value: "HELLO2", version: "v2" },
    { key: "/foo/baz", value: '{"john": "doe", "n": 1.50, "o": {"a": true}}' },
    { key: "other", value: "x", version: "v1" },
    { key: "other", value: "y", version: "v3" },
  ],
});

test("fake getSecret() matches key and version exactly; an empty version matches only unversioned entries", async () => {
  assert.equal(text(await fake.getSecret({ key: "/foo/bar" })), "HELLO1");
  assert.equal(text(await fake.getSecret({ key: "/foo/bar", version: "v2" })), "HELLO2");
  assert.equal(await fake.getSecret({ key: "/foo/bar", version: "v9" }), undefined);
  assert.equal(await fake.getSecret({ key: "other" }), undefined);
});

test("fake getSecret() resolves a property as gjson, and a path that does not resolve is missing", async () => {
  assert.equal(text(await fake.getSecret({ key: "/foo/baz", property: "john" })), "doe");
  assert.equal(text(await fake.getSecret({ key: "/foo/baz", property: "n" })), "1.50");
  assert.equal(text(await fake.getSecret({ key: "/foo/baz", property: "o" })), '{"a":true}');
  assert.equal(await fake.getSecret({ key: "/foo/baz", property: "nope" }), undefined);
});

test("fake getSecretMap() unquotes strings and keeps other values as JSON", async () => {
  const map = await fake.getSecretMap({ key: "/foo/baz" });
  assert.deepEqual(Object.fromEntries(Object.entries(map!).map(([k, v]) => [k, text(v)])), {
    john: "doe",
    n: "1.50",
    o: '{"a":true}',
  });
  await assert.rejects(fake.getSecretMap({ key: "/foo/bar" }), /not a JSON object/);
});

test("fake getAllSecrets() finds by name and keeps the lexically greatest version", async () => {
  const found = await fake.getAllSecrets({ name: { regexp: "^other$|baz" } });
  assert.deepEqual(Object.fromEntries(Object.entries(found!).map(([k, v]) => [k, text(v)])), {
    "/foo/baz": '{"john": "doe", "n": 1.50, "o": {"a": true}}',
    other: "y",
  });
  await assert.rejects(fake.getAllSecrets({ tags: { a: "b" } }), /only name\.regexp/);
});

test("fake pushSecret() stores pushed values in memory and refuses keys from the store spec", async () => {
  const store = createFakeProvider({ data: [{ key: "fixed", value: "v" }] });
  await store.pushSecret(
    { a: Buffer.from("1") },
    { secretKey: "a", remoteRef: { remoteKey: "pushed" } },
  );
  assert.equal(text(await store.getSecret({ key: "pushed" })), "1");
  assert.equal(await store.secretExists({ remoteKey: "pushed" }), true);
  await assert.rejects(
    store.pushSecret(
      { a: Buffer.from("1") },
      { secretKey: "a", remoteRef: { remoteKey: "fixed" } },
    ),
    { message: 'cannot push to "fixed": key already exists' },
  );
  await store.deleteSecret({ remoteKey: "pushed" });
  assert.equal(text(await store.getSecret({ key: "pushed" })), "1", "delete is a no-op upstream");
});

test("fake validate() answers the configured validationResult", async () => {
  assert.deepEqual(await fake.validate(), { status: "Ready" });
  assert.deepEqual(await createFakeProvider({ data: [], validationResult: "Unknown" }).validate(), {
    status: "Unknown",
  });
  assert.equal(
    (await createFakeProvider({ data: [], validationResult: "Error" }).validate()).status,
    "Error",
  );
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { avpReadPath, esoDataPath, esoListPath, esoMetadataPath } from "./index.js";

test("esoDataPath() follows ESO's buildPath with a mount (external-secrets.md §8.1 examples)", () => {
  assert.equal(esoDataPath("test", "secret/path", "v2"), "secret/path/data/test");
  assert.equal(esoDataPath("secret/path/test", "secret/path", "v2"), "secret/path/data/test");
  assert.equal(esoDataPath("secret/path/data/test", "secret/path", "v2"), "secret/path/data/test");
  assert.equal(esoDataPath("test", "secret/path", "v1"), "secret/path/test");
  assert.equal(esoDataPath("secret/path/data/test", "secret/path", "v1"), "secret/path/data/test");
});

test("esoDataPath() without a mount inserts data after the first segment on v2 only", () => {
  assert.equal(esoDataPath("secret/foo", undefined, "v2"), "secret/data/foo");
  assert.equal(esoDataPath("secret/data/foo", undefined, "v2"), "secret/data/foo");
  assert.equal(esoDataPath("secret/foo", undefined, "v1"), "secret/foo");
});

test("esoMetadataPath() does not strip prefixes with a mount, and needs data/ without one", () => {
  assert.equal(
    esoMetadataPath("secret/path/data/test", "secret/path", "v2"),
    "secret/path/metadata/secret/path/data/test",
  );
  assert.equal(esoMetadataPath("secret/data/foo", undefined, "v2"), "secret/metadata/foo");
  assert.throws(
    () => esoMetadataPath("secret/foo", undefined, "v2"),
    /provided Path isn't a valid kv v2 path/,
  );
});

test("esoListPath() lists under the mount's metadata folder and requires a mount", () => {
  assert.equal(esoListPath("app", "secret", "v2"), "secret/metadata/app/");
  assert.equal(esoListPath(undefined, "secret", "v2"), "secret/metadata/");
  assert.equal(esoListPath("app/", "kv", "v1"), "kv/app/");
  assert.throws(() => esoListPath("app", undefined, "v2"), /provider\.vault\.path/);
});

test("avpReadPath() keeps AVP's literal API path", () => {
  assert.equal(avpReadPath("kv/data/testing"), "kv/data/testing");
  assert.equal(avpReadPath("secret/testing"), "secret/testing");
});

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  defaultConfig,
  parseKeyValuePairs,
  parseListenAddress,
  parseRfc1123z,
  validateKeyPrefix,
  watchedNamespaces,
} from "./config.js";

test("validateKeyPrefix() accepts upstream's alphabet and rejects others with upstream's messages", () => {
  assert.equal(validateKeyPrefix("sealed-secrets-key"), "sealed-secrets-key");
  assert.throws(() => validateKeyPrefix("Key"), { message: "name contains illegal character K" });
  assert.throws(() => validateKeyPrefix("a".repeat(246)), {
    message: "name is too long, must be shorter than 245, got 246",
  });
});

test("parseKeyValuePairs() parses k=v lists and rejects a pair without '=' without quoting it", () => {
  assert.deepEqual(parseKeyValuePairs("a=1,b=x=y", "--privatekey-labels"), { a: "1", b: "x=y" });
  assert.deepEqual(parseKeyValuePairs("", "--privatekey-labels"), {});
  assert.throws(() => parseKeyValuePairs("a=1,s3cret", "--privatekey-annotations"), {
    message: "invalid --privatekey-annotations: pair 2 is not key=value",
  });
});

test("parseRfc1123z() reads what `date -R` prints and refuses other layouts", () => {
  assert.equal(parseRfc1123z("Mon, 02 Jan 2006 15:04:05 -0700"), Date.UTC(2006, 0, 2, 22, 4, 5));
  assert.equal(parseRfc1123z("Tue, 03 Mar 2026 10:00:00 +0100"), Date.UTC(2026, 2, 3, 9, 0, 0));
  assert.throws(() => parseRfc1123z("2026-03-03T10:00:00Z"), /cannot parse/);
  assert.throws(() => parseRfc1123z("Mon, 31 Feb 2026 10:00:00 +0000"), /cannot parse/);
});

test("parseListenAddress() reads Go listen addresses", () => {
  assert.deepEqual(parseListenAddress(":8080", "--listen-addr"), { host: "", port: 8080 });
  assert.deepEqual(parseListenAddress("[::1]:0", "--listen-addr"), { host: "::1", port: 0 });
  assert.throws(() => parseListenAddress("8080", "--listen-addr"), /invalid --listen-addr/);
});

test("watchedNamespaces() is every namespace by default, else the controller's plus the listed ones", () => {
  assert.equal(watchedNamespaces(defaultConfig()), undefined);
  assert.deepEqual(watchedNamespaces(defaultConfig({ allNamespaces: false })), ["kube-system"]);
  assert.deepEqual(
    watchedNamespaces(defaultConfig({ additionalNamespaces: ["a", "kube-system", "a"] })),
    ["kube-system", "a"],
  );
});

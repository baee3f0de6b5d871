import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import {
  createdByHash,
  fieldManagerFor,
  formatByteMap,
  metadataHash,
  secretDataHash,
  syncedResourceVersion,
} from "./object-hash.js";

const bytes = (text: string): Uint8Array => Buffer.from(text);

test("secretDataHash() matches upstream's test vector for {bar: value2, foo: value1}", () => {
  const data = new Map([
    ["foo", bytes("value1")],
    ["bar", bytes("value2")],
  ]);
  assert.equal(formatByteMap(data), "map[bar:[118 97 108 117 101 50] foo:[118 97 108 117 101 49]]");
  assert.equal(secretDataHash(data), "1bed8bcbcb4547ffe19a19cd47d9078e84aa6598266d86b99f992d64");
});

test("createdByHash() matches the spec's vector for default/my-es", () => {
  assert.equal(
    createdByHash("default", "my-es"),
    "b8464376b5fe3535e690594280bfe59b60be2603cb6cbb6d6c8bcbb4",
  );
});

test("syncedResourceVersion() matches the spec's vectors", () => {
  assert.equal(
    syncedResourceVersion({ generation: 1 }),
    "1-f47fe3c0b255b6dd8047cdffa772587bb829efe7a1cb70febeda2eb2",
  );
  assert.equal(
    metadataHash({ app: "web" }, { "force-sync": "1700000000" }),
    "662a7f5d7a59bf1c982558c35fec9b5bc13bd2da0f80a2160ae3825b",
  );
});

test("fieldManagerFor() hashes names whose manager string would exceed 63 characters", () => {
  assert.equal(fieldManagerFor("db"), "externalsecrets.external-secrets.io/db");
  // 27 characters is the longest name that stays plain (36 + 27 = 63).
  assert.equal(
    fieldManagerFor("a".repeat(27)),
    `externalsecrets.external-secrets.io/${"a".repeat(27)}`,
  );
  assert.equal(
    fieldManagerFor("a-very-long-externalsecret-name"),
    "externalsecrets.external-secrets.io/sha3/57601330b8e2b01636f149432ed7a78c318974b8a0b46847aa9520a9",
  );
});

test("formatByteMap() sorts keys byte-wise, prints empty values as [] and an empty map as map[]", () => {
  assert.equal(formatByteMap(new Map()), "map[]");
  const data = new Map([
    ["b", bytes("")],
    ["B", bytes("\u0000\u00ff")],
    ["a.b", bytes("x")],
  ]);
  assert.equal(formatByteMap(data), "map[B:[0 195 191] a.b:[120] b:[]]");
});

test("secretDataHash() agrees with openssl's SHA3-224 over the same Go-formatted bytes", (t) => {
  let openssl: string;
  const data = new Map([
    ["password", Buffer.from([0, 1, 2, 250, 255])],
    ["username", bytes("app")],
    ["empty", bytes("")],
  ]);
  const text = "map[empty:[] password:[0 1 2 250 255] username:[97 112 112]]";
  try {
    openssl = execFileSync("openssl", ["dgst", "-sha3-224", "-r"], {
      input: text,
      encoding: "utf8",
    });
  } catch {
    t.skip("openssl with sha3-224 is not available");
    return;
  }
  assert.equal(secretDataHash(data), openssl.split(" ")[0]);
});

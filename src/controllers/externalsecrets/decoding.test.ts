import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeGoBase64, decodeMap, decodeValue } from "./decoding.js";

const text = (value: Uint8Array): string => Buffer.from(value).toString("utf8");

test("decodeGoBase64() decodes padded input and skips CR and LF like Go", () => {
  assert.equal(text(decodeGoBase64(Buffer.from("aGVsbG8="))), "hello");
  assert.equal(text(decodeGoBase64(Buffer.from("aGVs\r\nbG8="))), "hello");
  assert.equal(text(decodeGoBase64(Buffer.from("aGk="))), "hi");
  assert.equal(text(decodeGoBase64(Buffer.from("aA=="))), "h");
  assert.equal(decodeGoBase64(Buffer.from("")).length, 0);
  assert.deepEqual([...decodeGoBase64(Buffer.from("-_8="), true)], [0xfb, 0xff]);
});

for (const bad of [
  "aGVsbG8",
  "aGVsbG8=x",
  "a===",
  "aG=o",
  "aGVs bG8=",
  "-_8=",
  "=aGk",
  "aGk==",
  "aA=",
]) {
  test(`decodeGoBase64() rejects ${JSON.stringify(bad)} with Go's message`, () => {
    assert.throws(
      () => decodeGoBase64(Buffer.from(bad)),
      /^Error: illegal base64 data at input byte \d+$/,
    );
  });
}

test("decodeValue() applies each strategy; Auto falls back to URL, then raw", () => {
  assert.equal(text(decodeValue("Base64", Buffer.from("aGk="))), "hi");
  assert.equal(text(decodeValue("Base64URL", Buffer.from("aGk="))), "hi");
  assert.equal(text(decodeValue("None", Buffer.from("aGk="))), "aGk=");
  assert.equal(text(decodeValue(undefined, Buffer.from("aGk="))), "aGk=");
  assert.equal(text(decodeValue("", Buffer.from("aGk="))), "aGk=");
  assert.deepEqual([...decodeValue("Auto", Buffer.from("-_8="))], [0xfb, 0xff]);
  assert.equal(text(decodeValue("Auto", Buffer.from("not base64!"))), "not base64!");
  assert.throws(
    () => decodeValue("Hex", Buffer.from("00")),
    /decoding strategy Hex is not supported/,
  );
});

test("decodeMap() names the key and never the value when a value is not base64", () => {
  const planted = "s3cr3t-planted-value!";
  assert.throws(
    () => decodeMap("Base64", new Map([["password", Buffer.from(planted)]])),
    (error: Error) =>
      error.message.startsWith("failure decoding key password: illegal base64") &&
      !error.message.includes(planted),
  );
});

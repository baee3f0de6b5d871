import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { decodeGoBase64 } from "./index.js";

test("decodeGoBase64() decodes canonical base64 like Buffer does", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      assert.deepEqual(decodeGoBase64(Buffer.from(bytes).toString("base64")), Buffer.from(bytes));
    }),
  );
});

test("decodeGoBase64() skips CR and LF anywhere, as Go does", () => {
  assert.equal(decodeGoBase64("aGVs\nbG8=\r\n").toString(), "hello");
});

test("decodeGoBase64() reports Go's offset of the first bad byte", () => {
  const cases: [string, number][] = [
    ["AgA+dujiBo...", 10], // upstream's truncated template example
    ["abc", 0], // incomplete quantum: offset of its start
    ["ab=c", 2], // "==" expected: Go points at the first "="
    ["ab=", 3], // not enough padding
    ["abc=d", 4], // trailing garbage after padding
    ["a===", 1],
    ["=abc", 0],
    ["aGVsbG8=x", 8],
    ["a-bc", 1],
  ];
  for (const [input, offset] of cases) {
    assert.throws(
      () => decodeGoBase64(input),
      { message: `illegal base64 data at input byte ${offset}` },
      input,
    );
  }
});

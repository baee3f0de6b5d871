import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { gfMultiply, shamirCombine, shamirSplit } from "./shamir.js";

test("gfMultiply() is multiplication in the AES field", () => {
  // FIPS-197 §4.2: {57} • {83} = {c1}, {57} • {13} = {fe}.
  assert.equal(gfMultiply(0x57, 0x83), 0xc1);
  assert.equal(gfMultiply(0x57, 0x13), 0xfe);
  for (let a = 0; a < 256; a++) {
    assert.equal(gfMultiply(a, 1), a);
    assert.equal(gfMultiply(a, 0), 0);
  }
});

test("shamirSplit() lays shares out as sops does: y values, then the x-coordinate", () => {
  const secret = Uint8Array.from([0x00, 0x7f, 0xff]);
  // With threshold 2 each byte's polynomial is secret + c·x; fix c = 0x02 for every byte.
  const shares = shamirSplit(secret, 3, 2, (size) => new Uint8Array(size).fill(0x02));
  assert.equal(shares.length, 3);
  shares.forEach((share, i) => {
    const x = i + 1;
    assert.equal(share.length, secret.length + 1);
    assert.equal(share[secret.length], x);
    secret.forEach((byte, j) => {
      assert.equal(share[j], byte ^ gfMultiply(0x02, x));
    });
  });
});

test("any threshold-sized subset of shares recovers the secret (property)", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 40 }),
      fc.integer({ min: 2, max: 6 }),
      fc.integer({ min: 0, max: 4 }),
      fc.infiniteStream(fc.nat()),
      (secret, threshold, extra, picks) => {
        const parts = threshold + extra;
        const shares = shamirSplit(secret, parts, threshold);
        const chosen = new Set<number>();
        const iterator = picks[Symbol.iterator]();
        while (chosen.size < threshold) chosen.add((iterator.next().value as number) % parts);
        const subset = [...chosen].map((i) => shares[i] ?? new Uint8Array());
        assert.deepEqual(shamirCombine(subset), secret);
      },
    ),
    { numRuns: 200 },
  );
});

test("shamirSplit() and shamirCombine() reject what sops rejects", () => {
  const secret = new Uint8Array(32).fill(7);
  assert.throws(() => shamirSplit(secret, 2, 3), /parts cannot be less than threshold/);
  assert.throws(() => shamirSplit(secret, 256, 2), /parts cannot exceed 255/);
  assert.throws(() => shamirSplit(secret, 3, 1), /threshold must be at least 2/);
  assert.throws(() => shamirSplit(new Uint8Array(), 3, 2), /cannot split an empty secret/);
  const shares = shamirSplit(secret, 3, 2);
  const [first = new Uint8Array(), second = new Uint8Array()] = shares;
  assert.throws(() => shamirCombine([first]), /less than two parts/);
  assert.throws(() => shamirCombine([first, first]), /duplicate part detected/);
  assert.throws(
    () => shamirCombine([first, second.subarray(1)]),
    /all parts must be the same length/,
  );
});

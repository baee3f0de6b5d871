import assert from "node:assert/strict";
import { createDecipheriv, randomBytes } from "node:crypto";
import { test } from "node:test";
import fc from "fast-check";
import { ValueCipher, decodeBase64, isEncryptedString, parseEncryptedValue } from "./cipher.js";

// The pattern sops matches ENC strings with, run by the regex engine: the reference the
// lastIndexOf-based parser must agree with on every input (`.` matching any character).
const SOPS_ENC = /^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]/s;

// Strings made of the pieces that matter to the pattern, so that near-misses are frequent: free
// sequences of pieces, and the ENC layout with each field (possibly empty) made of pieces too.
const piece = fc.constantFrom(
  "ENC[AES256_GCM,data:",
  ",iv:",
  ",tag:",
  ",type:",
  "]",
  "[",
  ",",
  ":",
  "A",
  "QUJD",
  "==",
  "\n",
  "str",
  "é",
);
const pieces = (maxLength: number): fc.Arbitrary<string> =>
  fc.array(piece, { maxLength }).map((parts) => parts.join(""));
const encLike = fc.oneof(
  pieces(14),
  fc
    .tuple(pieces(3), pieces(3), pieces(3), pieces(3), pieces(2))
    .map(
      ([data, iv, tag, type, after]) =>
        `ENC[AES256_GCM,data:${data},iv:${iv},tag:${tag},type:${type}]${after}`,
    ),
);

test("ENC strings split exactly where sops's greedy pattern splits them (property)", () => {
  fc.assert(
    fc.property(fc.oneof(encLike, fc.string()), (text) => {
      const match = SOPS_ENC.exec(text);
      assert.equal(isEncryptedString(text), match !== null, JSON.stringify(text));
      if (match === null) {
        assert.throws(() => parseEncryptedValue(text), /does not match sops' data format/);
        return;
      }
      const [, data = "", iv = "", tag = "", type = ""] = match;
      let parsed;
      try {
        parsed = parseEncryptedValue(text);
      } catch (error) {
        // Only the base64 of the fields may still be refused, and then by the field's name.
        const message = (error as Error).message;
        const field = /^Error base64-decoding (data|iv|tag):/.exec(message)?.[1];
        assert.ok(field !== undefined, message);
        assert.throws(() => decodeBase64({ data, iv, tag }[field] ?? "", field));
        return;
      }
      assert.equal(parsed.type, type);
      assert.deepEqual(parsed.data, decodeBase64(data, "data"));
      assert.deepEqual(parsed.iv, decodeBase64(iv, "iv"));
      assert.deepEqual(parsed.tag, decodeBase64(tag, "tag"));
    }),
    { numRuns: 3000 },
  );
});

// Go's StdEncoding as a per-character definition: the reference for the decoder's fast check.
function goStdBase64Valid(text: string): boolean {
  const cleaned = text.replace(/[\r\n]/g, "");
  return cleaned.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(cleaned);
}

test("base64 fields are accepted and refused exactly as Go's StdEncoding does (property)", () => {
  const symbol = fc.constantFrom(
    ..."ABCXYZabcxyz0189+/=-_ \t\r\n.é\u0000".split(""),
    "\ud83d\ude00",
  );
  const nearBase64 = fc.oneof(
    fc.array(symbol, { maxLength: 24 }).map((s) => s.join("")),
    fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString("base64")),
    fc
      .tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.nat(60), symbol)
      .map(([b, at, junk]) => {
        const text = Buffer.from(b).toString("base64");
        const i = at % text.length;
        return text.slice(0, i) + junk + text.slice(i + 1);
      }),
  );
  fc.assert(
    fc.property(nearBase64, (text) => {
      const valid = goStdBase64Valid(text);
      if (!valid) {
        assert.throws(() => decodeBase64(text, "iv"), {
          message: "Error base64-decoding iv: illegal base64 data",
        });
        return;
      }
      assert.deepEqual(
        decodeBase64(text, "iv"),
        Buffer.from(text.replace(/[\r\n]/g, ""), "base64"),
        JSON.stringify(text),
      );
    }),
    { numRuns: 5000 },
  );
  // Non-zero trailing bits are accepted, as Go's non-strict decoder does ("QR==" is "A").
  assert.deepEqual(decodeBase64("QR==", "data"), Buffer.from("A"));
  assert.deepEqual(decodeBase64("QUI=\r\n", "data"), Buffer.from("AB"));
});

test("a megabyte value is sealed and opened through the fast parsers, byte for byte", () => {
  const key = randomBytes(32);
  const cipher = new ValueCipher(key);
  const plain = randomBytes(1024 * 1024 + 1);
  const text = cipher.encrypt(plain, "data:");
  const match = SOPS_ENC.exec(text);
  assert.ok(match !== null);
  const [, data = "", iv = "", tag = "", type] = match;
  assert.equal(type, "str");
  // An independent AES-GCM open of the fields as the pattern cut them.
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"));
  decipher.setAAD(Buffer.from("data:"));
  decipher.setAuthTag(Buffer.from(tag, "base64"));
  const opened = Buffer.concat([decipher.update(Buffer.from(data, "base64")), decipher.final()]);
  assert.ok(opened.equals(plain));
  const { value, macBytes } = new ValueCipher(key).open(text, "data:");
  assert.ok(value instanceof Uint8Array && Buffer.from(value).equals(plain));
  assert.ok(Buffer.from(macBytes).equals(plain));
  // One flipped symbol deep inside the data is refused before any decryption.
  const at = 20 + 700_000;
  const broken = `${text.slice(0, at)}-${text.slice(at + 1)}`;
  assert.throws(() => cipher.decrypt(broken, "data:"), /illegal base64 data/);
  const moved = text.slice(0, at) + (text[at] === "A" ? "B" : "A") + text.slice(at + 1);
  assert.throws(() => cipher.decrypt(moved, "data:"), /message authentication failed/);
});

test("the MAC bytes of a decrypted value are its canonical plaintext, BOM included", () => {
  const key = randomBytes(32);
  const writer = new ValueCipher(key);
  const reader = new ValueCipher(key);
  for (const value of ["\ufeffstarts with a BOM", "plain", "ünï\ncode ☃ \ud83d\ude00"]) {
    const opened = reader.open(writer.encrypt(value, "k:"), "k:");
    assert.equal(opened.value, value);
    assert.deepEqual(Buffer.from(opened.macBytes), Buffer.from(value, "utf8"));
  }
  // A bool written as "true" by another tool decrypts to true and hashes as sops writes it.
  const sealed = new ValueCipher(key).encrypt("true", "k:").replace("type:str]", "type:bool]");
  const opened = reader.open(sealed, "k:");
  assert.equal(opened.value, true);
  assert.equal(Buffer.from(opened.macBytes).toString(), "True");
});

test("IVs are reused only for values decrypted unchanged, also after many decryptions", () => {
  const key = randomBytes(32);
  const writer = new ValueCipher(key);
  const large = "x".repeat(200_000);
  const texts = [writer.encrypt("a", "k:"), writer.encrypt(large, "big:")];
  // A bool spelled "true" re-encodes as "True": its IV must not be reused for the new bytes.
  const bool = writer.encrypt("true", "b:").replace("type:str]", "type:bool]");
  const reader = new ValueCipher(key);
  for (const t of texts) reader.decrypt(t, t === texts[0] ? "k:" : "big:");
  reader.decrypt(bool, "b:");
  assert.equal(reader.encrypt("a", "k:"), texts[0]);
  assert.equal(reader.encrypt(large, "big:"), texts[1]);
  assert.notEqual(reader.encrypt("a", "other:"), texts[0]);
  const reencoded = reader.encrypt(true, "b:");
  assert.notEqual(reencoded.slice(reencoded.indexOf(",iv:")), bool.slice(bool.indexOf(",iv:")));
  // rotate: a new cipher adopts the remembered IVs even before they were ever looked up.
  const fresh = new ValueCipher(key);
  fresh.decrypt(texts[0] ?? "", "k:");
  const rotated = new ValueCipher(randomBytes(32));
  rotated.adoptStash(fresh);
  const iv = (text: string): string => text.slice(text.indexOf(",iv:"), text.indexOf(",tag:"));
  assert.equal(iv(rotated.encrypt("a", "k:")), iv(texts[0] ?? ""));
});

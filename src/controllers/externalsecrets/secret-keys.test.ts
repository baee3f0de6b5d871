import assert from "node:assert/strict";
import { test } from "node:test";
import { convertKey, convertKeys, reverseKey, validateKeys } from "./secret-keys.js";

test("convertKey() replaces what a Secret key cannot hold (Default) or encodes it (Unicode)", () => {
  assert.equal(convertKey("Default", "dev/app:db"), "dev_app_db");
  assert.equal(convertKey(undefined, "a b"), "a_b");
  assert.equal(convertKey("Unicode", "a[b"), "a_U005b_b");
  assert.equal(convertKey("Unicode", "a😀"), "a_U1f600_");
  assert.equal(convertKey("Default", "clé.ü-1_Ⅻ"), "clé.ü-1_Ⅻ");
});

test("convertKeys() reports keys that collide after conversion", () => {
  assert.throws(
    () =>
      convertKeys(
        "Default",
        new Map([
          ["a/b", 1],
          ["a:b", 2],
        ]),
      ),
    /secret name collision during conversion: a_b/,
  );
});

test("validateKeys() drops empty keys and rejects bad runes and long keys", () => {
  assert.deepEqual(
    [
      ...validateKeys(
        new Map([
          ["", 1],
          ["ok", 2],
        ]),
      ).keys(),
    ],
    ["ok"],
  );
  assert.throws(() => validateKeys(new Map([["a/b", 1]])), /key has invalid character "\/"/);
  assert.throws(
    () => validateKeys(new Map([["k".repeat(254), 1]])),
    /key has length 254 but max is 253/,
  );
  assert.doesNotThrow(() => validateKeys(new Map([["k".repeat(253), 1]])));
});

test("reverseKey() turns _UXXXX_ back into the rune under ReverseUnicode only", () => {
  assert.equal(reverseKey("ReverseUnicode", "a_U005b_b_U1f600_"), "a[b😀");
  assert.equal(reverseKey("None", "a_U005b_"), "a_U005b_");
  assert.equal(reverseKey("ReverseUnicode", convertKey("Unicode", "x/y:z")), "x/y:z");
});

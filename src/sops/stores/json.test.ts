import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { treeList, treeMap, type TreeMap } from "../tree.js";
import { storeFor } from "./index.js";
import {
  emitJsonDocument,
  emitJsonDocumentBytes,
  goJsonString,
  mayNeedJsonEscape,
  parseJsonObject,
} from "./json.js";

const hex4 = (code: number): string => `\\u${code.toString(16).padStart(4, "0")}`;

/**
 * Go's `json.Marshal` of a string, one UTF-16 unit at a time, straight from encoding/json's rules:
 * the reference the writer's native-scan fast path and its escaping pattern must agree with.
 */
function goJsonReference(value: string): string {
  const short: Record<string, string> = {
    '"': '\\"',
    "\\": "\\\\",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
  };
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    const next = value.charCodeAt(i + 1);
    if (code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += value.slice(i, i + 2);
      i++;
    } else if (code >= 0xd800 && code <= 0xdfff) {
      out += "\ufffd"; // a lone surrogate is invalid UTF-8 to Go
    } else if (short[value[i] ?? ""] !== undefined) {
      out += short[value[i] ?? ""] ?? "";
    } else if (
      code < 0x20 ||
      "<>&".includes(value[i] ?? "") ||
      code === 0x2028 ||
      code === 0x2029
    ) {
      out += hex4(code);
    } else {
      out += value[i] ?? "";
    }
  }
  return `${out}"`;
}

// Every class of character the writer treats differently.
const SPECIALS = [
  '"',
  "\\",
  "\n",
  "\r",
  "\t",
  "\b",
  "\f",
  "\u0000",
  "\u001f",
  "<",
  ">",
  "&",
  "\u2028",
  "\u2029",
  "\ud800",
  "\udc00",
  "\ud83d\ude00",
  "é",
  "☃",
  "\ufeff",
  "\u007f",
  "/",
];
const unit = fc.oneof(
  fc.constantFrom(...SPECIALS),
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  fc.constantFrom("a", "Z", "0", " ", "+", "="),
);
const anyString = fc.array(unit, { maxLength: 40 }).map((units) => units.join(""));

/** A string of about `size` characters cycling through every special class and plain text. */
function largeString(size: number, seed: number): string {
  const parts: string[] = [];
  let length = 0;
  for (let i = seed; length < size; i++) {
    const part =
      i % 3 === 0 ? "plain ASCII text, line after line " : (SPECIALS[i % SPECIALS.length] ?? "");
    parts.push(part);
    length += part.length;
  }
  return parts.join("");
}

test("JSON strings are escaped as Go's encoder does, fast path included (property)", () => {
  fc.assert(
    fc.property(anyString, (value) => {
      const expected = goJsonReference(value);
      assert.equal(goJsonString(value), expected, JSON.stringify(value));
      // The quick test may say "maybe" for text that turns out unchanged, never "no" wrongly.
      if (!mayNeedJsonEscape(value)) assert.equal(expected, `"${value}"`);
    }),
    { numRuns: 3000 },
  );
  for (const special of SPECIALS) {
    const value = `${"x".repeat(1 << 17)}${special}`;
    assert.equal(goJsonString(value), goJsonReference(value), JSON.stringify(special));
  }
});

test("megabyte values with every escape class, lines and non-ASCII are written and read back exactly", () => {
  const big = largeString(1 << 20, 0);
  const multiLine = "line one\nline two\r\n\ttabbed é ☃ \ud83d\ude00\n".repeat(30_000);
  const ascii = "QUJD".repeat(300_000);
  const map: TreeMap = treeMap([
    { key: "big", value: big },
    { key: "small", value: "a<b" },
    { key: "lines", value: multiLine },
    { key: "list", value: treeList([ascii, true, null]) },
    { key: largeString(70_000, 1), value: "key is large too" },
  ]);
  const text = emitJsonDocument(map, -1);
  const expected =
    `{\n\t"big": ${goJsonReference(big)},\n\t"small": "a\\u003cb",\n\t"lines": ${goJsonReference(multiLine)},\n` +
    `\t"list": [\n\t\t"${ascii}",\n\t\ttrue,\n\t\tnull\n\t],\n` +
    `\t${goJsonReference(largeString(70_000, 1))}: "key is large too"\n}\n`;
  assert.equal(text, expected);
  // The store's bytes are those of the text, although large pieces are encoded one by one.
  assert.ok(Buffer.from(emitJsonDocumentBytes(map, -1)).equals(Buffer.from(expected, "utf8")));
  // Reading back gives every value as written; lone surrogates come back as U+FFFD, as in Go.
  const back = parseJsonObject(text);
  const values = back.items.map((item) => item.value);
  assert.equal(
    values[0],
    big.replace(/[\ud800-\udfff]/g, (c, at: number) => {
      const pair = /[\ud800-\udbff][\udc00-\udfff]/;
      return pair.test(big.slice(at - 1, at + 1)) || pair.test(big.slice(at, at + 2))
        ? c
        : "\ufffd";
    }),
  );
  assert.equal(values[2], multiLine);
  assert.deepEqual(back.items.map((item) => item.key).slice(0, 4), [
    "big",
    "small",
    "lines",
    "list",
  ]);
});

test("JSON string tokens parse as JSON.parse reads them, with or without escapes (property)", () => {
  const noLoneSurrogates = anyString.map((s) => s.replace(/[\ud800-\udfff]/g, "s"));
  fc.assert(
    fc.property(noLoneSurrogates, fc.boolean(), (value, goStyle) => {
      const token = goStyle ? goJsonString(value) : JSON.stringify(value);
      const map = parseJsonObject(`{${token}: ${token}, "after": 1}`);
      const [first] = map.items;
      assert.deepEqual([first?.key, first?.value], [value, value]);
      assert.equal(map.items[1]?.key, "after");
    }),
    { numRuns: 2000 },
  );
});

test("a raw control character or a cut in a large JSON string is refused as before the fast path", () => {
  const prefix = "y".repeat(500_000);
  assert.throws(() => parseJsonObject(`{\n"a": "${prefix}\u0001z"}`), {
    message: "invalid character in string literal at line 2, column 500007",
  });
  assert.throws(() => parseJsonObject(`{"a": "${prefix}`), {
    message: "unexpected end of JSON input in string at line 1, column 8",
  });
  // A newline inside a string is a control character too, even in a pretty-printed file.
  assert.throws(() => storeFor("json").loadPlain(Buffer.from(`{\n\t"a": "x\ny"\n}\n`)), {
    message: "invalid character in string literal at line 2, column 9",
  });
});

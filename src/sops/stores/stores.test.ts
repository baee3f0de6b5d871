import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  floatValue,
  intValue,
  treeList,
  treeMap,
  valuesEqual,
  type TreeMap,
  type TreeValue,
} from "../tree.js";
import { readDotenv, writeDotenv } from "./dotenv.js";
import { formatForPath, storeFor } from "./index.js";
import { readIni, writeIni } from "./ini.js";
import { emitJsonDocument, goJsonString, parseJsonObject } from "./json.js";
import { readYaml } from "./yaml-read.js";
import { resolvePlainScalar } from "./yaml-resolve.js";
import { hasBlockIndicator, hasSpecialCharacters, isPrintable, writeYaml } from "./yaml-write.js";

const bytes = (text: string): Uint8Array => Buffer.from(text, "utf8");
const text = (data: Uint8Array): string => Buffer.from(data).toString("utf8");

test("formatForPath() picks the store by extension as sops does", () => {
  const cases: [string | undefined, string][] = [
    ["a.yaml", "yaml"],
    ["a.yml", "yaml"],
    ["a.json", "json"],
    ["a.env", "dotenv"],
    ["a.ini", "ini"],
    ["a.txt", "binary"],
    ["Makefile", "binary"],
    [undefined, "binary"],
  ];
  for (const [path, format] of cases) assert.equal(formatForPath(path), format, String(path));
});

test("resolvePlainScalar() types plain YAML scalars as go-yaml v3 does", () => {
  const cases: [string, TreeValue][] = [
    ["true", true],
    ["False", false],
    ["yes", "yes"],
    ["on", "on"],
    ["~", null],
    ["", null],
    ["12", intValue(12)],
    ["0x1F", intValue(31)],
    ["017", intValue(15)],
    ["0o17", intValue(15)],
    ["0b101", intValue(5)],
    ["1_000", intValue(1000)],
    ["-0x10", intValue(-16)],
    ["08", floatValue(8)],
    ["1e3", floatValue(1000)],
    [".5", floatValue(0.5)],
    ["1.0", floatValue(1)],
    [".inf", floatValue(Infinity)],
    ["-.Inf", floatValue(-Infinity)],
    ["99999999999999999999", floatValue(1e20)],
    ["2024-01-01", { kind: "time", text: "2024-01-01T00:00:00Z" }],
    ["2006-01-02T15:04:05.120+07:00", { kind: "time", text: "2006-01-02T15:04:05.12+07:00" }],
    ["2006-1-2 3:4:5", { kind: "time", text: "2006-01-02T03:04:05Z" }],
    ["2024-13-01", "2024-13-01"],
    ["1.2.3", "1.2.3"],
  ];
  for (const [input, expected] of cases) {
    assert.ok(
      valuesEqual(resolvePlainScalar(input), expected),
      `${input} → ${JSON.stringify(resolvePlainScalar(input), (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}`,
    );
  }
  assert.deepEqual(resolvePlainScalar("18446744073709551615"), {
    kind: "unsupported",
    goType: "uint64",
    text: "18446744073709551615",
  });
});

// A document in the exact layout sops (go-yaml v3, indent 4) writes: loading and writing it back
// must give the same bytes.
const SOPS_STYLE_YAML = `# head comment
app:
    # about the user
    user: admin # inline
    password: c4r1b0u
    ports:
        - 80
        - 443
        # after the ports
    key: |
        -----BEGIN KEY-----
        abc
        -----END KEY-----
    empty: ""
    nothing: null
    quoted: "yes"
    colon: 'a: b'
    when: 2024-01-01T00:00:00Z
    ratio: 1.5
list_of_maps:
    - name: a
      value: 1
    - name: b
      nested:
        deep: true
"10": numbers as keys keep their place
"2": '...'
# foot comment
---
second: document
`;

test("the YAML store writes back a sops-style document byte for byte (comments, order, styles)", () => {
  const store = storeFor("yaml");
  assert.equal(text(store.emitPlain(store.loadPlain(bytes(SOPS_STYLE_YAML)))), SOPS_STYLE_YAML);
});

test("the YAML store expands aliases, keeps << as a key and honours --indent", () => {
  const store = storeFor("yaml", { indent: 2 });
  const input = "base: &b\n  x: 1\ncopy: *b\nmerged:\n  <<: *b\n  z: 2\n";
  assert.equal(
    text(store.emitPlain(store.loadPlain(bytes(input)))),
    "base:\n  x: 1\ncopy:\n  x: 1\nmerged:\n  !!merge <<:\n    x: 1\n  z: 2\n",
  );
});

test("the YAML store rejects what go-yaml rejects, with the line", () => {
  const store = storeFor("yaml");
  const cases: [string, RegExp][] = [
    ["- a\n- b\n", /line 1: cannot unmarshal !!seq into map\[string\]interface \{\}/],
    ["a: 1\na: 2\n", /line 2: mapping key "a" already defined at line 1/],
    ["a: 1\n---\n- x\n", /YAML documents that are sequences are not supported/],
    ["a: 1\n---\nplain\n", /YAML documents that are values are not supported/],
    ["a: [1, 2\nb: 3\n", /yaml: line \d+: /],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => store.loadPlain(bytes(input)), message, input);
  }
  assert.deepEqual(store.loadPlain(bytes("")), []);
  // Duplicates in later documents are kept as separate items, as sops does.
  assert.equal(storeFor("yaml").loadPlain(bytes("a: 1\n---\nb: 1\nb: 2\n"))[1]?.items.length, 2);
});

test("the JSON store keeps order, duplicates and int64 and escapes like Go", () => {
  const input =
    '{"z": 1, "a": [true, null, 1.0, 1e2, 9007199254740993], "a": "<&>\\u2028", "n": {}}';
  const map = parseJsonObject(input);
  assert.equal(map.items.length, 4);
  assert.equal(
    emitJsonDocument(map, -1),
    '{\n\t"z": 1,\n\t"a": [\n\t\ttrue,\n\t\tnull,\n\t\t1,\n\t\t100,\n\t\t9007199254740993\n\t],\n\t"a": "\\u003c\\u0026\\u003e\\u2028",\n\t"n": {}\n}\n',
  );
  assert.equal(emitJsonDocument(parseJsonObject('{"a":[1]}'), 2), '{\n  "a": [\n    1\n  ]\n}\n');
  assert.equal(emitJsonDocument(parseJsonObject('{"a":[1]}'), 0), '{\n"a": [\n1\n]\n}\n');
  assert.equal(goJsonString("tab\there\b\f\u0001"), '"tab\\there\\b\\f\\u0001"');
  assert.throws(() => parseJsonObject("[1]"), /top-level object/);
  assert.throws(() => parseJsonObject('{"a": }'), /line 1, column 7/);
  assert.throws(() => parseJsonObject('{"a": 1'), /unexpected end of JSON input/);
  assert.throws(() => emitJsonDocument(parseJsonObject("{}"), -2), /smaller than -1/);
});

test("the dotenv store splits at the first = and escapes newlines", () => {
  const branch = readDotenv('#comment\nA=1\nB =x=y\nC=line1\\nline2\n\nD="quoted"\n');
  assert.deepEqual(
    branch.items.map((i) => [
      typeof i.key === "string" ? i.key : `#${i.key.kind === "comment" ? i.key.value : ""}`,
      i.value,
    ]),
    [
      ["#comment", null],
      ["A", "1"],
      ["B ", "x=y"],
      ["C", "line1\nline2"],
      ["D", '"quoted"'],
    ],
  );
  assert.equal(writeDotenv(branch), '#comment\nA=1\nB =x=y\nC=line1\\nline2\nD="quoted"\n');
  assert.throws(
    () => readDotenv("A=1\nsecret-without-equals\n"),
    (error: unknown) => {
      assert.match((error as Error).message, /line 2/);
      assert.doesNotMatch((error as Error).message, /secret-without-equals/);
      return true;
    },
  );
  assert.throws(
    () => writeDotenv(treeMap([{ key: "a", value: treeMap() }])),
    /complex value in dotenv file; offending key a/,
  );
});

test("the INI store reads go-ini style input and writes aligned sections", () => {
  const input = [
    "top = level",
    "; section comment",
    "[name]",
    'first = "quoted"',
    "# key comment",
    "last: value ; inline",
    'multi = """line1',
    'line2"""',
    "",
    "[name]",
    "again = dup section",
  ].join("\n");
  const branch = readIni(input);
  assert.deepEqual(
    branch.items.map((i) => i.key),
    ["DEFAULT", "name", "name"],
  );
  assert.equal(
    writeIni(branch),
    'top = level\n\n; section comment\n[name]\nfirst = quoted\n; key comment\n; ; inline\nlast  = value\nmulti = """line1\nline2"""\n\n[name]\nagain = dup section\n',
  );
  assert.throws(() => readIni("[open\n"), /unclosed section/);
  assert.throws(() => readIni("[s]\nno delimiter\n"), /key-value delimiter not found at line 2/);
  assert.throws(
    () => writeIni(treeMap([{ key: "a", value: "b" }])),
    /Section values should always be TreeBranches/,
  );
});

const key = fc
  .oneof(
    fc.string({ minLength: 1, maxLength: 8 }),
    fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 6 }),
  )
  .filter((k) => k !== "sops");
const scalar: fc.Arbitrary<TreeValue> = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.string({ unit: "binary-ascii", maxLength: 12 }),
  fc.boolean(),
  fc.constant(null),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((v) => intValue(v)),
  fc
    .double({ noNaN: true, noDefaultInfinity: true })
    .filter((v) => !Number.isInteger(v))
    .map((v) => floatValue(v)),
);
const { tree } = fc.letrec<{ tree: TreeMap; value: TreeValue }>((tie) => ({
  tree: fc
    .uniqueArray(fc.tuple(key, tie("value")), { selector: ([k]) => k, maxLength: 5 })
    .map((entries) => treeMap(entries.map(([k, value]) => ({ key: k, value })))),
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    tie("tree"),
    fc.array(tie("value"), { maxLength: 4 }).map((items) => treeList(items)),
  ),
}));

test("YAML and JSON written by the stores read back as the same tree (property)", () => {
  fc.assert(
    fc.property(tree, (doc) => {
      const yaml = readYaml(writeYaml([doc]));
      assert.ok(valuesEqual(yaml[0] ?? treeMap(), doc), writeYaml([doc]));
      const json = parseJsonObject(emitJsonDocument(doc, -1));
      // JSON has no integer/float distinction for integral floats; compare the text form instead.
      assert.equal(emitJsonDocument(json, -1), emitJsonDocument(doc, -1));
    }),
    { numRuns: 300 },
  );
});

test("the YAML writer's one-scan special-character test agrees with go-yaml's per-character rule", () => {
  const unit = fc.oneof(
    fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
    fc.constantFrom("\t", "\n", "\r", "\u007f", "\u0085", "\u00a0", "\ufeff", "\ufffd", "\uffff"),
    fc.constantFrom("\ud83d\ude00", "\ud800", "a", "é", "☃"),
  );
  // go-yaml walks runes: a pair of surrogates is one character above U+FFFF.
  const rule = (value: string): boolean => {
    for (const c of value) if (c !== "\t" && !isPrintable(c)) return true;
    return false;
  };
  fc.assert(
    fc.property(fc.array(unit, { maxLength: 30 }), (units) => {
      const value = units.join("");
      assert.equal(hasSpecialCharacters(value), rule(value), JSON.stringify(value));
    }),
    { numRuns: 5000 },
  );
});

test("a megabyte YAML value with breaks, specials and non-ASCII is written and read back as it was", () => {
  const parts = [
    "plain text ",
    "é☃ ",
    "\ud83d\ude00",
    "\n",
    "\t",
    '"',
    "\\",
    ": ",
    " #",
    "\u0001",
    "\r\n",
  ];
  const big = Array.from({ length: 100_000 }, (_, i) => parts[i % parts.length] ?? "").join("");
  const lines = `${"line of text é\n".repeat(70_000)}end`;
  for (const value of [
    big,
    lines,
    big.replaceAll("\u0001", "").replaceAll("\r", "").replaceAll("\t", ""),
  ]) {
    const doc = treeMap([
      { key: "big", value },
      { key: "after", value: "x" },
    ]);
    const back = readYaml(writeYaml([doc]))[0];
    assert.ok(back !== undefined && valuesEqual(back, doc));
  }
});

test("the YAML writer's indicator test agrees with the pattern go-yaml's analysis reduces to", () => {
  const BREAKS = "\\n\\r\\u0085\\u2028\\u2029";
  const pattern = new RegExp(
    [
      "^(?:---|\\.\\.\\.)",
      "^[#,\\[\\]{}&*!|>'\"%@`]",
      "^[?:-](?=[ \\t]|$)",
      "^[\\s\\S]+:(?=[ \\t]|$)",
      `[ \\t${BREAKS}]#`,
    ].join("|"),
    "u",
  );
  const unit = fc.oneof(
    fc.constantFrom("-", ".", "#", ",", "[", "]", "{", "}", "&", "*", "!", "|", ">", "'", '"'),
    fc.constantFrom(
      "%",
      "@",
      "`",
      "?",
      ":",
      " ",
      "\t",
      "\n",
      "\r",
      "\u0085",
      "\u2028",
      "\u2029",
      "a",
    ),
    fc.constantFrom("---", "...", ": ", ":\t", " #", "\ud83d\ude00", "\ud800"),
    fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  );
  fc.assert(
    fc.property(fc.array(unit, { maxLength: 12 }), (units) => {
      const value = units.join("");
      assert.equal(hasBlockIndicator(value), pattern.test(value), JSON.stringify(value));
    }),
    { numRuns: 10000 },
  );
});

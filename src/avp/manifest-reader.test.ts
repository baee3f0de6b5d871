import assert from "node:assert/strict";
import { test } from "node:test";
import {
  compareKeys,
  emitYamlDocument,
  readManifests,
  resolvePlain,
  splitYamlDocuments,
  toYamlNode,
} from "./index.js";

const read = (text: string): unknown => readManifests(Buffer.from(text));

test("readManifests() reads YAML 1.1 the way go-yaml v2 does, then converts to JSON numbers", () => {
  const [manifest] = read(
    "kind: X\nyes: no\nlist: [y, N, Off, true, ~]\noctal: 0755\nhex: 0x1F\nunder: 1_000\nfloat: 1.0\nexp: 1e3\n" +
      "half: 1.5\nstamp: 2024-01-01\nbase60: 1:20\nquoted: '0755'\n1: one\n" +
      "base: &b {a: 1, b: 2}\nmerged:\n  <<: *b\n  b: 3\nempty:\n",
  ) as [Record<string, unknown>];
  assert.equal(manifest.true, false, "a boolean key becomes the string true");
  assert.deepEqual(manifest.list, [true, false, false, true, null]);
  assert.equal(manifest.octal, 493n);
  assert.equal(manifest.hex, 31n);
  assert.equal(manifest.under, 1000n);
  assert.equal(manifest.float, 1n);
  assert.equal(manifest.exp, 1000n);
  assert.equal(manifest.half, 1.5);
  assert.equal(manifest.stamp, "2024-01-01");
  assert.equal(manifest.base60, "1:20");
  assert.equal(manifest.quoted, "0755");
  assert.equal(manifest["1"], "one");
  assert.deepEqual(manifest.merged, { a: 1n, b: 3n });
  assert.equal(manifest.empty, null);
});

test("readManifests() splits on --- lines, skips empty documents, and refuses a bad separator", () => {
  assert.equal(
    (read("---\n# only a comment\n---\nkind: A\n--- # trailing comment\nkind: B\n") as unknown[])
      .length,
    2,
  );
  assert.deepEqual(splitYamlDocuments("a: 1\n---\n---\nb: 2"), ["a: 1\n", "b: 2"]);
  assert.throws(() => read("kind: A\n--- foo\n"), {
    message: "invalid Yaml document separator: foo",
  });
});

test("readManifests() reads a JSON stream when the first byte is {", () => {
  const manifests = read(
    '{"kind":"A","n":1.0,"big":100000000000000000000}\n{"kind":"B"}',
  ) as Record<string, unknown>[];
  assert.equal(manifests.length, 2);
  const [first] = manifests;
  assert.equal(first?.n, 1, "1.0 is not an integer's text: it stays a float64");
  assert.equal(typeof first.big, "number", "beyond int64: a float64");
  assert.throws(() => read('{"kind": "A",}'), {
    message: "invalid character '}' looking for beginning of object key string",
  });
});

test("readManifests() refuses documents that are not objects with a kind", () => {
  assert.throws(() => read("- a\n"), {
    message:
      "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}",
  });
  assert.throws(() => read("a: 1\n"), {
    message: `error unmarshaling JSON: while decoding JSON: Object 'Kind' is missing in '{"a":1}'`,
  });
  assert.throws(() => read("a: .inf\nkind: X\n"), {
    message: "error converting YAML to JSON: json: unsupported value: .inf",
  });
});

test("resolvePlain() and compareKeys() follow go-yaml v2", () => {
  assert.equal(resolvePlain("yes").tag, "bool");
  assert.equal(resolvePlain("2024-1-2").tag, "timestamp");
  assert.equal(resolvePlain("2024-13-02").tag, "str");
  assert.equal(resolvePlain("08").tag, "float");
  assert.equal(resolvePlain("+1").tag, "int");
  assert.equal(resolvePlain("1e400").tag, "str");
  const keys = ["ka", "kA", "k_1", "k-1", "key10", "key9", "a.b", "ab", "Bx", "_x"];
  assert.deepEqual([...keys].sort(compareKeys), [
    "_x",
    "Bx",
    "a.b",
    "ab",
    "k-1",
    "k_1",
    "kA",
    "ka",
    "key9",
    "key10",
  ]);
});

test("emitYamlDocument() folds long plain lines at column 80 and quotes ambiguous strings (spec §4)", () => {
  const long = "word ".repeat(25).trim();
  const yaml = emitYamlDocument(
    toYamlNode({ k: long, list: [long], on: "on", hex: "0x1F", colon: "a: b", x: "x:" }),
  );
  assert.equal(
    yaml,
    "colon: 'a: b'\n" +
      'hex: "0x1F"\n' +
      "k: word word word word word word word word word word word word word word word word\n  word word word word word word word word word\n" +
      "list:\n- word word word word word word word word word word word word word word word word\n  word word word word word word word word word\n" +
      '"on": "on"\nx: \'x:\'\n',
  );
});

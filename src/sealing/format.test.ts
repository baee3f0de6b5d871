import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { compareGoStrings as templatingCompare, jsonString } from "../templating/index.js";
import { compareGoStrings } from "./go-json.js";
import {
  formatObject,
  goJsonString,
  goYamlMarshal,
  GoMap,
  parseOutputFormat,
  type SealedSecret,
} from "./index.js";

const object: SealedSecret = {
  apiVersion: "bitnami.com/v1alpha1",
  kind: "SealedSecret",
  metadata: {
    namespace: "ns",
    name: "db",
    annotations: { "sealedsecrets.bitnami.com/namespace-wide": "true" },
  },
  spec: {
    encryptedData: { b: "AgB2", a: "AgB1", "10": "AgB3" },
    template: {
      type: "Opaque",
      metadata: { labels: { app: "<web>&co" }, namespace: "ns", name: "db" },
    },
  },
};

test("formatObject() prints kubeseal's JSON: Go member order, sorted maps, Go escapes, newline", () => {
  assert.equal(
    formatObject(object, "json"),
    `{
  "kind": "SealedSecret",
  "apiVersion": "bitnami.com/v1alpha1",
  "metadata": {
    "name": "db",
    "namespace": "ns",
    "annotations": {
      "sealedsecrets.bitnami.com/namespace-wide": "true"
    }
  },
  "spec": {
    "template": {
      "metadata": {
        "name": "db",
        "namespace": "ns",
        "labels": {
          "app": "\\u003cweb\\u003e\\u0026co"
        }
      },
      "type": "Opaque"
    },
    "encryptedData": {
      "10": "AgB3",
      "a": "AgB1",
      "b": "AgB2"
    }
  }
}
`,
  );
});

test("formatObject() prints kubeseal's YAML: --- then keys sorted, sequences flush under keys", () => {
  const secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: "db",
      finalizers: ["a", "b"],
      ownerReferences: [{ apiVersion: "v1", kind: "K", name: "n", uid: "web" }],
    },
    data: { k: "dg==" },
  };
  assert.equal(
    formatObject(secret, "yaml"),
    `---
apiVersion: v1
data:
  k: dg==
kind: Secret
metadata:
  finalizers:
  - a
  - b
  name: db
  ownerReferences:
  - apiVersion: v1
    kind: K
    name: "n"
    uid: web
`,
  );
});

test("formatObject() always writes spec.template.metadata and spec.encryptedData", () => {
  const bare: SealedSecret = { metadata: {}, spec: { encryptedData: {} } };
  assert.equal(
    formatObject(bare, "json"),
    `{\n  "metadata": {},\n  "spec": {\n    "template": {\n      "metadata": {}\n    },\n    "encryptedData": {}\n  }\n}\n`,
  );
  assert.equal(
    formatObject(bare, "yaml"),
    "---\nmetadata: {}\nspec:\n  encryptedData: {}\n  template:\n    metadata: {}\n",
  );
});

test("parseOutputFormat() is case-insensitive, defaults to json and names a bad format", () => {
  assert.equal(parseOutputFormat("YAML"), "yaml");
  assert.equal(parseOutputFormat(""), "json");
  assert.throws(() => parseOutputFormat("xml"), { message: "unsupported output format: xml" });
});

test("goJsonString() escapes like Go's encoder", () => {
  assert.equal(
    goJsonString('a"\\\n\t\u0001\u2028<>&é'),
    '"a\\"\\\\\\n\\t\\u0001\\u2028\\u003c\\u003e\\u0026é"',
  );
  assert.equal(goJsonString("\ud800"), '"\ufffd"');
});

test("goJsonString() and compareGoStrings() agree with templating's copies (kept apart for start-up)", () => {
  const text = fc.string({
    // Lone surrogates on their own, so that some pair up and some do not.
    unit: fc.constantFrom(
      ...[
        "a",
        '"',
        "\\",
        "\n",
        "\b",
        "\u0001",
        "<",
        ">",
        "&",
        "\u2028",
        "é",
        "😀",
        "\ud800",
        "\udc00",
        "\uffff",
      ],
    ),
  });
  fc.assert(
    fc.property(text, text, (a, b) => {
      assert.equal(goJsonString(a), jsonString(a, true));
      // Go strings hold no lone surrogates (decoders turn them into U+FFFD), so order is compared
      // only for well-formed text.
      if (a.isWellFormed() && b.isWellFormed())
        assert.equal(Math.sign(compareGoStrings(a, b)), Math.sign(templatingCompare(a, b)));
    }),
  );
});

test("goYamlMarshal() quotes what YAML 1.1 would misread and keeps the rest plain", () => {
  const cases: [string, string][] = [
    ["true", '"true"'],
    ["yes", '"yes"'],
    ["on", '"on"'],
    ["null", '"null"'],
    ["", '""'],
    ["123", '"123"'],
    ["0x1F", '"0x1F"'],
    ["1e3", '"1e3"'],
    ["1:20", '"1:20"'],
    ["2024-01-01", '"2024-01-01"'],
    ["2024-01-01T00:00:00Z", '"2024-01-01T00:00:00Z"'],
    ["AgB+/x==", "AgB+/x=="],
    ["hello world", "hello world"],
    ["- item", "'- item'"],
    ["a: b", "'a: b'"],
    ["#x", "'#x'"],
    ["it's", "it's"],
    ["'quoted'", "'''quoted'''"],
    [" lead", "' lead'"],
    ["tab\there", '"tab\\there"'],
    ["line1\nline2", "|-\n  line1\n  line2"],
    ["line1\n", "|\n  line1"],
    ["😀", '"\\U0001F600"'],
  ];
  for (const [input, expected] of cases) {
    assert.equal(
      goYamlMarshal(new GoMap([["k", input]])),
      `k: ${expected}\n`,
      JSON.stringify(input),
    );
  }
});

test("goYamlMarshal() orders keys like yaml.v2 (digit runs as numbers, letters after others)", () => {
  const keys = ["b", "a10", "a2", "A", "_x", "a_b", "aB", "10", "9"];
  const text = goYamlMarshal(new GoMap(keys.map((key) => [key, 1] as const)));
  const order = text
    .trim()
    .split("\n")
    .map((line) => line.slice(0, line.lastIndexOf(":")).replace(/^"|"$/g, ""));
  assert.deepEqual(order, ["_x", "9", "10", "A", "a_b", "a2", "a10", "aB", "b"]);
});

test("goYamlMarshal() folds long plain text at spaces past column 80", () => {
  const words = Array.from({ length: 30 }, (_, i) => `word${i}`).join(" ");
  const lines = goYamlMarshal(new GoMap([["note", words]])).split("\n");
  assert.ok(lines.length > 2);
  assert.ok(lines.slice(1, -1).every((line) => line.startsWith("  ")));
  assert.equal(
    lines
      .map((line) => line.trim())
      .join(" ")
      .replace(/^note: /, "")
      .trim(),
    words,
  );
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeSealedSecret, decodeSecret, ManifestError, parseManifests } from "./index.js";

const planted = "hunter2-PLANTED";

test("parseManifests() reads YAML documents and skips empty ones", () => {
  const documents = parseManifests(
    "---\nmetadata: {name: a}\n---\n---\n# comment\n---\nmetadata: {name: b}\n",
  );
  assert.deepEqual(
    documents.map((document) => document.index),
    [2, 5].map((_, i) => documents[i]?.index ?? -1),
  );
  assert.equal(documents.length, 2);
});

test("parseManifests() reads a stream of concatenated JSON objects", () => {
  const documents = parseManifests('{"metadata":{"name":"a"}}\n{"metadata":{"name":"b","x":"}{"}}');
  assert.deepEqual(
    documents.map((document) => (document.value as { metadata: { name: string } }).metadata.name),
    ["a", "b"],
  );
});

test("parseManifests() reports syntax errors by position without quoting the input", () => {
  for (const text of [
    `data:\n  password: "${planted}\n  x: [`,
    `{"data": {"password": "${planted}"`,
    `{"data": ${planted}}`,
  ]) {
    assert.throws(
      () => parseManifests(text),
      (error: unknown) =>
        error instanceof ManifestError &&
        !error.message.includes(planted) &&
        error.message.includes("document 1: invalid"),
    );
  }
});

test("decodeSecret() names the document and field, and never the value", () => {
  const cases: [string, RegExp][] = [
    [
      `metadata: {name: db, namespace: ns}\ndata: {password: "${planted}"}`,
      /^document 1 \("ns\/db"\): data\.password: illegal base64 data at input byte 7$/,
    ],
    [
      `metadata: {name: db}\nstringData: {password: 5}`,
      /^document 1 \("db"\): stringData\.password: must be a string$/,
    ],
    [`metadata: {name: db}\nstringData: {enabled: yes}`, /stringData\.enabled: must be a string$/],
    [
      `kind: ConfigMap\nmetadata: {name: cm}\ndata: {a: "${planted}"}`,
      /^document 1 \("cm"\): not a v1\/Secret \(apiVersion "", kind "ConfigMap"\)$/,
    ],
    [`- a\n- b`, /^document 1: not an object$/],
    [`metadata: {name: db, labels: {app: [1]}}`, /metadata\.labels\.app: must be a string$/],
  ];
  for (const [text, pattern] of cases) {
    const [document] = parseManifests(text);
    assert.ok(document !== undefined);
    assert.throws(
      () => decodeSecret(document),
      (error: unknown) => {
        assert.ok(error instanceof ManifestError);
        assert.match(error.message, pattern);
        assert.ok(!error.message.includes(planted));
        return true;
      },
    );
  }
});

test("decodeSecret() keeps the fields Go's struct has and drops the rest", () => {
  const [document] = parseManifests(
    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  extra: dropped\n  creationTimestamp: 2024-01-01T00:00:00Z\nstatus: {}\ndata: {a: YQ==}\n",
  );
  assert.ok(document !== undefined);
  assert.deepEqual(decodeSecret(document), {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "db", creationTimestamp: "2024-01-01T00:00:00Z" },
    data: { a: "YQ==" },
  });
});

test("decodeSealedSecret() is lenient with encryptedData values and strict on kind when asked", () => {
  const [document] = parseManifests(
    "metadata: {name: s}\nspec:\n  encryptedData: {a: AgA=, b: 5}\n",
  );
  assert.ok(document !== undefined);
  assert.deepEqual(decodeSealedSecret(document).spec.encryptedData, { a: "AgA=", b: "" });
  assert.throws(() => decodeSealedSecret(document, { requireTypeMeta: true }), {
    message: 'document 1 ("s"): not a bitnami.com/v1alpha1 SealedSecret (apiVersion "", kind "")',
  });
});

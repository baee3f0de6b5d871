import assert from "node:assert/strict";
import { test } from "node:test";
import { ObjectError } from "./object-error.js";
import { parseExternalSecret } from "./parse-external-secret.js";

function manifest(
  spec: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "ExternalSecret",
    metadata: { name: "db-credentials", namespace: "my-app" },
    spec,
    ...extra,
  };
}

const validSpec = {
  refreshInterval: "1h",
  secretStoreRef: { name: "vault-backend", kind: "ClusterSecretStore" },
  target: { name: "db-secret", creationPolicy: "Owner" },
  data: [
    { secretKey: "password", remoteRef: { key: "myapp/db", property: "password" } },
    { secretKey: "username", remoteRef: { key: "myapp/db", property: "username" } },
  ],
};

test("parseExternalSecret() reads the seeds' example and leaves strategy fields unset", () => {
  const es = parseExternalSecret(manifest(validSpec));
  assert.equal(es.metadata.namespace, "my-app");
  assert.equal(es.spec.secretStoreRef?.kind, "ClusterSecretStore");
  assert.equal(es.spec.data?.[1]?.remoteRef.property, "username");
  assert.equal(es.spec.data[0]?.remoteRef.decodingStrategy, undefined);
  assert.equal(es.spec.data[0]?.remoteRef.conversionStrategy, undefined);
});

test("parseExternalSecret() accepts v1beta1 manifests, which have the same shape", () => {
  assert.equal(
    parseExternalSecret(manifest(validSpec, { apiVersion: "external-secrets.io/v1beta1" }))
      .apiVersion,
    "external-secrets.io/v1beta1",
  );
});

const badCases: { name: string; doc: unknown; field: string; message: RegExp }[] = [
  {
    name: "a document that is not an object",
    doc: "x",
    field: "(document)",
    message: /must be an object/,
  },
  {
    name: "a wrong kind",
    doc: { ...manifest(validSpec), kind: "Secret" },
    field: "kind",
    message: /must be ExternalSecret/,
  },
  {
    name: "a missing namespace",
    doc: { ...manifest(validSpec), metadata: { name: "x" } },
    field: "metadata.namespace",
    message: /required/,
  },
  {
    name: "no data and no dataFrom",
    doc: manifest({ secretStoreRef: { name: "s" } }),
    field: "spec",
    message: /either data or dataFrom/,
  },
  {
    name: "a missing remoteRef.key",
    doc: manifest({ data: [{ secretKey: "a", remoteRef: {} }] }),
    field: "spec.data[0].remoteRef.key",
    message: /required/,
  },
  {
    name: "a wrongly typed key",
    doc: manifest({ data: [{ secretKey: "a", remoteRef: { key: 7 } }] }),
    field: "spec.data[0].remoteRef.key",
    message: /must be a string, not a number/,
  },
  {
    name: "a bad secretKey",
    doc: manifest({ data: [{ secretKey: "a/b", remoteRef: { key: "k" } }] }),
    field: "spec.data[0].secretKey",
    message: /must match/,
  },
  {
    name: "an unknown decodingStrategy",
    doc: manifest({ data: [{ secretKey: "a", remoteRef: { key: "k", decodingStrategy: "Hex" } }] }),
    field: "spec.data[0].remoteRef.decodingStrategy",
    message: /must be one of None, Base64, Base64URL, Auto/,
  },
  {
    name: "a bad refreshInterval",
    doc: manifest({ ...validSpec, refreshInterval: "soon" }),
    field: "spec.refreshInterval",
    message: /time: invalid duration "soon"/,
  },
  {
    name: "a bad find regexp",
    doc: manifest({ dataFrom: [{ find: { name: { regexp: "(" } } }] }),
    field: "spec.dataFrom[0].find.name.regexp",
    message: /invalid regexp: error parsing regexp: missing closing \)/,
  },
  {
    name: "a bad rewrite regexp",
    doc: manifest({
      dataFrom: [{ extract: { key: "k" }, rewrite: [{ regexp: { source: "(?=x)", target: "" } }] }],
    }),
    field: "spec.dataFrom[0].rewrite[0].regexp.source",
    message: /invalid regexp/,
  },
  {
    name: "extract and find together",
    doc: manifest({ dataFrom: [{ extract: { key: "k" }, find: { path: "p" } }] }),
    field: "spec.dataFrom[0]",
    message: /cannot be set at the same time/,
  },
  {
    name: "an empty dataFrom entry",
    doc: manifest({ dataFrom: [{}] }),
    field: "spec.dataFrom[0]",
    message: /either extract, find, or sourceRef/,
  },
  {
    name: "a generatorRef on data[]",
    doc: manifest({
      data: [
        {
          secretKey: "a",
          remoteRef: { key: "k" },
          sourceRef: { generatorRef: { kind: "Password", name: "p" } },
        },
      ],
    }),
    field: "spec.data[0].sourceRef.generatorRef",
    message: /not supported/,
  },
  {
    name: "Delete with Merge",
    doc: manifest({ ...validSpec, target: { creationPolicy: "Merge", deletionPolicy: "Delete" } }),
    field: "spec.target.deletionPolicy",
    message: /deletionPolicy=Delete/,
  },
  {
    name: "Merge with None",
    doc: manifest({ ...validSpec, target: { creationPolicy: "None", deletionPolicy: "Merge" } }),
    field: "spec.target.deletionPolicy",
    message: /creationPolicy=None/,
  },
  {
    name: "a duplicate secretKey under Retain",
    doc: manifest({
      data: [
        { secretKey: "a", remoteRef: { key: "k" } },
        { secretKey: "a", remoteRef: { key: "j" } },
      ],
    }),
    field: "spec.data[1].secretKey",
    message: /duplicate secretKey a/,
  },
  {
    name: "a bootstrap token template",
    doc: manifest({
      ...validSpec,
      target: { template: { type: "bootstrap.kubernetes.io/token" } },
    }),
    field: "spec.target.template.type",
    message: /not allowed/,
  },
  {
    name: "a service-account token through templateFrom annotations",
    doc: manifest({
      ...validSpec,
      target: {
        template: {
          type: "kubernetes.io/service-account-token",
          templateFrom: [{ literal: "a: b", target: "annotations" }],
        },
      },
    }),
    field: "spec.target.template.templateFrom[0].target",
    message: /not allowed/,
  },
  {
    name: "a templateFrom target outside Data/Annotations/Labels",
    doc: manifest({
      ...validSpec,
      target: {
        template: { templateFrom: [{ literal: "a: b", target: "metadata.ownerReferences" }] },
      },
    }),
    field: "spec.target.template.templateFrom[0].target",
    message: /not allowed when targeting a Secret/,
  },
  {
    name: "merge JSON without into",
    doc: manifest({
      dataFrom: [{ extract: { key: "k" }, rewrite: [{ merge: { strategy: "JSON" } }] }],
    }),
    field: "spec.dataFrom[0].rewrite[0].merge.into",
    message: /required with strategy JSON/,
  },
  {
    name: "a rewrite with two operations",
    doc: manifest({
      dataFrom: [
        {
          extract: { key: "k" },
          rewrite: [{ regexp: { source: "a", target: "b" }, transform: { template: "x" } }],
        },
      ],
    }),
    field: "spec.dataFrom[0].rewrite[0]",
    message: /exactly one/,
  },
  {
    name: "a bad store kind",
    doc: manifest({ ...validSpec, secretStoreRef: { name: "s", kind: "VaultStore" } }),
    field: "spec.secretStoreRef.kind",
    message: /must be one of SecretStore, ClusterSecretStore/,
  },
  {
    name: "a string where a list belongs",
    doc: manifest({ data: "password" }),
    field: "spec.data",
    message: /must be a list/,
  },
];

for (const c of badCases) {
  test(`parseExternalSecret() rejects ${c.name}, naming ${c.field}`, () => {
    assert.throws(
      () => parseExternalSecret(c.doc),
      (error: unknown) => {
        assert.ok(error instanceof ObjectError, String(error));
        assert.equal(error.field, c.field);
        assert.match(error.message, c.message);
        assert.match(error.message, /^externalsecret[ :]/);
        assert.doesNotMatch(error.message, /\.$/);
        return true;
      },
    );
  });
}

test("parseExternalSecret() names the object as namespace/name", () => {
  assert.throws(
    () => parseExternalSecret(manifest({})),
    /^ObjectError: externalsecret "my-app\/db-credentials": spec: /,
  );
});

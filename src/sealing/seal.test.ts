import assert from "node:assert/strict";
import { test } from "node:test";
import { byo2048, byo4096 } from "../../test/support/sealing.js";
import {
  clusterWideAnnotation,
  decodeGoBase64,
  hybridDecrypt,
  labelFor,
  namespaceWideAnnotation,
  prepareSecret,
  Scope,
  sealRawValue,
  sealSecret,
  type Secret,
} from "./index.js";

const input = (): Secret => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: {
    name: "db",
    namespace: "team-a",
    uid: "1234",
    resourceVersion: "7",
    generation: 3,
    creationTimestamp: "2024-01-01T00:00:00Z",
    labels: { app: "demo" },
    annotations: {
      "kubectl.kubernetes.io/last-applied-configuration": '{"data":{"password":"c2VjcmV0"}}',
      "kubecfg.ksonnet.io/last-applied-configuration": "{}",
      note: "kept",
    },
    ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "x", uid: "y" }],
    finalizers: ["keep/me"],
  },
  type: "kubernetes.io/basic-auth",
  immutable: true,
  data: {
    password: Buffer.from("s3cret").toString("base64"),
    shared: Buffer.from("from-data").toString("base64"),
  },
  stringData: { username: "admin", shared: "from-stringData" },
});

const prepared = (
  secret: Secret,
  options: Partial<Parameters<typeof prepareSecret>[1]> = {},
): Secret => prepareSecret(secret, { namespace: "default", namespaceExplicit: false, ...options });

function open(blob: string, namespace: string, name: string, scope: Scope): string {
  return hybridDecrypt(
    [byo2048.privateKey],
    decodeGoBase64(blob),
    labelFor(namespace, name, scope),
  ).toString();
}

test("sealSecret() builds kubeseal's SealedSecret: top metadata, template, one blob per item", () => {
  const sealed = sealSecret(prepared(input()), byo2048.publicKey);
  assert.equal(sealed.apiVersion, "bitnami.com/v1alpha1");
  assert.equal(sealed.kind, "SealedSecret");
  assert.deepEqual(sealed.metadata, { name: "db", namespace: "team-a" });
  const template = sealed.spec.template!;
  assert.equal(template.type, "kubernetes.io/basic-auth");
  assert.equal(template.immutable, true);
  assert.deepEqual(template.metadata, {
    name: "db",
    namespace: "team-a",
    labels: { app: "demo" },
    annotations: { note: "kept" },
    finalizers: ["keep/me"],
  });
  assert.deepEqual(Object.keys(sealed.spec.encryptedData).sort(), [
    "password",
    "shared",
    "username",
  ]);
  const data = sealed.spec.encryptedData;
  assert.equal(open(data.password ?? "", "team-a", "db", Scope.strict), "s3cret");
  assert.equal(open(data.username ?? "", "team-a", "db", Scope.strict), "admin");
  assert.equal(open(data.shared ?? "", "team-a", "db", Scope.strict), "from-stringData");
});

test("sealSecret() writes the scope annotation at the top and in the template for wider scopes", () => {
  for (const [scope, annotation] of [
    [Scope.namespaceWide, namespaceWideAnnotation],
    [Scope.clusterWide, clusterWideAnnotation],
  ] as const) {
    const sealed = sealSecret(prepared(input(), { scope }), byo2048.publicKey);
    assert.deepEqual(sealed.metadata.annotations, { [annotation]: "true" });
    assert.equal(sealed.spec.template?.metadata?.annotations?.[annotation], "true");
    assert.equal(open(sealed.spec.encryptedData.password ?? "", "team-a", "db", scope), "s3cret");
  }
});

test("prepareSecret() with --scope strict keeps a wider scope already annotated", () => {
  const secret = input();
  secret.metadata.annotations = { [clusterWideAnnotation]: "true" };
  const sealed = sealSecret(prepared(secret, { scope: Scope.strict }), byo2048.publicKey);
  assert.deepEqual(sealed.metadata.annotations, { [clusterWideAnnotation]: "true" });
});

test("prepareSecret() clears server fields, applies --name and defaults the namespace", () => {
  const secret = input();
  delete secret.metadata.namespace;
  const result = prepared(secret, { name: "renamed", namespace: "ops" });
  assert.equal(result.metadata.name, "renamed");
  assert.equal(result.metadata.namespace, "ops");
  for (const key of ["uid", "resourceVersion", "generation", "creationTimestamp"] as const) {
    assert.equal(result.metadata[key], undefined, key);
  }
});

test("prepareSecret() and sealSecret() leave the caller's Secret as it was", () => {
  // They copy only what they change and share the rest, so a change in place would show here.
  const secret = input();
  delete secret.metadata.namespace;
  const before = structuredClone(secret);
  const sealed = sealSecret(
    prepared(secret, { name: "renamed", namespace: "ops", scope: Scope.namespaceWide }),
    byo2048.publicKey,
  );
  assert.deepEqual(secret, before);
  assert.equal(sealed.spec.template?.metadata?.name, "renamed");
  // (the assertion above narrowed template and metadata to defined)
  assert.equal(sealed.spec.template.metadata.annotations?.[namespaceWideAnnotation], "true");
  assert.equal(sealed.spec.template.metadata.ownerReferences, undefined);
});

test("prepareSecret() keeps a cluster-wide Secret without namespace, and sealing labels it empty", () => {
  const secret = input();
  delete secret.metadata.namespace;
  const sealed = sealSecret(prepared(secret, { scope: Scope.clusterWide }), byo2048.publicKey);
  assert.equal(sealed.metadata.namespace, undefined);
  assert.equal(open(sealed.spec.encryptedData.password ?? "", "", "", Scope.clusterWide), "s3cret");
});

test("prepareSecret() and sealSecret() refuse with kubeseal's messages", () => {
  const empty = input();
  delete empty.data;
  delete empty.stringData;
  assert.throws(
    () => prepared(empty),
    /^Error: secret\.data is empty in input Secret, assuming this is an error and aborting\. To work with empty data, --allow-empty-data can be used$/,
  );
  assert.equal(prepared(empty, { allowEmptyData: true }).metadata.name, "db");
  const nameless = input();
  delete nameless.metadata.name;
  assert.throws(() => prepared(nameless), { message: "missing metadata.name in input Secret" });
  assert.throws(() => prepared(input(), { namespace: "prod", namespaceExplicit: true }), {
    message: 'namespace mismatch: input secret is in namespace "team-a" but "prod" was specified',
  });
  const noNamespace = input();
  delete noNamespace.metadata.namespace;
  assert.throws(() => sealSecret(noNamespace, byo2048.publicKey), {
    message: "secret must declare a namespace",
  });
});

test("sealRawValue() uses only the given scope, namespace and name for the label", () => {
  const blob = sealRawValue(byo4096.publicKey, Buffer.from("v\n"), {
    scope: Scope.namespaceWide,
    namespace: "ns",
    name: "ignored",
  });
  const opened = hybridDecrypt(
    [byo4096.privateKey],
    Buffer.from(blob, "base64"),
    Buffer.from("ns"),
  );
  assert.equal(opened.toString(), "v\n");
});

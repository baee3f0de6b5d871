import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { shared } from "../../test/support/paths.js";
import { byo2048, byo4096 } from "../../test/support/sealing.js";
import {
  decodeSealedSecret,
  formatTaggedErrors,
  hybridEncrypt,
  labelFor,
  openWithKey,
  parseManifests,
  prepareSecret,
  Scope,
  sealSecret,
  skipSetOwnerReferencesAnnotation,
  unsealSealedSecret,
  type SealedSecret,
  type Secret,
} from "./index.js";

function sealed(
  overrides: Partial<Secret["metadata"]> = {},
  scope: Scope = Scope.strict,
): SealedSecret {
  const secret: Secret = {
    metadata: { name: "db", namespace: "team-a", labels: { app: "demo" }, ...overrides },
    type: "Opaque",
    stringData: { password: "s3cret", user: "admin" },
  };
  return sealSecret(
    prepareSecret(secret, { namespace: "default", namespaceExplicit: false, scope }),
    byo2048.publicKey,
  );
}

test("unsealSealedSecret() gives back the Secret with an ownerReference to the SealedSecret", () => {
  const object = sealed();
  object.metadata.uid = "uid-1";
  const result = unsealSealedSecret(object, [byo4096.privateKey, byo2048.privateKey]);
  assert.ok(result.ok);
  assert.deepEqual(result.secret, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: "db",
      namespace: "team-a",
      labels: { app: "demo" },
      ownerReferences: [
        {
          apiVersion: "bitnami.com/v1alpha1",
          kind: "SealedSecret",
          name: "db",
          uid: "uid-1",
          controller: true,
        },
      ],
    },
    type: "Opaque",
    data: {
      password: Buffer.from("s3cret").toString("base64"),
      user: Buffer.from("admin").toString("base64"),
    },
  });
});

test("unsealSealedSecret() reads the label from the SealedSecret, not its template", () => {
  const renamed = sealed();
  renamed.metadata.name = "other";
  const result = unsealSealedSecret(renamed, [byo2048.privateKey]);
  assert.deepEqual(result, { ok: false, error: "no key could decrypt secret (password, user)" });
  const widened = sealed();
  widened.metadata.annotations = { "sealedsecrets.bitnami.com/namespace-wide": "true" };
  assert.equal(unsealSealedSecret(widened, [byo2048.privateKey]).ok, false);
  const templateOnly = sealed(
    { annotations: { "sealedsecrets.bitnami.com/cluster-wide": "true" } },
    Scope.strict,
  );
  templateOnly.metadata.annotations = {};
  const opened = unsealSealedSecret(templateOnly, [byo2048.privateKey]);
  assert.ok(!opened.ok, "a template-only scope annotation does not widen the label");
});

test("unsealSealedSecret() forces name and namespace and honours skip-set-owner-references", () => {
  const object = sealed({ annotations: { [skipSetOwnerReferencesAnnotation]: "true" } });
  const template = object.spec.template?.metadata;
  if (template !== undefined) {
    template.name = "elsewhere";
    template.namespace = "nowhere";
  }
  const result = unsealSealedSecret(object, [byo2048.privateKey]);
  assert.ok(result.ok);
  assert.equal(result.secret.metadata.name, "db");
  assert.equal(result.secret.metadata.namespace, "team-a");
  assert.equal(result.secret.metadata.ownerReferences, undefined);
});

test("unsealSealedSecret() collects every item error and merges equal messages", () => {
  const object = sealed();
  object.spec.encryptedData.broken = "AgB$$$";
  object.spec.encryptedData.other = "A";
  const result = unsealSealedSecret(object, [byo4096.privateKey]);
  assert.deepEqual(result, {
    ok: false,
    error:
      "illegal base64 data at input byte 3 (broken)\nillegal base64 data at input byte 0 (other)\nno key could decrypt secret (password, user)",
  });
  assert.equal(
    formatTaggedErrors([
      { tag: "a", message: "m1" },
      { tag: "b", message: "m2" },
      { tag: "c", message: "m1" },
    ]),
    "m1 (a, c)\nm2 (b)",
  );
});

test("unsealSealedSecret() opens the legacy spec.data only when asked, and never beside encryptedData", () => {
  const legacySecret = {
    kind: "Secret",
    apiVersion: "v1",
    metadata: { name: "old", namespace: "ns" },
    data: { k: "dg==" },
  };
  const blob = hybridEncrypt(
    byo2048.publicKey,
    Buffer.from(JSON.stringify(legacySecret)),
    labelFor("ns", "old", Scope.strict),
  );
  const object: SealedSecret = {
    metadata: { name: "old", namespace: "ns" },
    spec: { data: blob.toString("base64"), encryptedData: {} },
  };
  assert.deepEqual(unsealSealedSecret(object, [byo2048.privateKey]), {
    ok: false,
    error: "using deprecated 'data' field, use 'encryptedData' or flip the feature flag",
  });
  const opened = unsealSealedSecret(object, [byo2048.privateKey], { acceptV1Data: true });
  assert.ok(opened.ok);
  assert.deepEqual(opened.secret.data, { k: "dg==" });
  object.spec.encryptedData.x = "AgA=";
  assert.deepEqual(unsealSealedSecret(object, [byo2048.privateKey], { acceptV1Data: true }), {
    ok: false,
    error: "cannot use the field 'encryptedData' and the deprecated field 'data' at the same time",
  });
});

test("unsealSealedSecret() fails every item of upstream's template example on base64", (t) => {
  const path = shared("upstream", "sealed-secrets", "config-template-sealedsecret.yaml");
  if (path === undefined) {
    t.skip("../shared not available");
    return;
  }
  const [document] = parseManifests(readFileSync(path, "utf8"));
  assert.ok(document !== undefined);
  const object = decodeSealedSecret(document, { requireTypeMeta: true });
  const result = unsealSealedSecret(object, [byo2048.privateKey]);
  assert.ok(!result.ok);
  // "AgA+dujiBo..." and its siblings: the first "." is byte 10 of each value; the template itself
  // renders (toJson of a missing item is null), so this is the only error, and no Secret is made.
  assert.equal(result.error, "illegal base64 data at input byte 10 (database1, server1, server2)");
});

test("unsealSealedSecret() renders spec.template.data over the decrypted items", () => {
  const object = sealed();
  object.spec.template = {
    ...object.spec.template,
    data: {
      "config.json":
        '{"password": {{ toJson .password }}, "user": "{{ .user | upper }}", "missing": "{{ .nope }}"}',
      user: "{{ .user }}-{{ .password | b64enc }}",
    },
  };
  const result = unsealSealedSecret(object, [byo2048.privateKey]);
  assert.ok(result.ok);
  const data = result.secret.data ?? {};
  assert.equal(
    Buffer.from(data["config.json"] ?? "", "base64").toString(),
    '{"password": "s3cret", "user": "ADMIN", "missing": "<no value>"}',
  );
  assert.equal(
    Buffer.from(data.user ?? "", "base64").toString(),
    `admin-${Buffer.from("s3cret").toString("base64")}`,
  );
  assert.equal(Buffer.from(data.password ?? "", "base64").toString(), "s3cret");
});

test("unsealSealedSecret() reports template errors with Go's message, tagged, and no env access", () => {
  const object = sealed();
  object.spec.template = {
    ...object.spec.template,
    data: { a: "{{ .password", b: '{{ env "HOME" }}' },
  };
  const result = unsealSealedSecret(object, [byo2048.privateKey]);
  assert.ok(!result.ok);
  assert.match(
    result.error,
    /^template: a:1: unclosed action \(a\)\ntemplate: b:1: function "env" not defined \(b\)$/,
  );
  assert.ok(!result.error.includes("s3cret"));
});

test("unsealSealedSecret() opens items through options.open when given, with the scope label", () => {
  const object = sealed();
  const labels: string[] = [];
  const result = unsealSealedSecret(object, [], {
    open: (blob, label) => {
      labels.push(Buffer.from(label).toString());
      return openWithKey(byo2048.privateKey, blob, label);
    },
  });
  assert.ok(result.ok);
  assert.equal(Buffer.from(result.secret.data?.password ?? "", "base64").toString(), "s3cret");
  assert.deepEqual(labels, ["team-a/db", "team-a/db"]);
  const refused = unsealSealedSecret(object, [byo2048.privateKey], { open: () => undefined });
  assert.deepEqual(refused, { ok: false, error: "no key could decrypt secret (password, user)" });
});

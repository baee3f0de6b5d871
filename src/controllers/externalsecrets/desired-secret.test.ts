import assert from "node:assert/strict";
import { test } from "node:test";
import { renderGoTemplate } from "../../templating/index.js";
import { renderTemplateDouble } from "../../../test/support/template-double.js";
import fc from "fast-check";
import {
  desiredSecret,
  MutationError,
  planSecretWrite,
  sameJson,
  secretData,
} from "./desired-secret.js";
import { createdByHash, fieldManagerFor, secretDataHash } from "./object-hash.js";
import { parseExternalSecret } from "./parse-external-secret.js";
import { isTargetValid } from "./refresh.js";
import type { Secret } from "./types.js";

const enc = (text: string): Uint8Array => Buffer.from(text);
const b64 = (text: string): string => Buffer.from(text).toString("base64");
const noSources = { configMap: () => undefined, secret: () => undefined };
const context = { render: renderTemplateDouble, templateSources: noSources };

function es(target: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) {
  return parseExternalSecret({
    apiVersion: "external-secrets.io/v1",
    kind: "ExternalSecret",
    metadata: { name: "db-credentials", namespace: "my-app", uid: "es-uid", ...metadata },
    spec: {
      secretStoreRef: { name: "vault-backend", kind: "ClusterSecretStore" },
      target: { name: "db-secret", ...target },
      data: [{ secretKey: "password", remoteRef: { key: "myapp/db", property: "password" } }],
    },
  });
}

const providerData = new Map([
  ["password", enc("s3cr3t")],
  ["username", enc("app")],
]);

function existing(
  data: Record<string, string>,
  extra: Partial<Secret["metadata"]> = {},
  top: Partial<Secret> = {},
): Secret {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: "db-secret",
      namespace: "my-app",
      uid: "secret-uid",
      resourceVersion: "7",
      ...extra,
    },
    type: "Opaque",
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
    ...top,
  };
}

test("desiredSecret() creates an Owner Secret with exactly ESO's labels, annotations and owner reference", () => {
  const secret = desiredSecret(
    undefined,
    es({}, { labels: { app: "web" }, annotations: { note: "n" } }),
    providerData,
    context,
  );
  assert.equal(secret.metadata.name, "db-secret");
  assert.deepEqual(secret.metadata.labels, {
    app: "web",
    "reconcile.external-secrets.io/created-by": createdByHash("my-app", "db-credentials"),
    "reconcile.external-secrets.io/managed": "true",
  });
  assert.deepEqual(secret.metadata.annotations, {
    note: "n",
    "reconcile.external-secrets.io/data-hash": secretDataHash(providerData),
  });
  assert.deepEqual(secret.metadata.ownerReferences, [
    {
      apiVersion: "external-secrets.io/v1",
      kind: "ExternalSecret",
      name: "db-credentials",
      uid: "es-uid",
      controller: true,
      blockOwnerDeletion: true,
    },
  ]);
  assert.deepEqual(secret.data, { password: b64("s3cr3t"), username: b64("app") });
  assert.equal(secret.type, "Opaque");
});

test("desiredSecret() under Owner wipes foreign keys; under Merge keeps them and drops only owned keys", () => {
  const managedFields = [
    {
      manager: fieldManagerFor("db-credentials"),
      operation: "Update",
      fieldsType: "FieldsV1",
      fieldsV1: { "f:data": { "f:old": {}, "f:password": {} } },
    },
  ];
  const current = existing({ foreign: "f", old: "stale", password: "previous" }, { managedFields });
  assert.deepEqual(
    Object.keys(desiredSecret(current, es(), providerData, context).data ?? {}).sort(),
    ["password", "username"],
  );
  const merged = desiredSecret(current, es({ creationPolicy: "Merge" }), providerData, context);
  assert.deepEqual(secretData(merged).get("foreign"), enc("f"));
  assert.equal(secretData(merged).has("old"), false);
  assert.equal(merged.metadata.ownerReferences, undefined);
  assert.equal(merged.metadata.labels?.["reconcile.external-secrets.io/created-by"], undefined);
  assert.equal(
    merged.metadata.annotations?.["reconcile.external-secrets.io/data-hash"],
    secretDataHash(secretData(merged)),
  );
});

test("desiredSecret() removes labels and annotations this ES owned before, keeps others'", () => {
  const managedFields = [
    {
      manager: fieldManagerFor("db-credentials"),
      fieldsV1: {
        "f:metadata": { "f:labels": { "f:stale": {} }, "f:annotations": { "f:gone": {} } },
      },
    },
    { manager: "kubectl", fieldsV1: { "f:metadata": { "f:labels": { "f:keep": {} } } } },
  ];
  const current = existing(
    {},
    { managedFields, labels: { stale: "1", keep: "2" }, annotations: { gone: "x" } },
  );
  const secret = desiredSecret(current, es(), providerData, context);
  assert.equal(secret.metadata.labels?.stale, undefined);
  assert.equal(secret.metadata.labels?.keep, "2");
  assert.equal(secret.metadata.annotations?.gone, undefined);
  assert.equal("managedFields" in secret.metadata, false);
});

test("desiredSecret() with a template applies only template metadata and renders data, templateFrom and labels", () => {
  const target = {
    template: {
      type: "kubernetes.io/basic-auth",
      metadata: { labels: { tier: "{{ .username }}" }, annotations: { a: "b" } },
      data: { dsn: "postgres://{{ .username }}:{{ .password }}@db" },
      templateFrom: [
        {
          configMap: {
            name: "tpl",
            items: [{ key: "extra" }, { key: "kv", templateAs: "KeysAndValues" }],
          },
        },
        { literal: "from-literal: '{{ .username | upper }}'", target: "Annotations" },
      ],
    },
  };
  const sources = {
    configMap: (name: string) =>
      name === "tpl"
        ? { extra: "x-{{ .username }}", kv: "k1: v1\nk2: '{{ .password }}'" }
        : undefined,
    secret: () => undefined,
  };
  const secret = desiredSecret(undefined, es(target, { labels: { app: "web" } }), providerData, {
    render: renderTemplateDouble,
    templateSources: sources,
  });
  assert.equal(secret.type, "kubernetes.io/basic-auth");
  assert.deepEqual(
    Object.fromEntries([...secretData(secret)].map(([k, v]) => [k, Buffer.from(v).toString()])),
    {
      dsn: "postgres://app:s3cr3t@db",
      extra: "x-app",
      k1: "v1",
      k2: "s3cr3t",
    },
  );
  assert.equal(secret.metadata.labels?.tier, "app");
  assert.equal(secret.metadata.labels.app, undefined);
  assert.equal(secret.metadata.annotations?.["from-literal"], "APP");
});

test("desiredSecret() with mergePolicy Merge keeps the provider keys beside the templated ones", () => {
  const secret = desiredSecret(
    undefined,
    es({ template: { mergePolicy: "Merge", data: { extra: "{{ .username }}!" } } }),
    providerData,
    context,
  );
  assert.deepEqual([...secretData(secret).keys()].sort(), ["extra", "password", "username"]);
});

test("desiredSecret() reports template errors as template failures without values", () => {
  assert.throws(
    () =>
      desiredSecret(
        undefined,
        es({ template: { data: { x: "{{ .nope }}" } } }),
        providerData,
        context,
      ),
    (error: unknown) =>
      error instanceof MutationError &&
      error.failure === "template" &&
      error.message.includes("unable to execute template at key x") &&
      !error.message.includes("s3cr3t"),
  );
  assert.throws(
    () =>
      desiredSecret(
        undefined,
        es({
          template: { templateFrom: [{ configMap: { name: "missing", items: [{ key: "a" }] } }] },
        }),
        providerData,
        context,
      ),
    /configmaps "missing" not found/,
  );
});

test("desiredSecret() refuses a Secret another ExternalSecret controls, and one another controller owns under Owner", () => {
  const ref = (kind: string, name: string) => [
    { apiVersion: "external-secrets.io/v1", kind, name, uid: "u", controller: true },
  ];
  assert.throws(
    () =>
      desiredSecret(
        existing({}, { ownerReferences: ref("ExternalSecret", "other") }),
        es({ creationPolicy: "Merge" }),
        providerData,
        context,
      ),
    (e: unknown) => e instanceof MutationError && e.failure === "isOwned",
  );
  assert.throws(
    () =>
      desiredSecret(
        existing(
          {},
          {
            ownerReferences: [
              { apiVersion: "apps/v1", kind: "Deployment", name: "d", uid: "u", controller: true },
            ],
          },
        ),
        es(),
        providerData,
        context,
      ),
    (e: unknown) => e instanceof MutationError && e.failure === "setControllerRef",
  );
  const orphaned = desiredSecret(
    existing({}, { ownerReferences: ref("ExternalSecret", "db-credentials") }),
    es({ creationPolicy: "Orphan" }),
    providerData,
    context,
  );
  assert.equal(orphaned.metadata.ownerReferences, undefined);
});

test("desiredSecret() leaves an existing immutable target's data alone and planSecretWrite() flags a data change", () => {
  const current = existing({ password: "old" }, {}, { immutable: true });
  const desired = desiredSecret(current, es({ immutable: true }), providerData, context);
  assert.deepEqual(desired.data, { password: b64("old") });
  assert.equal(desired.immutable, true);
  const fresh = desiredSecret(undefined, es({ immutable: true }), providerData, context);
  assert.equal(fresh.immutable, true);
  const switchedOff = desiredSecret(current, es(), providerData, context);
  const plan = planSecretWrite(current, switchedOff);
  assert.equal(plan.action, "immutableConflict");
});

test("planSecretWrite() creates a missing Secret, skips an equal one and updates a changed one", () => {
  const desired = desiredSecret(undefined, es(), providerData, context);
  assert.equal(planSecretWrite(undefined, desired).action, "create");
  const stored: Secret = {
    ...desired,
    metadata: { ...desired.metadata, uid: "secret-uid", resourceVersion: "3" },
  };
  const again = desiredSecret(stored, es(), providerData, context);
  assert.equal(planSecretWrite(stored, again).action, "none");
  assert.equal(isTargetValid(stored, es()), true);
  const changed = desiredSecret(stored, es(), new Map([["password", enc("rotated")]]), context);
  assert.equal(planSecretWrite(stored, changed).action, "update");
});

test("isTargetValid() rejects a missing label, an edited value and a missing Secret, except under Orphan", () => {
  const desired = desiredSecret(undefined, es(), providerData, context);
  const stored: Secret = { ...desired, metadata: { ...desired.metadata, uid: "u" } };
  assert.equal(isTargetValid(undefined, es()), false);
  assert.equal(
    isTargetValid({ ...stored, data: { ...stored.data, password: b64("edited") } }, es()),
    false,
  );
  assert.equal(
    isTargetValid({ ...stored, metadata: { ...stored.metadata, labels: {} } }, es()),
    false,
  );
  assert.equal(isTargetValid(undefined, es({ creationPolicy: "Orphan" })), true);
});

test("desiredSecret() renders with src/templating's Go engine through the TemplateRenderer seam", () => {
  const target = {
    template: {
      data: { dsn: '{{ .username }}:{{ index . "password" }}', missing: "{{ .password }}" },
    },
  };
  const secret = desiredSecret(undefined, es(target), providerData, {
    render: renderGoTemplate,
    templateSources: noSources,
  });
  assert.equal(secretData(secret).get("dsn")?.toString(), "app:s3cr3t");
  assert.throws(
    () =>
      desiredSecret(undefined, es({ template: { data: { x: "{{ .nope }}" } } }), providerData, {
        render: renderGoTemplate,
        templateSources: noSources,
      }),
    (error: unknown) =>
      error instanceof MutationError &&
      error.message.includes("map has no entry for key") &&
      !error.message.includes("s3cr3t"),
  );
});

// The comparison sameJson() stands for: the JSON of both, empty maps and lists dropped, keys sorted.
function normalisedJson(value: unknown): string | undefined {
  const normalise = (item: unknown): unknown => {
    if (Array.isArray(item)) return item.length === 0 ? undefined : item.map(normalise);
    if (typeof item === "object" && item !== null) {
      const entries = Object.entries(item)
        .map(([key, inner]) => [key, normalise(inner)] as const)
        .filter(([, inner]) => inner !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return entries.length === 0 ? undefined : Object.fromEntries(entries);
    }
    return item;
  };
  return JSON.stringify(normalise(value));
}

test("sameJson() agrees with comparing normalised JSON, on random values and on near-copies", () => {
  const leaf = fc.oneof(fc.constantFrom({}, [], null, undefined, "", 0), fc.string(), fc.integer());
  const value = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: "small" },
      leaf,
      fc.array(tie("node"), { maxLength: 3 }),
      fc.dictionary(fc.constantFrom("a", "b", "c", "data", "labels"), tie("node"), { maxKeys: 4 }),
    ),
  })).node;
  fc.assert(
    fc.property(value, value, (a, b) => {
      assert.equal(sameJson(a, b), normalisedJson(a) === normalisedJson(b));
      assert.ok(sameJson(a, structuredClone(a)));
    }),
    { numRuns: 2000 },
  );
  assert.ok(sameJson({ metadata: { labels: {} }, data: { a: "x" } }, { data: { a: "x" } }));
  assert.ok(sameJson({ b: 1, a: [{}] }, { a: [null], b: 1 }));
  assert.ok(!sameJson({ data: { a: "x" } }, { data: { a: "y" } }));
  assert.ok(!sameJson({ a: ["x"] }, { a: "x" }));
});

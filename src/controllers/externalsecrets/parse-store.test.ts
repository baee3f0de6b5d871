import assert from "node:assert/strict";
import { test } from "node:test";
import { ObjectError } from "./object-error.js";
import { parseSecretStore, storeProviderKey, storeRequeueMs } from "./parse-store.js";
import { storeStatusAfter } from "./store-status.js";

const vault = {
  server: "http://127.0.0.1:8200",
  path: "secret",
  version: "v2",
  auth: { tokenSecretRef: { name: "vault-token", key: "token" } },
};

function store(kind: string, spec: Record<string, unknown>, namespace = "team-a") {
  return {
    apiVersion: "external-secrets.io/v1",
    kind,
    metadata: kind === "SecretStore" ? { name: "vault", namespace } : { name: "vault-backend" },
    spec,
  };
}

test("parseSecretStore() reads a ClusterSecretStore with conditions and a duration refreshInterval", () => {
  const css = parseSecretStore(
    store("ClusterSecretStore", {
      provider: { vault },
      refreshInterval: "10m",
      conditions: [{ namespaceRegexes: ["^team-"] }],
    }),
  );
  assert.equal(css.kind, "ClusterSecretStore");
  assert.equal(storeProviderKey(css), "vault");
  assert.equal(storeRequeueMs(css), 600_000);
  assert.equal(
    storeRequeueMs(
      parseSecretStore(store("SecretStore", { provider: { vault }, refreshInterval: 30 })),
    ),
    30_000,
  );
  assert.equal(
    storeRequeueMs(
      parseSecretStore(store("SecretStore", { provider: { vault }, refreshInterval: 0 })),
    ),
    300_000,
  );
});

const bad: { name: string; doc: unknown; field: string; message: RegExp }[] = [
  {
    name: "no provider",
    doc: store("SecretStore", { provider: {} }),
    field: "spec.provider",
    message: /exactly one provider, found 0/,
  },
  {
    name: "two providers",
    doc: store("SecretStore", { provider: { vault, fake: { data: [] } } }),
    field: "spec.provider",
    message: /found 2/,
  },
  {
    name: "an unknown provider",
    doc: store("SecretStore", { provider: { hashivault: {} } }),
    field: "spec.provider.hashivault",
    message: /not a known provider/,
  },
  {
    name: "a bad namespace regexp",
    doc: store("ClusterSecretStore", {
      provider: { vault },
      conditions: [{ namespaceRegexes: ["ok", "(["] }],
    }),
    field: "spec.conditions[0].namespaceRegexes[1]",
    message: /invalid regexp: error parsing regexp/,
  },
  {
    name: "a negative refreshInterval",
    doc: store("SecretStore", { provider: { vault }, refreshInterval: "-5m" }),
    field: "spec.refreshInterval",
    message: /must not be negative/,
  },
  {
    name: "an unparsable refreshInterval",
    doc: store("SecretStore", { provider: { vault }, refreshInterval: "often" }),
    field: "spec.refreshInterval",
    message: /invalid duration/,
  },
  {
    name: "a reference into another namespace",
    doc: store("SecretStore", {
      provider: {
        vault: { ...vault, auth: { tokenSecretRef: { name: "t", key: "k", namespace: "team-b" } } },
      },
    }),
    field: "spec.provider.vault.auth.tokenSecretRef.namespace",
    message: /namespace should either be empty or match the namespace of the SecretStore/,
  },
];

for (const c of bad) {
  test(`parseSecretStore() rejects ${c.name}, naming ${c.field}`, () => {
    assert.throws(
      () => parseSecretStore(c.doc),
      (error: unknown) =>
        error instanceof ObjectError && error.field === c.field && c.message.test(error.message),
    );
  });
}

test("parseSecretStore() lets a ClusterSecretStore reference any namespace", () => {
  assert.doesNotThrow(() =>
    parseSecretStore(
      store("ClusterSecretStore", {
        provider: {
          vault: {
            ...vault,
            auth: { tokenSecretRef: { name: "t", key: "k", namespace: "vault" } },
          },
        },
      }),
    ),
  );
});

test("storeStatusAfter() maps validation outcomes to upstream's conditions and events", () => {
  const css = parseSecretStore(store("ClusterSecretStore", { provider: { vault } }));
  const now = "2026-01-01T00:00:00Z";
  const ready = storeStatusAfter(css, { outcome: "valid", capabilities: "ReadWrite" }, now);
  assert.deepEqual(ready.status, {
    capabilities: "ReadWrite",
    conditions: [
      {
        type: "Ready",
        status: "True",
        reason: "Valid",
        message: "store validated",
        lastTransitionTime: now,
      },
    ],
  });
  assert.deepEqual(ready.event, { type: "Normal", reason: "Valid", message: "store validated" });
  const failed = storeStatusAfter(
    css,
    { outcome: "invalid", message: "vault: permission denied" },
    now,
  );
  assert.equal(failed.status.conditions?.[0]?.message, "unable to validate store");
  assert.equal(failed.status.conditions[0].reason, "InvalidProviderConfig");
  assert.equal(failed.backoff, true);
  assert.equal(
    storeStatusAfter(css, { outcome: "clientError", message: "x" }, now).status.conditions?.[0]
      ?.message,
    "unable to create client",
  );
  const unknown = storeStatusAfter(
    css,
    { outcome: "unknownWithError", message: "review failed" },
    now,
  );
  assert.deepEqual(
    [unknown.status.conditions?.[0]?.status, unknown.status.conditions?.[0]?.reason],
    ["True", "ValidationUnknown"],
  );
});

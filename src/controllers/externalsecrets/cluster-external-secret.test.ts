import assert from "node:assert/strict";
import { test } from "node:test";
import { fanOutStatus, parseClusterExternalSecret, planFanOut } from "./cluster-external-secret.js";

function ces(
  spec: Record<string, unknown>,
  extra: { annotations?: Record<string, string>; status?: Record<string, unknown> } = {},
) {
  return parseClusterExternalSecret({
    apiVersion: "external-secrets.io/v1",
    kind: "ClusterExternalSecret",
    metadata: {
      name: "shared-db",
      uid: "ces-uid",
      ...(extra.annotations ? { annotations: extra.annotations } : {}),
    },
    spec: {
      externalSecretSpec: {
        secretStoreRef: { name: "vault-backend", kind: "ClusterSecretStore" },
        data: [{ secretKey: "p", remoteRef: { key: "db" } }],
      },
      ...spec,
    },
    ...(extra.status ? { status: extra.status } : {}),
  });
}

const namespaces = [
  { name: "team-a", labels: { tier: "app" } },
  { name: "team-b", labels: { tier: "app" } },
  { name: "kube-system", labels: {} },
  { name: "going", labels: { tier: "app" }, terminating: true },
];

test("planFanOut() writes one owned ExternalSecret per selected, live namespace", () => {
  const plan = planFanOut(
    ces(
      {
        namespaceSelectors: [{ matchLabels: { tier: "app" } }],
        externalSecretMetadata: { labels: { team: "x" } },
      },
      { annotations: { "external-secrets.io/force-sync": "5" } },
    ),
    namespaces,
    new Map(),
  );
  assert.equal(plan.externalSecretName, "shared-db");
  assert.deepEqual(
    plan.apply.map((es) => es.metadata.namespace),
    ["team-a", "team-b"],
  );
  const first = plan.apply[0]!;
  assert.deepEqual(first.metadata.labels, { team: "x" });
  assert.deepEqual(first.metadata.annotations, { "external-secrets.io/force-sync": "5" });
  assert.deepEqual(first.metadata.ownerReferences, [
    {
      apiVersion: "external-secrets.io/v1",
      kind: "ClusterExternalSecret",
      name: "shared-db",
      uid: "ces-uid",
      controller: true,
      blockOwnerDeletion: true,
    },
  ]);
  assert.equal(first.spec.secretStoreRef?.name, "vault-backend");
});

test("planFanOut() selects by the deprecated fields too and fails namespaces with a foreign ExternalSecret", () => {
  const plan = planFanOut(
    ces({ namespaces: ["kube-system"], namespaceSelector: { matchLabels: { tier: "app" } } }),
    namespaces,
    new Map([
      [
        "team-a",
        {
          controllerOwner: {
            apiVersion: "external-secrets.io/v1",
            kind: "ClusterExternalSecret",
            name: "shared-db",
            uid: "ces-uid",
            controller: true,
          },
        },
      ],
      ["team-b", {}],
    ]),
  );
  assert.deepEqual(
    plan.apply.map((es) => es.metadata.namespace),
    ["team-a", "kube-system"],
  );
  assert.deepEqual(plan.failed, [
    { namespace: "team-b", reason: "external secret already exists in namespace" },
  ]);
});

test("planFanOut() removes ExternalSecrets from de-selected namespaces and under a previous name", () => {
  const plan = planFanOut(
    ces(
      { externalSecretName: "db", namespaces: ["team-a"] },
      { status: { externalSecretName: "shared-db", provisionedNamespaces: ["team-a", "old"] } },
    ),
    namespaces,
    new Map(),
  );
  assert.deepEqual(plan.remove, [
    { namespace: "team-a", name: "shared-db" },
    { namespace: "old", name: "shared-db" },
    { namespace: "old", name: "db" },
  ]);
});

test("fanOutStatus() sorts namespaces and reports failures as upstream does", () => {
  const object = ces({});
  assert.deepEqual(fanOutStatus(object, "shared-db", ["b", "a"], []), {
    externalSecretName: "shared-db",
    provisionedNamespaces: ["a", "b"],
    conditions: [{ type: "Ready", status: "True" }],
  });
  const failed = fanOutStatus(
    object,
    "shared-db",
    [],
    [
      { namespace: "z", reason: "r" },
      { namespace: "c", reason: "r" },
    ],
  );
  assert.deepEqual(
    failed.failedNamespaces?.map((item) => item.namespace),
    ["c", "z"],
  );
  assert.deepEqual(failed.conditions, [
    { type: "Ready", status: "False", message: "one or more namespaces failed" },
  ]);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import type { Secret } from "../../sealing/index.js";
import { desiredSecret, mayManage, planSecret, semanticallyEqual } from "./secret-plan.js";

const uid = "uid-1";
const owner = {
  apiVersion: "bitnami.com/v1alpha1",
  kind: "SealedSecret",
  name: "db",
  uid,
  controller: true,
};
const unsealed: Secret = {
  apiVersion: "v1",
  kind: "Secret",
  metadata: { namespace: "team", name: "db", labels: { app: "x" }, ownerReferences: [owner] },
  data: { password: "cGFzcw==" },
};

function existing(extra: Partial<Secret["metadata"]>, data?: Record<string, string>): Secret {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { namespace: "team", name: "db", resourceVersion: "7", ...extra },
    type: "Opaque",
    ...(data === undefined ? {} : { data }),
  };
}

test("planSecret() creates the Secret when there is none", () => {
  const plan = planSecret(undefined, unsealed, uid);
  assert.equal(plan.action, "create");
  assert.deepEqual(plan.secret.data, unsealed.data);
});

test("planSecret() refuses a Secret that is neither owned, managed nor patched", () => {
  const plan = planSecret(
    existing({ ownerReferences: [{ ...owner, uid: "other" }] }),
    unsealed,
    uid,
  );
  assert.deepEqual(plan, {
    action: "unmanaged",
    message: 'Resource "db" already exists and is not managed by SealedSecret',
  });
});

test("planSecret() leaves an owned Secret that already matches", () => {
  const current = existing(
    { labels: { app: "x" }, ownerReferences: [owner] },
    { password: "cGFzcw==" },
  );
  assert.deepEqual(planSecret(current, unsealed, uid), { action: "none" });
});

test("planSecret() replaces data, labels, annotations and owners of a managed Secret", () => {
  const current = existing(
    {
      annotations: { "sealedsecrets.bitnami.com/managed": "true" },
      labels: { old: "1" },
      finalizers: ["keep"],
    },
    { stale: "eA==" },
  );
  const plan = planSecret(current, unsealed, uid);
  assert.equal(plan.action, "update");
  assert.deepEqual(plan.secret.data, { password: "cGFzcw==" });
  assert.deepEqual(plan.secret.metadata.labels, { app: "x" });
  assert.equal(plan.secret.metadata.annotations, undefined, "annotations replaced wholesale");
  assert.deepEqual(plan.secret.metadata.ownerReferences, [owner]);
  assert.deepEqual(plan.secret.metadata.finalizers, ["keep"]);
  assert.equal(plan.secret.metadata.resourceVersion, "7", "conditional update");
});

test("desiredSecret() merges into a patched Secret and keeps its owners unless also managed", () => {
  const current = existing(
    { annotations: { "sealedsecrets.bitnami.com/patch": "true" }, labels: { keep: "y" } },
    { other: "b3RoZXI=" },
  );
  assert.ok(mayManage(current, uid));
  const desired = desiredSecret(current, unsealed);
  assert.deepEqual(desired.data, { other: "b3RoZXI=", password: "cGFzcw==" });
  assert.deepEqual(desired.metadata.labels, { keep: "y", app: "x" });
  assert.equal(desired.metadata.ownerReferences, undefined);
  const managed = desiredSecret(
    existing({
      annotations: {
        "sealedsecrets.bitnami.com/patch": "true",
        "sealedsecrets.bitnami.com/managed": "true",
      },
    }),
    unsealed,
  );
  assert.deepEqual(managed.metadata.ownerReferences, [owner]);
});

test("desiredSecret() takes the type from the template and keeps immutable", () => {
  const current = { ...existing({ ownerReferences: [owner] }), immutable: true };
  const desired = desiredSecret(current, {
    ...unsealed,
    type: "kubernetes.io/tls",
    immutable: false,
  });
  assert.equal(desired.type, "kubernetes.io/tls");
  assert.equal(desired.immutable, true);
  assert.equal(
    desiredSecret(current, unsealed).type,
    "Opaque",
    "no type means the server's default",
  );
});

test("semanticallyEqual() treats absent, null and empty collections alike", () => {
  assert.ok(semanticallyEqual({ a: {}, b: [] }, { c: null }));
  assert.ok(!semanticallyEqual({ a: { x: "1" } }, {}));
  assert.ok(!semanticallyEqual(["a"], ["b"]));
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { ObjectError } from "./object-error.js";
import {
  parsePushSecret,
  pushEntryKey,
  pushItems,
  pushOwnerIdentity,
  selectPushStores,
  staleRemoteEntries,
} from "./push-secret.js";
import type { SecretStore } from "./types.js";

function ps(spec: Record<string, unknown>, status?: Record<string, unknown>) {
  return parsePushSecret({
    apiVersion: "external-secrets.io/v1alpha1",
    kind: "PushSecret",
    metadata: { name: "db-push", namespace: "argocd" },
    spec: {
      secretStoreRefs: [{ name: "vault", kind: "ClusterSecretStore" }],
      selector: { secret: { name: "db" } },
      ...spec,
    },
    ...(status ? { status } : {}),
  });
}

const storeOf = (
  kind: "SecretStore" | "ClusterSecretStore",
  name: string,
  extra: Partial<SecretStore["metadata"]> = {},
  controller?: string,
): SecretStore => ({
  apiVersion: "external-secrets.io/v1",
  kind,
  metadata: { name, namespace: kind === "SecretStore" ? "argocd" : "", ...extra },
  spec: { provider: { vault: {} }, ...(controller ? { controller } : {}) },
});

test("parsePushSecret() rejects a selector with both or neither source, and a missing remoteKey", () => {
  assert.throws(
    () => ps({ selector: {} }),
    (e: unknown) => e instanceof ObjectError && e.field === "spec.selector",
  );
  assert.throws(
    () => ps({ data: [{ match: { remoteRef: {} } }] }),
    (e: unknown) =>
      e instanceof ObjectError && e.field === "spec.data[0].match.remoteRef.remoteKey",
  );
  assert.throws(
    () =>
      parsePushSecret({
        apiVersion: "external-secrets.io/v1",
        kind: "PushSecret",
        metadata: { name: "x", namespace: "y" },
        spec: {},
      }),
    /apiVersion: must be external-secrets.io\/v1alpha1/,
  );
});

test("selectPushStores() takes named and label-selected stores, skipping deleting and foreign-class ones", () => {
  const object = ps({
    secretStoreRefs: [
      { name: "vault", kind: "ClusterSecretStore" },
      { labelSelector: { matchLabels: { push: "yes" } } },
    ],
  });
  const stores = [
    storeOf("ClusterSecretStore", "vault"),
    storeOf("SecretStore", "labelled", { labels: { push: "yes" } }),
    storeOf("SecretStore", "other-ns", { namespace: "x", labels: { push: "yes" } }),
    storeOf("SecretStore", "deleting", {
      labels: { push: "yes" },
      deletionTimestamp: "2026-01-01T00:00:00Z",
    }),
    storeOf("SecretStore", "foreign", { labels: { push: "yes" } }, "other-class"),
  ];
  assert.deepEqual(
    selectPushStores(object, stores, "default").map((store) => store.metadata.name),
    ["vault", "labelled"],
  );
});

test("pushItems() reverses Unicode-encoded keys and refuses a secretKey the source lacks, without values", () => {
  const object = ps({
    data: [
      {
        match: { secretKey: "a[b", remoteRef: { remoteKey: "app/db", property: "x" } },
        conversionStrategy: "ReverseUnicode",
      },
      { match: { remoteRef: { remoteKey: "app/all" } } },
    ],
  });
  const items = pushItems(object, new Map([["a_U005b_b", Buffer.from("v")]]));
  assert.deepEqual(Object.keys(items[0]!.source), ["a[b"]);
  assert.equal(pushEntryKey(items[0]!.data), "app/db/x");
  assert.equal(pushEntryKey(items[1]!.data), "app/all");
  assert.throws(
    () => pushItems(object, new Map([["plain", Buffer.from("s3cr3t-value")]])),
    (e: Error) => e.message.includes('no key "a[b"') && !e.message.includes("s3cr3t"),
  );
});

test("staleRemoteEntries() lists what was synced before and is no longer produced, only under Delete", () => {
  const status = {
    syncedPushSecrets: {
      "ClusterSecretStore/vault": {
        "app/db": { match: { remoteRef: { remoteKey: "app/db" } } },
        "app/old": { match: { remoteRef: { remoteKey: "app/old" } } },
      },
    },
  };
  const produced = new Map([["ClusterSecretStore/vault", new Set(["app/db"])]]);
  assert.deepEqual(
    staleRemoteEntries(ps({ deletionPolicy: "Delete" }, status), produced).map(
      (entry) => entry.entryKey,
    ),
    ["app/old"],
  );
  assert.deepEqual(staleRemoteEntries(ps({}, status), produced), []);
});

test("pushOwnerIdentity() names the cluster, namespace and PushSecret", () => {
  assert.equal(pushOwnerIdentity("hub-eu", ps({})), "hub-eu/argocd/db-push");
});

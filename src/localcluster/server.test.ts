/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models are classes, but its serializer sends plain objects, which is what a
   caller of the API writes */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { TestContext } from "node:test";
import * as k8s from "@kubernetes/client-node";
import { startLocalCluster } from "./index.js";
import { LocalClusterServer } from "./server.js";

async function client(
  t: TestContext,
  historyLimit?: number,
): Promise<{ kc: k8s.KubeConfig; core: k8s.CoreV1Api; url: string }> {
  const cluster =
    historyLimit === undefined
      ? await startLocalCluster()
      : await LocalClusterServer.start({ historyLimit });
  t.after(() => cluster.close());
  const kc = new k8s.KubeConfig();
  kc.loadFromString(cluster.kubeconfig());
  return { kc, core: kc.makeApiClient(k8s.CoreV1Api), url: cluster.url };
}

function apiError(error: unknown): { code: number; reason: string; message: string } {
  const e = error as { code: number; body: string };
  const body = JSON.parse(e.body) as { reason: string; message: string };
  return { code: e.code, reason: body.reason, message: body.message };
}

test("a Secret created with stringData is stored as base64 data with uid, timestamps and managedFields", async (t) => {
  const { core } = await client(t);
  const created = await core.createNamespacedSecret({
    namespace: "default",
    body: { metadata: { name: "db" }, stringData: { password: "s3cr3t" } },
  });
  assert.equal(created.data?.password, Buffer.from("s3cr3t").toString("base64"));
  assert.equal(created.type, "Opaque");
  assert.equal((created as { stringData?: unknown }).stringData, undefined);
  assert.match(created.metadata?.uid ?? "", /^[0-9a-f-]{36}$/);
  assert.match(created.metadata?.resourceVersion ?? "", /^\d+$/);
  assert.equal(created.metadata?.managedFields?.[0]?.manager, "kubernetes-client-javascript");
  assert.deepEqual(created.metadata.managedFields[0].fieldsV1, {
    "f:data": { ".": {}, "f:password": {} },
    "f:type": {},
  });
});

test("errors carry the apiserver's HTTP status and Status reason", async (t) => {
  const { core } = await client(t);
  const cases: [string, () => Promise<unknown>, number, string, RegExp][] = [
    [
      "missing object",
      () => core.readNamespacedSecret({ name: "nope", namespace: "default" }),
      404,
      "NotFound",
      /^secrets "nope" not found$/,
    ],
    [
      "missing namespace",
      () =>
        core.createNamespacedSecret({ namespace: "nowhere", body: { metadata: { name: "x" } } }),
      404,
      "NotFound",
      /^namespaces "nowhere" not found$/,
    ],
    [
      "invalid name",
      () =>
        core.createNamespacedConfigMap({
          namespace: "default",
          body: { metadata: { name: "Bad_Name" } },
        }),
      422,
      "Invalid",
      /^ConfigMap "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/,
    ],
    [
      "tls secret without keys",
      () =>
        core.createNamespacedSecret({
          namespace: "default",
          body: { metadata: { name: "tls" }, type: "kubernetes.io/tls", data: {} },
        }),
      422,
      "Invalid",
      /data\[tls\.crt\]: Required value/,
    ],
    [
      "bad base64",
      () =>
        core.createNamespacedSecret({
          namespace: "default",
          body: { metadata: { name: "b" }, data: { k: "!!!" } },
        }),
      400,
      "BadRequest",
      /illegal base64 data at input byte 0/,
    ],
    [
      "protected namespace",
      () => core.deleteNamespace({ name: "default" }),
      403,
      "Forbidden",
      /^namespaces "default" is forbidden: this namespace may not be deleted$/,
    ],
  ];
  for (const [name, call, code, reason, message] of cases) {
    await t.test(name, async () => {
      await assert.rejects(call(), (error) => {
        const status = apiError(error);
        assert.equal(status.code, code);
        assert.equal(status.reason, reason);
        assert.match(status.message, message);
        return true;
      });
    });
  }
});

test("a create of an existing name is 409 AlreadyExists and a stale update is 409 Conflict", async (t) => {
  const { core } = await client(t);
  const first = await core.createNamespacedConfigMap({
    namespace: "default",
    body: { metadata: { name: "c" }, data: { a: "1" } },
  });
  await assert.rejects(
    core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "c" } } }),
    (e) => apiError(e).reason === "AlreadyExists",
  );
  await core.replaceNamespacedConfigMap({
    name: "c",
    namespace: "default",
    body: { metadata: first.metadata ?? {}, data: { a: "2" } },
  });
  await assert.rejects(
    core.replaceNamespacedConfigMap({
      name: "c",
      namespace: "default",
      body: { metadata: first.metadata ?? {}, data: { a: "3" } },
    }),
    (e) => {
      const status = apiError(e);
      assert.equal(status.code, 409);
      assert.match(
        status.message,
        /^Operation cannot be fulfilled on configmaps "c": the object has been modified/,
      );
      return true;
    },
  );
});

test("a list pages with limit/continue over one snapshot", async (t) => {
  const { core } = await client(t);
  for (let i = 0; i < 5; i++) {
    await core.createNamespacedConfigMap({
      namespace: "default",
      body: { metadata: { name: `p${i}`, labels: { even: String(i % 2 === 0) } } },
    });
  }
  const first = await core.listNamespacedConfigMap({ namespace: "default", limit: 2 });
  assert.deepEqual(
    first.items.map((i) => i.metadata?.name),
    ["p0", "p1"],
  );
  assert.equal(first.metadata?.remainingItemCount, 3);
  await core.createNamespacedConfigMap({
    namespace: "default",
    body: { metadata: { name: "p9" } },
  });
  const second = await core.listNamespacedConfigMap({
    namespace: "default",
    limit: 10,
    _continue: first.metadata._continue ?? "",
  });
  assert.deepEqual(
    second.items.map((i) => i.metadata?.name),
    ["p2", "p3", "p4"],
    "the page after the first ignores later writes",
  );
  assert.equal(second.metadata?.resourceVersion, first.metadata.resourceVersion);
  const even = await core.listNamespacedConfigMap({
    namespace: "default",
    labelSelector: "even=true",
    fieldSelector: "metadata.name!=p2",
  });
  assert.deepEqual(
    even.items.map((i) => i.metadata?.name),
    ["p0", "p4"],
  );
});

function watchEvents(
  kc: k8s.KubeConfig,
  path: string,
  query: Record<string, string>,
): { events: string[]; done: Promise<unknown>; stop: () => void } {
  const events: string[] = [];
  let controller: AbortController | undefined;
  const done = new Promise((resolve) => {
    void new k8s.Watch(kc)
      .watch(
        path,
        query,
        (type, obj: { metadata?: { name?: string }; code?: number }) => {
          events.push(
            type === "ERROR" ? `ERROR:${obj.code ?? 0}` : `${type}:${obj.metadata?.name ?? ""}`,
          );
        },
        resolve,
      )
      .then((c) => (controller = c));
  });
  return { events, done, stop: () => controller?.abort() };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(check(), "condition not reached in time");
}

test("a watch from a list's resourceVersion sees later changes in order, filtered by label", async (t) => {
  const { kc, core } = await client(t);
  await core.createNamespacedConfigMap({
    namespace: "default",
    body: { metadata: { name: "before", labels: { w: "y" } } },
  });
  const list = await core.listNamespacedConfigMap({ namespace: "default" });
  const watch = watchEvents(kc, "/api/v1/namespaces/default/configmaps", {
    resourceVersion: list.metadata?.resourceVersion ?? "",
    labelSelector: "w=y",
  });
  t.after(watch.stop);
  await core.createNamespacedConfigMap({
    namespace: "default",
    body: { metadata: { name: "a", labels: { w: "y" } } },
  });
  await core.createNamespacedConfigMap({
    namespace: "default",
    body: { metadata: { name: "ignored" } },
  });
  await core.patchNamespacedConfigMap(
    { name: "a", namespace: "default", body: { metadata: { labels: { w: "n" } } } },
    k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
  );
  await core.deleteNamespacedConfigMap({ name: "before", namespace: "default" });
  await until(() => watch.events.length >= 3);
  assert.deepEqual(watch.events, ["ADDED:a", "DELETED:a", "DELETED:before"]);
});

test("a watch from a version older than the history gets ERROR 410 Expired", async (t) => {
  const { kc, core } = await client(t, 5);
  const list = await core.listNamespacedConfigMap({ namespace: "default" });
  for (let i = 0; i < 10; i++)
    await core.createNamespacedConfigMap({
      namespace: "default",
      body: { metadata: { name: `x${i}` } },
    });
  const watch = watchEvents(kc, "/api/v1/namespaces/default/configmaps", {
    resourceVersion: list.metadata?.resourceVersion ?? "",
  });
  await watch.done;
  assert.deepEqual(watch.events, ["ERROR:410"]);
});

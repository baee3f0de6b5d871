import assert from "node:assert/strict";
import { test } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import { RecordingApiServer } from "../../test/support/recording-api-server.js";
import { ApiError, isAlreadyExists, isConflict, isNotFound } from "./api-error.js";
import { KubeClient } from "./client.js";

async function setup(t: { after: (fn: () => Promise<void>) => void }, namespace = "default") {
  const server = new RecordingApiServer();
  await server.start();
  t.after(() => server.close());
  const kc = new KubeConfig();
  kc.loadFromString(server.kubeconfig(namespace));
  return { server, client: new KubeClient(kc, { fieldManager: "tester" }) };
}

const cmRef = { apiVersion: "v1", kind: "ConfigMap", namespace: "team-a", name: "db" };

test("KubeClient sends each verb to the path and with the body and headers the API expects", async (t) => {
  const { server, client } = await setup(t);
  const cm = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { namespace: "team-a", name: "db" },
    data: { k: "v" },
  };
  await client.create(cm);
  await client.replace({ ...cm, metadata: { ...cm.metadata, resourceVersion: "7" } });
  await client.patch(cmRef, { data: { k: "w" } }, "merge");
  await client.patch(cmRef, [{ op: "remove", path: "/data/k" }], "json");
  await client.apply(cm, { force: true, fieldManager: "copier" });
  await client.updateStatus({
    apiVersion: "example.com/v1",
    kind: "Widget",
    metadata: { namespace: "n", name: "w" },
  });
  await client.patchStatus(
    { apiVersion: "example.com/v1", kind: "Widget", namespace: "n", name: "w" },
    { status: {} },
    "merge",
  );
  await client.delete(cmRef, { propagationPolicy: "Foreground" });
  await client.get({ apiVersion: "v1", kind: "Namespace", name: "team-a" });
  const r = server.requests;
  assert.deepEqual(
    r.map((q) => `${q.method} ${q.path}`),
    [
      "POST /api/v1/namespaces/team-a/configmaps",
      "PUT /api/v1/namespaces/team-a/configmaps/db",
      "PATCH /api/v1/namespaces/team-a/configmaps/db",
      "PATCH /api/v1/namespaces/team-a/configmaps/db",
      "PATCH /api/v1/namespaces/team-a/configmaps/db",
      "PUT /apis/example.com/v1/namespaces/n/widgets/w/status",
      "PATCH /apis/example.com/v1/namespaces/n/widgets/w/status",
      "DELETE /api/v1/namespaces/team-a/configmaps/db",
      "GET /api/v1/namespaces/team-a",
    ],
  );
  assert.equal(server.request(0).query.get("fieldManager"), "tester");
  assert.deepEqual(server.json(0), cm, "the object travels as sent");
  assert.deepEqual(server.json(1).metadata, { ...cm.metadata, resourceVersion: "7" });
  assert.equal(server.request(2).contentType, "application/merge-patch+json");
  assert.equal(server.request(3).contentType, "application/json-patch+json");
  assert.deepEqual(server.json(3), [{ op: "remove", path: "/data/k" }]);
  assert.equal(server.request(4).contentType, "application/apply-patch+yaml");
  assert.equal(server.request(4).query.get("fieldManager"), "copier");
  assert.equal(server.request(4).query.get("force"), "true");
  assert.equal(server.request(2).query.get("force"), null, "force only on apply");
  assert.equal(server.json(7).propagationPolicy, "Foreground");
});

test("KubeClient.get() returns undefined for 404; delete() returns false", async (t) => {
  const { server, client } = await setup(t);
  const notFound = {
    status: 404,
    body: {
      kind: "Status",
      status: "Failure",
      reason: "NotFound",
      code: 404,
      message: 'configmaps "db" not found',
    },
  };
  server.script.push(notFound, notFound);
  assert.equal(await client.get(cmRef), undefined);
  assert.equal(await client.delete(cmRef), false);
});

test("KubeClient failures are ApiError with the Status code, reason and the object named", async (t) => {
  const { server, client } = await setup(t);
  const status = (code: number, reason: string, message: string) => ({
    status: code,
    body: {
      kind: "Status",
      apiVersion: "v1",
      status: "Failure",
      code,
      reason,
      message,
      details: { name: "db", kind: "configmaps" },
    },
  });
  server.script.push(
    status(409, "AlreadyExists", 'configmaps "db" already exists'),
    status(
      409,
      "Conflict",
      'Operation cannot be fulfilled on configmaps "db": the object has been modified',
    ),
    status(403, "Forbidden", 'configmaps "db" is forbidden: no'),
    { status: 502, body: "<html>bad gateway</html>" },
  );
  const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { namespace: "team-a", name: "db" } };
  const created = await client.create(cm).catch((e: unknown) => e);
  assert.ok(created instanceof ApiError);
  assert.equal(created.code, 409);
  assert.equal(created.reason, "AlreadyExists");
  assert.ok(isAlreadyExists(created) && !isConflict(created));
  assert.equal(
    created.message,
    'cannot create ConfigMap "team-a/db": configmaps "db" already exists',
  );
  assert.equal(created.details?.kind, "configmaps");
  const replaced = await client.replace(cm).catch((e: unknown) => e);
  assert.ok(isConflict(replaced));
  const got = await client.get(cmRef).catch((e: unknown) => e);
  assert.ok(got instanceof ApiError && got.code === 403 && !isNotFound(got));
  const bad = await client
    .list({ apiVersion: "v1", kind: "ConfigMap", namespace: "team-a" })
    .catch((e: unknown) => e);
  assert.ok(bad instanceof ApiError);
  assert.equal(bad.code, 502);
  assert.equal(bad.reason, "");
  assert.match(bad.message, /^cannot list ConfigMap in "team-a": <html>bad gateway<\/html>$/);
});

test("KubeClient uses the context's namespace for namespaced objects that name none", async (t) => {
  const { server, client } = await setup(t, "ctx-ns");
  assert.equal(client.defaultNamespace, "ctx-ns");
  await client.get({ apiVersion: "v1", kind: "ConfigMap", name: "x" });
  await client.list({ apiVersion: "v1", kind: "ConfigMap" });
  assert.deepEqual(
    server.requests.map((q) => q.path),
    ["/api/v1/namespaces/ctx-ns/configmaps/x", "/api/v1/configmaps"],
  );
});

test("KubeClient.listAll() follows continue tokens", async (t) => {
  const { server, client } = await setup(t);
  const page = (names: string[], next?: string) => ({
    status: 200,
    body: {
      kind: "ConfigMapList",
      metadata: { resourceVersion: "42", ...(next === undefined ? {} : { continue: next }) },
      items: names.map((name) => ({ metadata: { name } })),
    },
  });
  server.script.push(page(["a", "b"], "t1"), page(["c"]));
  const all = await client.listAll(
    { apiVersion: "v1", kind: "ConfigMap", namespace: "x" },
    { limit: 2, labelSelector: "app=web" },
  );
  assert.deepEqual(
    all.items.map((i) => i.metadata?.name),
    ["a", "b", "c"],
  );
  assert.equal(all.resourceVersion, "42");
  assert.equal(server.request(1).query.get("continue"), "t1");
  assert.equal(server.request(1).query.get("labelSelector"), "app=web");
  assert.equal(server.request(0).query.get("limit"), "2");
});

test("KubeClient names an unknown kind and a connection failure clearly", async (t) => {
  const { server, client } = await setup(t);
  await assert.rejects(
    client.get({ apiVersion: "example.com/v1", kind: "Gadget", namespace: "n", name: "g" }),
    /the server does not serve kind "Gadget" in "example.com\/v1"/,
  );
  await client.get(cmRef); // discovery of v1 is cached from here on
  await server.close();
  await assert.rejects(
    client.get(cmRef),
    /^Error: cannot get ConfigMap "team-a\/db": connect ECONNREFUSED/,
  );
  await assert.rejects(
    client.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: "n", name: "d" }),
    /^Error: cannot discover kind "Deployment" in "apps\/v1": .*ECONNREFUSED/,
  );
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import { RecordingApiServer } from "../../test/support/recording-api-server.js";
import { KubeClient } from "./client.js";
import { FakeClock } from "./clock.js";
import { EventRecorder, type EventRecorderOptions } from "./events.js";

const secret = {
  apiVersion: "bitnami.com/v1alpha1",
  kind: "SealedSecret",
  metadata: { namespace: "team-a", name: "db", uid: "u-1", resourceVersion: "9" },
};

async function setup(
  t: { after: (fn: () => Promise<void>) => void },
  options: Pick<EventRecorderOptions, "spam"> = {},
) {
  const server = new RecordingApiServer();
  await server.start();
  t.after(() => server.close());
  const kc = new KubeConfig();
  kc.loadFromString(server.kubeconfig());
  const clock = new FakeClock(Date.UTC(2026, 0, 2, 3, 4, 5));
  const recorder = new EventRecorder(new KubeClient(kc), {
    component: "sealed-secrets-controller",
    host: "pod-1",
    clock,
    ...options,
  });
  return { server, recorder, clock };
}

test("EventRecorder creates a core/v1 Event naming the object, reason, type and source", async (t) => {
  const { server, recorder } = await setup(t);
  recorder.event(secret, "Warning", "ErrUnsealFailed", "no key could decrypt the secret");
  await recorder.flush();
  assert.equal(server.requests.length, 1);
  const request = server.request(0);
  assert.equal(`${request.method} ${request.path}`, "POST /api/v1/namespaces/team-a/events");
  const event = server.json(0);
  assert.deepEqual(event.involvedObject, {
    apiVersion: "bitnami.com/v1alpha1",
    kind: "SealedSecret",
    name: "db",
    namespace: "team-a",
    uid: "u-1",
    resourceVersion: "9",
  });
  assert.equal(event.reason, "ErrUnsealFailed");
  assert.equal(event.type, "Warning");
  assert.equal(event.count, 1);
  assert.equal(event.firstTimestamp, "2026-01-02T03:04:05Z");
  assert.deepEqual(event.source, { component: "sealed-secrets-controller", host: "pod-1" });
  assert.match((event.metadata as { name: string }).name, /^db\.[0-9a-f]+$/);
});

test("EventRecorder aggregates an identical event into a count on the same Event", async (t) => {
  const { server, recorder, clock } = await setup(t);
  recorder.event(secret, "Normal", "Unsealed", "SealedSecret unsealed successfully");
  await clock.advance(5000);
  recorder.event(secret, "Normal", "Unsealed", "SealedSecret unsealed successfully");
  recorder.event(secret, "Normal", "Unsealed", "SealedSecret unsealed successfully");
  recorder.event(secret, "Normal", "Other", "a different reason is a different event");
  await recorder.flush();
  const calls = server.requests.map((r) => r.method);
  assert.deepEqual(calls, ["POST", "PATCH", "PATCH", "POST"]);
  const name = (server.json(0) as { metadata: { name: string } }).metadata.name;
  assert.equal(server.request(1).path, `/api/v1/namespaces/team-a/events/${name}`);
  assert.equal(server.request(1).contentType, "application/merge-patch+json");
  assert.deepEqual(server.json(1), {
    count: 2,
    lastTimestamp: "2026-01-02T03:04:10Z",
  });
  assert.deepEqual(server.json(2), {
    count: 3,
    lastTimestamp: "2026-01-02T03:04:10Z",
  });
});

test("EventRecorder starts a new Event when the aggregated one expired, and never throws", async (t) => {
  const { server, recorder } = await setup(t);
  recorder.event(secret, "Normal", "Unsealed", "ok");
  await recorder.flush();
  server.script.push({
    status: 404,
    body: { kind: "Status", code: 404, reason: "NotFound", message: "gone" },
  });
  recorder.event(secret, "Normal", "Unsealed", "ok");
  await recorder.flush();
  assert.deepEqual(
    server.requests.map((r) => r.method),
    ["POST", "PATCH", "POST"],
  );
  server.script.push({ status: 500, body: { kind: "Status", code: 500, message: "etcd down" } });
  recorder.event(secret, "Warning", "X", "y");
  await recorder.flush();
  recorder.event({ kind: "NoVersion" }, "Normal", "X", "ignored: no apiVersion or name");
  await recorder.flush();
  assert.equal(server.requests.length, 4);
});

test("EventRecorder counts an event repeated across the object's writes on one Event", async (t) => {
  const { server, recorder } = await setup(t);
  recorder.event(secret, "Warning", "ErrUnsealFailed", "no key could decrypt the secret");
  const rewritten = { ...secret, metadata: { ...secret.metadata, resourceVersion: "10" } };
  recorder.event(rewritten, "Warning", "ErrUnsealFailed", "no key could decrypt the secret");
  await recorder.flush();
  assert.deepEqual(
    server.requests.map((r) => r.method),
    ["POST", "PATCH"],
  );
  assert.equal(server.json(1).count, 2);
});

test("EventRecorder drops events about one object beyond the spam filter's burst until it refills", async (t) => {
  const { server, recorder, clock } = await setup(t, { spam: { burst: 3, refillMs: 60_000 } });
  for (let i = 0; i < 5; i++) recorder.event(secret, "Warning", "Failed", `attempt ${i}`);
  const other = { ...secret, metadata: { ...secret.metadata, name: "other", uid: "u-2" } };
  recorder.event(other, "Warning", "Failed", "another object has its own bucket");
  await recorder.flush();
  const messages = () => server.requests.map((_, i) => server.json(i).message);
  assert.deepEqual(messages(), [
    "attempt 0",
    "attempt 1",
    "attempt 2",
    "another object has its own bucket",
  ]);
  await clock.advance(60_000);
  recorder.event(secret, "Warning", "Failed", "after a refill");
  recorder.event(secret, "Warning", "Failed", "one token only");
  await recorder.flush();
  assert.deepEqual(messages().slice(4), ["after a refill"]);
});

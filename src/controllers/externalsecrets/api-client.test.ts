import assert from "node:assert/strict";
import { test } from "node:test";
import { FakeClock, flushMicrotasks, type KubeObject } from "../../kube/index.js";
import { throttledClient, type ApiClient } from "./api-client.js";

function recordingClient(calls: string[]): ApiClient {
  const object = (): Promise<KubeObject> => Promise.resolve({});
  return {
    get: () => Promise.resolve(undefined),
    list: () => Promise.resolve({ items: [], resourceVersion: "1" }),
    create: (obj) => {
      calls.push(`create ${obj.metadata?.name ?? ""}`);
      return Promise.resolve(obj);
    },
    createSubresource: () => Promise.reject(new Error("not used")),
    replace: (obj) => Promise.resolve(obj),
    patch: object as ApiClient["patch"],
    patchStatus: object as ApiClient["patchStatus"],
    delete: () => Promise.resolve(true),
  };
}

test("throttledClient() lets a burst through, then spaces calls at the rate", async () => {
  const clock = new FakeClock();
  const calls: string[] = [];
  const verbs: string[] = [];
  const client = throttledClient(recordingClient(calls), { qps: 2, burst: 2 }, clock, (verb) =>
    verbs.push(verb),
  );
  const all = Promise.all(
    ["a", "b", "c", "d"].map((name) => client.create({ metadata: { name } })),
  );
  for (let i = 0; i < 5; i++) await flushMicrotasks();
  assert.deepEqual(calls, ["create a", "create b"]);
  await clock.advance(500);
  assert.deepEqual(calls, ["create a", "create b", "create c"]);
  await clock.advance(500);
  await all;
  assert.deepEqual(calls, ["create a", "create b", "create c", "create d"]);
  assert.deepEqual(verbs, ["create", "create", "create", "create"]);
});

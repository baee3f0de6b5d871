import assert from "node:assert/strict";
import { test } from "node:test";
import { Store } from "./store.js";

function secret(name: string): { metadata: { name: string; namespace: string } } {
  return { metadata: { name, namespace: "ns" } };
}

test("Store assigns resourceVersions from one counter across collections", () => {
  const store = new Store();
  const a = store.create("/secrets", secret("a"));
  const b = store.create("/configmaps", secret("b"));
  assert.equal(
    Number((b.metadata as { resourceVersion: string }).resourceVersion),
    Number((a.metadata as { resourceVersion: string }).resourceVersion) + 1,
  );
  assert.equal(store.revision, 3);
});

test("Store.eventsSince() replays a collection's changes and refuses versions older than its history", () => {
  const store = new Store(undefined, { maxEvents: 3, maxAgeMs: 60_000 });
  const start = store.revision;
  for (const name of ["a", "b", "c", "d", "e"]) store.create("/secrets", secret(name));
  assert.equal(
    store.eventsSince("/secrets", start),
    undefined,
    "five changes do not fit a history of three",
  );
  const recent = store.eventsSince("/secrets", store.revision - 2);
  assert.deepEqual(
    recent?.map((e) => (e.object.metadata as { name: string }).name),
    ["d", "e"],
  );
  assert.deepEqual(store.eventsSince("/configmaps", store.revision - 2), []);
});

test("Store.list() orders by namespace then name and filters one namespace", () => {
  const store = new Store();
  store.create("/secrets", { metadata: { name: "b", namespace: "y" } });
  store.create("/secrets", { metadata: { name: "a", namespace: "y" } });
  store.create("/secrets", { metadata: { name: "z", namespace: "x" } });
  const names = (ns?: string): string[] =>
    store
      .list("/secrets", ns)
      .map(
        (o) =>
          `${(o.metadata as { namespace: string }).namespace}/${(o.metadata as { name: string }).name}`,
      );
  assert.deepEqual(names(), ["x/z", "y/a", "y/b"]);
  assert.deepEqual(names("y"), ["y/a", "y/b"]);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Cache } from "./cache.js";
import type { KubeObject } from "./types.js";
import { objectKey, splitKey } from "./types.js";

function cm(
  namespace: string | undefined,
  name: string,
  rv: string,
  labels: Record<string, string> = {},
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      ...(namespace === undefined ? {} : { namespace }),
      name,
      resourceVersion: rv,
      labels,
    },
  };
}

const byApp = (obj: KubeObject): string[] => {
  const app = obj.metadata?.labels?.app;
  return app === undefined ? [] : [app];
};

test("objectKey() is namespace/name, or name for cluster-scoped objects; splitKey() inverts it", () => {
  assert.equal(objectKey(cm("team-a", "db", "1")), "team-a/db");
  assert.equal(objectKey(cm(undefined, "team-a", "1")), "team-a");
  assert.deepEqual(splitKey("team-a/db"), { namespace: "team-a", name: "db" });
  assert.deepEqual(splitKey("team-a"), { name: "team-a" });
});

test("Cache indexes objects by namespace and by custom index functions", () => {
  const cache = new Cache<KubeObject>({ app: byApp });
  cache.upsert(cm("a", "x", "1", { app: "web" }));
  cache.upsert(cm("a", "y", "2", { app: "db" }));
  cache.upsert(cm("b", "x", "3", { app: "web" }));
  assert.deepEqual(cache.byNamespace("a").map(objectKey).sort(), ["a/x", "a/y"]);
  assert.deepEqual(cache.byIndex("app", "web").map(objectKey).sort(), ["a/x", "b/x"]);
  cache.upsert(cm("a", "x", "4", { app: "db" }));
  assert.deepEqual(cache.byIndex("app", "web").map(objectKey), ["b/x"], "re-indexed on update");
  cache.delete("b/x");
  assert.deepEqual(cache.byIndex("app", "web"), []);
  assert.throws(() => cache.byIndex("nope", "x"), /unknown index "nope"/);
});

test("Cache.replace() reports added, changed and vanished objects; unchanged ones not at all", () => {
  const cache = new Cache<KubeObject>();
  cache.replace([cm("a", "keep", "1"), cm("a", "change", "2"), cm("a", "gone", "3")]);
  const diff = cache.replace([cm("a", "keep", "1"), cm("a", "change", "5"), cm("a", "new", "6")]);
  assert.deepEqual(diff.added.map(objectKey), ["a/new"]);
  assert.deepEqual(
    diff.updated.map((u) => [u.old.metadata?.resourceVersion, u.current.metadata?.resourceVersion]),
    [["2", "5"]],
  );
  assert.deepEqual(diff.deleted.map(objectKey), ["a/gone"]);
  assert.deepEqual(cache.keys().sort(), ["a/change", "a/keep", "a/new"]);
});

test("Cache indexes always agree with a scan of the objects (property)", () => {
  const op = fc.record({
    del: fc.boolean(),
    ns: fc.constantFrom("a", "b", "c"),
    name: fc.constantFrom("x", "y", "z"),
    app: fc.option(fc.constantFrom("web", "db"), { nil: undefined }),
  });
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const cache = new Cache<KubeObject>({ app: byApp });
      const model = new Map<string, KubeObject>();
      ops.forEach((o, i) => {
        const obj = cm(o.ns, o.name, String(i), o.app === undefined ? {} : { app: o.app });
        if (o.del) {
          cache.delete(objectKey(obj));
          model.delete(objectKey(obj));
        } else {
          cache.upsert(obj);
          model.set(objectKey(obj), obj);
        }
      });
      for (const ns of ["a", "b", "c"]) {
        const expected = [...model.values()].filter((o) => o.metadata?.namespace === ns);
        assert.deepEqual(
          cache.byNamespace(ns).map(objectKey).sort(),
          expected.map(objectKey).sort(),
        );
      }
      for (const app of ["web", "db"]) {
        const expected = [...model.values()].filter((o) => o.metadata?.labels?.app === app);
        assert.deepEqual(
          cache.byIndex("app", app).map(objectKey).sort(),
          expected.map(objectKey).sort(),
        );
      }
      assert.equal(cache.size(), model.size);
    }),
  );
});

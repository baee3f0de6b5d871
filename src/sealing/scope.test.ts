import assert from "node:assert/strict";
import { test } from "node:test";
import {
  clusterWideAnnotation,
  labelFor,
  namespaceWideAnnotation,
  parseScope,
  Scope,
  scopeOf,
  scopeRank,
  withScopeAnnotations,
} from "./index.js";

test("labelFor() gives ns/name, ns, or nothing per scope", () => {
  assert.equal(labelFor("myns", "mysecret", Scope.strict).toString(), "myns/mysecret");
  assert.equal(labelFor("myns", "mysecret", Scope.namespaceWide).toString(), "myns");
  assert.equal(labelFor("myns", "mysecret", Scope.clusterWide).length, 0);
  assert.equal(labelFor("", "x", Scope.strict).toString(), "/x");
});

test("scopeOf() reads only the exact value true and lets cluster-wide win", () => {
  assert.equal(scopeOf(undefined), Scope.strict);
  assert.equal(scopeOf({ [namespaceWideAnnotation]: "true" }), Scope.namespaceWide);
  assert.equal(scopeOf({ [namespaceWideAnnotation]: "True" }), Scope.strict);
  assert.equal(scopeOf({ [clusterWideAnnotation]: "yes" }), Scope.strict);
  assert.equal(
    scopeOf({ [namespaceWideAnnotation]: "true", [clusterWideAnnotation]: "true" }),
    Scope.clusterWide,
  );
});

test("parseScope() accepts the three names and empty, and refuses others with upstream's text", () => {
  assert.equal(parseScope(""), Scope.strict);
  assert.equal(parseScope("cluster-wide"), Scope.clusterWide);
  assert.throws(() => parseScope("Strict"), {
    message: "must be one of: strict, namespace-wide, cluster-wide",
  });
  assert.ok(scopeRank(Scope.strict) < scopeRank(Scope.namespaceWide));
  assert.ok(scopeRank(Scope.namespaceWide) < scopeRank(Scope.clusterWide));
});

test("withScopeAnnotations() replaces scope annotations and keeps the others", () => {
  const before = { [clusterWideAnnotation]: "true", team: "a" };
  assert.deepEqual(withScopeAnnotations(before, Scope.namespaceWide), {
    team: "a",
    [namespaceWideAnnotation]: "true",
  });
  assert.deepEqual(withScopeAnnotations(before, Scope.strict), { team: "a" });
  assert.deepEqual(before, { [clusterWideAnnotation]: "true", team: "a" });
});

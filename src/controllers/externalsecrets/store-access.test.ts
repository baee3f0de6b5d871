import assert from "node:assert/strict";
import { test } from "node:test";
import { storeAccessProblem, storeAllowsNamespace } from "./store-access.js";
import type { ClusterSecretStoreCondition, SecretStore } from "./types.js";

function css(conditions?: ClusterSecretStoreCondition[], ready = true): SecretStore {
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "ClusterSecretStore",
    metadata: { name: "vault-backend" },
    spec: { provider: { vault: {} }, ...(conditions ? { conditions } : {}) },
    status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  };
}

test("storeAllowsNamespace() lets every namespace use a store without conditions", () => {
  assert.equal(storeAllowsNamespace(css(), { name: "any" }), true);
});

test("storeAllowsNamespace() matches by selector, by name, or by an unanchored regexp", () => {
  const store = css([
    { namespaceSelector: { matchLabels: { team: "a" } } },
    { namespaces: ["payments"] },
    { namespaceRegexes: ["^dev-", "stag"] },
  ]);
  assert.equal(storeAllowsNamespace(store, { name: "x", labels: { team: "a" } }), true);
  assert.equal(storeAllowsNamespace(store, { name: "payments" }), true);
  assert.equal(storeAllowsNamespace(store, { name: "dev-1" }), true);
  assert.equal(storeAllowsNamespace(store, { name: "my-staging" }), true);
  assert.equal(storeAllowsNamespace(store, { name: "prod", labels: { team: "b" } }), false);
  const expressions = css([
    {
      namespaceSelector: {
        matchExpressions: [{ key: "env", operator: "NotIn", values: ["prod"] }],
      },
    },
  ]);
  assert.equal(storeAllowsNamespace(expressions, { name: "x", labels: { env: "dev" } }), true);
  assert.equal(storeAllowsNamespace(expressions, { name: "y", labels: { env: "prod" } }), false);
});

test("storeAccessProblem() uses upstream's wording for each refusal", () => {
  const options = { controllerClass: "default", floodGate: true };
  const ref = { name: "vault-backend", kind: "ClusterSecretStore" as const };
  assert.equal(
    storeAccessProblem(ref, css([{ namespaces: ["a"] }]), { name: "b" }, options),
    'using cluster store "vault-backend" is not allowed from namespace "b": denied by spec.condition',
  );
  assert.equal(
    storeAccessProblem(ref, css(undefined, false), { name: "b" }, options),
    'ClusterSecretStore "vault-backend" is not ready',
  );
  assert.equal(
    storeAccessProblem(ref, css(undefined, false), { name: "b" }, { ...options, floodGate: false }),
    undefined,
  );
  assert.equal(
    storeAccessProblem(ref, undefined, { name: "b" }, options),
    'could not get ClusterSecretStore "vault-backend", clustersecretstores.external-secrets.io "vault-backend" not found',
  );
  const other = { ...css(), spec: { provider: {}, controller: "other" } };
  assert.equal(
    storeAccessProblem(ref, other, { name: "b" }, options),
    "can not reference unmanaged store",
  );
});

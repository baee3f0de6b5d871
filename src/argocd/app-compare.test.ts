import assert from "node:assert/strict";
import { test } from "node:test";
import { compareApplications, type ApplicationUpdateOptions } from "./app-compare.js";
import type { JsonObject, JsonValue } from "./json.js";

// compareApplications decides "in sync" without building the desired object when there are no
// ignore rules. An ignore rule that removes nothing sends it down the full path (desired object,
// normalization, deep comparison), so the two must agree on every combination below.
const noOpRule: JsonValue = { jsonPointers: ["/spec/nothing-here"] };

const resources = "resources-finalizer.argocd.argoproj.io";
const preDelete = "pre-delete-finalizer.argocd.argoproj.io/cleanup";

const metadataVariants: (JsonObject | undefined)[] = [
  {},
  { labels: { env: "prod" } },
  { labels: { env: "staging" } },
  { labels: {} },
  { labels: { env: "prod", team: "a" } },
  { annotations: { note: "x" } },
  { annotations: { "argocd.argoproj.io/refresh": "hard" } },
  { annotations: { note: "x", "argocd.argoproj.io/refresh": "hard" } },
  { finalizers: [resources] },
  { finalizers: [] },
  { finalizers: [resources, preDelete] },
  { finalizers: [preDelete] },
  { finalizers: ["other", resources] },
  { finalizers: [resources, 3] as JsonValue[] },
  { labels: { env: "prod" }, annotations: { note: "x" }, finalizers: [resources] },
  undefined,
];

const specVariants: (JsonValue | undefined)[] = [
  { project: "default", destination: { server: "https://a" } },
  { project: "", destination: { server: "https://a" } },
  { destination: { server: "https://a" } },
  { project: "default", destination: { server: "https://b" } },
  { project: "default", destination: { server: "https://a" }, syncPolicy: {} },
  {
    project: "default",
    destination: { server: "https://a" },
    source: { repoURL: "r", helm: {}, directory: { recurse: false } },
  },
  {
    project: "default",
    destination: { server: "https://a" },
    sources: [{ repoURL: "r", kustomize: {} }],
  },
  undefined,
];

const optionVariants: ApplicationUpdateOptions[] = [
  {},
  { preservedLabels: ["team"] },
  { preservedAnnotations: ["note"] },
];

function application(metadata: JsonObject | undefined, spec: JsonValue | undefined): JsonObject {
  const app: JsonObject = { apiVersion: "argoproj.io/v1alpha1", kind: "Application" };
  if (metadata !== undefined) app.metadata = { name: "app", namespace: "argocd", ...metadata };
  if (spec !== undefined) app.spec = spec;
  return app;
}

/** Every combination of the variants above, as [options, live, generated]. */
function cases(): [ApplicationUpdateOptions, JsonObject, JsonObject][] {
  const out: [ApplicationUpdateOptions, JsonObject, JsonObject][] = [];
  const lives = metadataVariants.flatMap((meta) =>
    specVariants.map((spec) => {
      const live = application(meta, spec);
      if (live.metadata !== undefined) (live.metadata as JsonObject).uid = "u-1";
      return live;
    }),
  );
  const generatedOnes = metadataVariants.flatMap((meta) =>
    specVariants.slice(0, 4).map((spec) => application(meta, spec)),
  );
  for (const options of optionVariants)
    for (const live of lives)
      for (const generated of generatedOnes) out.push([options, live, generated]);
  return out;
}

test("compareApplications() without ignore rules agrees with its full comparison on every case", () => {
  let inSync = 0;
  for (const [options, live, generated] of cases()) {
    const fast = compareApplications(live, generated, options);
    const full = compareApplications(live, generated, {
      ...options,
      ignoreApplicationDifferences: [noOpRule],
    });
    const where = JSON.stringify({ options, live, generated });
    assert.equal(fast.changed, full.changed, where);
    assert.deepEqual(fast.desired, full.desired, where);
    assert.deepEqual(fast.patch, full.patch, where);
    if (!fast.changed) inSync++;
  }
  // Both outcomes are exercised.
  assert.ok(inSync > 50, `only ${String(inSync)} cases in sync`);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { isObject, type JsonObject, type JsonValue } from "./json.js";
import { compileApplication, compileTemplateValue, renderApplication } from "./render.js";
import {
  markStringMap,
  renderGoGeneric,
  renderTemplateString,
  type TemplateMode,
} from "./template-engine.js";
import type { ParamSet } from "./params.js";

// compileTemplateValue walks a template once and builds each output directly; the reference
// below is the walk Argo CD's deeplyReplace makes, string by string, goTemplate strings through
// the text/template engine alone.
function referenceString(value: string, params: ParamSet, mode: TemplateMode): string {
  if (!value.includes("{{")) return value;
  return mode.goTemplate
    ? renderGoGeneric(value, params, mode.goTemplateOptions)
    : renderTemplateString(value, params, mode);
}

function referenceRender(value: JsonValue, params: ParamSet, mode: TemplateMode): JsonValue {
  if (typeof value === "string") return referenceString(value, params, mode);
  if (Array.isArray(value)) return value.map((item) => referenceRender(item, params, mode));
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    if (child === null) continue;
    out[referenceString(key, params, mode)] = referenceRender(child, params, mode);
  }
  return out;
}

function outcome(render: () => JsonValue): { ok: JsonValue } | { error: string } {
  try {
    return { ok: render() };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

const goTemplate: JsonObject = {
  metadata: {
    name: "{{.name}}-{{.path.basename}}",
    labels: { env: "{{.metadata.labels.env}}", "{{.name}}": "key rendered", fixed: "x" },
    annotations: { dropped: null, count: "{{ .replicas }}", map: "{{ .map }}" },
  },
  spec: {
    project: "default",
    source: { repoURL: "https://git.example.com/r.git", path: "{{- .path.path -}}", n: 3 },
    destination: { server: "{{ .server | lower }}", namespace: "{{ .nope }}" },
    list: ["{{.name}}", 1, true, null, { inner: "{{.path.basename}}" }, ["{{.name}}"]],
    syncPolicy: { automated: { prune: true }, syncOptions: [] },
  },
};

const fastTemplate: JsonObject = {
  metadata: { name: "{{name}}-{{path.basename}}", labels: { "{{name}}": "{{ env }}" } },
  spec: { destination: { server: "{{server}}", namespace: "{{nope}}" }, n: 1, list: ["{{name}}"] },
};

function goParams(): ParamSet {
  return {
    name: "Cluster-1",
    server: "HTTPS://10.0.0.1:6443",
    replicas: 3,
    map: { b: "x", a: 1 },
    metadata: { labels: markStringMap({ env: "prod" }) },
    path: { path: "apps/app-1", basename: "app-1" },
  };
}

test("compileTemplateValue() renders like the string-by-string walk, in both modes and every missingkey option", () => {
  const modes: TemplateMode[] = [
    { goTemplate: true, goTemplateOptions: [] },
    { goTemplate: true, goTemplateOptions: ["missingkey=zero"] },
    { goTemplate: true, goTemplateOptions: ["missingkey=error"] },
  ];
  for (const mode of modes) {
    assert.deepEqual(
      outcome(() => compileTemplateValue(goTemplate, mode)(goParams())),
      outcome(() => referenceRender(goTemplate, goParams(), mode)),
      JSON.stringify(mode),
    );
  }
  const fast: TemplateMode = { goTemplate: false, goTemplateOptions: [] };
  const flat: ParamSet = { name: "c1", "path.basename": "app", server: "https://s", env: "e" };
  const rendered = compileTemplateValue(fastTemplate, fast)(flat);
  assert.deepEqual(rendered, referenceRender(fastTemplate, flat, fast));
  assert.deepEqual(rendered, {
    metadata: { name: "c1-app", labels: { c1: "e" } },
    spec: { destination: { server: "https://s", namespace: "{{nope}}" }, n: 1, list: ["c1"] },
  });
});

test("compileTemplateValue() reports the error of the first failing string in walk order", () => {
  const mode: TemplateMode = { goTemplate: true, goTemplateOptions: ["missingkey=error"] };
  const template: JsonObject = { a: "{{.first}}", b: { "{{.second}}": "{{.third}}" } };
  assert.throws(() => compileTemplateValue(template, mode)({}), /map has no entry for key "first"/);
  assert.throws(
    () => compileTemplateValue(template, mode)({ first: "1" }),
    /map has no entry for key "second"/,
  );
  assert.throws(
    () => compileTemplateValue(template, mode)({ first: "1", second: "2" }),
    /map has no entry for key "third"/,
  );
});

test("compileApplication() returns a new tree for every param set", () => {
  const settings = {
    mode: { goTemplate: true, goTemplateOptions: [] },
    preserveResourcesOnDeletion: false,
    namespace: "argocd",
  };
  const render = compileApplication(goTemplate, settings);
  const first = render(goParams());
  const second = render(goParams());
  assert.deepEqual(first, second);
  (first.spec as { syncPolicy: { automated: { prune: boolean } } }).syncPolicy.automated.prune =
    false;
  ((first.metadata as JsonObject).finalizers as string[]).push("changed");
  ((first.spec as JsonObject).list as JsonValue[]).pop();
  const third = render(goParams());
  assert.deepEqual(third, second);
  assert.deepEqual(third, renderApplication(goTemplate, goParams(), settings));
  // The template itself is untouched by rendering and by changes to what was rendered.
  assert.equal(
    (goTemplate.spec as { syncPolicy: { automated: { prune: boolean } } }).syncPolicy.automated
      .prune,
    true,
  );
});

test("compileApplication() puts metadata in ObjectMeta order with the ApplicationSet's namespace", () => {
  const mode: TemplateMode = { goTemplate: true, goTemplateOptions: [] };
  const cases: { template: JsonObject; patch?: string; keys: string[] }[] = [
    { template: { metadata: { name: "{{.name}}" } }, keys: ["name", "namespace", "finalizers"] },
    {
      template: { metadata: { labels: { a: "b" }, namespace: "other", name: "n" } },
      keys: ["name", "namespace", "labels", "finalizers"],
    },
    {
      template: { metadata: { labels: { a: "b" } } },
      keys: ["name", "namespace", "labels", "finalizers"],
    },
    {
      template: { metadata: { name: "n", finalizers: ["f"], annotations: { x: "y" } } },
      keys: ["name", "namespace", "annotations", "finalizers"],
    },
    {
      template: { metadata: { name: "n" } },
      patch: "metadata:\n  namespace: patched\n  labels: {a: b}\n",
      keys: ["name", "namespace", "labels", "finalizers"],
    },
  ];
  for (const { template, patch, keys } of cases) {
    const app = compileApplication(template, {
      mode,
      preserveResourcesOnDeletion: false,
      templatePatch: patch,
      namespace: "argocd",
    })({ name: "c" });
    const metadata = app.metadata as JsonObject;
    assert.deepEqual(Object.keys(metadata), keys, JSON.stringify(template));
    assert.equal(metadata.namespace, "argocd");
  }
});

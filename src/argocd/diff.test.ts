import assert from "node:assert/strict";
import { after, test } from "node:test";
import { compareApplications } from "./app-compare.js";
import { diffResource, maskDiff } from "./diff.js";
import { globMatch } from "./glob.js";
import {
  applyIgnoreRules,
  emptyDiffSettings,
  readArgoCdConfigMap,
  readIgnoreDifferences,
  removePointer,
  ruleMatches,
  type DiffSettings,
  type PatchReport,
} from "./ignore-differences.js";
import { stopJq } from "./jq-runner.js";
import type { JsonObject } from "./json.js";
import { normalizeManagedFields } from "./managed-fields.js";
import { normalizeBuiltin } from "./normalize.js";
import { hideSecretData } from "./secret-mask.js";

after(stopJq);

const planted = "planted-secret-value-51f0";
const b64 = (text: string): string => Buffer.from(text).toString("base64");

function settings(rules: unknown, extra: Partial<DiffSettings> = {}): DiffSettings {
  return { ...emptyDiffSettings, rules: readIgnoreDifferences(rules), ...extra };
}

test("globMatch() follows gobwas/glob without separators, empty matching only empty", () => {
  const cases: [string, string, boolean][] = [
    ["", "", true],
    ["", "apps", false],
    ["*", "", true],
    ["*", "networking.k8s.io", true],
    ["*.k8s.io", "networking.k8s.io", true],
    ["{apps,batch}", "batch", true],
    ["{apps,batch}", "core", false],
    ["Secre?", "Secret", true],
    ["[!a]pps", "bpps", true],
    ["[!a]pps", "apps", false],
    ["[a-c]pps", "bpps", true],
    ["secret", "Secret", false],
    ["[", "[", false],
  ];
  for (const [pattern, text, expected] of cases)
    assert.equal(globMatch(pattern, text), expected, `${pattern} ~ ${text}`);
});

test('ruleMatches() treats group "" as the core group only and matches name and namespace exactly', () => {
  const deployment: JsonObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "a" },
  };
  const secret: JsonObject = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "db", namespace: "a" },
  };
  const rule = (group: string, kind: string, name = "", namespace = "") => ({
    group,
    kind,
    name,
    namespace,
  });
  assert.equal(ruleMatches(rule("", "Deployment"), deployment), false);
  assert.equal(ruleMatches(rule("apps", "Deployment"), deployment), true);
  assert.equal(ruleMatches(rule("*", "*"), deployment), true);
  assert.equal(ruleMatches(rule("", "Secret"), secret), true);
  assert.equal(ruleMatches(rule("", "Secret", "db"), secret), true);
  assert.equal(ruleMatches(rule("", "Secret", "d*"), secret), false);
  assert.equal(ruleMatches(rule("", "Secret", "", "b"), secret), false);
  assert.equal(ruleMatches(rule("", ""), secret), false);
});

test("removePointer() follows RFC 6901 escapes and array indexes, undefined for a missing path", () => {
  const object: JsonObject = {
    metadata: { annotations: { "a/b": "1", "c~d": "2" } },
    list: [1, 2, 3],
  };
  assert.deepEqual(removePointer(object, "/metadata/annotations/a~1b"), {
    metadata: { annotations: { "c~d": "2" } },
    list: [1, 2, 3],
  });
  assert.deepEqual(removePointer(object, "/metadata/annotations/c~0d"), {
    metadata: { annotations: { "a/b": "1" } },
    list: [1, 2, 3],
  });
  assert.deepEqual(removePointer(object, "/list/1"), {
    metadata: { annotations: { "a/b": "1", "c~d": "2" } },
    list: [1, 3],
  });
  assert.equal(removePointer(object, "/list/3"), undefined);
  assert.equal(removePointer(object, "/nope/x"), undefined);
  assert.equal(removePointer(object, "/list/01"), undefined);
});

test("applyIgnoreRules() runs pointers and jq deletions, skipping patches that do not apply", () => {
  const deployment: JsonObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web" },
    spec: {
      replicas: 3,
      template: {
        spec: {
          containers: [
            { name: "a", image: "x" },
            { name: "b", image: "y" },
          ],
        },
      },
    },
  };
  const report: PatchReport[] = [];
  const result = applyIgnoreRules(
    deployment,
    settings([
      {
        group: "apps",
        kind: "Deployment",
        jsonPointers: ["/spec/replicas", "/spec/missing"],
        jqPathExpressions: [
          '.spec.template.spec.containers[] | select(.name == "b") | .image',
          ".spec.template.spec.containers | .nope",
        ],
      },
    ]),
    report,
  );
  assert.deepEqual(result.spec, {
    template: { spec: { containers: [{ name: "a", image: "x" }, { name: "b" }] } },
  });
  assert.deepEqual(
    report.map((r) => r.outcome),
    ["applied", "skipped", "applied", "skipped"],
  );
  assert.match(report[3]?.reason ?? "", /^JQ patch returned error: /);
});

test("applyIgnoreRules() skips a jq patch with several outputs, no output, or that runs out of time", () => {
  const object: JsonObject = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "c" },
    data: { a: "1", b: "2" },
  };
  const report: PatchReport[] = [];
  const result = applyIgnoreRules(
    object,
    settings(
      [
        {
          kind: "ConfigMap",
          jqPathExpressions: [
            ".data.a) , (.data.b",
            ".data.a) | empty | (.",
            ".data.a) | def f: f; f | (.",
          ],
        },
      ],
      {
        jqTimeoutMs: 300,
      },
    ),
    report,
  );
  assert.deepEqual(result, object);
  assert.deepEqual(
    report.map((r) => r.reason),
    [
      "JQ patch returned multiple objects",
      "JQ patch did not return any data",
      "JQ patch execution timed out (300ms)",
    ],
  );
  // The worker was replaced after the timeout: the next patch runs normally.
  assert.deepEqual(
    applyIgnoreRules(object, settings([{ kind: "ConfigMap", jqPathExpressions: [".data.a"] }]))
      .data,
    { b: "2" },
  );
});

test("applyIgnoreRules() reports an unparsable jq expression as a configuration error", () => {
  assert.throws(
    () =>
      applyIgnoreRules(
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } },
        settings([{ kind: "ConfigMap", jqPathExpressions: [".data["] }]),
      ),
    /^Error: jqPathExpressions "\.data\[": jq: error: syntax error/,
  );
});

test("normalizeManagedFields() removes only fields a trusted manager owns that differ on both sides", () => {
  const live: JsonObject = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: "db",
      managedFields: [
        {
          manager: "eso",
          operation: "Update",
          fieldsV1: { "f:data": { ".": {}, "f:password": {}, "f:token": {} } },
        },
        { manager: "kubectl", operation: "Update", fieldsV1: { "f:data": { "f:user": {} } } },
      ],
    },
    data: { password: b64(planted), user: b64("live-user"), token: b64("t"), extra: b64("e") },
  };
  const desired: JsonObject = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "db" },
    data: { password: b64("x"), user: b64("git-user"), token: b64("t") },
  };
  const result = normalizeManagedFields(live, desired, ["eso"]);
  assert.deepEqual(result.removed, [["data", "password"]]);
  assert.deepEqual(result.live.data, { user: b64("live-user"), token: b64("t"), extra: b64("e") });
  assert.deepEqual(result.desired.data, { user: b64("git-user"), token: b64("t") });
  assert.deepEqual(normalizeManagedFields(live, desired, ["someone-else"]).removed, []);
});

test("normalizeManagedFields() treats lists as atomic without a schema", () => {
  const live: JsonObject = {
    metadata: {
      managedFields: [
        {
          manager: "m",
          fieldsV1: { "f:spec": { "f:items": { 'k:{"name":"a"}': { "f:value": {} } } } },
        },
      ],
    },
    spec: { items: [{ name: "a", value: "live" }] },
  };
  const desired: JsonObject = { metadata: {}, spec: { items: [{ name: "a", value: "git" }] } };
  assert.deepEqual(normalizeManagedFields(live, desired, ["m"]).removed, []);
});

test("managedFieldsManagers from a core-kind argocd-cm override are not found (upstream quirk); `all` works", () => {
  const live: JsonObject = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: "db",
      managedFields: [{ manager: "eso", fieldsV1: { "f:data": { "f:password": {} } } }],
    },
    data: { password: b64(planted) },
  };
  const desired: JsonObject = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "db" },
    data: { password: b64("x") },
  };
  const core = readArgoCdConfigMap({
    data: { "resource.customizations.ignoreDifferences.Secret": "managedFieldsManagers: [eso]" },
  });
  assert.equal(diffResource(desired, live, core).modified, true);
  const all = readArgoCdConfigMap({
    data: { "resource.customizations.ignoreDifferences.all": "managedFieldsManagers: [eso]" },
  });
  assert.equal(diffResource(desired, live, all).modified, false);
});

test("readArgoCdConfigMap() reads split keys, the legacy map, compare options and sensitive annotations", () => {
  const read = readArgoCdConfigMap({
    data: {
      "resource.customizations":
        "apps/Deployment:\n  ignoreDifferences: |\n    jsonPointers:\n    - /spec/replicas\nConfigMap:\n  ignoreDifferences: |\n    jqPathExpressions: [.data.x]\n",
      "resource.customizations.ignoreDifferences.ConfigMap": "jsonPointers: [/data/y]",
      "resource.customizations.ignoreDifferences.all":
        "managedFieldsManagers: [kube-controller-manager]",
      "resource.compareoptions": "ignoreResourceStatusField: crd\nignoreAggregatedRoles: true\n",
      "resource.sensitive.mask.annotations": "token, key",
    },
  });
  assert.deepEqual(Object.fromEntries(read.overrides), {
    "apps/Deployment": {
      jsonPointers: ["/spec/replicas"],
      jqPathExpressions: [],
      managedFieldsManagers: [],
    },
    ConfigMap: { jsonPointers: ["/data/y"], jqPathExpressions: [], managedFieldsManagers: [] },
    "*/*": {
      jsonPointers: [],
      jqPathExpressions: [],
      managedFieldsManagers: ["kube-controller-manager"],
    },
    "apiextensions.k8s.io/CustomResourceDefinition": {
      jsonPointers: ["/status"],
      jqPathExpressions: [],
      managedFieldsManagers: [],
    },
  });
  assert.equal(read.ignoreAggregatedRoles, true);
  assert.deepEqual(read.sensitiveAnnotations, ["token", "key"]);
  assert.deepEqual(readArgoCdConfigMap({}).overrides.get("*/*")?.jsonPointers, ["/status"]);
  assert.equal(
    readArgoCdConfigMap({ data: { "resource.compareoptions": "ignoreResourceStatusField: off" } })
      .overrides.size,
    0,
  );
  assert.throws(
    () =>
      readArgoCdConfigMap({ data: { "resource.customizations.ignoreDifferences.a_b_c": "{}" } }),
    /group kind should be in format/,
  );
});

test("normalizeBuiltin() folds stringData, empties null values and drops creationTimestamp", () => {
  const secret = normalizeBuiltin({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "s", creationTimestamp: null },
    data: { a: null, b: b64("x") },
    stringData: { c: "plain", b: "override" },
  });
  assert.deepEqual(secret, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "s" },
    data: { a: "", b: b64("override"), c: b64("plain") },
  });
  assert.deepEqual(
    normalizeBuiltin({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: {},
      rules: [],
    }).rules,
    null,
  );
});

test("hideSecretData() gives each distinct value its own mask, per key, in the fixed visiting order", () => {
  const lastApplied = JSON.stringify({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "s" },
    data: { a: b64("old"), b: b64(planted) },
  });
  const target: JsonObject = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "s", annotations: { token: planted } },
    data: { a: b64("new"), b: b64(planted) },
  };
  const live: JsonObject = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: "s",
      annotations: {
        "kubectl.kubernetes.io/last-applied-configuration": lastApplied,
        token: "other",
      },
    },
    data: { a: b64("current"), b: b64(planted) },
  };
  const masked = hideSecretData(target, live, ["token"]);
  assert.deepEqual(masked.target?.data, { a: "++++++++", b: "++++++++" });
  assert.deepEqual(masked.live?.data, { a: "++++++++++++", b: "++++++++" });
  const annotations = (masked.live.metadata as JsonObject).annotations as JsonObject;
  assert.equal(annotations.token, "++++++++++++");
  assert.equal(
    annotations["kubectl.kubernetes.io/last-applied-configuration"],
    '{"apiVersion":"v1","data":{"a":"++++++++++++++++","b":"++++++++"},"kind":"Secret","metadata":{"name":"s"}}',
  );
  const text = JSON.stringify(masked);
  assert.ok(
    !text.includes(planted) && !text.includes(b64(planted)) && !text.includes(b64("current")),
  );
  const broken = hideSecretData(undefined, {
    ...live,
    metadata: {
      name: "s",
      annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{not json" },
    },
  });
  assert.equal(
    ((broken.live?.metadata as JsonObject).annotations as JsonObject)[
      "kubectl.kubernetes.io/last-applied-configuration"
    ],
    "++++++++",
  );
});

test("diffResource() ignores server-set fields, status by default, and reports changed values", () => {
  const desired: JsonObject = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "c", namespace: "n" },
    data: { a: "1" },
  };
  const live: JsonObject = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: "c",
      namespace: "n",
      uid: "u",
      resourceVersion: "3",
      creationTimestamp: "2026-01-01T00:00:00Z",
    },
    data: { a: "1" },
    status: { x: 1 },
  };
  const defaults = readArgoCdConfigMap({});
  assert.equal(diffResource(desired, live, defaults).modified, false);
  assert.equal(diffResource({ ...desired, data: { a: "2" } }, live, defaults).modified, true);
  assert.equal(diffResource(desired, undefined, defaults).modified, true);
  assert.equal(diffResource(undefined, live, defaults).modified, false);
  // Three-way: a key removed from Git but still in last-applied is a change.
  const applied = {
    ...live,
    metadata: {
      ...(live.metadata as JsonObject),
      annotations: {
        "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify({
          ...desired,
          data: { a: "1", gone: "x" },
        }),
      },
    },
    data: { a: "1", gone: "x" },
  };
  assert.equal(diffResource(desired, applied, defaults).modified, true);
});

test("diffResource() then maskDiff() shows a Secret change without its values", () => {
  const desired: JsonObject = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "s" },
    stringData: { password: "git-value" },
  };
  const live: JsonObject = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "s" },
    data: { password: b64(planted) },
  };
  const diff = maskDiff(diffResource(desired, live, emptyDiffSettings));
  assert.equal(diff.modified, true);
  assert.deepEqual(diff.predictedLive?.data, { password: "++++++++" });
  assert.deepEqual(diff.normalizedLive?.data, { password: "++++++++++++" });
  assert.ok(!JSON.stringify(diff).includes(b64(planted)));
});

test("compareApplications() keeps preserved annotations, ignored fields and live delete finalizers", () => {
  const generated: JsonObject = {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: {
      name: "a",
      namespace: "argocd",
      labels: { team: "x" },
      finalizers: ["resources-finalizer.argocd.argoproj.io"],
    },
    spec: {
      project: "",
      destination: { name: "in-cluster" },
      syncPolicy: { automated: { prune: true } },
      source: { repoURL: "r", helm: {} },
    },
  };
  const live: JsonObject = {
    ...generated,
    metadata: {
      name: "a",
      namespace: "argocd",
      uid: "u",
      labels: { team: "x" },
      annotations: { "argocd.argoproj.io/refresh": "hard", other: "gone" },
      finalizers: [
        "resources-finalizer.argocd.argoproj.io",
        "post-delete-finalizer.argocd.argoproj.io",
      ],
    },
    spec: { project: "default", destination: { name: "in-cluster" }, source: { repoURL: "r" } },
    status: { sync: { status: "Synced" } },
  };
  const update = compareApplications(live, generated);
  assert.equal(update.changed, true);
  assert.deepEqual(update.patch, {
    metadata: { annotations: { other: null } },
    spec: { syncPolicy: { automated: { prune: true } } },
  });
  const ignoring = compareApplications(live, generated, {
    ignoreApplicationDifferences: [{ jsonPointers: ["/spec/syncPolicy"] }],
  });
  assert.deepEqual(ignoring.patch, { metadata: { annotations: { other: null } } });
  const same = compareApplications(
    {
      ...live,
      metadata: {
        ...(live.metadata as JsonObject),
        annotations: { "argocd.argoproj.io/refresh": "hard" },
      },
    },
    generated,
    {
      ignoreApplicationDifferences: [{ jsonPointers: ["/spec/syncPolicy"] }],
    },
  );
  assert.equal(same.changed, false);
});

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { createTestRepo, type TestRepo } from "../../test/support/git-repo.js";
import { testdata } from "../../test/support/paths.js";
import { readApplicationSet } from "./appset.js";
import { readClusterSecret, type ClusterSecret } from "./cluster-secret.js";
import { generateApplications, RenderCache } from "./generate.js";
import { GitRepositories } from "./git-repositories.js";
import type { JsonObject } from "./json.js";
import { parseYaml11 } from "./yaml11.js";

const seeds = testdata("argocd", "seeds");
const gitopsURL = "https://github.com/org/gitops-repo";
const plantedTokens = [
  "planted-token-prod-3f9a1c",
  "planted-token-eu-77d2e0",
  "planted-token-staging-a41b9d",
];

function seedSecrets(): ClusterSecret[] {
  return readdirSync(`${seeds}/cluster-secrets`)
    .sort()
    .map((file) =>
      readClusterSecret(
        parseYaml11(readFileSync(`${seeds}/cluster-secrets/${file}`, "utf8")),
        file,
      ),
    );
}

function seedAppSet(file: string): ReturnType<typeof readApplicationSet> {
  return readApplicationSet(parseYaml11(readFileSync(`${seeds}/${file}`, "utf8")));
}

function valuesRepo(clusters: readonly string[]): TestRepo {
  const repo = createTestRepo();
  const files: Record<string, string> = {};
  for (const cluster of clusters)
    files[`clusters/${cluster}/values.yaml`] = `replicas: 2\nimage:\n  tag: "1.0"\n`;
  repo.commit(files);
  return repo;
}

function expectedApp(cluster: string, server: string): JsonObject {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: {
      name: `my-app-${cluster}`,
      namespace: "argocd",
      finalizers: ["resources-finalizer.argocd.argoproj.io"],
    },
    spec: {
      project: "default",
      sources: [
        {
          repoURL: "https://github.com/org/my-app",
          targetRevision: "HEAD",
          helm: { valueFiles: [`$values/clusters/${cluster}/values.yaml`] },
        },
        { repoURL: "https://github.com/org/gitops-repo", targetRevision: "HEAD", ref: "values" },
      ],
      destination: { server, namespace: "my-app" },
      syncPolicy: { automated: { prune: true, selfHeal: true } },
    },
  };
}

test("generateApplications() on the seeds' example as written skips the duplicated names, as Argo CD does", async (t) => {
  const repo = valuesRepo(["prod-cluster", "prod-eu", "staging-cluster"]);
  const git = new GitRepositories(new Map([[gitopsURL, repo.path]]));
  t.after(async () => {
    await git.close();
    repo.remove();
  });
  const result = await generateApplications(seedAppSet("my-app.yaml"), {
    clusterSecrets: seedSecrets(),
    git,
  });
  assert.equal(result.error, undefined);
  assert.deepEqual(result.applications, []);
  assert.deepEqual(result.invalid, [
    {
      namespace: "argocd",
      name: "my-app-prod-cluster",
      message:
        "ApplicationSet my-app contains applications with duplicate name: my-app-prod-cluster",
    },
    {
      namespace: "argocd",
      name: "my-app-prod-eu",
      message: "ApplicationSet my-app contains applications with duplicate name: my-app-prod-eu",
    },
  ]);
  assert.deepEqual(result.conditions[0], {
    type: "ErrorOccurred",
    status: "True",
    reason: "ApplicationValidationError",
    message:
      "ApplicationSet my-app contains applications with duplicate name: my-app-prod-eu (and 1 more)",
  });
  // 2 production clusters x 3 values files.
  assert.equal(result.stats.paramSets, 6);
  assert.deepEqual(result.generatedNames, ["my-app-prod-cluster", "my-app-prod-eu"]);
  for (const token of plantedTokens) assert.ok(!JSON.stringify(result).includes(token));
});

test("generateApplications() on the fixed seeds' example makes exactly the two production Applications", async (t) => {
  const repo = valuesRepo(["prod-cluster", "prod-eu", "staging-cluster"]);
  const git = new GitRepositories(new Map([[gitopsURL, repo.path]]));
  t.after(async () => {
    await git.close();
    repo.remove();
  });
  const result = await generateApplications(seedAppSet("my-app-fixed.yaml"), {
    clusterSecrets: seedSecrets(),
    git,
  });
  assert.equal(result.error, undefined);
  assert.deepEqual(result.invalid, []);
  assert.deepEqual(result.applications, [
    expectedApp("prod-cluster", "https://prod-cluster.example.com"),
    expectedApp("prod-eu", "https://prod-eu.example.com"),
  ]);
  for (const token of plantedTokens) assert.ok(!JSON.stringify(result).includes(token));
});

test("generateApplications() adds one Application for a new labelled cluster and re-renders no other", async (t) => {
  const repo = valuesRepo(["prod-cluster", "prod-eu", "staging-cluster", "prod-us"]);
  const git = new GitRepositories(new Map([[gitopsURL, repo.path]]));
  t.after(async () => {
    await git.close();
    repo.remove();
  });
  const appSet = seedAppSet("my-app-fixed.yaml");
  const cache = new RenderCache();
  const before = await generateApplications(appSet, {
    clusterSecrets: seedSecrets(),
    git,
    renderCache: cache,
  });
  const newCluster = readClusterSecret(
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: "prod-us",
        namespace: "argocd",
        labels: { "argocd.argoproj.io/secret-type": "cluster", env: "production" },
      },
      stringData: { name: "prod-us", server: "https://prod-us.example.com", config: "{}" },
    },
    "new",
  );
  const after = await generateApplications(appSet, {
    clusterSecrets: [...seedSecrets(), newCluster],
    git,
    renderCache: cache,
  });
  assert.deepEqual(
    after.applications.map((app) => (app.metadata as JsonObject).name),
    ["my-app-prod-cluster", "my-app-prod-eu", "my-app-prod-us"],
  );
  assert.deepEqual(after.applications[2], expectedApp("prod-us", "https://prod-us.example.com"));
  // The two existing Applications are the very same objects: nothing about them changed.
  assert.equal(after.applications[0], before.applications[0]);
  assert.equal(after.applications[1], before.applications[1]);
  assert.equal(after.stats.rendered, 1);
  assert.equal(after.stats.reused, 2);
});

test("generateApplications() reports a generator error and returns no Application at all", async () => {
  const appSet = readApplicationSet({
    apiVersion: "argoproj.io/v1alpha1",
    kind: "ApplicationSet",
    metadata: { name: "broken", namespace: "argocd" },
    spec: {
      generators: [
        { list: { elements: [{ cluster: "in-cluster", url: "https://kubernetes.default.svc" }] } },
        { matrix: { generators: [{ list: { elements: [{ a: "1" }] } }] } },
      ],
      template: { metadata: { name: "{{cluster}}" }, spec: { destination: { server: "{{url}}" } } },
    },
  });
  const result = await generateApplications(appSet, { clusterSecrets: [] });
  assert.deepEqual(result.applications, []);
  assert.deepEqual(result.error, {
    reason: "ApplicationGenerationFromParamsError",
    message: "found less than two generators, Matrix support only two",
    field: "spec.generators[1].matrix",
  });
  assert.deepEqual(result.conditions[0], {
    type: "ErrorOccurred",
    status: "True",
    reason: "ApplicationGenerationFromParamsError",
    message: "found less than two generators, Matrix support only two",
  });
});

test("generateApplications() reports a render error with reason RenderTemplateParamsError", async () => {
  const appSet = readApplicationSet({
    apiVersion: "argoproj.io/v1alpha1",
    kind: "ApplicationSet",
    metadata: { name: "bad-template" },
    spec: {
      generators: [{ list: { elements: [{ cluster: "a" }] } }],
      template: { metadata: { name: "{{cluster}}" }, spec: { project: "{{cluster}} {{oops" } },
    },
  });
  const result = await generateApplications(appSet, { clusterSecrets: [] });
  assert.deepEqual(result.applications, []);
  const error = result.error;
  assert.ok(error !== undefined);
  assert.equal(error.reason, "RenderTemplateParamsError");
  assert.match(error.message, /^invalid template: cannot find end tag/);
});

test("generateApplications() validates destinations and projects like the controller", async () => {
  const appSet = readApplicationSet({
    apiVersion: "argoproj.io/v1alpha1",
    kind: "ApplicationSet",
    metadata: { name: "dest" },
    spec: {
      generators: [
        {
          list: {
            elements: [
              { n: "ok", server: "https://kubernetes.default.svc/", name: "", project: "default" },
              {
                n: "unknown",
                server: "https://nowhere.example.com/",
                name: "",
                project: "default",
              },
              {
                n: "noproject",
                server: "https://kubernetes.default.svc",
                name: "",
                project: "ghost",
              },
              { n: "byname", server: "", name: "in-cluster", project: "default" },
              { n: "both", server: "https://x", name: "in-cluster", project: "default" },
            ],
          },
        },
      ],
      template: {
        metadata: { name: "{{n}}" },
        spec: { project: "{{project}}", destination: { server: "{{server}}", name: "{{name}}" } },
      },
    },
  });
  const result = await generateApplications(appSet, { clusterSecrets: [], projects: ["default"] });
  assert.deepEqual(
    result.applications.map((app) => (app.metadata as JsonObject).name),
    ["byname", "ok"],
  );
  assert.deepEqual(result.invalid, [
    {
      namespace: "argocd",
      name: "both",
      message:
        "application destination spec is invalid: application destination can't have both name and server defined: in-cluster https://x",
    },
    {
      namespace: "argocd",
      name: "noproject",
      message: "application references project ghost which does not exist",
    },
    {
      namespace: "argocd",
      name: "unknown",
      message:
        'application destination spec is invalid: error getting cluster by server "https://nowhere.example.com/": rpc error: code = NotFound desc = cluster "https://nowhere.example.com" not found',
    },
  ]);
});

test("generateApplications() warns about generator entries it does not recognise and skips them", async () => {
  const appSet = readApplicationSet({
    apiVersion: "argoproj.io/v1alpha1",
    kind: "ApplicationSet",
    metadata: { name: "typo" },
    spec: {
      generators: [{ lists: { elements: [{ a: "1" }] } }, { list: { elements: [{ a: "2" }] } }],
      template: { metadata: { name: "app-{{a}}" }, spec: { destination: { name: "in-cluster" } } },
    },
  });
  const result = await generateApplications(appSet, { clusterSecrets: [] });
  assert.deepEqual(result.warnings, [
    "ApplicationSet typo contains unrecognized generators: lists",
  ]);
  assert.deepEqual(
    result.applications.map((app) => (app.metadata as JsonObject).name),
    ["app-2"],
  );
});

test("GitRepositories reads each file once per revision whatever the number of clusters", async (t) => {
  const clusters = Array.from({ length: 20 }, (_, i) => `c${String(i).padStart(2, "0")}`);
  const repo = valuesRepo(clusters);
  t.after(() => {
    repo.remove();
  });
  const secrets = clusters.map((name) =>
    readClusterSecret(
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: {
          name,
          labels: { "argocd.argoproj.io/secret-type": "cluster", env: "production" },
        },
        stringData: { name, server: `https://${name}.example.com` },
      },
      name,
    ),
  );
  const counts: number[] = [];
  for (const size of [2, 20]) {
    const git = new GitRepositories(new Map([[gitopsURL, repo.path]]));
    const result = await generateApplications(seedAppSet("my-app-fixed.yaml"), {
      clusterSecrets: secrets.slice(0, size),
      git,
    });
    assert.equal(result.applications.length, size);
    counts.push(git.invocations);
    await git.close();
  }
  // One cat-file --batch process and one ls-tree, for 2 clusters as for 20.
  assert.deepEqual(counts, [2, 2]);
});

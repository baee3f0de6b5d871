import assert from "node:assert/strict";
import {
  mkdtempSync,
  rmSync,
  writeFileSync,
  readdirSync,
  readFileSync,
  copyFileSync,
  mkdirSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parseAllDocuments } from "yaml";
import { createTestRepo } from "../../test/support/git-repo.js";
import { testdata } from "../../test/support/paths.js";
import { runCli, type CliResult } from "../../test/support/cli.js";

const seeds = testdata("argocd", "seeds");
const gitopsURL = "https://github.com/org/gitops-repo";
const planted = [
  "planted-token-prod-3f9a1c",
  "planted-token-eu-77d2e0",
  "planted-token-staging-a41b9d",
  "planted-db-password-c0ffee",
];

function run(args: string[]): CliResult {
  const result = runCli(args);
  for (const value of planted) {
    assert.ok(
      !result.stdout.includes(value) && !result.stderr.includes(value),
      `"${value}" leaked`,
    );
  }
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function yamlDocuments(text: string): unknown[] {
  return parseAllDocuments(text).map((document) => document.toJS() as unknown);
}

function seedsRepo(t: { after(fn: () => void): void }): string {
  const repo = createTestRepo();
  t.after(() => {
    repo.remove();
  });
  const files: Record<string, string> = {};
  for (const cluster of ["prod-cluster", "prod-eu", "staging-cluster", "prod-us"]) {
    files[`clusters/${cluster}/values.yaml`] = `replicas: 2\n`;
  }
  repo.commit(files);
  return repo.path;
}

function expectedApp(cluster: string, server: string): unknown {
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
        { repoURL: gitopsURL, targetRevision: "HEAD", ref: "values" },
      ],
      destination: { server, namespace: "my-app" },
      syncPolicy: { automated: { prune: true, selfHeal: true } },
    },
  };
}

test("appset render on the seeds' example as written prints nothing and says why and how to fix it", (t) => {
  const repo = seedsRepo(t);
  const result = run([
    "appset",
    "render",
    join(seeds, "my-app.yaml"),
    "--cluster-secrets",
    join(seeds, "cluster-secrets"),
    "--repo",
    `${gitopsURL}=${repo}`,
  ]);
  assert.equal(result.status, 3);
  assert.equal(result.stdout, "");
  assert.match(
    result.stderr,
    /ApplicationSet my-app contains applications with duplicate name: my-app-prod-eu \(and 1 more\)/,
  );
  assert.match(
    result.stderr,
    /my-app-prod-cluster: 4 param sets, differing only in path, path\.basename/,
  );
  assert.match(result.stderr, /Argo CD then skips EVERY copy/);
  assert.match(
    result.stderr,
    /spec\.generators\[0\]\.matrix\.generators\[1\]\.git\.files\[0\]\.path: "clusters\/\{\{name\}\}\/values\.yaml"/,
  );
});

test("appset render on the fixed seeds' example prints exactly Argo CD's two Applications", (t) => {
  const repo = seedsRepo(t);
  const result = run([
    "appset",
    "render",
    join(seeds, "my-app-fixed.yaml"),
    "--cluster-secrets",
    join(seeds, "cluster-secrets"),
    "--repo",
    `${gitopsURL}=${repo}`,
  ]);
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(yamlDocuments(result.stdout), [
    expectedApp("prod-cluster", "https://prod-cluster.example.com"),
    expectedApp("prod-eu", "https://prod-eu.example.com"),
  ]);
  const json = run([
    "appset",
    "render",
    join(seeds, "my-app-fixed.yaml"),
    "--cluster-secrets",
    join(seeds, "cluster-secrets"),
    "--repo",
    `${gitopsURL}=${repo}`,
    "-o",
    "json",
  ]);
  assert.deepEqual(JSON.parse(json.stdout), yamlDocuments(result.stdout));
});

test("appset render adds an Application for a newly labelled cluster and leaves the others byte for byte", (t) => {
  const repo = seedsRepo(t);
  const dir = mkdtempSync(join(tmpdir(), "secretfleet-clusters-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  for (const file of readdirSync(join(seeds, "cluster-secrets")))
    copyFileSync(join(seeds, "cluster-secrets", file), join(dir, file));
  const args = [
    "appset",
    "render",
    join(seeds, "my-app-fixed.yaml"),
    "--cluster-secrets",
    dir,
    "--repo",
    `${gitopsURL}=${repo}`,
  ];
  const before = run(args).stdout.split("---\n");
  const added = run([
    "cluster",
    "add",
    "prod-us",
    "--server",
    "https://prod-us.example.com",
    "--label",
    "env=production",
  ]);
  writeFileSync(join(dir, "prod-us.yaml"), added.stdout);
  const after = run(args).stdout.split("---\n");
  assert.equal(after.length, 3);
  assert.deepEqual([after[0], after[1]], before);
  assert.deepEqual(yamlDocuments(after[2] ?? ""), [
    expectedApp("prod-us", "https://prod-us.example.com"),
  ]);
});

const esoAppSet = `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: db
  namespace: argocd
spec:
  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
    - clusters:
        selector:
          matchLabels:
            env: production
  template:
    metadata:
      name: 'db-{{ .name }}'
    spec:
      project: default
      source:
        repoURL: ${gitopsURL}
        targetRevision: HEAD
        path: apps/db
      destination:
        server: '{{ .server }}'
        namespace: team-a
`;

function esoRepo(t: { after(fn: () => void): void }): { repo: string; appSet: string } {
  const repo = createTestRepo();
  t.after(() => {
    repo.remove();
  });
  repo.commit({
    "apps/db/externalsecret.yaml":
      "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: db-credentials\nspec:\n  secretStoreRef: {name: vault-backend, kind: ClusterSecretStore}\n" +
      "  target:\n    name: db-secret\n    creationPolicy: Merge\n  data:\n    - secretKey: password\n      remoteRef: {key: myapp/db, property: password}\n",
    "apps/db/secret.yaml":
      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db-secret\nstringData:\n  password: planted-db-password-c0ffee\n",
    "apps/db/configmap.yaml":
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: db-config\ndata:\n  host: db\n",
  });
  const dir = mkdtempSync(join(tmpdir(), "secretfleet-appset-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  writeFileSync(join(dir, "appset.yaml"), esoAppSet);
  return { repo: repo.path, appSet: join(dir, "appset.yaml") };
}

test("appset render adds the drift rule ESO needs to Applications delivering ExternalSecrets, and explains it", (t) => {
  const { repo, appSet } = esoRepo(t);
  const base = [
    "appset",
    "render",
    appSet,
    "--cluster-secrets",
    join(seeds, "cluster-secrets"),
    "--repo",
    `${gitopsURL}=${repo}`,
    "-o",
    "json",
  ];
  const result = run([...base, "--explain"]);
  assert.equal(result.status, 0, result.stderr);
  const apps = JSON.parse(result.stdout) as {
    metadata: { name: string };
    spec: { ignoreDifferences?: unknown; syncPolicy?: unknown };
  }[];
  assert.deepEqual(
    apps.map((app) => app.metadata.name),
    ["db-prod-cluster", "db-prod-eu"],
  );
  for (const app of apps) {
    assert.deepEqual(app.spec.ignoreDifferences, [
      {
        group: "",
        kind: "Secret",
        name: "db-secret",
        namespace: "team-a",
        managedFieldsManagers: ["externalsecrets.external-secrets.io/db-credentials"],
      },
    ]);
    assert.deepEqual(app.spec.syncPolicy, { syncOptions: ["RespectIgnoreDifferences=true"] });
  }
  assert.match(
    result.stderr,
    /explain: Application db-prod-cluster: added ignoreDifferences rule: ExternalSecret team-a\/db-credentials writes Secret team-a\/db-secret as field manager "externalsecrets\.external-secrets\.io\/db-credentials"/,
  );
  const plain = JSON.parse(run([...base, "--no-eso-rules"]).stdout) as { spec: object }[];
  assert.ok(plain.every((app) => !("ignoreDifferences" in app.spec)));
});

test("appset render --per-cluster lists each cluster's manifests with Secret values masked", (t) => {
  const { repo, appSet } = esoRepo(t);
  const result = run([
    "appset",
    "render",
    appSet,
    "--cluster-secrets",
    join(seeds, "cluster-secrets"),
    "--repo",
    `${gitopsURL}=${repo}`,
    "--per-cluster",
    "-o",
    "json",
  ]);
  assert.equal(result.status, 0, result.stderr);
  const view = JSON.parse(result.stdout) as {
    clusters: {
      cluster: string;
      server: string;
      applications: {
        name: string;
        sources: { kind: string; manifests: { kind: string; data?: unknown }[] }[];
      }[];
    }[];
  };
  assert.deepEqual(
    view.clusters.map((c) => [c.cluster, c.server]),
    [
      ["prod-cluster", "https://prod-cluster.example.com"],
      ["prod-eu", "https://prod-eu.example.com"],
    ],
  );
  const source = view.clusters[0]?.applications[0]?.sources[0];
  assert.equal(source?.kind, "directory");
  assert.deepEqual(
    source.manifests.map((m) => m.kind),
    ["ConfigMap", "ExternalSecret", "Secret"],
  );
  assert.deepEqual(source.manifests[2]?.data, { password: "++++++++" });
});

test("appset render rejects bad input naming file and field, and prints nothing", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "secretfleet-bad-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  mkdirSync(join(dir, "clusters"));
  const cases: [string, string, RegExp][] = [
    [
      "malformed.yaml",
      "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: x\n",
      /^error: ".*malformed\.yaml": /m,
    ],
    [
      "unknown.yaml",
      "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: x}\nspec:\n  generators:\n    - lists: {elements: []}\n  template: {metadata: {name: a}, spec: {}}\n",
      /^error: ".*unknown\.yaml": spec\.generators: ApplicationSet x contains unrecognized generators: lists/m,
    ],
    [
      "selector.yaml",
      "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: x}\nspec:\n  generators:\n    - clusters: {selector: {matchLabels: {'bad key': v}}}\n  template: {metadata: {name: a}, spec: {}}\n",
      /^error: ".*selector\.yaml": ApplicationSet x: spec\.generators\[0\]\.clusters\.selector: error getting cluster secrets: error converting label selector: key: Invalid value: "bad key"/m,
    ],
    [
      "template.yaml",
      "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: x}\nspec:\n  goTemplate: true\n  generators:\n    - list: {elements: [{a: b}]}\n  template: {metadata: {name: '{{ .a '}, spec: {}}\n",
      /^error: ".*template\.yaml": ApplicationSet x: spec\.template: failed to parse template \{\{ \.a : template: base:1: unclosed action/m,
    ],
    [
      "options.yaml",
      "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: x}\nspec:\n  goTemplateOptions: [missingkey=maybe]\n  generators: []\n",
      /^error: ".*options\.yaml": spec\.goTemplateOptions\[0\]: unrecognized option: "missingkey=maybe"/m,
    ],
    [
      "repo.yaml",
      "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: x}\nspec:\n  generators:\n    - git: {repoURL: 'https://example.com/r', revision: HEAD, files: [{path: '*.yaml'}]}\n  template: {metadata: {name: a}, spec: {}}\n",
      /spec\.generators\[0\]\.git: error generating params from git: repository "https:\/\/example\.com\/r" is not available .*; pass --repo https:\/\/example\.com\/r=PATH/m,
    ],
    [
      "empty.yaml",
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
      /^error: ".*empty\.yaml": no ApplicationSet found/m,
    ],
  ];
  for (const [file, text, message] of cases) {
    writeFileSync(join(dir, file), text);
    const result = run([
      "appset",
      "render",
      join(dir, file),
      "--cluster-secrets",
      join(dir, "clusters"),
    ]);
    assert.equal(result.status, 1, `${file}: ${result.stderr}`);
    assert.equal(result.stdout, "", file);
    assert.match(result.stderr, message, file);
  }
  const bad = run(["appset", "render", join(dir, "empty.yaml"), "--repo", "no-equals-sign"]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--repo "no-equals-sign": want URL=PATH/);
  const secretDir = join(dir, "bad-secrets");
  mkdirSync(secretDir);
  writeFileSync(
    join(secretDir, "c.yaml"),
    'apiVersion: v1\nkind: Secret\nmetadata:\n  name: c\n  labels: {argocd.argoproj.io/secret-type: cluster}\ndata:\n  name: "no*base64"\n  server: aHR0cHM6Ly94\n',
  );
  const badSecret = run([
    "appset",
    "render",
    join(seeds, "my-app-fixed.yaml"),
    "--cluster-secrets",
    secretDir,
  ]);
  assert.equal(badSecret.status, 1);
  assert.match(
    badSecret.stderr,
    /c\.yaml": secret "c": data\.name: illegal base64 data at input byte 2/,
  );
  assert.ok(readFileSync(join(seeds, "my-app.yaml"), "utf8").includes("clusters/*/values.yaml"));
});

// The ApplicationSet controller on a local hub (localcluster + kubectl): the seeds' example end to
// end, policies, errors that must write nothing, the --max-deletions guard and restarts.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse, stringify } from "yaml";
import type { KubeObject } from "../../src/kube/index.js";
import { testdata } from "../support/paths.js";
import { waitFor } from "../support/wait.js";
import { gitopsRepoURL, startHub, type Hub } from "./appset-hub.js";

const seeds = testdata("argocd", "seeds");
const plantedTokens = [
  "planted-token-prod-3f9a1c",
  "planted-token-eu-77d2e0",
  "planted-token-staging-a41b9d",
];

function seedClusterSecrets(): string {
  const dir = join(seeds, "cluster-secrets");
  return readdirSync(dir)
    .sort()
    .map((file) => readFileSync(join(dir, file), "utf8"))
    .join("\n---\n");
}

function fixedAppSet(): Record<string, unknown> {
  return parse(readFileSync(join(seeds, "my-app-fixed.yaml"), "utf8")) as Record<string, unknown>;
}

function valuesFiles(...clusters: string[]): Record<string, string> {
  return Object.fromEntries(
    clusters.map((name) => [`clusters/${name}/values.yaml`, `replicas: 2\ncluster: ${name}\n`]),
  );
}

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

function conditionsOf(appSet: KubeObject | undefined): Condition[] {
  return ((appSet?.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).map(
    ({ type, status, reason, message }) => ({ type, status, reason, message }),
  );
}

function condition(appSet: KubeObject | undefined, type: string): Condition | undefined {
  return conditionsOf(appSet).find((c) => c.type === type);
}

async function waitForApps(hub: Hub, names: string[]): Promise<Map<string, KubeObject>> {
  return waitFor(`Applications ${names.join(", ")}`, async () => {
    const apps = await hub.applications();
    const live = [...apps.keys()].filter(
      (name) => apps.get(name)?.metadata?.deletionTimestamp === undefined,
    );
    return live.sort().join(",") === [...names].sort().join(",") ? apps : undefined;
  });
}

async function seedHub(hub: Hub): Promise<void> {
  hub.repo.commit(valuesFiles("prod-cluster", "prod-eu", "staging-cluster"));
  await hub.apply(seedClusterSecrets());
}

test("the seeds' fixed example makes exactly the two production Applications Argo CD would", async (t) => {
  const hub = await startHub(t);
  await seedHub(hub);
  const controller = await hub.startController();
  await hub.apply([fixedAppSet() as KubeObject]);
  const apps = await waitForApps(hub, ["my-app-prod-cluster", "my-app-prod-eu"]);
  const appSet = await hub.appSet("my-app");
  for (const cluster of ["prod-cluster", "prod-eu"]) {
    const app = apps.get(`my-app-${cluster}`);
    assert.deepEqual(app?.spec, {
      project: "default",
      sources: [
        {
          repoURL: "https://github.com/org/my-app",
          targetRevision: "HEAD",
          helm: { valueFiles: [`$values/clusters/${cluster}/values.yaml`] },
        },
        { repoURL: gitopsRepoURL, targetRevision: "HEAD", ref: "values" },
      ],
      destination: { server: `https://${cluster}.example.com`, namespace: "my-app" },
      syncPolicy: { automated: { prune: true, selfHeal: true } },
    });
    assert.deepEqual(app.metadata?.finalizers, ["resources-finalizer.argocd.argoproj.io"]);
    assert.deepEqual(app.metadata.ownerReferences, [
      {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "ApplicationSet",
        name: "my-app",
        uid: appSet?.metadata?.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.ok(
      (app.metadata.managedFields as { manager?: string }[]).some(
        (entry) => entry.manager === "argocd-applicationset-controller",
      ),
    );
  }
  await waitFor("the up-to-date conditions", async () =>
    condition(await hub.appSet("my-app"), "ResourcesUpToDate")?.status === "True"
      ? true
      : undefined,
  );
  const done = await hub.appSet("my-app");
  assert.deepEqual(conditionsOf(done), [
    {
      type: "ErrorOccurred",
      status: "False",
      reason: "ApplicationSetUpToDate",
      message: "All applications have been generated successfully",
    },
    {
      type: "ParametersGenerated",
      status: "True",
      reason: "ParametersGenerated",
      message: "Successfully generated parameters for all Applications",
    },
    {
      type: "ResourcesUpToDate",
      status: "True",
      reason: "ApplicationSetUpToDate",
      message: "All applications have been generated successfully",
    },
  ]);
  const status = done?.status as { resources?: { name: string }[]; resourcesCount?: number };
  assert.deepEqual(
    status.resources?.map((r) => r.name),
    ["my-app-prod-cluster", "my-app-prod-eu"],
  );
  const table = await hub.kubectl(["get", "applications", "-n", "argocd", "-o", "name"]);
  assert.equal(
    table,
    "application.argoproj.io/my-app-prod-cluster\napplication.argoproj.io/my-app-prod-eu\n",
  );
  const events = await hub.events("my-app");
  assert.deepEqual(events.map((e) => `${e.reason as string}: ${e.message as string}`).sort(), [
    'created: created Application "my-app-prod-cluster"',
    'created: created Application "my-app-prod-eu"',
  ]);
  // No cluster credential reaches the Applications, the status, the events or the logs.
  const outputs = [
    stringify([...apps.values()]),
    stringify(done),
    stringify(events),
    controller.logs(),
  ].join("\n");
  for (const token of plantedTokens) assert.ok(!outputs.includes(token), `${token} leaked`);
});

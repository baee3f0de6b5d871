// The seeds' hub-spoke example as the ApplicationSet controller tests use it (the my-app
// ApplicationSet and three cluster Secrets under testdata/argocd/seeds, each with a planted token),
// and waits on the Applications and status conditions of a hub.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { KubeObject } from "../../src/kube/index.js";
import { testdata } from "../support/paths.js";
import { waitFor } from "../support/wait.js";
import type { Hub } from "./appset-hub.js";

export const seeds = testdata("argocd", "seeds");
export const plantedTokens = [
  "planted-token-prod-3f9a1c",
  "planted-token-eu-77d2e0",
  "planted-token-staging-a41b9d",
];

export function seedClusterSecrets(): string {
  const dir = join(seeds, "cluster-secrets");
  return readdirSync(dir)
    .sort()
    .map((file) => readFileSync(join(dir, file), "utf8"))
    .join("\n---\n");
}

export function fixedAppSet(): Record<string, unknown> {
  return parse(readFileSync(join(seeds, "my-app-fixed.yaml"), "utf8")) as Record<string, unknown>;
}

export function valuesFiles(...clusters: string[]): Record<string, string> {
  return Object.fromEntries(
    clusters.map((name) => [`clusters/${name}/values.yaml`, `replicas: 2\ncluster: ${name}\n`]),
  );
}

export interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

export function conditionsOf(appSet: KubeObject | undefined): Condition[] {
  return ((appSet?.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).map(
    ({ type, status, reason, message }) => ({ type, status, reason, message }),
  );
}

export function condition(appSet: KubeObject | undefined, type: string): Condition | undefined {
  return conditionsOf(appSet).find((c) => c.type === type);
}

export async function waitForApps(hub: Hub, names: string[]): Promise<Map<string, KubeObject>> {
  return waitFor(`Applications ${names.join(", ")}`, async () => {
    const apps = await hub.applications();
    const live = [...apps.keys()].filter(
      (name) => apps.get(name)?.metadata?.deletionTimestamp === undefined,
    );
    return live.sort().join(",") === [...names].sort().join(",") ? apps : undefined;
  });
}

export async function seedHub(hub: Hub): Promise<void> {
  hub.repo.commit(valuesFiles("prod-cluster", "prod-eu", "staging-cluster"));
  await hub.apply(seedClusterSecrets());
}

export function clustersGenerator(appSet: Record<string, unknown>): Record<string, unknown> {
  const spec = appSet.spec as {
    generators: { matrix: { generators: { clusters: Record<string, unknown> }[] } }[];
  };
  return spec.generators[0]!.matrix.generators[0]!.clusters;
}

export async function waitForCondition(
  hub: Hub,
  name: string,
  type: string,
  status: string,
): Promise<Condition> {
  return waitFor(`${type}=${status} on ${name}`, async () => {
    const found = condition(await hub.appSet(name), type);
    return found?.status === status ? found : undefined;
  });
}

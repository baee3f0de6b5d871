// `npm run bench -- appset`: the ApplicationSet controller's generate-and-diff step at fleet scale.
// 1,000 cluster Secrets × 50 git directories = 50,000 Applications from a goTemplate with 10
// substitutions, rendered (src/argocd generateApplications, git read with the system git) and
// diffed against the previous set (the controller's planApplications, which compares every
// Application as Argo CD does): Applications/s beside a naive loop measured in the same run
// (goal: ratio >= 0.2 and >= 25,000 apps/s). The naive loop is plain JS with no templating: it
// builds the same 50,000 objects with template literals, keeps them as a set (a generate step
// returns the whole set: validation and sorting need it), and diffs each against the previous
// set looked up by name with a plain recursive JSON equality. Rates are printed in wall time and
// in CPU time of this process (steadier on a shared machine; git's own CPU is not in it), each
// run starting from a collected heap.
// Then: one more cluster with the render memo renders only its 50 Applications; and 5,000 git
// files × 20 clusters cost as many git processes as 500 files × 1 cluster.
import { collectGarbage } from "./heap.js";
import {
  GitRepositories,
  generateApplications,
  readApplicationSet,
  jsonEqual,
  readClusterSecret,
  RenderCache,
  type ApplicationSet,
  type ClusterSecret,
  type GenerateResult,
  type JsonObject,
} from "../src/argocd/index.js";
import {
  ownerReference,
  planApplications,
  type AppSetRef,
} from "../src/controllers/applicationset/index.js";
import type { KubeObject } from "../src/kube/index.js";
import { createTestRepo, type TestRepo } from "../test/support/git-repo.js";
import { ratioLine } from "./limits.js";

const repoURL = "https://git.example.com/org/gitops.git";
const clusterCount = Number(process.env.APPSET_BENCH_CLUSTERS ?? "1000");
const directoryCount = 50;
const appSetRef: AppSetRef = { name: "fleet", namespace: "argocd", uid: "bench-uid" };

function clusterSecret(i: number): ClusterSecret {
  return readClusterSecret(
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: `cluster-${String(i)}`,
        namespace: "argocd",
        labels: {
          "argocd.argoproj.io/secret-type": "cluster",
          env: i % 2 === 0 ? "production" : "staging",
          region: `eu-${String(i % 3)}`,
          team: `team-${String(i % 7)}`,
        },
      },
      stringData: {
        name: `cluster-${String(i)}`,
        server: `https://10.${String(i >> 8)}.${String(i & 255)}.1:6443`,
        config: "{}",
      },
    },
    "bench",
  );
}

/** Ten substitutions: name (2), labels (3), project, path, destination (2), targetRevision. */
function appSetObject(): JsonObject {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "ApplicationSet",
    metadata: { name: appSetRef.name, namespace: appSetRef.namespace, uid: appSetRef.uid },
    spec: {
      goTemplate: true,
      goTemplateOptions: ["missingkey=error"],
      generators: [
        {
          matrix: {
            generators: [
              {
                clusters: {
                  selector: { matchExpressions: [{ key: "env", operator: "Exists" }] },
                  values: { revision: "main" },
                },
              },
              { git: { repoURL, revision: "main", directories: [{ path: "apps/*" }] } },
            ],
          },
        },
      ],
      template: {
        metadata: {
          name: "{{.name}}-{{.path.basename}}",
          labels: {
            env: "{{.metadata.labels.env}}",
            region: "{{.metadata.labels.region}}",
            team: "{{.metadata.labels.team}}",
          },
        },
        spec: {
          project: "default",
          source: {
            repoURL,
            targetRevision: "{{.values.revision}}",
            path: "{{.path.path}}",
          },
          destination: { server: "{{.server}}", namespace: "{{.path.basename}}" },
          syncPolicy: { automated: { prune: true } },
        },
      },
    },
  };
}

/** The naive limit: the same Application built with template literals and compared as is. */
function naiveApplication(cluster: ClusterSecret, directory: number): JsonObject {
  const name = cluster.data.name ?? "";
  const basename = `app-${String(directory)}`;
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: {
      name: `${name}-${basename}`,
      namespace: "argocd",
      labels: {
        env: cluster.labels.env ?? "",
        region: cluster.labels.region ?? "",
        team: cluster.labels.team ?? "",
      },
      finalizers: ["resources-finalizer.argocd.argoproj.io"],
    },
    spec: {
      project: "default",
      source: { repoURL, targetRevision: "main", path: `apps/${basename}` },
      destination: { server: cluster.data.server ?? "", namespace: basename },
      syncPolicy: { automated: { prune: true } },
    },
  };
}

/** The naive generate + diff: the set built, then each object compared with its previous one. */
function naiveRun(
  clusters: readonly ClusterSecret[],
  previous: ReadonlyMap<string, JsonObject>,
): number {
  const built: JsonObject[] = [];
  for (const cluster of clusters)
    for (let d = 0; d < directoryCount; d++) built.push(naiveApplication(cluster, d));
  let same = 0;
  for (const app of built)
    if (jsonEqual(app, previous.get((app.metadata as { name: string }).name))) same++;
  return same;
}

/** The live Applications a previous reconcile left: the generated ones, owned, with metadata. */
function liveSet(result: GenerateResult): Map<string, KubeObject> {
  const live = new Map<string, KubeObject>();
  for (const app of result.applications) {
    const object = structuredClone(app) as KubeObject;
    object.metadata = {
      ...object.metadata,
      uid: `uid-${object.metadata?.name ?? ""}`,
      resourceVersion: "1",
      ownerReferences: [ownerReference(appSetRef)],
    };
    live.set(object.metadata.name ?? "", object);
  }
  return live;
}

async function generate(
  appSet: ApplicationSet,
  clusters: readonly ClusterSecret[],
  repo: TestRepo,
  cache?: RenderCache,
): Promise<{ result: GenerateResult; invocations: number }> {
  const git = new GitRepositories(new Map([[repoURL, repo.path]]));
  try {
    const result = await generateApplications(appSet, {
      clusterSecrets: clusters,
      git,
      ...(cache === undefined ? {} : { renderCache: cache }),
    });
    if (result.error !== undefined) throw new Error(result.error.message);
    return { result, invocations: git.invocations };
  } finally {
    await git.close();
  }
}

/** Generate + plan against `live`: one reconcile's work without the API writes. */
async function reconcileOnce(
  appSet: ApplicationSet,
  clusters: readonly ClusterSecret[],
  repo: TestRepo,
  live: ReadonlyMap<string, KubeObject>,
  cache?: RenderCache,
): Promise<{ result: GenerateResult; writes: number; deletions: number }> {
  const { result } = await generate(appSet, clusters, repo, cache);
  const plan = planApplications({
    appSet: appSetRef,
    applications: result.applications,
    generatedNames: result.generatedNames,
    live,
    policy: "sync",
    compare: {},
    clusters,
    maxDeletions: undefined,
  });
  return { result, writes: plan.writes.length, deletions: plan.deletions.length };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/**
 * Wall and CPU seconds (this process, all its threads) of one run, from a collected heap, so that
 * neither side pays for the garbage the other left (the naive loop measured right after a
 * reconcile spent most of its time collecting it).
 */
async function timed<T>(
  fn: () => Promise<T> | T,
): Promise<{ value: T; seconds: number; cpuSeconds: number }> {
  collectGarbage();
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const value = await fn();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  return { value, seconds, cpuSeconds: (used.user + used.system) / 1e6 };
}

async function fleetRate(repo: TestRepo): Promise<void> {
  const appSet = readApplicationSet(appSetObject());
  const clusters = Array.from({ length: clusterCount }, (_, i) => clusterSecret(i));
  const total = clusterCount * directoryCount;
  const { result: first } = await generate(appSet, clusters, repo);
  if (first.applications.length !== total)
    throw new Error(
      `expected ${String(total)} Applications, got ${String(first.applications.length)}`,
    );
  const live = liveSet(first);
  // Warm once, then the median of three for each side.
  await reconcileOnce(appSet, clusters, repo, live);
  const ours = { wall: [] as number[], cpu: [] as number[] };
  let last: { writes: number; deletions: number } = { writes: -1, deletions: -1 };
  for (let i = 0; i < 3; i++) {
    const run = await timed(() => reconcileOnce(appSet, clusters, repo, live));
    ours.wall.push(run.seconds);
    ours.cpu.push(run.cpuSeconds);
    last = run.value;
  }
  if (last.writes !== 0 || last.deletions !== 0)
    throw new Error(
      `in sync, yet ${String(last.writes)} writes and ${String(last.deletions)} deletions planned`,
    );
  const previous = new Map(
    first.applications.map((app) => {
      const copy = structuredClone(app);
      delete copy.status;
      return [(copy.metadata as { name: string }).name, copy];
    }),
  );
  naiveRun(clusters, previous);
  const naive = { wall: [] as number[], cpu: [] as number[] };
  let same = 0;
  for (let i = 0; i < 3; i++) {
    const run = await timed(() => naiveRun(clusters, previous));
    naive.wall.push(run.seconds);
    naive.cpu.push(run.cpuSeconds);
    same = run.value;
  }
  const rate = (seconds: number[]): number => total / median(seconds);
  const [oursWall, naiveWall, oursCpu, naiveCpu] = [ours.wall, naive.wall, ours.cpu, naive.cpu].map(
    rate,
  ) as [number, number, number, number];
  process.stdout.write(
    `${String(clusterCount)} clusters × ${String(directoryCount)} directories = ${String(total)} Applications, ` +
      `goTemplate with 10 substitutions, rendered and diffed against the previous set (0 writes planned; ` +
      `naive loop found ${String(same)} equal)\n`,
  );
  process.stdout.write(
    `${ratioLine("generate + plan, wall time", oursWall, naiveWall, "apps/s")}\n`,
  );
  process.stdout.write(`${ratioLine("generate + plan, CPU time", oursCpu, naiveCpu, "apps/s")}\n`);
  const met = (ok: boolean): string => (ok ? "met" : "NOT met");
  process.stdout.write(
    `goal: ratio >= 0.2 ${met(oursWall / naiveWall >= 0.2)} (wall), ${met(oursCpu / naiveCpu >= 0.2)} (CPU); ` +
      `>= 25,000 apps/s ${met(oursWall >= 25_000)} (wall)\n`,
  );

  // One more cluster, with the memo a controller keeps per ApplicationSet.
  const cache = new RenderCache();
  await generate(appSet, clusters, repo, cache);
  const grown = [...clusters, clusterSecret(clusterCount)];
  const added = await timed(() => reconcileOnce(appSet, grown, repo, live, cache));
  const stats = added.value.result.stats;
  process.stdout.write(
    `one cluster added: ${String(stats.rendered)} Applications rendered, ${String(stats.reused)} reused, ` +
      `${String(added.value.writes)} writes planned (creates), ${added.seconds.toFixed(3)} s for the reconcile ` +
      `(${stats.rendered === directoryCount && added.value.writes === directoryCount ? "only its 50: met" : "NOT met"})\n`,
  );
}

async function gitInvocations(): Promise<void> {
  const appSetFor = (): ApplicationSet =>
    readApplicationSet({
      apiVersion: "argoproj.io/v1alpha1",
      kind: "ApplicationSet",
      metadata: { name: "files", namespace: "argocd" },
      spec: {
        goTemplate: true,
        generators: [
          {
            matrix: {
              generators: [
                {
                  clusters: {
                    selector: { matchExpressions: [{ key: "env", operator: "Exists" }] },
                  },
                },
                { git: { repoURL, revision: "main", files: [{ path: "config/*/settings.json" }] } },
              ],
            },
          },
        ],
        template: {
          metadata: { name: "{{.name}}-{{.path.basename}}" },
          spec: {
            project: "default",
            source: { repoURL, targetRevision: "main", path: "{{.path.path}}" },
            destination: { server: "{{.server}}", namespace: "{{.tier}}" },
          },
        },
      },
    });
  const measure = async (files: number, clusters: number): Promise<string> => {
    const repo = createTestRepo();
    try {
      repo.commit(
        Object.fromEntries(
          Array.from({ length: files }, (_, i) => [
            `config/c${String(i)}/settings.json`,
            JSON.stringify({ tier: `tier-${String(i % 5)}` }),
          ]),
        ),
      );
      const secrets = Array.from({ length: clusters }, (_, i) => clusterSecret(i));
      const run = await timed(() => generate(appSetFor(), secrets, repo));
      const apps = run.value.result.applications.length;
      return `${String(files)} files × ${String(clusters)} clusters: ${String(apps)} Applications, ${String(run.value.invocations)} git invocations, ${run.seconds.toFixed(2)} s`;
    } finally {
      repo.remove();
    }
  };
  process.stdout.write(`${await measure(500, 1)}\n`);
  process.stdout.write(`${await measure(5000, 20)}\n`);
}

/** Runs the workload and prints its lines. */
export async function run(): Promise<void> {
  const repo = createTestRepo();
  try {
    repo.commit(
      Object.fromEntries(
        Array.from({ length: directoryCount }, (_, d) => [
          `apps/app-${String(d)}/deployment.yaml`,
          "kind: Deployment\n",
        ]),
      ),
    );
    await fleetRate(repo);
  } finally {
    repo.remove();
  }
  await gitInvocations();
}

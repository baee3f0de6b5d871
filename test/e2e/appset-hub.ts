// A local hub for the ApplicationSet controller's end-to-end tests: localcluster with Argo CD's
// CRDs (deploy/argocd/crds), the argocd namespace and its default AppProject, a git repository
// made by the test, kubectl pointed at the hub, and the controller run in-process through
// src/kube's runController (stopped and started again for restart tests). A recording client
// counts every write the controller makes, so tests can prove "nothing was written".
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { TestContext } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import { Registry } from "prom-client";
import { parse, stringify } from "yaml";
import {
  addApplicationSetController,
  type ApplicationSetControllerOptions,
} from "../../src/controllers/applicationset/index.js";
import {
  KubeClient,
  createLogger,
  runController,
  type ApplyOptions,
  type DeleteOptions,
  type KubeObject,
  type ObjectRef,
  type PatchType,
  type WriteOptions,
} from "../../src/kube/index.js";
import { startLocalCluster } from "../../src/localcluster/index.js";
import { createTestRepo, type TestRepo } from "../support/git-repo.js";
import { repoRoot } from "../support/paths.js";
import { waitFor } from "../support/wait.js";

export const gitopsRepoURL = "https://github.com/org/gitops-repo";
const crdDir = join(repoRoot, "deploy", "argocd", "crds");

/** One write the controller made. */
export interface RecordedWrite {
  readonly verb: "create" | "patch" | "patch-status" | "delete" | "replace";
  readonly kind: string;
  readonly name: string;
  readonly body?: unknown;
}

/** A KubeClient that records every write before making it. */
class RecordingClient extends KubeClient {
  readonly writes: RecordedWrite[] = [];

  override create<T extends KubeObject>(obj: T, options?: WriteOptions): Promise<T> {
    this.writes.push({
      verb: "create",
      kind: obj.kind ?? "",
      name: obj.metadata?.name ?? "",
      body: obj,
    });
    return super.create(obj, options);
  }

  override replace<T extends KubeObject>(obj: T, options?: WriteOptions): Promise<T> {
    this.writes.push({ verb: "replace", kind: obj.kind ?? "", name: obj.metadata?.name ?? "" });
    return super.replace(obj, options);
  }

  override patch<T extends KubeObject = KubeObject>(
    ref: ObjectRef,
    patch: unknown,
    type: PatchType,
    options?: ApplyOptions,
  ): Promise<T> {
    this.writes.push({ verb: "patch", kind: ref.kind, name: ref.name, body: patch });
    return super.patch<T>(ref, patch, type, options);
  }

  override patchStatus<T extends KubeObject = KubeObject>(
    ref: ObjectRef,
    patch: unknown,
    type: PatchType,
    options?: ApplyOptions,
  ): Promise<T> {
    this.writes.push({ verb: "patch-status", kind: ref.kind, name: ref.name, body: patch });
    return super.patchStatus<T>(ref, patch, type, options);
  }

  override delete(ref: ObjectRef, options?: DeleteOptions): Promise<boolean> {
    this.writes.push({ verb: "delete", kind: ref.kind, name: ref.name });
    return super.delete(ref, options);
  }
}

/** A running controller. */
export interface RunningController {
  /** Writes made so far (Events excluded). */
  readonly writes: () => RecordedWrite[];
  /** Everything logged so far. */
  readonly logs: () => string;
  readonly registry: Registry;
  /** How many reconciles have completed so far. */
  reconciles(): Promise<number>;
  /** Resolves once more than `after` reconciles have completed and the queue is empty. */
  settled(after?: number): Promise<void>;
  stop(): Promise<void>;
}

/** The hub of a test. */
export interface Hub {
  readonly client: KubeClient;
  readonly kubeconfig: string;
  readonly repo: TestRepo;
  /** Runs kubectl against the hub; rejects with stderr on a non-zero exit. */
  kubectl(args: readonly string[], stdin?: string): Promise<string>;
  /** Applies YAML or objects with kubectl. */
  apply(manifests: string | readonly KubeObject[]): Promise<void>;
  startController(options?: Partial<ApplicationSetControllerOptions>): RunningController;
  /** The Applications of the argocd namespace, by name. */
  applications(): Promise<Map<string, KubeObject>>;
  appSet(name: string): Promise<KubeObject | undefined>;
  /** The Events about an ApplicationSet. */
  events(name: string): Promise<KubeObject[]>;
}

/**
 * Starts a hub for one test; everything is stopped and removed in `t.after`.
 */
export async function startHub(t: TestContext): Promise<Hub> {
  const cluster = await startLocalCluster();
  const dir = mkdtempSync(join(tmpdir(), "secretfleet-hub-"));
  const repo = createTestRepo();
  const controllers: RunningController[] = [];
  t.after(async () => {
    for (const controller of controllers) await controller.stop();
    await cluster.close();
    repo.remove();
    rmSync(dir, { recursive: true, force: true });
  });
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(kubeconfig, cluster.kubeconfig());
  const kc = new KubeConfig();
  kc.loadFromString(cluster.kubeconfig());
  const client = new KubeClient(kc);
  const kubectl = (args: readonly string[], stdin?: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const child = execFile(
        "kubectl",
        ["--kubeconfig", kubeconfig, ...args],
        { timeout: 60_000 },
        (error, stdout, stderr) => {
          if (error === null) resolve(stdout);
          else reject(new Error(`kubectl ${args.join(" ")}: ${stderr || error.message}`));
        },
      );
      child.stdin?.end(stdin ?? "");
    });
  const apply = async (manifests: string | readonly KubeObject[]): Promise<void> => {
    const text =
      typeof manifests === "string" ? manifests : manifests.map((m) => stringify(m)).join("---\n");
    await kubectl(["apply", "-f", "-"], text);
  };
  await kubectl(["apply", "-f", crdDir]);
  for (const file of readdirSync(crdDir)) {
    const name = (parse(readFileSync(join(crdDir, file), "utf8")) as KubeObject).metadata?.name;
    await kubectl(["wait", "--for=condition=Established", `crd/${name ?? ""}`, "--timeout=30s"]);
  }
  await kubectl(["create", "namespace", "argocd"]);
  await apply([
    {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "AppProject",
      metadata: { name: "default", namespace: "argocd" },
      spec: { sourceRepos: ["*"], destinations: [{ server: "*", namespace: "*" }] },
    },
  ]);
  const appRef = { apiVersion: "argoproj.io/v1alpha1", kind: "Application", namespace: "argocd" };
  return {
    client,
    kubeconfig,
    repo,
    kubectl,
    apply,
    startController(options = {}) {
      const controller = runHubController(kc, repo, options);
      controllers.push(controller);
      return controller;
    },
    async applications() {
      const list = await client.list(appRef);
      return new Map(list.items.map((app) => [app.metadata?.name ?? "", app]));
    },
    appSet: (name) =>
      client.get({
        apiVersion: "argoproj.io/v1alpha1",
        kind: "ApplicationSet",
        namespace: "argocd",
        name,
      }),
    async events(name) {
      const list = await client.list({ apiVersion: "v1", kind: "Event", namespace: "argocd" });
      return list.items.filter(
        (event) => (event.involvedObject as { name?: string } | undefined)?.name === name,
      );
    },
  };
}

function runHubController(
  kc: KubeConfig,
  repo: TestRepo,
  options: Partial<ApplicationSetControllerOptions>,
): RunningController {
  const client = new RecordingClient(kc, { fieldManager: "argocd-applicationset-controller" });
  const registry = new Registry();
  let logs = "";
  const logger = createLogger({
    level: "debug",
    destination: new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logs += chunk.toString("utf8");
        callback();
      },
    }),
  });
  const stop = new AbortController();
  const run = runController(
    { client, registry, logger, handleSignals: false, signal: stop.signal },
    (manager) => {
      addApplicationSetController(manager, {
        namespace: "argocd",
        policy: { policy: "sync", enablePolicyOverride: true },
        repositories: new Map([[gitopsRepoURL, repo.path]]),
        validateProjects: true,
        ...options,
      });
    },
  );
  let stopped: Promise<void> | undefined;
  const reconciles = async (): Promise<number> => {
    const metric = await registry.getSingleMetric("controller_runtime_reconcile_total")?.get();
    return (metric?.values ?? []).reduce((sum, value) => sum + value.value, 0);
  };
  const depth = async (): Promise<number> => {
    const metric = await registry.getSingleMetric("workqueue_depth")?.get();
    return (metric?.values ?? []).reduce((sum, value) => sum + value.value, 0);
  };
  return {
    writes: () => client.writes.filter((write) => write.kind !== "Event"),
    logs: () => logs,
    registry,
    reconciles,
    async settled(after = 0) {
      await waitFor(`more than ${after} reconciles and an empty queue`, async () => {
        return (await reconciles()) > after && (await depth()) === 0;
      });
    },
    stop() {
      stopped ??= (async () => {
        stop.abort();
        await run;
      })();
      return stopped;
    },
  };
}

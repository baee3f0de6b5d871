// A local cluster with the SealedSecret CRD, a client, and a controller to run against it: the
// harness of the controller's end-to-end tests and of bench/unseal.bench.ts.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { parse } from "yaml";
import { KubeClient, silentLogger, type KubeObject, type Logger } from "../../src/kube/index.js";
import { startLocalCluster, type LocalCluster } from "../../src/localcluster/index.js";
import {
  defaultConfig,
  SealedSecretsController,
  type ControllerConfig,
} from "../../src/controllers/sealedsecrets/index.js";
import { repoRoot } from "./paths.js";
import { waitFor } from "./wait.js";

/** The CRD as deploy/sealed-secrets/crd.yaml defines it. */
export function sealedSecretCrd(): KubeObject {
  return parse(
    readFileSync(join(repoRoot, "deploy", "sealed-secrets", "crd.yaml"), "utf8"),
  ) as KubeObject;
}

/** A running local cluster with the CRD established. */
export interface SealedSecretsCluster {
  readonly cluster: LocalCluster;
  readonly client: KubeClient;
  /** A kubeconfig file for kubectl and the CLI. */
  readonly kubeconfigPath: string;
  close(): Promise<void>;
}

/** Starts a local cluster, installs the SealedSecret CRD and waits until it is served. */
export async function startSealedSecretsCluster(dir: string): Promise<SealedSecretsCluster> {
  const cluster = await startLocalCluster();
  const kubeconfigPath = join(dir, "kubeconfig");
  writeFileSync(kubeconfigPath, cluster.kubeconfig());
  const client = clientFor(cluster);
  await client.create(sealedSecretCrd());
  await waitFor("the SealedSecret CRD to be served", async () => {
    await client.list({ apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret" });
    return true;
  });
  return { cluster, client, kubeconfigPath, close: () => cluster.close() };
}

/** A KubeClient for a local cluster. */
export function clientFor(cluster: LocalCluster, fieldManager = "secretfleet-test"): KubeClient {
  const kc = new KubeConfig();
  kc.loadFromString(cluster.kubeconfig());
  return new KubeClient(kc, { fieldManager });
}

/** Starts a controller on `cluster` with test-friendly settings (ports 0, inline RSA). */
export async function startController(
  cluster: LocalCluster,
  overrides: Partial<ControllerConfig> = {},
  logger: Logger = silentLogger,
): Promise<SealedSecretsController> {
  const controller = new SealedSecretsController({
    client: clientFor(cluster, "sealed-secrets-controller"),
    config: defaultConfig({
      listenAddr: { host: "127.0.0.1", port: 0 },
      listenMetricsAddr: { host: "127.0.0.1", port: 0 },
      unsealWorkers: 0,
      concurrency: 4,
      keySize: 2048,
      ...overrides,
    }),
    logger,
    processMetrics: false,
  });
  await controller.start();
  return controller;
}

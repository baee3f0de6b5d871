// End-to-end harness for the External Secrets controllers: a local cluster with ESO's CRDs, the
// Vault double on loopback, and `setupExternalSecrets` running in a Manager with its logs,
// events and metrics captured so tests can search every output for a planted value.
import { Writable } from "node:stream";
import type { TestContext } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import { Registry } from "prom-client";
import {
  externalSecretsCrds,
  setupExternalSecrets,
  type ExternalSecretsHandle,
  type ExternalSecretsOptions,
} from "../../src/controllers/externalsecrets/index.js";
import { KubeClient, createLogger, runController, type KubeObject } from "../../src/kube/index.js";
import { kubectlHarness, type KubectlHarness } from "../interop/kubectl-support.js";
import { startVaultDouble, type VaultDouble } from "../support/vault-double.js";
import { waitFor } from "../support/wait.js";

export interface EsoHarness {
  readonly kube: KubectlHarness;
  readonly client: KubeClient;
  readonly vault: VaultDouble;
  readonly logs: string[];
  readonly handle: ExternalSecretsHandle;
  /** The controller's metrics endpoint (`/metrics`). */
  readonly metricsUrl: string;
  /** Every output a secret value must never reach: logs, events, statuses, metrics. */
  outputs(): Promise<string>;
}

/** Installs ESO's CRDs and waits until every kind is served. */
export async function installCrds(client: KubeClient): Promise<void> {
  for (const crd of externalSecretsCrds()) await client.create(crd);
  for (const [apiVersion, kind] of [
    ["external-secrets.io/v1", "ExternalSecret"],
    ["external-secrets.io/v1", "SecretStore"],
    ["external-secrets.io/v1", "ClusterSecretStore"],
    ["external-secrets.io/v1", "ClusterExternalSecret"],
    ["external-secrets.io/v1alpha1", "PushSecret"],
  ] as const) {
    await waitFor(`${kind} to be served`, async () => {
      await client.list({ apiVersion, kind });
      return true;
    });
  }
}

/** Starts the cluster, the Vault double and the controllers; everything stops after the test. */
export async function startEsoHarness(
  t: TestContext,
  options: ExternalSecretsOptions = {},
): Promise<EsoHarness> {
  const kube = await kubectlHarness(t);
  const kc = new KubeConfig();
  kc.loadFromString(kube.cluster.kubeconfig());
  const client = new KubeClient(kc);
  await installCrds(client);
  const vault = await startVaultDouble();
  t.after(() => vault.close());
  const logs: string[] = [];
  const logger = createLogger({
    level: "debug",
    destination: new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logs.push(chunk.toString("utf8"));
        callback();
      },
    }),
  });
  const registry = new Registry();
  const stop = new AbortController();
  let handle: ExternalSecretsHandle | undefined;
  let healthUrl: () => string | undefined = () => undefined;
  const run = runController(
    { client, registry, logger, health: { port: 0 }, handleSignals: false, signal: stop.signal },
    (manager) => {
      handle = setupExternalSecrets(manager, {
        logger,
        backoff: { baseMs: 100, maxMs: 2000 },
        ...options,
      });
      healthUrl = () => manager.healthUrl;
    },
  );
  t.after(async () => {
    stop.abort();
    await run;
    await handle?.close();
  });
  const metricsUrl = `${await waitFor("the metrics server", healthUrl)}/metrics`;
  if (handle === undefined) throw new Error("the controllers were not set up");
  const eventsAndObjects = async (): Promise<string> => {
    const kinds = [
      ["v1", "Event"],
      ["external-secrets.io/v1", "ExternalSecret"],
      ["external-secrets.io/v1", "SecretStore"],
      ["external-secrets.io/v1", "ClusterSecretStore"],
      ["external-secrets.io/v1", "ClusterExternalSecret"],
      ["external-secrets.io/v1alpha1", "PushSecret"],
    ] as const;
    const parts = await Promise.all(
      kinds.map(async ([apiVersion, kind]) =>
        JSON.stringify((await client.list({ apiVersion, kind })).items),
      ),
    );
    return parts.join("\n");
  };
  return {
    kube,
    client,
    vault,
    logs,
    handle,
    metricsUrl,
    outputs: async () =>
      [logs.join(""), await eventsAndObjects(), await (await fetch(metricsUrl)).text()].join("\n"),
  };
}

/** Creates a namespace. */
export async function createNamespace(
  client: KubeClient,
  name: string,
  labels?: Record<string, string>,
): Promise<void> {
  await client.create({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name, ...(labels === undefined ? {} : { labels }) },
  });
}

/** A Secret's data decoded to strings. */
export function decoded(secret: KubeObject | undefined): Record<string, string> {
  const data = (secret as { data?: Record<string, string> } | undefined)?.data ?? {};
  return Object.fromEntries(
    Object.entries(data).map(([key, value]) => [
      key,
      Buffer.from(value, "base64").toString("utf8"),
    ]),
  );
}

/** The Ready condition of an object, if any. */
export function readyCondition(
  obj: KubeObject | undefined,
): { status: string; reason?: string; message?: string } | undefined {
  const conditions = (
    obj?.status as
      | { conditions?: { type: string; status: string; reason?: string; message?: string }[] }
      | undefined
  )?.conditions;
  return conditions?.find((condition) => condition.type === "Ready");
}

// The running half of `secretfleet demo`, loaded only when it runs: the seeds' fleet (a hub running
// Argo CD's ApplicationSet controller and External Secrets, two spokes with a Sealed Secrets
// controller and a key each) on local control planes in this process, one step at a time, each
// printing what it started and what it produced, then where to look. Secret values are never printed.
import { clientFor, fleetKubeconfig } from "./demo-fleet.js";
import { hubApplications, hubExternalSecret } from "./demo-hub.js";
import { Demo, hub, sample, spokes, type DemoSettings } from "./demo-session.js";
import {
  crossCluster,
  sealForSpokes,
  startSpokeControllers,
  unsealOnSpokes,
} from "./demo-spokes.js";
import { CliError } from "./errors.js";
import { stopSignal } from "./dev.js";
import { writeFileAtomic } from "./io.js";

async function startControlPlanes(demo: Demo): Promise<void> {
  await demo.fleet.startClusters([hub, ...spokes]);
  for (const [name, cluster] of demo.fleet.clusters)
    demo.clients.set(name, clientFor(cluster, "secretfleet-demo"));
  await writeFileAtomic(demo.kubeconfig, fleetKubeconfig(demo.fleet.clusters), 0o600);
  for (const [name, cluster] of demo.fleet.clusters)
    demo.out(`   ${name.padEnd(5)} ${cluster.url}`);
  demo.out(
    `   kubeconfig ${demo.kubeconfig} (contexts ${[...demo.fleet.clusters.keys()].join(", ")})`,
  );
}

function whereToLook(demo: Demo): void {
  const kubectl = (context: string, rest: string): string =>
    `   kubectl --kubeconfig ${demo.kubeconfig} --context ${context} ${rest}`;
  demo.out();
  demo.out("Where to look:");
  demo.out(`   ${demo.kubeconfig}  kubeconfig, contexts ${[hub, ...spokes].join(", ")}`);
  demo.out(
    `   ${demo.path("gitops")}  what goes to Git: clusters/*/ sealed per spoke, hub/ manifests`,
  );
  demo.out(`   ${demo.path("certs")}  each spoke's sealing certificate`);
  demo.out(`   ${demo.path("logs")}  the controllers' logs`);
  demo.out(
    demo.settings.keepRunning
      ? "While it runs:"
      : "Run `secretfleet demo --keep-running` to keep the clusters up and try:",
  );
  for (const spoke of spokes)
    demo.out(kubectl(spoke, `get sealedsecrets,secrets -n ${sample.namespace}`));
  demo.out(kubectl(hub, "get applicationsets,applications -n argocd"));
  demo.out(kubectl(hub, "get clustersecretstores,externalsecrets -A"));
  demo.out(`   npx secretfleet seal --fetch-cert --kubeconfig ${demo.kubeconfig} --context stage`);
}

async function runSteps(demo: Demo): Promise<void> {
  const { keySize } = demo.settings;
  const secret = `${sample.namespace}/${sample.name}`;
  const steps: [string, string, (demo: Demo) => Promise<void>][] = [
    [
      "control planes",
      "Starting three local control planes (hub, prod, stage) on 127.0.0.1",
      startControlPlanes,
    ],
    [
      "sealed secrets controllers",
      `Running a Sealed Secrets controller on each spoke; each makes its own ${keySize}-bit key`,
      startSpokeControllers,
    ],
    [
      "seal for both spokes",
      `Sealing ${secret} for both spokes in one call, each with its own certificate`,
      sealForSpokes,
    ],
    ["unseal on the spokes", "Applying each spoke's SealedSecret to its spoke", unsealOnSpokes],
    [
      "keys per cluster",
      "Applying prod's SealedSecret to stage (same name and namespace)",
      crossCluster,
    ],
    [
      "applicationset",
      "On the hub: Argo CD cluster Secrets for prod and stage, the seeds' ApplicationSet " +
        "(clusters generator), the ApplicationSet controller",
      hubApplications,
    ],
    [
      "external secrets",
      "On the hub: a ClusterSecretStore with the Fake provider, the seeds' ExternalSecret, " +
        "the External Secrets controllers",
      hubExternalSecret,
    ],
  ];
  for (const [name, title, run] of steps) await demo.step(name, title, () => run(demo));
}

/**
 * Runs the demo in `settings.dir`; stops everything it started before returning or throwing.
 * @throws CliError naming the step that failed
 */
export async function runDemo(settings: DemoSettings): Promise<void> {
  const demo = new Demo(settings);
  const started = Date.now();
  demo.out(`secretfleet demo: a hub and two spokes on local control planes, in ${settings.dir}\n`);
  let failure: Error | undefined;
  try {
    await runSteps(demo);
    whereToLook(demo);
    if (settings.keepRunning) {
      demo.out("\nEverything keeps running; press Ctrl-C to stop.");
      await stopSignal();
    }
  } catch (error) {
    failure = error as Error;
  }
  const stopping = Date.now();
  try {
    await demo.fleet.stop();
  } catch (error) {
    // A failed step is the news; a failed stop after it is only reported.
    if (failure === undefined)
      failure = new CliError((error as Error).message, 1, { cause: error });
    else process.stderr.write(`warning: ${(error as Error).message}\n`);
  }
  const seconds = (ms: number): string => (ms / 1000).toFixed(1);
  demo.out(
    `\nStopped the controllers and clusters in ${seconds(Date.now() - stopping)} s (ran ${seconds(stopping - started)} s); the folder stays: rm -r ${settings.dir}`,
  );
  if (failure !== undefined) throw failure;
}

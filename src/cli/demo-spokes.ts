// The spokes' steps of `secretfleet demo`: a Sealed Secrets controller with its own key on each
// spoke and its certificate fetched as kubeseal does, one fleet `seal` for both, each file unsealed
// on its own spoke, and prod's file refused by stage's key.
import { mkdir, readFile } from "node:fs/promises";
import { parse } from "yaml";
import type { KubeObject } from "../kube/index.js";
import {
  createNamespace,
  deployObjects,
  fileLogger,
  installCrds,
  observe,
  startSealedSecrets,
} from "./demo-fleet.js";
import {
  described,
  conditionOf,
  sample,
  sampleSecret,
  spokes,
  type Condition,
  type Demo,
  type Spoke,
} from "./demo-session.js";
import { writeFileAtomic } from "./io.js";

const sealedRef = {
  apiVersion: "bitnami.com/v1alpha1",
  kind: "SealedSecret",
  namespace: sample.namespace,
  name: sample.name,
} as const;

/** The Synced condition of the SealedSecret's current generation, once the controller wrote it. */
function currentSynced(object: KubeObject | undefined): Condition | undefined {
  const observed = (object?.status as { observedGeneration?: number } | undefined)
    ?.observedGeneration;
  if (object === undefined || observed !== object.metadata?.generation) return undefined;
  return conditionOf(object, "Synced");
}

/** Step 2: a controller per spoke, each making its own key; certificates fetched as kubeseal does. */
export async function startSpokeControllers(demo: Demo): Promise<void> {
  const crds = await deployObjects("sealed-secrets", "crd.yaml");
  const started = Date.now();
  await Promise.all(
    spokes.map(async (spoke) => {
      await installCrds(demo.client(spoke), crds);
      const { keySecret, fingerprint } = await startSealedSecrets(demo.fleet, spoke, {
        keySize: demo.settings.keySize,
        logger: fileLogger(demo.fleet, demo.path("logs", `${spoke}-sealed-secrets.log`), spoke),
      });
      demo.out(
        `   ${spoke.padEnd(5)} key Secret kube-system/${keySecret} (fingerprint ${fingerprint})`,
      );
    }),
  );
  demo.out(
    `   both controllers ready with their keys in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  await mkdir(demo.path("certs"), { recursive: true });
  for (const spoke of spokes) {
    // kubeseal's way: the controller's /v1/cert.pem through the API server's service proxy.
    const args = [
      "seal",
      "--fetch-cert",
      "--kubeconfig",
      demo.kubeconfig,
      "--context",
      spoke,
      "-w",
      demo.path("certs", `${spoke}.pem`),
    ];
    await demo.secretfleet(args);
    demo.out(`   $ secretfleet ${args.join(" ")}`);
  }
}

/** Step 3: one fleet `seal` call writes gitops/clusters/{name}/ for both spokes. */
export async function sealForSpokes(demo: Demo): Promise<void> {
  await writeFileAtomic(demo.path("secret.yaml"), sampleSecret, 0o600);
  const pattern = demo.path("gitops", "clusters", "{name}", `${sample.name}.yaml`);
  const args = [
    "seal",
    ...spokes.flatMap((spoke) => ["--cert", `${spoke}=${demo.path("certs", `${spoke}.pem`)}`]),
    "-f",
    demo.path("secret.yaml"),
    "-w",
    pattern,
  ];
  await demo.secretfleet(args);
  demo.out(
    `   $ secretfleet ${args.map((arg) => (arg.includes("{") ? `'${arg}'` : arg)).join(" ")}`,
  );
  for (const spoke of spokes)
    demo.out(`   ${spoke.padEnd(5)} ${pattern.replace("{name}", spoke)} (safe to commit)`);
}

async function readSealed(demo: Demo, spoke: Spoke): Promise<KubeObject> {
  return parse(
    await readFile(demo.path("gitops", "clusters", spoke, `${sample.name}.yaml`), "utf8"),
  ) as KubeObject;
}

/** Waits until the SealedSecret's current generation is Synced with `status`. */
function waitSynced(demo: Demo, cluster: string, status: string): Promise<Condition> {
  return observe(
    demo.client(cluster),
    { apiVersion: sealedRef.apiVersion, kind: sealedRef.kind, namespace: sample.namespace },
    `Synced=${status} on ${cluster}'s SealedSecret ${sample.namespace}/${sample.name}`,
    (objects) => {
      const synced = currentSynced(objects.find((o) => o.metadata?.name === sample.name));
      return synced?.status === status ? synced : undefined;
    },
  );
}

/** Step 4: each spoke's file applied to it, Synced=True and the Secret made. */
export async function unsealOnSpokes(demo: Demo): Promise<void> {
  await Promise.all(
    spokes.map(async (spoke) => {
      const client = demo.client(spoke);
      await createNamespace(client, sample.namespace);
      await client.create(await readSealed(demo, spoke));
      const synced = await waitSynced(demo, spoke, "True");
      const items = await demo.secretItems(spoke, sample.namespace, sample.name);
      demo.out(
        `   ${spoke.padEnd(5)} SealedSecret ${sample.namespace}/${sample.name} ${described(synced)} → Secret with ${items}`,
      );
    }),
  );
}

/** Replaces stage's SealedSecret spec with `spec` (same name and namespace, a new generation). */
async function replaceSpec(demo: Demo, spec: unknown): Promise<void> {
  const client = demo.client("stage");
  const live = await client.get(sealedRef);
  if (live === undefined) throw new Error(`stage has no SealedSecret ${sample.name}`);
  await client.replace({ ...live, spec });
}

/** Step 5: prod's file on stage is refused (stage's key cannot open it); stage's own restores it. */
export async function crossCluster(demo: Demo): Promise<void> {
  const prods = await readSealed(demo, "prod");
  await replaceSpec(demo, prods.spec);
  const refused = await waitSynced(demo, "stage", "False");
  demo.out(`   stage SealedSecret ${sample.namespace}/${sample.name} ${described(refused)}`);
  const items = await demo.secretItems("stage", sample.namespace, sample.name);
  demo.out(`   stage's Secret keeps its last good items (${items}): nothing is lost`);
  await replaceSpec(demo, (await readSealed(demo, "stage")).spec);
  const restored = await waitSynced(demo, "stage", "True");
  demo.out(`   stage's own file applied again: ${described(restored)}`);
}

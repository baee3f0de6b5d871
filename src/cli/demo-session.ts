// The state one run of `secretfleet demo` carries from step to step (the fleet it started, a client
// per cluster, its folder), how a step prints and fails, and the sample it seals: shared by the
// spokes' steps (demo-spokes.ts) and the hub's (demo-hub.ts).
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { stringify } from "yaml";
import type { KubeClient, KubeObject } from "../kube/index.js";
import { CliError } from "./errors.js";
import { Fleet } from "./demo-fleet.js";
import { writeFileAtomic } from "./io.js";
import { buildProgram } from "./main.js";

/** What `secretfleet demo` was asked to do. */
export interface DemoSettings {
  readonly dir: string;
  readonly keySize: number;
  readonly keepRunning: boolean;
}

/** The clusters: the hub runs Argo CD and External Secrets, each spoke a Sealed Secrets controller. */
export const hub = "hub";
export const spokes = ["prod", "stage"] as const;
export type Spoke = (typeof spokes)[number];

/** The sample Secret sealed for the spokes (and served by the hub's Fake store). */
export const sample = { namespace: "team-a", name: "db-credentials" };
/** The value the demo must never print (its test searches every output for it). */
export const samplePassword = "demo-only-not-a-real-password";
export const sampleSecret = `apiVersion: v1
kind: Secret
metadata:
  name: ${sample.name}
  namespace: ${sample.namespace}
  labels:
    app: billing
type: Opaque
stringData:
  username: billing
  password: ${samplePassword}
`;

/** A status condition, as controllers write them. */
export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** The condition of `type` in an object's status, if any. */
export function conditionOf(object: KubeObject | undefined, type: string): Condition | undefined {
  const status = object?.status as { conditions?: Condition[] } | undefined;
  return status?.conditions?.find((condition) => condition.type === type);
}

/** A Secret's item names (never the values). */
function itemNames(secret: KubeObject | undefined): string {
  return Object.keys((secret as { data?: Record<string, string> } | undefined)?.data ?? {})
    .sort()
    .join(", ");
}

/** `Type=Status (Reason: message)`, as kubectl describe words a condition. */
export function described(condition: Condition): string {
  const reason = condition.reason ?? "";
  const message = condition.message ?? "";
  const detail = [reason, message].filter((part) => part !== "").join(": ");
  return `${condition.type}=${condition.status}${detail === "" ? "" : ` (${detail})`}`;
}

/** The demo's state between steps. */
export class Demo {
  readonly fleet = new Fleet();
  readonly settings: DemoSettings;
  readonly clients = new Map<string, KubeClient>();
  #step = 0;

  constructor(settings: DemoSettings) {
    this.settings = settings;
  }

  path(...parts: string[]): string {
    return join(this.settings.dir, ...parts);
  }

  get kubeconfig(): string {
    return this.path("kubeconfig");
  }

  client(name: string): KubeClient {
    const client = this.clients.get(name);
    if (client === undefined) throw new Error(`no client for cluster "${name}"`);
    return client;
  }

  out(line = ""): void {
    process.stdout.write(`${line}\n`);
  }

  /** Runs one step: prints its title, then what it produced; a failure names the step. */
  async step(name: string, title: string, run: () => Promise<void>): Promise<void> {
    const number = ++this.#step;
    this.out(`${number}. ${title}…`);
    try {
      await run();
    } catch (error) {
      throw new CliError(`step ${number} (${name}) failed: ${(error as Error).message}`, 1, {
        cause: error,
      });
    }
  }

  /** `secretfleet ARGS`, run in this process exactly as the command line runs it. */
  async secretfleet(args: readonly string[]): Promise<void> {
    const program = await buildProgram(args);
    await program.parseAsync([...args], { from: "user" });
  }

  /** The item names (never the values) of a Secret on `cluster`. @throws Error when it is missing */
  async secretItems(cluster: string, namespace: string, name: string): Promise<string> {
    const secret = await this.client(cluster).get({
      apiVersion: "v1",
      kind: "Secret",
      namespace,
      name,
    });
    if (secret === undefined) throw new Error(`no Secret ${namespace}/${name} on ${cluster}`);
    return itemNames(secret);
  }

  /** Writes a hub manifest under gitops/hub/ (what a team would commit) and returns its path. */
  async writeManifest(object: KubeObject, ...parts: string[]): Promise<string> {
    const path = this.path("gitops", "hub", ...parts);
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, stringify(object));
    return path;
  }
}

/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models are classes, but its serializer sends plain objects */
// `npm run bench -- localcluster`: create 10,000 Secrets through @kubernetes/client-node with 16
// requests in flight against `secretfleet dev cluster` running in a child process, beside the
// same client against a bare node:http JSON echo server (parse the body, answer it back) in a
// child process, measured in the same run: the physical limit of one HTTP+JSON round trip on
// this machine. Also measured: watch-delivery delay (from the client receiving a create's response
// to a watcher in the same client process receiving its ADDED event; 0 when the event came
// first) and the cluster process's RSS with the 10,000 Secrets stored.
// Goals: ratio >= 0.25, p99 watch delay <= 50 ms, RSS <= 300 MB.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { cliPath } from "../test/support/paths.js";
import { ratioLine } from "./limits.js";

const total = 10_000;
const inFlight = 16;

const echoServer = `
const server = require("node:http").createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    res.writeHead(201, { "Content-Type": "application/json" });
    res.end(JSON.stringify(body));
  });
});
server.listen(0, "127.0.0.1", () => console.log("http://127.0.0.1:" + server.address().port));
`;

/** Starts a child process and resolves with the first URL it prints. */
function startChild(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /(http:\/\/\S+)\n/.exec(out);
      if (match?.[1] !== undefined) resolve({ child, url: match[1] });
    });
    child.on("exit", (code) => {
      reject(new Error(`child exited with ${code ?? "a signal"} before printing its URL`));
    });
  });
}

function clientFor(server: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server, skipTLSVerify: true }],
    users: [{ name: "u" }],
    contexts: [{ name: "c", cluster: "c", user: "u" }],
    currentContext: "c",
  });
  return kc;
}

/** Creates `total` Secrets with `inFlight` requests outstanding; returns writes per second. */
async function createSecrets(
  core: k8s.CoreV1Api,
  acknowledged: (name: string) => void,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) {
        const name = `s-${next++}`;
        await core.createNamespacedSecret({
          namespace: "default",
          body: {
            metadata: { name, labels: { bench: "yes" } },
            stringData: { password: `value-${name}` },
          },
        });
        acknowledged(name);
      }
    }),
  );
  return (total / (performance.now() - started)) * 1000;
}

function rssMb(pid: number | undefined, field: "VmRSS" | "VmHWM"): number {
  const status = readFileSync(`/proc/${pid ?? 0}/status`, "utf8");
  const kb = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1];
  return Number(kb) / 1024;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function echoRate(): Promise<number> {
  const { child, url } = await startChild(["-e", echoServer]);
  try {
    return await createSecrets(clientFor(url).makeApiClient(k8s.CoreV1Api), () => undefined);
  } finally {
    child.kill();
  }
}

interface ClusterResult {
  rate: number;
  delays: number[];
  events: number;
  rss: number;
  peak: number;
}

async function clusterRun(): Promise<ClusterResult> {
  const dir = mkdtempSync(join(tmpdir(), "secretfleet-bench-"));
  const { child, url } = await startChild([
    cliPath,
    "dev",
    "cluster",
    "--port",
    "0",
    "--kubeconfig",
    join(dir, "config"),
  ]);
  try {
    const kc = clientFor(url);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const list = await core.listNamespacedSecret({ namespace: "default" });
    const acknowledgedAt = new Map<string, number>();
    const seenAt = new Map<string, number>();
    const watch = await new k8s.Watch(kc).watch(
      "/api/v1/namespaces/default/secrets",
      { resourceVersion: list.metadata?.resourceVersion ?? "" },
      (type: string, obj: k8s.V1Secret) => {
        if (type === "ADDED") seenAt.set(obj.metadata?.name ?? "", performance.now());
      },
      () => undefined,
    );
    const rate = await createSecrets(core, (name) => acknowledgedAt.set(name, performance.now()));
    for (let i = 0; i < 1000 && seenAt.size < total; i++)
      await new Promise((r) => setTimeout(r, 10));
    watch.abort();
    const delays = [...acknowledgedAt].map(([name, at]) =>
      Math.max(0, (seenAt.get(name) ?? Number.POSITIVE_INFINITY) - at),
    );
    return {
      rate,
      delays: delays.sort((a, b) => a - b),
      events: seenAt.size,
      rss: rssMb(child.pid, "VmRSS"),
      peak: rssMb(child.pid, "VmHWM"),
    };
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const limit = await echoRate();
  const result = await clusterRun();
  const line = (text: string): void => {
    process.stdout.write(`${text}\n`);
  };
  line(
    ratioLine(
      `create Secret via client-node (${total}, ${inFlight} in flight)`,
      result.rate,
      limit,
      "writes/s",
    ),
  );
  line("  limit: the same client against a bare node:http JSON echo server; goal ratio >= 0.25");
  const p50 = percentile(result.delays, 50).toFixed(1);
  const p99 = percentile(result.delays, 99).toFixed(1);
  line(
    `watch delivery delay: p50 ${p50} ms, p99 ${p99} ms over ${result.events}/${total} events (goal p99 <= 50 ms)`,
  );
  line(
    `cluster RSS with ${total} Secrets: ${result.rss.toFixed(0)} MB, peak ${result.peak.toFixed(0)} MB (goal <= 300 MB)`,
  );
}

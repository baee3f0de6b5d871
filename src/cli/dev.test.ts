import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { cliPath } from "../../test/support/paths.js";

interface Running {
  url: Promise<string>;
  exit: Promise<number | null>;
  stderr: () => string;
  kill: (signal: NodeJS.Signals) => void;
}

function startCluster(args: string[]): Running {
  const child = spawn(process.execPath, [cliPath, "dev", "cluster", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = /^(http:\/\/\S+)\n/.exec(stdout);
      if (line?.[1] !== undefined) resolve(line[1]);
    });
    child.on("close", () => {
      reject(new Error(`dev cluster exited before printing its URL: ${stderr}`));
    });
  });
  const exit = new Promise<number | null>((resolve) => child.on("close", resolve));
  return { url, exit, stderr: () => stderr, kill: (signal) => child.kill(signal) };
}

test("secretfleet dev cluster prints its URL, writes a kubeconfig for context N, and stops on SIGTERM", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "secretfleet-dev-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const kubeconfig = join(dir, "config");
  const running = startCluster(["--port", "0", "--kubeconfig", kubeconfig, "--name", "hub"]);
  t.after(() => {
    running.kill("SIGKILL");
  });
  const url = await running.url;
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const config = parse(readFileSync(kubeconfig, "utf8")) as {
    "current-context": string;
    clusters: { cluster: { server: string } }[];
  };
  assert.equal(config["current-context"], "hub");
  assert.equal(config.clusters[0]?.cluster.server, url);
  const version = (await (await fetch(`${url}/version`)).json()) as { gitVersion: string };
  assert.equal(version.gitVersion, "v1.32.0");
  running.kill("SIGTERM");
  assert.equal(await running.exit, 0, running.stderr());
});

test("secretfleet dev cluster refuses a malformed --port with exit 2", async () => {
  const running = startCluster(["--port", "http", "--kubeconfig", "/nonexistent/config"]);
  await assert.rejects(running.url);
  assert.equal(await running.exit, 2);
  assert.match(running.stderr(), /^error: invalid --port "http"/m);
});

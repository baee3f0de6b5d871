// Loads argocd-vault-plugin's upstream end-to-end data (../shared/upstream/avp/e2e) as data: the
// Vault contents the runs assume go into a Vault double; the CLI runs as a child process.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { cliPath } from "./paths.js";
import type { VaultDouble } from "./vault-double.js";

type JsonMap = Record<string, unknown>;

/** The parsed backend-vault.yaml. */
export interface UpstreamBackend {
  readonly kv_v1: Record<string, JsonMap>;
  readonly kv_v2: Record<string, JsonMap[]>;
  readonly runs: readonly {
    readonly args: readonly string[];
    readonly stdin?: string;
    readonly stdout: string;
    readonly exit: number;
  }[];
}

/** One case of errors.yaml. */
export interface UpstreamErrorCase {
  readonly name: string;
  readonly args: readonly string[];
  readonly env?: Record<string, string>;
  readonly stdin?: string;
  readonly stdout?: string;
  readonly stderr_contains?: string;
  readonly stderr_trimmed_equals?: string;
}

export function loadUpstreamBackend(e2eDir: string): UpstreamBackend {
  return parse(readFileSync(join(e2eDir, "backend-vault.yaml"), "utf8")) as UpstreamBackend;
}

export function loadUpstreamErrors(e2eDir: string): UpstreamErrorCase[] {
  return (
    parse(readFileSync(join(e2eDir, "errors.yaml"), "utf8")) as { cases: UpstreamErrorCase[] }
  ).cases;
}

/**
 * Mounts `secret/` (KV v1) and `kv/` (KV v2), writes every secret, and adds the AppRole the runs
 * log in with (read and list on secret/* and kv/*). Returns the AppRole credentials.
 */
export function seedUpstreamVault(
  vault: VaultDouble,
  backend: UpstreamBackend,
): { roleId: string; secretId: string } {
  vault.mount("secret", 1);
  vault.mount("kv", 2);
  for (const [path, data] of Object.entries(backend.kv_v1)) vault.writeKv(path, data as never);
  for (const [path, versions] of Object.entries(backend.kv_v2)) {
    for (const data of versions) vault.writeKv(path.replace("/data/", "/"), data as never);
  }
  vault.setPolicy("avp-reader", { "secret/*": ["read", "list"], "kv/*": ["read", "list"] });
  return vault.addAppRole("avp", { policies: ["avp-reader"] });
}

/** The environment of one run: no inherited AVP_, VAULT_ or ARGOCD_ENV_ variables. */
export function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || /^(AVP_|VAULT_|ARGOCD_ENV|SOPS_)/.test(name)) continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the built CLI asynchronously (the Vault double answers from this process, so a synchronous
 * spawn would deadlock), with a time bound.
 */
export function runCli(
  args: readonly string[],
  options: {
    env: Record<string, string>;
    cwd?: string;
    stdin?: string | Buffer;
    timeoutMs?: number;
  },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      env: options.env,
      cwd: options.cwd ?? process.cwd(),
      stdio: ["pipe", "pipe", "pipe"],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`secretfleet ${args.join(" ")} did not finish in time`));
    }, options.timeoutMs ?? 30_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({
        status,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
      });
    });
    child.stdin.end(options.stdin ?? "");
  });
}

// `secretfleet cluster add|list`: Argo CD cluster Secrets, written byte-compatibly with Argo CD, or
// as an ExternalSecret that templates them from Vault so that no token is ever in Git.
import type { Command } from "commander";
import { Option } from "commander";
import type { JsonObject } from "../argocd/index.js";
import { CliError } from "./errors.js";
import { writeFileAtomic } from "./io.js";
import { formatObjects, readClusterSecretsDir } from "./manifest-files.js";

type Argocd = typeof import("../argocd/index.js");

interface AddFlags {
  server: string;
  label: string[];
  annotation: string[];
  namespace: string;
  project?: string;
  namespaces?: string;
  clusterResources: boolean;
  fromVault?: string;
  secretStore: string;
  secretStoreKind: string;
  refreshInterval: string;
  tokenProperty: string;
  caProperty: string;
  output: string;
  outputFile?: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Registers `secretfleet cluster` on `program`. */
export function registerCluster(program: Command): void {
  const cluster = program.command("cluster").description("Argo CD cluster Secrets");
  cluster
    .command("add")
    .description(
      "write the cluster Secret Argo CD would create for a cluster (no credentials), or with --from-vault " +
        "the ExternalSecret that builds it from Vault, so that the cluster token never enters Git",
    )
    .argument(
      "<name>",
      "cluster name (what destination.name and the clusters generator's {{name}} use)",
    )
    .requiredOption("--server <url>", "API server URL")
    .option(
      "--label <key=value>",
      "label for the clusters generator's selectors (repeatable)",
      collect,
      [],
    )
    .option("--annotation <key=value>", "annotation (repeatable)", collect, [])
    .option("-n, --namespace <namespace>", "Argo CD's namespace", "argocd")
    .option("--project <project>", "make the cluster project-scoped")
    .option("--namespaces <list>", "comma-separated namespaces Argo CD may manage on the cluster")
    .option(
      "--cluster-resources",
      "allow cluster-scoped resources together with --namespaces",
      false,
    )
    .option(
      "--from-vault <path>",
      "Vault KV path whose properties hold the token and CA; writes an ExternalSecret (ESO v1) instead of a Secret",
    )
    .option(
      "--secret-store <name>",
      "the (Cluster)SecretStore to read Vault through",
      "vault-backend",
    )
    .addOption(
      new Option("--secret-store-kind <kind>", "kind of the store")
        .choices(["ClusterSecretStore", "SecretStore"])
        .default("ClusterSecretStore"),
    )
    .option("--refresh-interval <duration>", "how often ESO re-reads Vault", "1h")
    .option(
      "--token-property <name>",
      "property of the Vault secret holding the bearer token",
      "bearerToken",
    )
    .option(
      "--ca-property <name>",
      "property holding the CA certificate, base64 of the PEM",
      "caData",
    )
    .addOption(
      new Option("-o, --output <format>", "output format")
        .choices(["yaml", "json"])
        .default("yaml"),
    )
    .option("-w, --output-file <file>", "write to a file (atomically) instead of stdout")
    .action(async (name: string, flags: AddFlags) => {
      const argocd = await import("../argocd/index.js");
      const manifest =
        flags.fromVault === undefined
          ? clusterSecret(argocd, name, flags)
          : externalSecret(argocd, name, flags.fromVault, flags);
      const text = formatObjects([manifest], flags.output, false);
      if (flags.outputFile === undefined) process.stdout.write(text);
      else await writeFileAtomic(flags.outputFile, text);
    });
  cluster
    .command("list")
    .description("list the cluster Secrets of a folder of manifests (never their credentials)")
    .argument("<dir>", "folder (or file) of manifests")
    .addOption(
      new Option("-o, --output <format>", "output format")
        .choices(["table", "json", "yaml"])
        .default("table"),
    )
    .action(async (dir: string, flags: { output: string }) => {
      const argocd = await import("../argocd/index.js");
      const rows = (await readClusterSecretsDir(argocd, dir)).map((secret) => {
        const cluster = argocd.secretToCluster(secret);
        return {
          name: cluster.name,
          server: cluster.server,
          secret: `${secret.namespace ?? ""}/${secret.secretName}`,
          project: cluster.project,
          namespaces: cluster.namespaces,
          labels: cluster.labels,
          credentials: credentialKinds(cluster.config),
        };
      });
      if (flags.output !== "table") {
        process.stdout.write(formatObjects(rows, flags.output === "json" ? "json" : "yaml", true));
        return;
      }
      const table = [["NAME", "SERVER", "SECRET", "PROJECT", "LABELS", "CREDENTIALS"]];
      for (const row of rows) {
        const labels = Object.entries(row.labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(",");
        table.push([
          row.name,
          row.server,
          row.secret,
          row.project,
          labels,
          row.credentials.join(",") || "none",
        ]);
      }
      process.stdout.write(formatTable(table));
    });
}

/** Which kinds of credentials a config holds, by name only. */
function credentialKinds(config: ReturnType<Argocd["secretToCluster"]>["config"]): string[] {
  const kinds: string[] = [];
  if (config.bearerToken !== undefined) kinds.push("bearerToken");
  if (config.username !== undefined || config.password !== undefined) kinds.push("basic");
  if (config.tlsClientConfig.certData !== undefined) kinds.push("clientCert");
  if (config.awsAuthConfig !== undefined) kinds.push("aws");
  if (config.execProviderConfig !== undefined) kinds.push("exec");
  return kinds;
}

function formatTable(rows: readonly string[][]): string {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  return (
    rows
      .map((row) =>
        row
          .map((cell, column) => cell.padEnd(widths[column] ?? 0))
          .join("   ")
          .trimEnd(),
      )
      .join("\n") + "\n"
  );
}

function keyValues(values: readonly string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values) {
    const separator = value.indexOf("=");
    if (separator <= 0) throw new CliError(`${flag} "${value}": want KEY=VALUE`, 2);
    out[value.slice(0, separator)] = value.slice(separator + 1);
  }
  return out;
}

function checkServer(server: string): void {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new CliError(`--server "${server}": not an absolute URL`, 2);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new CliError(`--server "${server}": want an http(s) URL`, 2);
}

function clusterSecret(argocd: Argocd, name: string, flags: AddFlags): JsonObject {
  checkServer(flags.server);
  return argocd.clusterToSecret(
    {
      name,
      server: flags.server,
      namespaces: (flags.namespaces ?? "")
        .split(",")
        .map((ns) => ns.trim())
        .filter((ns) => ns !== ""),
      clusterResources: flags.clusterResources,
      project: flags.project ?? "",
      config: { tlsClientConfig: { insecure: false } },
      labels: keyValues(flags.label, "--label"),
      annotations: keyValues(flags.annotation, "--annotation"),
    },
    { namespace: flags.namespace },
  );
}

/**
 * The ExternalSecret (external-secrets.io/v1) whose template is the cluster Secret: name and
 * server are plain text, the config JSON takes the token and CA from Vault at runtime (`toJson`
 * quotes them), labels make it a cluster Secret for Argo CD and for cluster selectors.
 */
function externalSecret(
  argocd: Argocd,
  name: string,
  vaultPath: string,
  flags: AddFlags,
): JsonObject {
  checkServer(flags.server);
  if (vaultPath.trim() === "") throw new CliError("--from-vault: the Vault path is empty", 2);
  const secretName = argocd.clusterSecretName(flags.server);
  const labels = { ...keyValues(flags.label, "--label"), [argocd.secretTypeLabel]: "cluster" };
  const data: Record<string, string> = {
    name,
    server: flags.server.replace(/\/+$/, ""),
    config:
      `{"bearerToken":{{ .${flags.tokenProperty} | toJson }},` +
      `"tlsClientConfig":{"insecure":false,"caData":{{ .${flags.caProperty} | toJson }}}}`,
  };
  if (flags.namespaces !== undefined && flags.namespaces !== "") data.namespaces = flags.namespaces;
  if (flags.clusterResources) data.clusterResources = "true";
  if (flags.project !== undefined && flags.project !== "") data.project = flags.project;
  const remote = (property: string): JsonObject => ({
    secretKey: property,
    remoteRef: { key: vaultPath, property },
  });
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "ExternalSecret",
    metadata: { name: secretName, namespace: flags.namespace },
    spec: {
      refreshInterval: flags.refreshInterval,
      secretStoreRef: { name: flags.secretStore, kind: flags.secretStoreKind },
      target: {
        name: secretName,
        creationPolicy: "Owner",
        template: {
          engineVersion: "v2",
          type: "Opaque",
          metadata: withAnnotations({ labels }, keyValues(flags.annotation, "--annotation")),
          data,
        },
      },
      data: [remote(flags.tokenProperty), remote(flags.caProperty)],
    },
  };
}

function withAnnotations(metadata: JsonObject, annotations: Record<string, string>): JsonObject {
  return Object.keys(annotations).length === 0 ? metadata : { ...metadata, annotations };
}

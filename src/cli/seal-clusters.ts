// `seal --clusters SELECTOR --cluster-secrets DIR --certs-dir CERTS`: the fleet members of a seal
// chosen by a label selector over Argo CD cluster Secrets, as the clusters generator chooses them,
// each with its certificate CERTS/NAME.pem. Fleet sealing itself stays in seal.ts.
import { access } from "node:fs/promises";
import { join } from "node:path";
import { CliError, ExitCode } from "./errors.js";
import { readClusterSecretsDir } from "./manifest-files.js";

/** The cluster flags of `seal`. */
export interface ClusterSealFlags {
  /** Label selector over cluster Secret labels (`env=production,region in (eu,us)`). */
  readonly clusters: string;
  /** Folder (or file) of Argo CD cluster Secret manifests. */
  readonly clusterSecrets: string;
  /** Folder holding `NAME.pem`, the sealing certificate of each cluster. */
  readonly certsDir: string;
}

/** One cluster to seal for. */
export interface ClusterMember {
  /** The cluster's name (the cluster Secret's `name`, `{{name}}` in a clusters generator). */
  readonly name: string;
  /** `namespace/secret-name` of its cluster Secret, for error messages. */
  readonly secret: string;
  readonly certificate: string;
}

/**
 * The clusters a seal is for: the cluster Secrets of `clusterSecrets` matching `clusters` (the
 * clusters generator's selector rules; one per cluster name), sorted by name, each with
 * `certsDir/NAME.pem`.
 * @throws CliError (usage) for a missing companion flag or a selector that does not parse;
 *   CliError naming the folder when no cluster matches, and the cluster and path when its
 *   certificate file is missing
 */
export async function clusterMembers(flags: ClusterSealFlags): Promise<ClusterMember[]> {
  if (flags.clusterSecrets === "")
    throw new CliError(
      "--clusters needs --cluster-secrets DIR (the Argo CD cluster Secret manifests)",
      ExitCode.usage,
    );
  if (flags.certsDir === "")
    throw new CliError(
      "--clusters needs --certs-dir DIR (a NAME.pem certificate for each cluster)",
      ExitCode.usage,
    );
  const argocd = await import("../argocd/index.js");
  const secrets = await readClusterSecretsDir(argocd, flags.clusterSecrets);
  let selected;
  try {
    selected = argocd.selectClusters(secrets, flags.clusters);
  } catch (error) {
    throw new CliError(
      `--clusters "${flags.clusters}": ${(error as Error).message}`,
      ExitCode.usage,
      {
        cause: error,
      },
    );
  }
  if (selected.length === 0) {
    const known = secrets.map((secret) => secret.data.name ?? secret.secretName).join(", ");
    throw new CliError(
      `--clusters "${flags.clusters}": no cluster Secret in "${flags.clusterSecrets}" matches` +
        ` (${String(secrets.length)} read${known === "" ? "" : `: ${known}`})`,
    );
  }
  const members: ClusterMember[] = [];
  for (const secret of selected) {
    const name = secret.data.name ?? "";
    const member = {
      name,
      secret: `${secret.namespace ?? ""}/${secret.secretName}`,
      certificate: join(flags.certsDir, `${name}.pem`),
    };
    try {
      await access(member.certificate);
    } catch {
      throw new CliError(
        `cluster "${name}" (cluster Secret "${member.secret}"): no certificate "${member.certificate}"` +
          " (--certs-dir holds NAME.pem for each cluster)",
      );
    }
    members.push(member);
  }
  return members;
}

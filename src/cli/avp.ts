import { homedir } from "node:os";
import type { Command } from "commander";
import { CliError, ExitCode } from "./errors.js";
import { readStdin } from "./io.js";
import { packageVersion } from "./version.js";

interface GenerateFlags {
  configPath?: string;
  secretName?: string;
  verboseSensitiveOutput?: boolean;
  disableTokenCache?: boolean;
}

/** Go's `log.Printf` prefix, which AVP's verbose lines carry: `2006/01/02 15:04:05 `. */
function logTimestamp(now: Date): string {
  const pad = (value: number): string => String(value).padStart(2, "0");
  return (
    `${now.getFullYear()}/${pad(now.getMonth() + 1)}/${pad(now.getDate())} ` +
    `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`
  );
}

/**
 * Reads Secrets of the cluster AVP runs in, through the Kubernetes provider: the config Secret of
 * `--secret-name` and the `kubernetessecret` backend. Upstream uses only the in-cluster service
 * account; we load the kubeconfig in controller-runtime's order (KUBECONFIG, in-cluster, ~/.kube),
 * so the same command works from a laptop.
 */
function clusterSecretReader(): (
  namespace: string,
  name: string,
) => Promise<Record<string, Uint8Array>> {
  let client: import("../kube/index.js").KubeClient | undefined;
  return async (namespace, name) => {
    const [{ createKubeClient }, { createKubernetesProvider }] = await Promise.all([
      import("../kube/index.js"),
      import("../providers/index.js"),
    ]);
    try {
      client ??= createKubeClient({ env: process.env, fieldManager: "argocd-vault-plugin" });
    } catch (error) {
      throw new Error(
        `could not connect to local Kubernetes cluster to read Secret: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    const data = await createKubernetesProvider({
      client,
      remoteNamespace: namespace,
    }).getSecretMap({ key: name });
    if (data === undefined) throw new Error(`secrets "${name}" not found`);
    return data;
  };
}

async function runGenerate(path: string | undefined, flags: GenerateFlags): Promise<void> {
  if (path === undefined)
    throw new CliError("<path> argument required to generate manifests", ExitCode.error);
  const avp = await import("../avp/index.js");
  const verbose =
    flags.verboseSensitiveOutput === true
      ? (message: string): void => {
          process.stderr.write(
            `${logTimestamp(new Date())} ${message.endsWith("\n") ? message : `${message}\n`}`,
          );
        }
      : undefined;
  try {
    await avp.generate({
      path,
      readStdin,
      ...(flags.configPath === undefined ? {} : { configPath: flags.configPath }),
      ...(flags.secretName === undefined ? {} : { secretName: flags.secretName }),
      disableTokenCache: flags.disableTokenCache === true,
      env: process.env,
      home: homedir(),
      write: (text) => process.stdout.write(text),
      readSecret: clusterSecretReader(),
      ...(verbose === undefined ? {} : { verbose }),
    });
  } catch (error) {
    throw new CliError((error as Error).message, ExitCode.error, { cause: error });
  }
}

/**
 * `secretfleet avp …`: argocd-vault-plugin's commands, with its flags. `avp generate <path|->`
 * prints the manifests with placeholders replaced, for an Argo CD config management plugin.
 */
export function registerAvp(program: Command): void {
  const avp = program
    .command("avp")
    .description(
      "argocd-vault-plugin: replace <placeholders> in Kubernetes manifests with secret values",
    );
  avp
    .command("generate")
    .description(
      "Generate manifests from templates with Vault values: walks <path> (a file, a directory, or - for stdin) " +
        "and prints every manifest, placeholders replaced, each followed by ---",
    )
    .argument("[path]", "a file or directory of .yaml/.yml/.json manifests, or - to read stdin")
    .option(
      "-c, --config-path <file>",
      "path to a file containing Vault configuration (YAML, JSON, envfile) to use",
    )
    .option(
      "-s, --secret-name <name>",
      "name of a Kubernetes Secret in the argocd namespace containing Vault configuration data; " +
        "the namespace can be overridden by using the format <namespace>:<name>",
    )
    .option(
      "--verbose-sensitive-output",
      "enable verbose mode for detailed info to help with debugging. Includes sensitive data (credentials), logged to stderr",
    )
    .option(
      "--disable-token-cache",
      "disable the automatic token cache feature that store tokens locally",
    )
    .action((path: string | undefined, flags: GenerateFlags) => runGenerate(path, flags));
  avp
    .command("version")
    .description("Print the version")
    .action(() => {
      process.stdout.write(
        `secretfleet avp ${packageVersion()} (argocd-vault-plugin compatible)\n`,
      );
    });
}

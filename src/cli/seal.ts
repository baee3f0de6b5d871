// `secretfleet seal`: kubeseal's interface (spec §6) for every mode that needs no cluster, plus
// sealing for a fleet (`--cert NAME=PATH` repeated, `-w` with `{name}`). The sealing module is
// imported only inside the action, so `secretfleet --help` and start-up stay fast.
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, extname } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import type { Scope, SealedSecret } from "../sealing/index.js";
import { CliError, ExitCode } from "./errors.js";
import { readStdin, temporaryPathFor } from "./io.js";
import { kubeconfigNamespace } from "./kubeconfig.js";
import { clusterController } from "./seal-controller.js";
import { parseGoBool } from "./go-flags.js";

type Sealing = typeof import("../sealing/index.js");

/** The flags of `seal`, after command line and SEALED_SECRETS_* variables are merged. */
export interface SealConfig {
  certs: string[];
  controllerNamespace: string;
  controllerName: string;
  format: string;
  outputFile: string;
  inputFile: string;
  fetchCert: boolean;
  allowEmptyData: boolean;
  validate: boolean;
  mergeInto: string;
  raw: boolean;
  name: string;
  fromFile: string[];
  scope: Scope;
  reEncrypt: boolean;
  recoveryUnseal: boolean;
  recoveryPrivateKeys: string[];
  kubeconfig: string;
  context: string;
  /** `-n`/SEALED_SECRETS_NAMESPACE; "" when not set explicitly. */
  namespace: string;
  /** `--clusters`: fleet members from cluster Secrets (seal-clusters.ts); "" when not given. */
  clusters: string;
  clusterSecrets: string;
  certsDir: string;
}

/**
 * What talks to a Sealed Secrets controller (certificate, /v1/verify, /v1/rotate): in production
 * `clusterController` (seal-controller.ts), through the API server's service proxy.
 */
export interface ControllerClient {
  /** The newest certificate, as `/v1/cert.pem` serves it. */
  fetchCertificate(config: SealConfig): Promise<Buffer>;
  /** Rejects naming the first SealedSecret the controller cannot decrypt (§6.9). */
  validate(config: SealConfig, sealed: readonly SealedSecret[]): Promise<void>;
  /** The SealedSecrets re-sealed with the newest key (§6.8). */
  reEncrypt(config: SealConfig, sealed: readonly SealedSecret[]): Promise<SealedSecret[]>;
}

/** The process around a run, passed in so tests can drive it. */
export interface SealEnvironment {
  readInput: () => Promise<Buffer>;
  stdout: (data: string) => void;
  stderr: (data: string) => void;
  stdinIsTTY: boolean;
  stderrIsTTY: boolean;
  env: Readonly<Record<string, string | undefined>>;
  now: () => Date;
  controller: ControllerClient;
}

const SCOPES = "strict, namespace-wide, cluster-wide";

function parseScopeFlag(value: string): Scope {
  if (
    value === "" ||
    value === "strict" ||
    value === "namespace-wide" ||
    value === "cluster-wide"
  ) {
    return value === "" ? "strict" : value;
  }
  throw new InvalidArgumentError(`must be one of: ${SCOPES}`);
}

const collect = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  ...value.split(",").filter((item) => item !== ""),
];

/** Registers `secretfleet seal` on `program`. */
export function registerSeal(program: Command, environment?: Partial<SealEnvironment>): void {
  program
    .command("seal")
    .description(
      "encrypt Secrets into SealedSecrets (kubeseal-compatible); also --raw, --merge-into, --recovery-unseal, " +
        "and fleet sealing with --cert NAME=PATH repeated and -w 'clusters/{name}/x.yaml'",
    )
    .addOption(
      new Option(
        "--cert <file|url>",
        "certificate file, file:// or http(s):// URL; NAME=PATH (repeatable) seals for a fleet",
      ).argParser(collectCert),
    )
    .option(
      "--controller-namespace <ns>",
      "namespace of the Sealed Secrets controller",
      "kube-system",
    )
    .option(
      "--controller-name <name>",
      "name of the Sealed Secrets controller",
      "sealed-secrets-controller",
    )
    .option("-o, --format <format>", "output format: json or yaml", "json")
    .option(
      "-w, --sealed-secret-file <file>",
      "output file, written atomically (with fleet sealing: a path with {name})",
    )
    .option("-f, --secret-file <file>", "input file (default: stdin)")
    .option("--fetch-cert", "print the certificate and exit")
    .option("--allow-empty-data", "allow Secrets without data")
    .option("--validate", "ask the controller whether SealedSecrets can be decrypted")
    .option(
      "--merge-into <file>",
      "merge the sealed items into an existing SealedSecret file, in place",
    )
    .option("--raw", "encrypt one raw value (--from-file or stdin) and print bare base64")
    .option("--name <name>", "Secret name (for --raw; otherwise overrides the input's name)")
    .option("--from-file <[key=]path>", "(with --raw) file holding the value", collect)
    .addOption(
      new Option("--scope <scope>", `sealing scope: ${SCOPES}`)
        .argParser(parseScopeFlag)
        .default("strict"),
    )
    .option("--re-encrypt", "re-encrypt SealedSecrets with the controller's newest key")
    .addOption(new Option("--rotate", "deprecated alias of --re-encrypt").hideHelp())
    .option("--recovery-unseal", "decrypt a SealedSecret offline with --recovery-private-key")
    .option(
      "--recovery-private-key <files>",
      "private key files: PEM, key Secrets or a v1/List backup (comma-separated, repeatable)",
      collect,
    )
    .option("--kubeconfig <file>", "kubeconfig file (namespace, and the cluster of the controller)")
    .option("--context <name>", "kubeconfig context (namespace, and the cluster of the controller)")
    .option(
      "-n, --namespace <ns>",
      "namespace of the Secret (default: the kubeconfig context's, else default)",
    )
    .option(
      "--clusters <selector>",
      "seal for every Argo CD cluster whose cluster Secret matches this label selector " +
        "(env=production,region in (eu,us)), each with --certs-dir/NAME.pem, into -w 'clusters/{name}/x.yaml'",
    )
    .option(
      "--cluster-secrets <dir>",
      "(with --clusters) folder of Argo CD cluster Secret manifests",
    )
    .option("--certs-dir <dir>", "(with --clusters) folder holding NAME.pem for each cluster")
    .addHelpText(
      "after",
      "\nEvery flag can also be set as SEALED_SECRETS_<FLAG> (e.g. SEALED_SECRETS_CERT, SEALED_SECRETS_SCOPE);\n" +
        "the command line wins. Errors are printed as `error: <message>` with exit status 1.",
    )
    .action(async (_options: unknown, command: Command) => {
      const config = sealConfig(command, environment?.env ?? process.env);
      if (command.getOptionValueSource("rotate") === "cli") {
        (environment?.stderr ?? ((text: string) => process.stderr.write(text)))(
          "Flag --rotate has been deprecated, please use --re-encrypt instead\n",
        );
      }
      await runSeal(config, { ...defaultEnvironment(config), ...environment });
    });
}

function collectCert(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function defaultEnvironment(config: SealConfig): SealEnvironment {
  return {
    readInput: async () => {
      if (config.inputFile === "") return readStdin();
      try {
        return await readFile(config.inputFile);
      } catch {
        throw new CliError("Could not read file specified with --secret-file");
      }
    },
    stdout: (data) => process.stdout.write(data),
    stderr: (data) => process.stderr.write(data),
    stdinIsTTY: process.stdin.isTTY,
    stderrIsTTY: process.stderr.isTTY,
    env: process.env,
    now: () => new Date(),
    controller: clusterController,
  };
}

/**
 * Merges the command line with SEALED_SECRETS_* variables as kubeseal does: the command line wins,
 * list flags append command-line values to the variable's, and a variable that does not parse is
 * ignored.
 */
export function sealConfig(
  command: Command,
  env: Readonly<Record<string, string | undefined>>,
): SealConfig {
  const options = command.opts<Record<string, unknown>>();
  const fromCli = (key: string): boolean => command.getOptionValueSource(key) === "cli";
  const envOf = (flag: string): string | undefined =>
    env[`SEALED_SECRETS_${flag.toUpperCase().replaceAll("-", "_")}`];
  const text = (key: string, flag: string, fallback = ""): string => {
    if (fromCli(key)) return String(options[key]);
    const value = options[key];
    return envOf(flag) ?? (typeof value === "string" ? value : fallback);
  };
  const bool = (key: string, flag: string): boolean => {
    if (fromCli(key)) return options[key] === true;
    const value = envOf(flag);
    // A variable strconv.ParseBool rejects is ignored, as pflag ignores an env value it cannot parse.
    return (value === undefined ? undefined : parseGoBool(value)) ?? false;
  };
  const list = (key: string, flag: string): string[] => {
    const value = envOf(flag);
    const base = value === undefined ? [] : value.split(",").filter((item) => item !== "");
    return [...base, ...((options[key] as string[] | undefined) ?? [])];
  };
  // Ours, not kubeseal's: no SEALED_SECRETS_* variable.
  const cliOnly = (key: string): string => {
    const value = options[key];
    return typeof value === "string" ? value : "";
  };
  let scope = options.scope as Scope;
  if (!fromCli("scope")) {
    try {
      scope = parseScopeFlag(envOf("scope") ?? "strict");
    } catch {
      scope = "strict";
    }
  }
  const certEnv = envOf("cert");
  return {
    certs: fromCli("cert") ? (options.cert as string[]) : certEnv === undefined ? [] : [certEnv],
    controllerNamespace: text("controllerNamespace", "controller-namespace", "kube-system"),
    controllerName: text("controllerName", "controller-name", "sealed-secrets-controller"),
    format: text("format", "format", "json"),
    outputFile: text("sealedSecretFile", "sealed-secret-file"),
    inputFile: text("secretFile", "secret-file"),
    fetchCert: bool("fetchCert", "fetch-cert"),
    allowEmptyData: bool("allowEmptyData", "allow-empty-data"),
    validate: bool("validate", "validate"),
    mergeInto: text("mergeInto", "merge-into"),
    raw: bool("raw", "raw"),
    name: text("name", "name"),
    fromFile: list("fromFile", "from-file"),
    scope,
    reEncrypt: bool("reEncrypt", "re-encrypt") || bool("rotate", "rotate"),
    recoveryUnseal: bool("recoveryUnseal", "recovery-unseal"),
    recoveryPrivateKeys: list("recoveryPrivateKey", "recovery-private-key"),
    kubeconfig: text("kubeconfig", "kubeconfig"),
    context: text("context", "context"),
    namespace: text("namespace", "namespace"),
    clusters: cliOnly("clusters"),
    clusterSecrets: cliOnly("clusterSecrets"),
    certsDir: cliOnly("certsDir"),
  };
}

// Go's os error text: `open PATH: no such file or directory`.
function goFileError(path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === "ENOENT"
      ? "no such file or directory"
      : code === "EACCES"
        ? "permission denied"
        : code === "EISDIR"
          ? "is a directory"
          : (error as Error).message;
  return `open ${path}: ${reason}`;
}

async function readLocalFile(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new CliError(goFileError(path, error), 1, { cause: error });
  }
}

/** Reads a --cert source as kubeseal does: a path (or one-letter scheme), file://, or http(s)://. */
export async function openCertificate(source: string): Promise<Buffer> {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(source)?.[1]?.toLowerCase() ?? "";
  if (scheme === "" || scheme.length === 1) return readLocalFile(source);
  if (scheme === "file") return readLocalFile(decodeURIComponent(new URL(source).pathname));
  if (scheme !== "http" && scheme !== "https") {
    throw new CliError(`Get "${source}": unsupported protocol scheme "${scheme}"`);
  }
  let response: Response;
  try {
    response = await fetch(source);
  } catch (error) {
    throw new CliError(
      `Get "${source}": ${((error as Error).cause as Error | undefined)?.message ?? (error as Error).message}`,
    );
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new CliError(`cannot fetch "${source}": ${response.status} ${response.statusText}`);
  }
  return Buffer.from(await response.arrayBuffer());
}

/** One file (or stdout when `path` is undefined) to write when the command succeeds. */
interface Output {
  path: string | undefined;
  data: string;
  /** Fleet outputs create their folder (`clusters/{name}/` may not exist yet). */
  createFolder?: boolean;
}

/**
 * Writes every output only after all succeeded: temporary files next to each target first, then
 * renames, so a failure leaves every existing file as it was and no half-written file behind.
 */
async function commitOutputs(
  outputs: readonly Output[],
  stdout: (data: string) => void,
): Promise<void> {
  const staged: { temporary: string; path: string }[] = [];
  let path = ""; // the file being written when something fails
  try {
    for (const output of outputs) {
      if (output.path === undefined) continue;
      path = output.path;
      const temporary = temporaryPathFor(path);
      if (output.createFolder === true) await mkdir(dirname(path), { recursive: true });
      staged.push({ temporary, path });
      await writeFile(temporary, output.data);
    }
    for (const target of staged) {
      path = target.path;
      await rename(target.temporary, path);
    }
  } catch (error) {
    await Promise.all(staged.map(({ temporary }) => rm(temporary, { force: true })));
    throw new CliError(`cannot write "${path}": ${(error as Error).message}`, 1, { cause: error });
  }
  for (const output of outputs) if (output.path === undefined) stdout(output.data);
}

interface Target {
  /** The fleet member's name ("" outside fleet sealing). */
  member: string;
  certSource: string;
  path: string | undefined;
  format: string;
}

const FLEET_CERT = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)=(.+)$/;

// Output format: -w with .yaml/.yml forces yaml (§6.2 step 5).
function formatFor(path: string | undefined, format: string): string {
  const extension = path === undefined ? "" : extname(path);
  return extension === ".yaml" || extension === ".yml" ? "yaml" : format;
}

/** Works out one target per certificate; fleet sealing when the --cert values are NAME=PATH. */
export function sealTargets(config: SealConfig): Target[] {
  const output = config.outputFile === "" ? undefined : config.outputFile;
  const fleet = config.certs.filter((cert) => FLEET_CERT.test(cert));
  if (fleet.length === 0) {
    if (config.certs.length > 1) {
      throw new CliError(
        "--cert given several times: name each certificate for fleet sealing (--cert NAME=PATH)",
      );
    }
    return [
      {
        member: "",
        certSource: config.certs[0] ?? "",
        path: output,
        format: formatFor(output, config.format),
      },
    ];
  }
  if (fleet.length !== config.certs.length)
    throw new CliError("--cert: use NAME=PATH for every certificate of a fleet");
  if (
    config.mergeInto !== "" ||
    config.recoveryUnseal ||
    config.validate ||
    config.reEncrypt ||
    config.fetchCert
  ) {
    throw new CliError("fleet sealing (--cert NAME=PATH) works with plain sealing and --raw only");
  }
  if (fleet.length > 1 && !(output ?? "").includes("{name}")) {
    throw new CliError(
      "fleet sealing needs -w with {name} in the path, e.g. -w 'clusters/{name}/secret.yaml'",
    );
  }
  const seen = new Set<string>();
  return fleet.map((cert) => {
    const [, member = "", , source = ""] = FLEET_CERT.exec(cert) ?? [];
    if (seen.has(member)) throw new CliError(`--cert: fleet member "${member}" given twice`);
    seen.add(member);
    const path = output?.replaceAll("{name}", member);
    return { member, certSource: source, path, format: formatFor(path, config.format) };
  });
}

/**
 * With `--clusters`, the config with one `--cert NAME=PATH` per matching cluster, so fleet
 * sealing does the rest; without it, the config as it is.
 */
async function withClusterCerts(config: SealConfig): Promise<SealConfig> {
  if (config.clusters === "") {
    if (config.clusterSecrets !== "" || config.certsDir !== "")
      throw new CliError("--cluster-secrets and --certs-dir go with --clusters", ExitCode.usage);
    return config;
  }
  if (config.certs.length > 0)
    throw new CliError(
      "--clusters and --cert exclude each other: with --clusters the certificates come from --certs-dir",
      ExitCode.usage,
    );
  const { clusterMembers } = await import("./seal-clusters.js");
  const certs = (await clusterMembers(config)).map((member) => {
    const cert = `${member.name}=${member.certificate}`;
    if (!FLEET_CERT.test(cert))
      throw new CliError(
        `cluster Secret "${member.secret}": cluster name "${member.name}" cannot name a -w path ` +
          "or a certificate file (want lower-case letters, digits, '-' and '.')",
      );
    return cert;
  });
  return { ...config, certs };
}

async function resolvedNamespace(
  config: SealConfig,
  env: SealEnvironment["env"],
): Promise<{ namespace: string; explicit: boolean }> {
  if (config.namespace !== "") return { namespace: config.namespace, explicit: true };
  const source = {
    explicitPath: config.kubeconfig,
    context: config.context,
    ...(env.KUBECONFIG === undefined ? {} : { kubeconfigEnv: env.KUBECONFIG }),
  };
  return { namespace: await kubeconfigNamespace(source), explicit: false };
}

function describe(sealing: Sealing, error: unknown, source: string): never {
  if (error instanceof CliError) throw error;
  if (error instanceof sealing.ManifestError)
    throw new CliError(`${source}: ${error.message}`, 1, { cause: error });
  throw new CliError((error as Error).message, 1, { cause: error });
}

async function recoveryUnseal(
  sealing: Sealing,
  config: SealConfig,
  input: Buffer,
  format: string,
): Promise<string> {
  const keys = [];
  for (const path of config.recoveryPrivateKeys) {
    const content = (await readLocalFile(path)).toString("utf8");
    try {
      keys.push(...sealing.readRecoveryKeys(content));
    } catch (error) {
      throw new CliError(`"${path}": ${(error as Error).message}`, 1, { cause: error });
    }
  }
  const [document] = sealing.parseManifests(input.toString("utf8"));
  if (document === undefined) throw new CliError("no SealedSecret found in the input");
  const sealed = sealing.decodeSealedSecret(document, { requireTypeMeta: true });
  const result = sealing.unsealSealedSecret(sealed, keys);
  if (!result.ok) throw new CliError(result.error);
  return sealing.formatObject(result.secret, sealing.parseOutputFormat(format));
}

async function rawValue(config: SealConfig, environment: SealEnvironment): Promise<Buffer> {
  if (config.fromFile.length > 1)
    throw new CliError(
      "must provide only one --from-file when encrypting a single item with --raw",
    );
  const [spec] = config.fromFile;
  if (spec !== undefined) {
    const equals = spec.indexOf("=");
    return readLocalFile(equals === -1 ? spec : spec.slice(equals + 1));
  }
  if (environment.stdinIsTTY)
    environment.stderr("(tty detected: expecting a secret to encrypt in stdin)\n");
  return readStdin();
}

async function sealRaw(
  sealing: Sealing,
  config: SealConfig,
  environment: SealEnvironment,
  publicKey: import("node:crypto").KeyObject,
): Promise<string> {
  let namespace = "";
  if (sealing.scopeRank(config.scope) < sealing.scopeRank("cluster-wide")) {
    namespace = (await resolvedNamespace(config, environment.env)).namespace;
    if (namespace === "")
      throw new CliError(
        `must provide the --namespace flag with --raw and --scope ${config.scope}`,
      );
    if (config.name === "" && config.scope === "strict")
      throw new CliError("must provide the --name flag with --raw and --scope strict");
  }
  return sealing.sealRawValue(publicKey, await rawValue(config, environment), {
    scope: config.scope,
    namespace,
    name: config.name,
  });
}

async function sealDocuments(
  sealing: Sealing,
  config: SealConfig,
  input: Buffer,
  publicKey: import("node:crypto").KeyObject,
  overrides: { name?: string; namespace?: string },
  environment: SealEnvironment,
): Promise<SealedSecret[]> {
  const source = config.inputFile === "" ? "stdin" : `"${config.inputFile}"`;
  let secrets;
  try {
    secrets = sealing
      .parseManifests(input.toString("utf8"))
      .map((document) => sealing.decodeSecret(document))
      .filter((secret) => !sealing.isEmptySecret(secret));
  } catch (error) {
    return describe(sealing, error, source);
  }
  if (secrets.length === 0)
    throw new CliError("no secrets found. Ensure the input is valid and UTF-8 encoded");
  const needsNamespace =
    config.namespace !== "" || secrets.some((secret) => (secret.metadata.namespace ?? "") === "");
  const { namespace, explicit } = needsNamespace
    ? await resolvedNamespace(config, environment.env)
    : { namespace: "", explicit: false };
  return secrets.map((secret) => {
    try {
      const prepared = sealing.prepareSecret(secret, {
        scope: config.scope,
        name: overrides.name ?? config.name,
        ...(overrides.namespace === undefined ? {} : { overrideNamespace: overrides.namespace }),
        namespace,
        namespaceExplicit: explicit,
        allowEmptyData: config.allowEmptyData,
      });
      return sealing.sealSecret(prepared, publicKey);
    } catch (error) {
      return describe(sealing, error, source);
    }
  });
}

async function mergeInto(
  sealing: Sealing,
  config: SealConfig,
  input: Buffer,
  publicKey: import("node:crypto").KeyObject,
  environment: SealEnvironment,
  format: string,
): Promise<Output> {
  const file = config.mergeInto;
  const text = (await readLocalFile(file)).toString("utf8");
  let original: SealedSecret;
  try {
    const [document] = sealing.parseManifests(text);
    if (document === undefined) throw new CliError(`"${file}": no SealedSecret in the file`);
    original = sealing.decodeSealedSecret(document, { requireTypeMeta: true });
  } catch (error) {
    return describe(sealing, error, `"${file}"`);
  }
  const sealed = await sealDocuments(
    sealing,
    config,
    input,
    publicKey,
    {
      name: original.metadata.name ?? "",
      namespace: original.metadata.namespace ?? "",
    },
    environment,
  );
  if (sealed.length > 1)
    throw new CliError(`--merge-into takes one input Secret, got ${sealed.length}`);
  const [update] = sealed;
  const template = (original.spec.template ??= {});
  const metadata = (template.metadata ??= {});
  Object.assign(original.spec.encryptedData, update?.spec.encryptedData);
  const updateMeta = update?.spec.template?.metadata;
  if (updateMeta?.annotations !== undefined)
    metadata.annotations = { ...metadata.annotations, ...updateMeta.annotations };
  if (updateMeta?.labels !== undefined)
    metadata.labels = { ...metadata.labels, ...updateMeta.labels };
  const updateData = update?.spec.template?.data;
  if (updateData !== undefined && updateData !== null)
    template.data = { ...template.data, ...updateData };
  return { path: file, data: sealing.formatObject(original, sealing.parseOutputFormat(format)) };
}

async function sealForTarget(
  sealing: Sealing,
  config: SealConfig,
  target: Target,
  input: Buffer,
  environment: SealEnvironment,
): Promise<Output> {
  const pem =
    target.certSource === ""
      ? await environment.controller.fetchCertificate(config)
      : await openCertificate(target.certSource);
  if (config.fetchCert) return { path: target.path, data: pem.toString("latin1") };
  let publicKey;
  try {
    publicKey = sealing.parseSealingCertificate(pem, environment.now()).publicKey;
  } catch (error) {
    const where = target.member === "" ? "" : `certificate of "${target.member}": `;
    throw new CliError(`${where}${(error as Error).message}`, 1, { cause: error });
  }
  if (config.mergeInto !== "")
    return mergeInto(sealing, config, input, publicKey, environment, target.format);
  const createFolder = target.member !== "";
  if (config.raw) {
    const data = await sealRaw(sealing, config, environment, publicKey);
    return { path: target.path, data, createFolder };
  }
  const format = sealing.parseOutputFormat(target.format);
  const sealed = await sealDocuments(sealing, config, input, publicKey, {}, environment);
  const data = sealed.map((object) => sealing.formatObject(object, format)).join("");
  return { path: target.path, data, createFolder };
}

async function controllerMode(
  sealing: Sealing,
  config: SealConfig,
  input: Buffer,
  environment: SealEnvironment,
  target: Target | undefined,
): Promise<void> {
  let sealed: SealedSecret[];
  try {
    sealed = sealing
      .parseManifests(input.toString("utf8"))
      .map((document) => sealing.decodeSealedSecret(document));
  } catch (error) {
    if (config.validate) throw new CliError("unable to decrypt sealed secret", 1, { cause: error });
    throw error;
  }
  if (config.validate) {
    await environment.controller.validate(config, sealed);
    return;
  }
  const rotated = await environment.controller.reEncrypt(config, sealed);
  // In place when only -f is given (§6.2 step 4).
  const path = target?.path ?? (config.inputFile === "" ? undefined : config.inputFile);
  const format = sealing.parseOutputFormat(formatFor(path, config.format));
  const data = rotated
    .map((object) =>
      sealing.formatObject(
        { ...object, apiVersion: sealing.sealedSecretApiVersion, kind: sealing.sealedSecretKind },
        format,
      ),
    )
    .join("");
  await commitOutputs([{ path, data }], environment.stdout);
}

/**
 * Runs `seal` in kubeseal's dispatch order (§6.2). Every output is written only when the whole
 * command succeeded.
 * @throws CliError with kubeseal's messages (exit status 1)
 */
export async function runSeal(config: SealConfig, environment: SealEnvironment): Promise<void> {
  if (config.fromFile.length > 0 && !config.raw) throw new CliError("--from-file requires --raw");
  const targets = sealTargets(await withClusterCerts(config));
  const readsInput = !(config.raw || config.fetchCert);
  if (readsInput && config.inputFile === "" && environment.stdinIsTTY) {
    environment.stderr("(tty detected: expecting json/yaml k8s resource in stdin)\n");
  }
  const sealing = await import("../sealing/index.js");
  const input = readsInput ? await environment.readInput() : Buffer.alloc(0);
  const [first] = targets;
  if (config.recoveryUnseal) {
    const data = await recoveryUnseal(sealing, config, input, first?.format ?? config.format);
    await commitOutputs([{ path: first?.path, data }], environment.stdout);
    return;
  }
  if (config.recoveryPrivateKeys.length > 0 && environment.stderrIsTTY) {
    environment.stderr(
      "warning: ignoring --recovery-private-key because unseal command not chosen with --recovery-unseal\n",
    );
  }
  if (config.validate || config.reEncrypt) {
    await controllerMode(sealing, config, input, environment, first);
    return;
  }
  const outputs: Output[] = [];
  for (const target of targets)
    outputs.push(await sealForTarget(sealing, config, target, input, environment));
  await commitOutputs(outputs, environment.stdout);
}

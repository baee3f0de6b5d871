// `secretfleet keys`: sealing keys as the controller keeps them (generate, import a BYO pair),
// and encrypted, verifiable backups (backup, restore, verify-backup) with age recipients.
import { readdir, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import type { KeyObject } from "node:crypto";
import type { Command } from "commander";
import type { KubeObject } from "../kube/index.js";
import type { SealedSecret, Secret } from "../sealing/index.js";
import { CliError } from "./errors.js";
import { readInput, writeFileAtomic } from "./io.js";
import {
  buildKeyReport,
  formatKeyReport,
  sealedItems,
  type ReportKey,
  type ReportSubject,
} from "./keys-report.js";

type Sealing = typeof import("../sealing/index.js");
const loadSealing = (): Promise<Sealing> => import("../sealing/index.js");

const say = (text: string): void => {
  process.stderr.write(`${text}\n`);
};

async function readText(path: string): Promise<string> {
  return (await readInput(path)).toString("utf8");
}

// Go durations as the controller's --key-ttl takes them: "87600h", "1h30m", "90s".
async function parseKeyTtl(value: string): Promise<number> {
  const { parseGoDuration } = await import("../templating/index.js");
  try {
    return parseGoDuration(value);
  } catch {
    throw new CliError(`invalid duration "${value}" (use Go syntax such as 87600h)`);
  }
}

function manifestText(sealing: Sealing, secret: Secret, format: string): string {
  return sealing.formatObject(secret, sealing.parseOutputFormat(format));
}

async function writeOrPrint(path: string | undefined, data: string, mode?: number): Promise<void> {
  if (path === undefined || path === "-") process.stdout.write(data);
  else await writeFileAtomic(path, data, mode);
}

interface GenerateOptions {
  keySize: string;
  keyTtl: string;
  myCn: string;
  namespace: string;
  name?: string;
  certOut?: string;
  keyOut?: string;
  secretOut?: string;
  format: string;
}

async function generate(options: GenerateOptions): Promise<void> {
  const bits = Number(options.keySize);
  if (!Number.isInteger(bits) || bits < 2048)
    throw new CliError(`invalid --key-size "${options.keySize}" (at least 2048)`);
  const validForMs = await parseKeyTtl(options.keyTtl);
  const sealing = await loadSealing();
  say(`generating a ${bits}-bit RSA sealing key (this takes a few seconds)…`);
  const key = await sealing.generateSealingKey({ bits, validForMs, commonName: options.myCn });
  const secret = sealing.keySecretManifest(key, {
    namespace: options.namespace,
    ...(options.name === undefined ? {} : { name: options.name }),
  });
  if (options.certOut !== undefined)
    await writeFileAtomic(options.certOut, key.certificatePem, 0o644);
  if (options.keyOut !== undefined) await writeFileAtomic(options.keyOut, key.privateKeyPem, 0o600);
  const wantsSecret =
    options.secretOut !== undefined ||
    (options.certOut === undefined && options.keyOut === undefined);
  if (wantsSecret)
    await writeOrPrint(options.secretOut, manifestText(sealing, secret, options.format), 0o600);
  say(
    `key ${key.fingerprint}, certificate valid until ${new Date(key.certificate.validTo).toISOString()}`,
  );
}

interface ImportOptions {
  cert: string;
  key: string;
  namespace: string;
  name?: string;
  output?: string;
  format: string;
}

async function importPair(options: ImportOptions): Promise<void> {
  const sealing = await loadSealing();
  const [certPem, keyPem] = await Promise.all([readText(options.cert), readText(options.key)]);
  let parsed;
  let privateKey: KeyObject;
  try {
    parsed = sealing.parseSealingCertificate(certPem);
  } catch (error) {
    throw new CliError(`"${options.cert}": ${(error as Error).message}`, 1, { cause: error });
  }
  try {
    privateKey = sealing.parsePrivateKeyPem(keyPem);
  } catch (error) {
    throw new CliError(`"${options.key}": ${(error as Error).message}`, 1, { cause: error });
  }
  if (sealing.publicKeyFingerprint(privateKey) !== sealing.publicKeyFingerprint(parsed.publicKey)) {
    throw new CliError(`"${options.key}" is not the private key of "${options.cert}"`);
  }
  const key = sealing.sealingKeyFrom(privateKey, parsed.certificate);
  const secret = sealing.keySecretManifest(key, {
    namespace: options.namespace,
    ...(options.name === undefined ? {} : { name: options.name }),
  });
  await writeOrPrint(options.output, manifestText(sealing, secret, options.format), 0o600);
  say(
    `key ${key.fingerprint} imported as Secret "${secret.metadata.namespace ?? ""}/${secret.metadata.name ?? ""}"`,
  );
}

/** Reads key Secrets from manifests: single Secrets, several documents, or a v1/List. */
function keySecretsOf(sealing: Sealing, text: string, source: string): Secret[] {
  try {
    const documents = sealing.parseManifests(text);
    const secrets: Secret[] = [];
    for (const document of documents) {
      const value = document.value as { kind?: unknown; items?: unknown };
      if (value.kind === "List" && Array.isArray(value.items)) {
        value.items.forEach((item: unknown, i) =>
          secrets.push(sealing.decodeSecret({ index: i + 1, value: item })),
        );
      } else secrets.push(sealing.decodeSecret(document));
    }
    for (const secret of secrets) sealing.parseKeySecret(secret);
    return secrets;
  } catch (error) {
    throw new CliError(`${source}: ${(error as Error).message}`, 1, { cause: error });
  }
}

function lines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

interface BackupOptions {
  recipient?: string[];
  recipientsFile?: string[];
  output: string;
  armor?: boolean;
}

// The backup is a v1/List of the key Secrets, as `kubectl get secret -o yaml` would give, so that
// `keys restore` (or `age -d`) output can be applied with kubectl.
async function backup(files: string[], options: BackupOptions): Promise<void> {
  const sealing = await loadSealing();
  const recipients = [...(options.recipient ?? [])];
  for (const file of options.recipientsFile ?? []) recipients.push(...lines(await readText(file)));
  if (recipients.length === 0)
    throw new CliError("keys backup needs at least one --recipient or --recipients-file");
  const sources = files.length === 0 ? ["-"] : files;
  const secrets: Secret[] = [];
  for (const file of sources) {
    secrets.push(
      ...keySecretsOf(sealing, await readText(file), file === "-" ? "stdin" : `"${file}"`),
    );
  }
  if (secrets.length === 0) throw new CliError("no key Secrets found in the input");
  const plaintext = sealing.formatSecretList(secrets);
  const { Encrypter, armor } = await import("age-encryption");
  const encrypter = new Encrypter();
  for (const recipient of recipients) {
    try {
      encrypter.addRecipient(recipient);
    } catch (error) {
      throw new CliError(`invalid age recipient "${recipient}": ${(error as Error).message}`, 1, {
        cause: error,
      });
    }
  }
  const encrypted = await encrypter.encrypt(plaintext);
  await writeFileAtomic(
    options.output,
    options.armor === true ? armor.encode(encrypted) : encrypted,
    0o600,
  );
  say(
    `backed up ${secrets.length} key(s) to "${options.output}" for ${recipients.length} recipient(s)`,
  );
}

async function openBackup(path: string, identityFiles: readonly string[]): Promise<string> {
  const { Decrypter, armor } = await import("age-encryption");
  const decrypter = new Decrypter();
  let identities = 0;
  for (const file of identityFiles) {
    for (const identity of lines(await readText(file))) {
      try {
        decrypter.addIdentity(identity);
        identities++;
      } catch (error) {
        throw new CliError(`"${file}": not an age identity file`, 1, { cause: error });
      }
    }
  }
  if (identities === 0) throw new CliError("no age identity given (--identity FILE)");
  const raw = await readInput(path);
  const text = raw.toString("latin1");
  const bytes = text.startsWith("-----BEGIN AGE ENCRYPTED FILE-----")
    ? armor.decode(text)
    : new Uint8Array(raw);
  try {
    return await decrypter.decrypt(bytes, "text");
  } catch (error) {
    throw new CliError(`cannot open backup "${path}": ${(error as Error).message}`, 1, {
      cause: error,
    });
  }
}

async function restore(
  file: string,
  options: { identity: string[]; output?: string },
): Promise<void> {
  const text = await openBackup(file, options.identity);
  const sealing = await loadSealing();
  const secrets = keySecretsOf(sealing, text, `backup "${file}"`);
  await writeOrPrint(options.output, text, 0o600);
  say(
    `restored ${secrets.length} key Secret(s); apply them with kubectl apply -f, then restart the controller`,
  );
}

/** One SealedSecret checked by verify-backup. */
interface Verdict {
  file: string;
  object: string;
  /** Name of the key Secret that opens every item, or null when none does. */
  key: string | null;
  fingerprint: string | null;
}

async function manifestFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (folder: string, depth: number): Promise<void> => {
    if (depth > 32) return;
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path, depth + 1);
      else if (/\.(ya?ml|json)$/.test(entry.name)) found.push(path);
    }
  };
  await walk(dir, 0);
  return found.sort();
}

// Which key opens every item of a SealedSecret (the label comes from the object, §3.3).
function keyOpening(
  sealing: Sealing,
  sealed: SealedSecret,
  keys: readonly { name: string; privateKey: KeyObject; fingerprint: string }[],
): (typeof keys)[number] | undefined {
  const { label, items } = sealedItems(sealing, sealed);
  const blobs = items.map(([, blob]) => blob);
  if (blobs.some((blob) => blob === undefined)) return undefined;
  return keys.find((key) =>
    blobs.every(
      (blob) =>
        blob !== undefined && sealing.openWithKey(key.privateKey, blob, label) !== undefined,
    ),
  );
}

async function verifyBackup(
  file: string,
  dir: string,
  options: { identity: string[]; json?: boolean },
): Promise<void> {
  const sealing = await loadSealing();
  const text = await openBackup(file, options.identity);
  const keys = keySecretsOf(sealing, text, `backup "${file}"`).map((secret) =>
    sealing.parseKeySecret(secret),
  );
  if (!(await stat(dir).catch(() => undefined))?.isDirectory())
    throw new CliError(`"${dir}" is not a directory`);
  const verdicts: Verdict[] = [];
  for (const path of await manifestFiles(dir)) {
    let documents;
    try {
      documents = sealing.parseManifests(await readText(path));
    } catch {
      continue; // not a manifest (or not ours to judge): only SealedSecrets are checked
    }
    for (const document of documents) {
      const value = document.value as { kind?: unknown };
      if (value.kind !== "SealedSecret") continue;
      const sealed = sealing.decodeSealedSecret(document);
      const key = keyOpening(sealing, sealed, keys);
      verdicts.push({
        file: relative(dir, path) || path,
        object: `${sealed.metadata.namespace ?? ""}/${sealed.metadata.name ?? ""}`,
        key: key?.name ?? null,
        fingerprint: key?.fingerprint ?? null,
      });
    }
  }
  const failed = verdicts.filter((verdict) => verdict.key === null);
  if (options.json === true) {
    process.stdout.write(
      `${JSON.stringify({ keys: keys.length, sealedSecrets: verdicts.length, unopened: failed.length, results: verdicts }, null, 2)}\n`,
    );
  } else {
    for (const verdict of verdicts) {
      const outcome =
        verdict.key === null
          ? "NO KEY opens it"
          : `opened by key "${verdict.key}" (${verdict.fingerprint ?? ""})`;
      process.stdout.write(`${verdict.file}: SealedSecret "${verdict.object}": ${outcome}\n`);
    }
  }
  say(
    `${verdicts.length - failed.length} of ${verdicts.length} SealedSecret(s) open with the ${keys.length} key(s) of "${file}"`,
  );
  if (failed.length > 0) {
    const files = [...new Set(failed.map((verdict) => verdict.file))];
    throw new CliError(`no key in the backup opens ${files.map((name) => `"${name}"`).join(", ")}`);
  }
}

interface ReportOptions {
  key?: string[];
  kubeconfig?: string;
  context?: string;
  controllerNamespace: string;
  output: string;
}

// Keys of one --key file: a PEM private key (named by the file), or key Secret manifests.
function reportKeysOf(sealing: Sealing, text: string, path: string): ReportKey[] {
  try {
    const privateKey = sealing.parsePrivateKeyPem(text);
    return [
      {
        name: path,
        fingerprint: sealing.publicKeyFingerprint(privateKey),
        privateKey,
        source: path,
      },
    ];
  } catch {
    // not a PEM key: key Secrets
  }
  return keySecretsOf(sealing, text, `"${path}"`).map((secret) => reportKey(sealing, secret, path));
}

// A key Secret as the report shows it. @throws Error for a malformed key Secret
function reportKey(sealing: Sealing, secret: Secret, source: string): ReportKey {
  const entry = sealing.parseKeySecret(secret);
  return {
    name: entry.name,
    fingerprint: entry.fingerprint,
    privateKey: entry.privateKey,
    certificate: entry.certificate,
    source,
    ...stateOf(sealing, secret),
  };
}

function stateOf(sealing: Sealing, secret: Secret): { state?: string } {
  const state = secret.metadata.labels?.[sealing.sealingKeyLabel];
  if (state !== undefined) return { state };
  return secret.metadata.name === sealing.defaultKeyPrefix ? { state: "legacy" } : {};
}

// The SealedSecrets under a folder; a malformed one is reported, not fatal.
async function fileSubjects(sealing: Sealing, dir: string): Promise<ReportSubject[]> {
  if (!(await stat(dir).catch(() => undefined))?.isDirectory())
    throw new CliError(`"${dir}" is not a directory`);
  const subjects: ReportSubject[] = [];
  for (const path of await manifestFiles(dir)) {
    const source = relative(dir, path) || path;
    let documents;
    try {
      documents = sealing.parseManifests(await readText(path));
    } catch {
      continue; // not a manifest: only SealedSecrets are reported
    }
    for (const document of documents) {
      const value = document.value as {
        kind?: unknown;
        metadata?: { namespace?: unknown; name?: unknown };
      };
      if (value.kind !== "SealedSecret") continue;
      try {
        const sealed = sealing.decodeSealedSecret(document);
        subjects.push({ object: objectName(sealed), source, sealed });
      } catch (error) {
        const meta = value.metadata;
        subjects.push({
          object: `${typeof meta?.namespace === "string" ? meta.namespace : ""}/${typeof meta?.name === "string" ? meta.name : ""}`,
          source,
          error: (error as Error).message,
        });
      }
    }
  }
  return subjects;
}

const objectName = (sealed: SealedSecret): string =>
  `${sealed.metadata.namespace ?? ""}/${sealed.metadata.name ?? ""}`;

// The cluster's key Secrets (every label value, so retired keys show, and the legacy one) and
// its SealedSecrets, each hinted with the key its Secret's digest annotation names.
async function clusterInputs(
  sealing: Sealing,
  options: ReportOptions,
): Promise<{ keys: ReportKey[]; subjects: ReportSubject[] }> {
  const [{ KubeClient, loadKubeConfig }, { digestAnnotation, parseDigest }] = await Promise.all([
    import("../kube/index.js"),
    import("../controllers/sealedsecrets/index.js"),
  ]);
  const source = "cluster";
  try {
    const client = new KubeClient(
      loadKubeConfig({
        env: process.env,
        ...(options.kubeconfig === undefined ? {} : { kubeconfig: options.kubeconfig }),
        ...(options.context === undefined ? {} : { context: options.context }),
      }),
    );
    const namespace = options.controllerNamespace;
    type SecretObject = Secret & KubeObject;
    const [labelled, legacy, sealedList, secrets] = await Promise.all([
      client.listAll<SecretObject>(
        { apiVersion: "v1", kind: "Secret", namespace },
        { labelSelector: sealing.sealingKeyLabel },
      ),
      client.get<SecretObject>({
        apiVersion: "v1",
        kind: "Secret",
        namespace,
        name: sealing.defaultKeyPrefix,
      }),
      client.listAll({ apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret" }),
      client.listAll<SecretObject>({
        apiVersion: "v1",
        kind: "Secret",
      }),
    ]);
    const keySecrets = [...labelled.items, ...(legacy === undefined ? [] : [legacy])];
    const keys = keySecrets.flatMap((secret): ReportKey[] => {
      try {
        return [reportKey(sealing, secret, source)];
      } catch (error) {
        say(
          `warning: skipping key Secret "${namespace}/${secret.metadata.name ?? ""}": ${(error as Error).message}`,
        );
        return [];
      }
    });
    const digests = new Map(
      secrets.items.map((secret) => [
        `${secret.metadata.namespace ?? ""}/${secret.metadata.name ?? ""}`,
        parseDigest(secret.metadata.annotations?.[digestAnnotation])?.fingerprint,
      ]),
    );
    const subjects = sealedList.items.map((item, i): ReportSubject => {
      const object = `${item.metadata?.namespace ?? ""}/${item.metadata?.name ?? ""}`;
      try {
        const sealed = sealing.decodeSealedSecret({ index: i + 1, value: item });
        const hint = digests.get(object);
        return { object, source, sealed, ...(hint === undefined ? {} : { hints: [hint] }) };
      } catch (error) {
        return { object, source, error: (error as Error).message };
      }
    });
    return { keys, subjects };
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot read the cluster: ${(error as Error).message}`, 1, { cause: error });
  }
}

async function report(dir: string | undefined, options: ReportOptions): Promise<void> {
  if (options.output !== "text" && options.output !== "json")
    throw new CliError(`invalid -o "${options.output}": want text or json`, 2);
  const useCluster = options.kubeconfig !== undefined || options.context !== undefined;
  if (dir === undefined && !useCluster)
    throw new CliError("keys report needs a DIR, --kubeconfig, or both", 2);
  const sealing = await loadSealing();
  const keys: ReportKey[] = [];
  for (const path of options.key ?? [])
    keys.push(...reportKeysOf(sealing, await readText(path), path));
  const subjects: ReportSubject[] = [];
  if (useCluster) {
    const cluster = await clusterInputs(sealing, options);
    keys.push(...cluster.keys);
    subjects.push(...cluster.subjects);
  }
  if (dir !== undefined) subjects.push(...(await fileSubjects(sealing, dir)));
  const unique = [...new Map(keys.map((key) => [key.fingerprint, key])).values()];
  if (unique.length === 0)
    throw new CliError(
      "no keys to report on (give --key FILE, or --kubeconfig to read the cluster's)",
    );
  const result = buildKeyReport(sealing, unique, subjects);
  process.stdout.write(
    options.output === "json" ? `${JSON.stringify(result, null, 2)}\n` : formatKeyReport(result),
  );
  say(
    `${result.sealedSecrets - result.unopened.length} of ${result.sealedSecrets} SealedSecret(s) open with the ${unique.length} key(s) (${result.rsaOperations} RSA operations)`,
  );
  if (result.unopened.length > 0) {
    throw new CliError(
      `no key opens ${result.unopened.map((entry) => `"${entry.object}" (${entry.source})`).join(", ")}`,
    );
  }
}

const repeat = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
];

/** Registers `secretfleet keys …` on `program`. */
export function registerKeys(program: Command): void {
  const keys = program
    .command("keys")
    .description("sealing keys: generate, import a BYO pair, back up, restore, verify a backup");
  keys
    .command("generate")
    .description(
      "generate a sealing key like the controller's (RSA, self-signed 10-year certificate) and write PEM files and/or the key Secret",
    )
    .option("--key-size <bits>", "RSA key size", "4096")
    .option("--key-ttl <duration>", "certificate validity (Go duration)", "87600h")
    .option("--my-cn <cn>", "certificate common name (empty: empty subject, as the controller)", "")
    .option("-n, --namespace <ns>", "namespace of the key Secret (the controller's)", "kube-system")
    .option(
      "--name <name>",
      "name of the key Secret (default: sealed-secrets-key + 5 random characters)",
    )
    .option("--cert-out <file>", "write the certificate PEM (give it to `seal --cert`)")
    .option("--key-out <file>", "write the private key PEM (PKCS#1, mode 0600)")
    .option(
      "--secret-out <file>",
      "write the key Secret manifest (default: stdout when no --cert-out/--key-out)",
    )
    .option("-o, --format <format>", "manifest format: yaml or json", "yaml")
    .action((options: GenerateOptions) => generate(options));
  keys
    .command("import")
    .description(
      "turn a BYO pair (openssl req -x509 -nodes -newkey rsa:4096 …) into the labelled key Secret",
    )
    .requiredOption("--cert <file>", "certificate PEM")
    .requiredOption("--key <file>", "private key PEM (PKCS#1 or PKCS#8)")
    .option("-n, --namespace <ns>", "namespace of the key Secret", "kube-system")
    .option(
      "--name <name>",
      "name of the key Secret (default: sealed-secrets-key + 5 random characters)",
    )
    .option("-w, --output <file>", "write the manifest to a file (default: stdout)")
    .option("-o, --format <format>", "manifest format: yaml or json", "yaml")
    .action((options: ImportOptions) => importPair(options));
  keys
    .command("backup")
    .description(
      "encrypt key Secrets (files, a kubectl -o yaml List, or stdin) into ONE age file for the given recipients",
    )
    .argument("[files...]", "key Secret manifests (default: stdin)")
    .option("-r, --recipient <age1…>", "age recipient (repeatable)", repeat)
    .option(
      "-R, --recipients-file <file>",
      "file of age recipients, one per line (repeatable)",
      repeat,
    )
    .requiredOption("-o, --output <file>", "backup file to write")
    .option("-a, --armor", "write ASCII-armored age output")
    .action((files: string[], options: BackupOptions) => backup(files, options));
  keys
    .command("restore")
    .description(
      "decrypt a backup with an age identity and print the key Secrets (a v1/List for kubectl apply)",
    )
    .argument("<backup>", "backup file")
    .requiredOption("-i, --identity <file>", "age identity file (repeatable)", repeat)
    .option("-w, --output <file>", "write the List to a file (default: stdout)")
    .action((file: string, options: { identity: string[]; output?: string }) =>
      restore(file, options),
    );
  keys
    .command("verify-backup")
    .description(
      "prove a backup opens every SealedSecret under DIR: prints which key opens each, exits 1 naming every file none opens",
    )
    .argument("<backup>", "backup file")
    .argument("<dir>", "folder to search for SealedSecrets (*.yaml, *.yml, *.json)")
    .requiredOption("-i, --identity <file>", "age identity file (repeatable)", repeat)
    .option("--json", "print the results as JSON")
    .action((file: string, dir: string, options: { identity: string[]; json?: boolean }) =>
      verifyBackup(file, dir, options),
    );
  keys
    .command("report")
    .description(
      "list which SealedSecrets (files under DIR and/or a cluster's) depend on which key, so an old key can be retired safely; exits 1 when no key opens one",
    )
    .argument("[dir]", "folder to search for SealedSecrets (*.yaml, *.yml, *.json)")
    .option(
      "--key <file>",
      "private keys: key Secret manifests, a kubectl -o yaml List, or a PEM key (repeatable)",
      repeat,
    )
    .option(
      "--kubeconfig <file>",
      "read the cluster: its key Secrets (every label value) and all its SealedSecrets",
    )
    .option("--context <name>", "kubeconfig context (reads the cluster)")
    .option(
      "--controller-namespace <ns>",
      "namespace of the controller's key Secrets",
      "kube-system",
    )
    .option("-o, --output <format>", "text or json", "text")
    .action((dir: string | undefined, options: ReportOptions) => report(dir, options));
}

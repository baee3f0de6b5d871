// `secretfleet sops`: sops 3.13's commands (encrypt, decrypt, edit, set, unset, rotate,
// updatekeys, exec-env, filestatus) over src/sops, with sops's flags and exit codes, plus
// `updatekeys --recursive DIR` to bring a whole tree in line with `.sops.yaml` in one run.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, relative, resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import type * as Sops from "../sops/index.js";
import { CliError } from "./errors.js";
import { readStdin, writeFileAtomic } from "./io.js";
import {
  creationSettings,
  decryptionOrder,
  formats,
  keysFromFlags,
  loadConfig,
  requireExisting,
  storeOptions,
  toCliError,
  type CommonFlags,
  type KeyFlags,
} from "./sops-settings.js";

type SopsModule = typeof Sops;
const loadSops = (): Promise<SopsModule> => import("../sops/index.js");

interface OutputFlags {
  inPlace?: boolean;
  output?: string;
}

const say = (text: string): void => {
  process.stderr.write(`${text}\n`);
};

/** Runs an action with sops's error mapping: SopsError → `error: FILE: message`, its exit code. */
async function run(
  file: string | undefined,
  action: (sops: SopsModule) => Promise<void>,
): Promise<void> {
  const sops = await loadSops();
  try {
    await action(sops);
  } catch (error) {
    throw toCliError(sops, error, file);
  }
}

async function readSource(file: string | undefined): Promise<Uint8Array> {
  if (file === undefined || file === "-") return readStdin();
  try {
    return await readFile(file);
  } catch (error) {
    throw new CliError(`Error reading file: ${(error as Error).message}`, 2, { cause: error });
  }
}

/** Writes a result: in place (atomically), to --output, or to stdout. */
async function deliver(
  data: Uint8Array,
  file: string | undefined,
  flags: OutputFlags,
): Promise<void> {
  if (flags.inPlace === true && flags.output !== undefined) {
    throw new CliError("Error: cannot operate on both --output and --in-place", 8);
  }
  const target = flags.inPlace === true ? file : flags.output;
  if (target === undefined || target === "-") {
    process.stdout.write(data);
    return;
  }
  await writeBack(target, data);
}

async function writeBack(path: string, data: Uint8Array): Promise<void> {
  const mode = await stat(path).then(
    (s) => s.mode & 0o777,
    () => 0o600,
  );
  try {
    await writeFileAtomic(path, data, mode);
  } catch (error) {
    throw new CliError((error as Error).message, 3, { cause: error });
  }
}

function commonOptions(command: Command): Command {
  return command
    .option(
      "--input-type <type>",
      "input format: yaml, json, dotenv, ini or binary (default: from the file name)",
    )
    .option(
      "--output-type <type>",
      "output format: yaml, json, dotenv, ini or binary (default: from the file name)",
    )
    .option(
      "--filename-override <name>",
      "use this name to pick the format and the creation rule (needed with stdin)",
    )
    .option(
      "--config <path>",
      "path to .sops.yaml (default: $SOPS_CONFIG, or searched from the current folder)",
    )
    .option("--indent <n>", "indentation of the output (YAML spaces; JSON spaces, -1 for a tab)");
}

function decryptOptions(command: Command): Command {
  return command
    .option("--ignore-mac", "do not check the MAC")
    .option(
      "--decryption-order <types>",
      "comma list of key types to try first (default age,pgp; $SOPS_DECRYPTION_ORDER)",
    );
}

function keyOptions(command: Command): Command {
  return command
    .option("--age <recipients>", "comma list of age recipients ($SOPS_AGE_RECIPIENTS)")
    .option("--pgp <fingerprints>", "comma list of PGP fingerprints ($SOPS_PGP_FP)")
    .option(
      "--kms <arns>",
      "comma list of AWS KMS ARNs (metadata only: secretfleet cannot call KMS)",
    )
    .option("--gcp-kms <ids>", "comma list of GCP KMS resource ids (metadata only)")
    .option("--azure-kv <urls>", "comma list of Azure Key Vault key URLs (metadata only)")
    .option("--hc-vault-transit <uris>", "comma list of Vault transit key URIs (metadata only)")
    .option("--hckms <ids>", "comma list of Huawei Cloud KMS key ids (metadata only)")
    .option("--aws-profile <profile>", "AWS profile recorded with --kms keys")
    .option("--encryption-context <pairs>", "KMS encryption context, key:value,…")
    .option(
      "--unencrypted-suffix <suffix>",
      "leave values under keys ending with this suffix unencrypted",
    )
    .option("--encrypted-suffix <suffix>", "encrypt only values under keys ending with this suffix")
    .option("--unencrypted-regex <re>", "leave values under keys matching this regex unencrypted")
    .option("--encrypted-regex <re>", "encrypt only values under keys matching this regex")
    .option(
      "--unencrypted-comment-regex <re>",
      "leave values after a comment matching this regex unencrypted",
    )
    .option(
      "--encrypted-comment-regex <re>",
      "encrypt only values after a comment matching this regex",
    )
    .option("--mac-only-encrypted", "compute the MAC over encrypted values only")
    .option("--shamir-secret-sharing-threshold <n>", "number of key groups needed to decrypt");
}

function outputOptions(command: Command): Command {
  return command
    .option("-i, --in-place", "write the result back to the file (atomically)")
    .option("--output <file>", "write the result to this file");
}

// ---------------------------------------------------------------------------------------------
// encrypt / decrypt

type EncryptFlags = CommonFlags & KeyFlags & OutputFlags;

async function encryptAction(file: string | undefined, flags: EncryptFlags): Promise<void> {
  await run(file, async (sops) => {
    if (file === undefined && flags.filenameOverride === undefined) {
      throw new CliError("Error: --filename-override is required when reading from stdin", 100);
    }
    if (file !== undefined) requireExisting(file);
    const name = flags.filenameOverride ?? file ?? "";
    const env = process.env;
    const { input, output } = formats(sops, flags, file);
    const config = loadConfig(sops, flags, env);
    const branches = sops.loadPlain(
      await readSource(file),
      input,
      storeOptions(config, input, undefined),
    );
    const settings = creationSettings({
      sops,
      flags,
      env,
      config,
      file: name,
      inputFormat: input,
      now: new Date(),
    });
    const store = sops.storeFor(output, storeOptions(config, output, flags.indent));
    const encrypted = await sops.encryptBranches(
      branches,
      store,
      settings,
      new sops.KeySources(env),
    );
    await deliver(encrypted, file, flags);
  });
}

type DecryptFlags = CommonFlags & OutputFlags & { extract?: string };

async function decryptAction(file: string | undefined, flags: DecryptFlags): Promise<void> {
  await run(file, async (sops) => {
    if (file !== undefined) requireExisting(file);
    const env = process.env;
    const { input, output } = formats(sops, flags, file);
    const config = loadConfig(sops, flags, env);
    const path =
      flags.extract === undefined
        ? undefined
        : sops.parseIndexPath(flags.extract, sops.SopsExitCode.InvalidTreePathFormat);
    const doc = await sops.openEncrypted(await readSource(file), {
      format: input,
      storeOptions: storeOptions(config, input, undefined),
      sources: new sops.KeySources(env),
      decryptionOrder: decryptionOrder(sops, flags, env),
      ignoreMac: flags.ignoreMac === true,
    });
    const store = sops.storeFor(output, storeOptions(config, output, flags.indent));
    let data: Uint8Array;
    if (path === undefined) {
      data = emit(sops, () => store.emitPlain(doc.branches));
    } else {
      const value = sops.valueAt(doc.branches[0] ?? { kind: "map", items: [] }, path);
      if (typeof value === "string") data = Buffer.from(value, "utf8");
      else if (
        typeof value === "object" &&
        value !== null &&
        !(value instanceof Uint8Array) &&
        value.kind === "map"
      ) {
        data = emit(sops, () => store.emitPlain([value]));
      } else data = emit(sops, () => store.emitValue(value));
    }
    await deliver(data, file, flags);
  });
}

function emit(sops: SopsModule, produce: () => Uint8Array): Uint8Array {
  try {
    return produce();
  } catch (error) {
    throw new sops.SopsError(
      `Error dumping file: ${(error as Error).message}`,
      sops.SopsExitCode.ErrorDumpingTree,
      { cause: error },
    );
  }
}

// ---------------------------------------------------------------------------------------------
// edit

type EditFlags = CommonFlags & KeyFlags & { showMasterKeys?: boolean };

function editorCommand(env: NodeJS.ProcessEnv, sops: SopsModule): string[] {
  const configured = env.SOPS_EDITOR ?? env.EDITOR;
  if (configured !== undefined && configured !== "") return sops.splitShellWords(configured);
  const path = (env.PATH ?? "").split(":");
  for (const candidate of ["vim", "nano", "vi"]) {
    if (path.some((dir) => dir !== "" && existsSync(join(dir, candidate)))) return [candidate];
  }
  throw new CliError(
    "no editor available: sops attempts to use the editor defined in the SOPS_EDITOR or EDITOR environment variables, and if that's not set defaults to any of vim, nano, or vi",
    201,
  );
}

function runEditor(command: string[], path: string): Promise<void> {
  const [program, ...args] = command;
  if (program === undefined) return Promise.reject(new CliError("no editor available", 201));
  return new Promise((resolvePromise, reject) => {
    const child = spawn(program, [...args, path], { stdio: "inherit" });
    child.on("error", (error) => {
      reject(new CliError(`Could not run editor: ${error.message}`, 201, { cause: error }));
    });
    child.on("close", (code) => {
      if (code === 0) resolvePromise();
      else reject(new CliError(`Could not run editor: exit status ${String(code)}`, 201));
    });
  });
}

async function askToRetry(message: string): Promise<boolean> {
  say(message);
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    await rl.question("Press a key to return to the editor, or Ctrl+C to exit.");
    return true;
  } finally {
    rl.close();
  }
}

/** Edits `plaintext` in a 0600 temp file until it parses; returns the branches, or undefined if unchanged. */
async function editLoop(
  sops: SopsModule,
  plaintext: Uint8Array,
  name: string,
  format: Sops.Format,
  metadataShown: boolean,
): Promise<Sops.TreeBranches | undefined> {
  const dir = await mkdtemp(join(tmpdir(), "secretfleet-sops-"));
  const path = join(dir, basename(name));
  const cleanup = (): void => {
    void rm(dir, { recursive: true, force: true });
  };
  const onSignal = (): void => {
    cleanup();
    process.exit(1);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    await writeFile(path, plaintext, { mode: 0o600 });
    const before = createHash("sha256").update(plaintext).digest("hex");
    const editor = editorCommand(process.env, sops);
    for (let attempt = 0; attempt < 1000; attempt++) {
      await runEditor(editor, path);
      const edited = await readFile(path);
      if (createHash("sha256").update(edited).digest("hex") === before) return undefined;
      const store = sops.storeFor(format);
      try {
        const branches = metadataShown
          ? store.loadEncrypted(edited).branches
          : store.loadPlain(edited);
        if (branches[0] !== undefined && store.hasSopsTopLevelKey(branches[0]))
          throw new Error("the file contains a top-level sops key");
        return branches;
      } catch (error) {
        if (
          !(await askToRetry(
            `Could not load tree, probably due to invalid syntax: ${(error as Error).message}`,
          ))
        ) {
          throw new CliError(
            `${name}: edited file is not valid ${format}: ${(error as Error).message}`,
            1,
            { cause: error },
          );
        }
      }
    }
    throw new CliError("giving up after too many editor attempts", 1);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await rm(dir, { recursive: true, force: true });
  }
}

async function editAction(file: string, flags: EditFlags): Promise<void> {
  await run(file, async (sops) => {
    const env = process.env;
    const { input } = formats(sops, flags, file);
    const config = loadConfig(sops, flags, env);
    const options = storeOptions(config, input, flags.indent);
    const store = sops.storeFor(input, options);
    const sources = new sops.KeySources(env);
    if (!existsSync(file)) {
      const example = store.emitPlain(sops.exampleDocument(input));
      const settings = creationSettings({
        sops,
        flags,
        env,
        config,
        file: flags.filenameOverride ?? file,
        inputFormat: input,
        now: new Date(),
      });
      const branches = await editLoop(sops, example, file, input, false);
      if (branches === undefined) throw new CliError("File has not changed, exiting.", 200);
      await writeBack(file, await sops.encryptBranches(branches, store, settings, sources));
      return;
    }
    const doc = await sops.openEncrypted(await readSource(file), {
      format: input,
      storeOptions: options,
      sources,
      decryptionOrder: decryptionOrder(sops, flags, env),
      ignoreMac: flags.ignoreMac === true,
    });
    const shown =
      flags.showMasterKeys === true
        ? store.emitEncrypted(doc.branches, doc.metadata)
        : store.emitPlain(doc.branches);
    const branches = await editLoop(sops, shown, file, input, flags.showMasterKeys === true);
    if (branches === undefined) throw new CliError("File has not changed, exiting.", 200);
    await writeBack(file, sops.reencrypt(doc, branches, store, { raiseVersion: true }));
  });
}

// ---------------------------------------------------------------------------------------------
// set / unset

type SetFlags = CommonFlags & { valueFile?: string; valueStdin?: boolean; idempotent?: boolean };

function parseSetValue(sops: SopsModule, text: string): Sops.TreeValue {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    try {
      return sops.loadPlain(Buffer.from(trimmed), "json")[0] ?? { kind: "map", items: [] };
    } catch {
      throw new CliError("Value for --set is not valid JSON", 7);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    throw new CliError("Value for --set is not valid JSON", 7);
  }
  if (Array.isArray(parsed)) throw new CliError("Invalid --set value format", 7);
  // Go's generic JSON decoder: every number is a float64.
  if (typeof parsed === "number") return { kind: "float", value: parsed };
  if (typeof parsed === "string" || typeof parsed === "boolean" || parsed === null) return parsed;
  throw new CliError("Invalid --set value format", 7);
}

async function openForUpdate(
  sops: SopsModule,
  file: string,
  flags: CommonFlags,
): Promise<{ doc: Sops.DecryptedDocument & { store: Sops.Store } }> {
  requireExisting(file);
  const env = process.env;
  const { input } = formats(sops, flags, file);
  const config = loadConfig(sops, flags, env);
  const doc = await sops.openEncrypted(await readSource(file), {
    format: input,
    storeOptions: storeOptions(config, input, flags.indent),
    sources: new sops.KeySources(env),
    decryptionOrder: decryptionOrder(sops, flags, env),
    ignoreMac: flags.ignoreMac === true,
  });
  return { doc };
}

async function setAction(
  file: string,
  index: string,
  value: string | undefined,
  flags: SetFlags,
): Promise<void> {
  await run(file, async (sops) => {
    const path = sops.parseIndexPath(index, sops.SopsExitCode.ErrorInvalidSetFormat);
    if (path.length === 0) throw new CliError("Invalid set index format", 7);
    let text = value;
    if (flags.valueFile !== undefined) text = (await readFile(flags.valueFile)).toString("utf8");
    if (flags.valueStdin === true) text = (await readStdin()).toString("utf8");
    if (text === undefined)
      throw new CliError("Error: no value given (VALUE, --value-file or --value-stdin)", 100);
    const newValue = parseSetValue(sops, text);
    const { doc } = await openForUpdate(sops, file, flags);
    const first = doc.branches[0] ?? { kind: "map" as const, items: [] };
    const { branch, changed } = sops.setValueAt(first, path, newValue);
    if (!changed && flags.idempotent === true) return;
    await writeBack(file, sops.reencrypt(doc, [branch, ...doc.branches.slice(1)], doc.store));
  });
}

async function unsetAction(
  file: string,
  index: string,
  flags: CommonFlags & { idempotent?: boolean },
): Promise<void> {
  await run(file, async (sops) => {
    const path = sops.parseIndexPath(index, sops.SopsExitCode.ErrorInvalidSetFormat);
    if (path.length === 0) throw new CliError("Invalid unset index format", 7);
    const { doc } = await openForUpdate(sops, file, flags);
    const first = doc.branches[0] ?? { kind: "map" as const, items: [] };
    let branch: Sops.TreeMap;
    try {
      branch = sops.unsetValueAt(first, path);
    } catch (error) {
      if (flags.idempotent === true && error instanceof sops.SopsError) return;
      throw error;
    }
    await writeBack(file, sops.reencrypt(doc, [branch, ...doc.branches.slice(1)], doc.store));
  });
}

// ---------------------------------------------------------------------------------------------
// rotate

interface RotateFlags extends CommonFlags, OutputFlags {
  addAge?: string;
  rmAge?: string;
  addPgp?: string;
  rmPgp?: string;
  addKms?: string;
  rmKms?: string;
  addGcpKms?: string;
  rmGcpKms?: string;
  addAzureKv?: string;
  rmAzureKv?: string;
  addHcVaultTransit?: string;
  rmHcVaultTransit?: string;
  addHckms?: string;
  rmHckms?: string;
}

async function rotateAction(file: string, flags: RotateFlags): Promise<void> {
  await run(file, async (sops) => {
    const changing = Object.entries(flags).some(
      ([k, v]) => (k.startsWith("add") || k.startsWith("rm")) && v !== undefined,
    );
    if (!existsSync(file)) {
      if (changing)
        throw new CliError(
          "Error: cannot add or remove keys on non-existent files, use the encrypt command instead",
          49,
        );
      requireExisting(file);
    }
    const env = process.env;
    const now = new Date();
    const add =
      keysFromFlags(
        sops,
        {
          age: flags.addAge,
          pgp: flags.addPgp,
          kms: flags.addKms,
          gcpKms: flags.addGcpKms,
          azureKv: flags.addAzureKv,
          hcVaultTransit: flags.addHcVaultTransit,
          hckms: flags.addHckms,
        } as KeyFlags,
        {},
        now,
      ) ?? [];
    const remove = [
      flags.rmAge,
      flags.rmPgp,
      flags.rmKms,
      flags.rmGcpKms,
      flags.rmAzureKv,
      flags.rmHcVaultTransit,
      flags.rmHckms,
    ].flatMap((list) => (list === undefined ? [] : sops.keyList(list, "key")));
    const { input, output } = formats(sops, flags, file);
    const config = loadConfig(sops, flags, env);
    const sources = new sops.KeySources(env);
    const doc = await sops.openEncrypted(await readSource(file), {
      format: input,
      storeOptions: storeOptions(config, input, undefined),
      sources,
      decryptionOrder: decryptionOrder(sops, flags, env),
      ignoreMac: flags.ignoreMac === true,
    });
    const store = sops.storeFor(output, storeOptions(config, output, flags.indent));
    await deliver(await sops.rotate(doc, store, sources, { add, remove }, now), file, flags);
  });
}

// ---------------------------------------------------------------------------------------------
// updatekeys

interface UpdateFlags extends CommonFlags {
  yes?: boolean;
  shamirSecretSharingThreshold?: string;
  recursive?: string;
  json?: boolean;
}

interface FileReport {
  file: string;
  status: "updated" | "unchanged" | "skipped" | "failed";
  changes?: Sops.KeyChanges;
  error?: string;
}

function describeChanges(changes: Sops.KeyChanges): string {
  const lines: string[] = [];
  if (changes.thresholdBefore !== changes.thresholdAfter) {
    lines.push(`Shamir threshold: ${changes.thresholdBefore} → ${changes.thresholdAfter}`);
  }
  changes.groups.forEach((group, i) => {
    lines.push(`Group ${i + 1}`);
    for (const key of group.added) lines.push(`    +++ ${key}`);
    for (const key of group.removed) lines.push(`    --- ${key}`);
  });
  return lines.join("\n");
}

async function confirm(): Promise<boolean> {
  if (!process.stdin.isTTY)
    throw new CliError(
      "refusing to change keys without confirmation: stdin is not a terminal, pass --yes",
      1,
    );
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    for (let i = 0; i < 10; i++) {
      const answer = (await rl.question("Is this okay? (y/n):")).trim();
      if (answer === "y") return true;
      if (answer === "n") return false;
    }
    return false;
  } finally {
    rl.close();
  }
}

async function updateOne(
  sops: SopsModule,
  file: string,
  flags: UpdateFlags,
  config: Sops.SopsConfig,
  format: Sops.Format,
): Promise<FileReport> {
  const wanted = sops.creationSettingsFor(config, resolve(file), new Date());
  if (wanted === undefined)
    throw new CliError(`The config file ${config.path} does not contain any creation rule`, 1);
  const bytes = await readFile(file);
  const env = process.env;
  const preview = sops.diffKeyGroups(
    sops.loadEncrypted(bytes, format, storeOptions(config, format, undefined)).metadata,
    wanted.keyGroups,
    0,
  );
  if (preview.upToDate && flags.shamirSecretSharingThreshold === undefined)
    return { file, status: "unchanged" };
  const result = await sops.updateKeys(bytes, format, wanted, new sops.KeySources(env), {
    storeOptions: storeOptions(config, format, undefined),
    decryptionOrder: decryptionOrder(sops, flags, env),
    threshold: Number(flags.shamirSecretSharingThreshold ?? "0"),
  });
  if (result.bytes === undefined) return { file, status: "unchanged", changes: result.changes };
  if (flags.json !== true)
    say(
      `The following changes will be made to the file's groups (${file}):\n${describeChanges(result.changes)}`,
    );
  if (flags.yes !== true && !(await confirm()))
    return { file, status: "skipped", changes: result.changes };
  await writeBack(file, result.bytes);
  return { file, status: "updated", changes: result.changes };
}

const SKIPPED_FOLDERS = new Set([".git", "node_modules"]);

async function encryptedFilesUnder(
  sops: SopsModule,
  root: string,
): Promise<{ file: string; format: Sops.Format }[]> {
  const found: { file: string; format: Sops.Format }[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > 64) return;
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name)) await walk(path, depth + 1);
      } else if (entry.isFile() && entry.name !== ".sops.yaml") {
        const info = await stat(path);
        if (info.size > 16 * 1024 * 1024) continue;
        const format = sops.formatForPath(path);
        const bytes = await readFile(path);
        if (
          format === "binary" &&
          !bytes.subarray(0, 64).toString("utf8").trimStart().startsWith("{")
        )
          continue;
        try {
          sops.loadEncrypted(bytes, format);
          found.push({ file: path, format });
        } catch {
          // Not a SOPS file (or not one we can parse): not ours to update.
        }
      }
    }
  };
  await walk(root, 0);
  return found;
}

async function updateKeysAction(files: string[], flags: UpdateFlags): Promise<void> {
  const sops = await loadSops();
  const config = (() => {
    try {
      return loadConfig(sops, flags, process.env);
    } catch (error) {
      throw toCliError(sops, error, undefined);
    }
  })();
  if (config === undefined) throw new CliError("config file not found", 1);
  const targets: { file: string; format: Sops.Format }[] = files.map((file) => ({
    file,
    format: formats(sops, flags, file).input,
  }));
  if (flags.recursive !== undefined)
    targets.push(...(await encryptedFilesUnder(sops, flags.recursive)));
  if (targets.length === 0)
    throw new CliError("no files to update (give FILE… or --recursive DIR)", 100);
  const reports: FileReport[] = [];
  for (const { file, format } of targets) {
    try {
      reports.push(await updateOne(sops, file, flags, config, format));
    } catch (error) {
      const cli = toCliError(sops, error, undefined);
      const message = cli instanceof Error ? cli.message : String(cli);
      reports.push({ file, status: "failed", error: message });
      if (flags.json !== true) say(`error: ${file}: ${message}`);
    }
  }
  const count = (status: FileReport["status"]): number =>
    reports.filter((r) => r.status === status).length;
  if (flags.json === true) {
    process.stdout.write(
      `${JSON.stringify({ updated: count("updated"), unchanged: count("unchanged"), skipped: count("skipped"), failed: count("failed"), files: reports.map((r) => ({ ...r, file: relative(process.cwd(), r.file) || r.file })) }, null, 2)}\n`,
    );
  } else {
    for (const r of reports) if (r.status === "unchanged") say(`File ${r.file} already up to date`);
    if (targets.length > 1)
      say(
        `${count("updated")} updated, ${count("unchanged")} already up to date, ${count("skipped")} skipped, ${count("failed")} failed`,
      );
  }
  const failed = count("failed");
  if (failed > 0) {
    const only = reports.find((r) => r.status === "failed");
    throw new CliError(
      targets.length === 1 && only?.error !== undefined
        ? only.error
        : `failed updating ${failed} key(s)`,
      1,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// exec-env / filestatus

function envValue(value: Sops.TreeValue, key: string): string {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString("utf8");
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value === null) return "<nil>";
  switch (value.kind) {
    case "int":
      return value.value.toString();
    case "float":
      return String(value.value);
    case "time":
      return value.text;
    default:
      throw new CliError(`cannot use complex value in environment; offending key ${key}`, 1);
  }
}

async function execEnvAction(
  file: string,
  command: string,
  flags: CommonFlags & { pristine?: boolean; user?: string; sameProcess?: boolean },
): Promise<void> {
  if (flags.user !== undefined)
    throw new CliError("--user is not supported by secretfleet (run it as that user instead)", 1);
  let variables: Record<string, string> = {};
  await run(file, async (sops) => {
    const { doc } = await openForUpdate(sops, file, flags);
    variables = {};
    for (const item of doc.branches[0]?.items ?? []) {
      if (typeof item.key !== "string") continue;
      if (item.key.includes("="))
        throw new CliError(
          `cannot use key containing "=" in environment; offending key ${item.key}`,
          1,
        );
      variables[item.key] = envValue(item.value, item.key);
    }
  });
  const env = flags.pristine === true ? variables : { ...process.env, ...variables };
  const status = await new Promise<number>((resolvePromise, reject) => {
    const child = spawn("/bin/sh", ["-c", command], { stdio: "inherit", env });
    child.on("error", (error) => {
      reject(new CliError(`could not run command: ${error.message}`, 1, { cause: error }));
    });
    child.on("close", (code, signal) => {
      resolvePromise(code ?? (signal === null ? 1 : 128 + 1));
    });
  });
  if (status !== 0) throw new CliError(`command exited with status ${status}`, status);
}

async function fileStatusAction(file: string, flags: CommonFlags): Promise<void> {
  await run(file, async (sops) => {
    requireExisting(file);
    const { input } = formats(sops, flags, file);
    let encrypted: boolean;
    try {
      const { metadata } = sops.loadEncrypted(await readSource(file), input);
      encrypted = metadata.version !== "" && metadata.mac !== "";
    } catch (error) {
      if (error instanceof sops.SopsError && error.message === "sops metadata not found")
        encrypted = false;
      else
        throw new CliError(
          `cannot check file status: cannot load encrypted file: ${(error as Error).message}`,
          1,
          { cause: error },
        );
    }
    process.stdout.write(`${JSON.stringify({ encrypted })}\n`);
  });
}

// ---------------------------------------------------------------------------------------------

/** Registers `secretfleet sops` and its commands. */
export function registerSops(program: Command): void {
  const sops = program
    .command("sops")
    .description(
      "SOPS-compatible encrypted files: encrypt, decrypt, edit, set, unset, rotate, updatekeys, exec-env, filestatus",
    );

  decryptOptions(keyOptions(outputOptions(commonOptions(sops.command("encrypt")))))
    .description("encrypt a file (or stdin with --filename-override), as `sops encrypt`")
    .argument("[file]", "plaintext file (stdin when omitted)")
    .action(encryptAction);

  decryptOptions(outputOptions(commonOptions(sops.command("decrypt"))))
    .description("decrypt a file (or stdin), as `sops decrypt`")
    .argument("[file]", "encrypted file (stdin when omitted)")
    .option("--extract <path>", 'print only this part, e.g. \'["db"]["password"]\'')
    .action(decryptAction);

  decryptOptions(keyOptions(commonOptions(sops.command("edit"))))
    .description(
      "decrypt into $SOPS_EDITOR/$EDITOR, then re-encrypt (unchanged values keep their ciphertext)",
    )
    .argument("<file>", "encrypted file (a new one is started from an example)")
    .option(
      "-s, --show-master-keys",
      "show the metadata in the editor too (edits to it are ignored)",
    )
    .action(editAction);

  decryptOptions(commonOptions(sops.command("set")))
    .description("set one value (JSON) at an index path, re-encrypting in place")
    .argument("<file>", "encrypted file")
    .argument("<index>", 'index path, e.g. \'["db"]["password"]\'')
    .argument("[value]", "JSON value, e.g. '\"s3cret\"' or '{\"a\": 1}'")
    .option("--value-file <path>", "read the value from a file")
    .option("--value-stdin", "read the value from stdin")
    .option("--idempotent", "do not write when the value is already equal")
    .action(setAction);

  decryptOptions(commonOptions(sops.command("unset")))
    .description("remove one key or list element, re-encrypting in place")
    .argument("<file>", "encrypted file")
    .argument("<index>", "index path")
    .option("--idempotent", "succeed without writing when it is not there")
    .action(unsetAction);

  const rotate = decryptOptions(outputOptions(commonOptions(sops.command("rotate"))))
    .description("generate a new data key and re-encrypt every value; add or remove master keys")
    .argument("<file>", "encrypted file");
  for (const type of ["age", "pgp", "kms", "gcp-kms", "azure-kv", "hc-vault-transit", "hckms"]) {
    rotate
      .option(`--add-${type} <keys>`, `add ${type} keys (comma list) to the first group`)
      .option(`--rm-${type} <keys>`, `remove ${type} keys (comma list) from every group`);
  }
  rotate.action(rotateAction);

  decryptOptions(commonOptions(sops.command("updatekeys")))
    .description(
      "bring files' master keys in line with .sops.yaml (same data key; values untouched)",
    )
    .argument("[files...]", "encrypted files")
    .option("-y, --yes", "do not ask for confirmation")
    .option("--shamir-secret-sharing-threshold <n>", "number of key groups needed to decrypt")
    .option(
      "-r, --recursive <dir>",
      "update every SOPS file under this folder (secretfleet extension)",
    )
    .option("--json", "print a JSON summary of what changed on stdout")
    .action(updateKeysAction);

  decryptOptions(commonOptions(sops.command("exec-env")))
    .description("run COMMAND with the file's top-level values as environment variables")
    .argument("<file>", "encrypted file")
    .argument("<command>", "command for /bin/sh -c")
    .option("--pristine", "only the decrypted variables, not the current environment")
    .option("--user <user>", "switch user (not supported)")
    .option("--same-process", "accepted for compatibility (the command always runs as a child)")
    .action(execEnvAction);

  commonOptions(sops.command("filestatus"))
    .description('print {"encrypted":true|false} for a file')
    .argument("<file>", "file to check")
    .action(fileStatusAction);
}

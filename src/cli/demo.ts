// `secretfleet demo` (what `npm start` runs): a self-contained walk-through of what works today —
// generate a sealing key into a temporary folder, seal a sample Secret, open it again offline —
// printing each step and the files to look at.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { CliError } from "./errors.js";

const SAMPLE_SECRET = `apiVersion: v1
kind: Secret
metadata:
  name: db-credentials
  namespace: team-a
  labels:
    app: billing
type: Opaque
stringData:
  username: billing
  password: demo-only-not-a-real-password
`;

interface DemoOptions {
  dir?: string;
  keySize: string;
}

async function demo(options: DemoOptions): Promise<void> {
  const out = (text: string): void => {
    process.stdout.write(`${text}\n`);
  };
  const bits = Number(options.keySize);
  if (!Number.isInteger(bits) || bits < 2048)
    throw new CliError(`invalid --key-size "${options.keySize}"`);
  const sealing = await import("../sealing/index.js");
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), "secretfleet-demo-")));
  const path = (name: string): string => join(dir, name);

  out(`secretfleet demo: Sealed Secrets without a cluster, in ${dir}\n`);
  out(`1. Generating a ${bits}-bit RSA sealing key shaped like the controller's (a few seconds)…`);
  const started = Date.now();
  const key = await sealing.generateSealingKey({ bits });
  await writeFile(path("cert.pem"), key.certificatePem);
  await writeFile(path("key.pem"), key.privateKeyPem, { mode: 0o600 });
  const keySecret = sealing.keySecretManifest(key);
  await writeFile(path("key-secret.yaml"), sealing.formatObject(keySecret, "yaml"), {
    mode: 0o600,
  });
  out(`   done in ${((Date.now() - started) / 1000).toFixed(1)} s: key ${key.fingerprint}`);
  out(`   ${path("cert.pem")}        the public certificate (what kubeseal --fetch-cert gives)`);
  out(`   ${path("key.pem")}         the private key (PKCS#1)`);
  out(
    `   ${path("key-secret.yaml")} the key Secret a controller keeps (kubernetes.io/tls, label active)\n`,
  );

  out("2. Sealing a sample Secret (strict scope: only team-a/db-credentials can open it)…");
  await writeFile(path("secret.yaml"), SAMPLE_SECRET, { mode: 0o600 });
  const [document] = sealing.parseManifests(SAMPLE_SECRET);
  if (document === undefined) throw new CliError("the sample Secret did not parse");
  const secret = sealing.prepareSecret(sealing.decodeSecret(document), {
    namespace: "default",
    namespaceExplicit: false,
  });
  const sealed = sealing.sealSecret(
    secret,
    sealing.parseSealingCertificate(key.certificatePem).publicKey,
  );
  const sealedYaml = sealing.formatObject(sealed, "yaml");
  await writeFile(path("sealed.yaml"), sealedYaml);
  out(`   ${path("secret.yaml")} -> ${path("sealed.yaml")} (safe to commit):`);
  out(
    sealedYaml
      .trimEnd()
      .replace(/^/gm, "   | ")
      .replace(/(: Ag[A-Za-z0-9+/]{20})[A-Za-z0-9+/=]+/g, "$1…"),
  );

  out("3. Opening it again offline, as kubeseal --recovery-unseal does…");
  const result = sealing.unsealSealedSecret(sealed, [key.privateKey]);
  if (!result.ok)
    throw new CliError(`the demo could not open its own SealedSecret: ${result.error}`);
  const recovered = result.secret.data ?? {};
  const matches = Object.entries(secret.stringData ?? {}).every(
    ([name, value]) => recovered[name] === Buffer.from(value).toString("base64"),
  );
  out(
    `   recovered items: ${Object.keys(recovered).sort().join(", ")} — ${matches ? "identical to the input" : "DIFFERENT from the input"}`,
  );
  const moved = { ...sealed, metadata: { ...sealed.metadata, namespace: "team-b" } };
  const refused = sealing.unsealSealedSecret(moved, [key.privateKey]);
  out(
    `   moved to team-b, it no longer opens: ${refused.ok ? "it did (unexpected)" : refused.error}\n`,
  );
  if (!matches || refused.ok) throw new CliError("the demo's round trip failed");

  out("Try it yourself:");
  out(`   npx secretfleet seal --cert ${path("cert.pem")} -f ${path("secret.yaml")} -o yaml`);
  out(
    `   npx secretfleet seal --recovery-unseal --recovery-private-key ${path("key.pem")} -f ${path("sealed.yaml")} -o yaml`,
  );
  out(
    `   npx secretfleet seal --cert prod=${path("cert.pem")} --cert stage=${path("cert.pem")} -f ${path("secret.yaml")} -w '${join(dir, "clusters", "{name}", "db.yaml")}'`,
  );
  out(`The folder stays for you to look at; remove it with: rm -r ${dir}`);
}

/** Registers `secretfleet demo`. */
export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description(
      "walk through sealing offline: generate a key in a temporary folder, seal a sample Secret, open it again",
    )
    .option("--dir <dir>", "folder for the demo files (default: a new temporary folder)")
    .option("--key-size <bits>", "RSA key size", "4096")
    .action((options: DemoOptions) => demo(options));
}

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { cliPath, shared } from "../../test/support/paths.js";
import { sopsTestKeys } from "../../test/support/sops.js";

const SECRET = "pl4nted-s3cret-value";

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in `cwd` with a clean environment holding only what is given (plus PATH). */
function run(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; input?: string },
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, "sops", ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? "", HOME: options.cwd, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", reject);
    child.on("close", (status) => {
      resolve({
        status,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      });
    });
    child.stdin.end(options.input ?? "");
  });
}

function workspace(t: { after: (fn: () => void) => void }): {
  dir: string;
  env: Record<string, string>;
} {
  const dir = mkdtempSync(join(tmpdir(), "sf-sops-cli-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  writeFileSync(
    join(dir, ".sops.yaml"),
    `creation_rules:\n  - path_regex: \\.k8s\\.yaml$\n    encrypted_regex: ^(data|stringData)$\n    age: ${sopsTestKeys.ageRecipient}\n  - age: ${sopsTestKeys.ageRecipient}\n`,
  );
  return { dir, env: { SOPS_AGE_KEY_FILE: sopsTestKeys.ageIdentityFile } };
}

const noSecretIn = (result: Result, secret = SECRET): void => {
  assert.ok(!result.stderr.includes(secret), `secret in stderr: ${result.stderr}`);
};

test("sops encrypt/decrypt round trip through .sops.yaml, files and stdin", async (t) => {
  const { dir, env } = workspace(t);
  const plain = `db:\n    user: admin\n    password: ${SECRET} # yearly\n`;
  writeFileSync(join(dir, "app.yaml"), plain);
  const encrypted = await run(["encrypt", "app.yaml"], { cwd: dir, env });
  assert.equal(encrypted.status, 0, encrypted.stderr);
  assert.ok(!encrypted.stdout.includes(SECRET));
  assert.match(encrypted.stdout, /recipient: age1hcsra8/);
  writeFileSync(join(dir, "app.enc.yaml"), encrypted.stdout);
  const decrypted = await run(["decrypt", "app.enc.yaml"], { cwd: dir, env });
  assert.equal(decrypted.status, 0, decrypted.stderr);
  assert.equal(decrypted.stdout, plain);
  const extracted = await run(["decrypt", "--extract", '["db"]["password"]', "app.enc.yaml"], {
    cwd: dir,
    env,
  });
  assert.equal(extracted.stdout, SECRET);
  const fromStdin = await run(["decrypt", "--input-type", "yaml", "--output-type", "json"], {
    cwd: dir,
    env,
    input: encrypted.stdout,
  });
  assert.equal(fromStdin.status, 0, fromStdin.stderr);
  assert.deepEqual(JSON.parse(fromStdin.stdout), { db: { user: "admin", password: SECRET } });
  // The k8s rule: only data/stringData are encrypted.
  writeFileSync(join(dir, "s.k8s.yaml"), "kind: Secret\nstringData:\n    token: abc\n");
  const k8s = await run(["encrypt", "-i", "s.k8s.yaml"], { cwd: dir, env });
  assert.equal(k8s.status, 0, k8s.stderr);
  const written = readFileSync(join(dir, "s.k8s.yaml"), "utf8");
  assert.match(written, /^kind: Secret$/m);
  assert.match(written, /token: ENC\[/);
  assert.match(written, /encrypted_regex: \^\(data\|stringData\)\$/);
  const status = await run(["filestatus", "s.k8s.yaml"], { cwd: dir, env });
  assert.equal(status.stdout, '{"encrypted":true}\n');
  assert.equal(
    (await run(["filestatus", "app.yaml"], { cwd: dir, env })).stdout,
    '{"encrypted":false}\n',
  );
});

test("sops exit codes and messages match sops's", async (t) => {
  const { dir, env } = workspace(t);
  writeFileSync(join(dir, "a.yaml"), `password: ${SECRET}\n`);
  const enc = await run(["encrypt", "a.yaml"], { cwd: dir, env });
  writeFileSync(join(dir, "a.enc.yaml"), enc.stdout);
  const cases: [string, string[], Record<string, string>, number, RegExp][] = [
    [
      "missing file",
      ["decrypt", "nope.yaml"],
      env,
      100,
      /cannot operate on non-existent file ".*nope\.yaml"/,
    ],
    [
      "already encrypted",
      ["encrypt", "a.enc.yaml"],
      env,
      203,
      /contains a top-level entry called 'sops'/,
    ],
    [
      "no identity",
      ["decrypt", "a.enc.yaml"],
      {},
      128,
      /Failed to get the data key required to decrypt the SOPS file/,
    ],
    [
      "wrong identity",
      ["decrypt", "a.enc.yaml"],
      { SOPS_AGE_KEY_FILE: sopsTestKeys.otherAgeIdentityFile },
      128,
      /no identity matched any of the recipients/,
    ],
    [
      "two selectors",
      ["encrypt", "--encrypted-regex", "x", "--unencrypted-suffix", "y", "a.yaml"],
      env,
      8,
      /Error: cannot use more than one of encrypted_suffix/,
    ],
    ["not encrypted", ["decrypt", "a.yaml"], env, 1, /sops metadata not found/],
    ["bad extract", ["decrypt", "--extract", '["a"', "a.enc.yaml"], env, 91, /doesn't end with \]/],
    [
      "duplicate order",
      ["decrypt", "--decryption-order", "age,age", "a.enc.yaml"],
      env,
      112,
      /duplicate/,
    ],
    [
      "both outputs",
      ["decrypt", "-i", "--output", "x", "a.enc.yaml"],
      env,
      8,
      /--output and --in-place/,
    ],
  ];
  for (const [name, args, caseEnv, code, message] of cases) {
    const result = await run(args, { cwd: dir, env: caseEnv });
    assert.equal(result.status, code, `${name}: ${result.stderr}`);
    assert.match(result.stderr, message, name);
    assert.equal(result.stdout, "", `${name}: stdout must stay empty`);
    noSecretIn(result);
  }
  // A file that does not parse: exit 2 on encrypt, naming the file and the line.
  writeFileSync(join(dir, "bad.yaml"), `a: ${SECRET}\na: 2\n`);
  const bad = await run(["encrypt", "bad.yaml"], { cwd: dir, env });
  assert.equal(bad.status, 2);
  assert.match(
    bad.stderr,
    /bad\.yaml: Error unmarshalling file: .*line 2: mapping key "a" already defined at line 1/s,
  );
  noSecretIn(bad);
});

test("tampered files fail with sops's codes, and --in-place never half-writes", async (t) => {
  const { dir, env } = workspace(t);
  writeFileSync(join(dir, "a.yaml"), `password: ${SECRET}\nnote_unencrypted: x\n`);
  assert.equal((await run(["encrypt", "-i", "a.yaml"], { cwd: dir, env })).status, 0);
  const good = readFileSync(join(dir, "a.yaml"), "utf8");
  writeFileSync(join(dir, "a.yaml"), good.replace("note_unencrypted: x", "note_unencrypted: y"));
  const mac = await run(["decrypt", "-i", "a.yaml"], { cwd: dir, env });
  assert.equal(mac.status, 51);
  assert.match(
    mac.stderr,
    /a\.yaml: MAC mismatch\. File has [0-9A-F]{128}, computed [0-9A-F]{128}/,
  );
  assert.equal(
    readFileSync(join(dir, "a.yaml"), "utf8"),
    good.replace("note_unencrypted: x", "note_unencrypted: y"),
    "file untouched",
  );
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.endsWith(".tmp")),
    [],
    "no temp file left",
  );
  writeFileSync(
    join(dir, "a.yaml"),
    good.replace(
      /password: ENC\[AES256_GCM,data:(.)/,
      (_m, c: string) => `password: ENC[AES256_GCM,data:${c === "A" ? "B" : "A"}`,
    ),
  );
  const value = await run(["decrypt", "a.yaml"], { cwd: dir, env });
  assert.equal(value.status, 25);
  assert.match(
    value.stderr,
    /Could not decrypt value: Could not decrypt with AES_GCM: cipher: message authentication failed \(at \["password"\]\)/,
  );
  noSecretIn(value);
});

test("sops set, unset, rotate and edit keep unchanged ciphertexts and write in place", async (t) => {
  const { dir, env } = workspace(t);
  writeFileSync(join(dir, "a.yaml"), "a: one\nb: two\n");
  assert.equal((await run(["encrypt", "-i", "a.yaml"], { cwd: dir, env })).status, 0);
  const before = readFileSync(join(dir, "a.yaml"), "utf8");
  const valueOf = (text: string, key: string): string =>
    new RegExp(`^${key}: (ENC\\[[^\\]]+\\])`, "m").exec(text)?.[1] ?? "";
  const set = await run(["set", "a.yaml", '["b"]', '"changed"'], { cwd: dir, env });
  assert.equal(set.status, 0, set.stderr);
  const afterSet = readFileSync(join(dir, "a.yaml"), "utf8");
  assert.equal(valueOf(afterSet, "a"), valueOf(before, "a"));
  assert.notEqual(valueOf(afterSet, "b"), valueOf(before, "b"));
  assert.equal((await run(["set", "a.yaml", '["num"]', "5"], { cwd: dir, env })).status, 0);
  assert.match(readFileSync(join(dir, "a.yaml"), "utf8"), /^num: ENC\[.*type:float\]$/m);
  assert.equal((await run(["set", "a.yaml", '["x"]', "[1]"], { cwd: dir, env })).status, 7);
  assert.equal((await run(["set", "a.yaml", '["x"]', "{nope"], { cwd: dir, env })).status, 7);
  const unset = await run(["unset", "a.yaml", '["num"]'], { cwd: dir, env });
  assert.equal(unset.status, 0, unset.stderr);
  const missing = await run(["unset", "a.yaml", '["num"]'], { cwd: dir, env });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /Key not found: num/);
  assert.equal(
    (await run(["unset", "--idempotent", "a.yaml", '["num"]'], { cwd: dir, env })).status,
    0,
  );
  const decrypted = await run(["decrypt", "a.yaml"], { cwd: dir, env });
  assert.equal(decrypted.stdout, "a: one\nb: changed\n");

  // edit with a script as the editor: it appends a key; unchanged values keep their ciphertext.
  const editor = join(dir, "editor.sh");
  writeFileSync(editor, '#!/bin/sh\nprintf "c: three\\n" >> "$1"\n');
  chmodSync(editor, 0o755);
  const beforeEdit = readFileSync(join(dir, "a.yaml"), "utf8");
  const edit = await run(["edit", "a.yaml"], { cwd: dir, env: { ...env, EDITOR: editor } });
  assert.equal(edit.status, 0, edit.stderr);
  const afterEdit = readFileSync(join(dir, "a.yaml"), "utf8");
  assert.equal(valueOf(afterEdit, "a"), valueOf(beforeEdit, "a"));
  assert.match(afterEdit, /^c: ENC\[/m);
  const noop = join(dir, "noop.sh");
  writeFileSync(noop, "#!/bin/sh\nexit 0\n");
  chmodSync(noop, 0o755);
  const unchanged = await run(["edit", "a.yaml"], { cwd: dir, env: { ...env, EDITOR: noop } });
  assert.equal(unchanged.status, 200);
  assert.match(unchanged.stderr, /File has not changed, exiting\./);
  const failing = await run(["edit", "a.yaml"], { cwd: dir, env: { ...env, EDITOR: "false" } });
  assert.equal(failing.status, 201);

  // rotate: new data key, every ciphertext changes, still decrypts; --add-age adds a recipient.
  const rotated = await run(
    ["rotate", "-i", "--add-age", sopsTestKeys.otherAgeRecipient, "a.yaml"],
    { cwd: dir, env },
  );
  assert.equal(rotated.status, 0, rotated.stderr);
  const afterRotate = readFileSync(join(dir, "a.yaml"), "utf8");
  assert.notEqual(valueOf(afterRotate, "a"), valueOf(afterEdit, "a"));
  const other = await run(["decrypt", "a.yaml"], {
    cwd: dir,
    env: { SOPS_AGE_KEY_FILE: sopsTestKeys.otherAgeIdentityFile },
  });
  assert.equal(other.stdout, "a: one\nb: changed\nc: three\n");
});

test("sops exec-env passes top-level values as environment variables", async (t) => {
  const { dir, env } = workspace(t);
  writeFileSync(join(dir, "e.env"), `TOKEN=${SECRET}\n`);
  assert.equal((await run(["encrypt", "-i", "e.env"], { cwd: dir, env })).status, 0);
  const result = await run(["exec-env", "e.env", 'test "$TOKEN" = "' + SECRET + '" && echo ok'], {
    cwd: dir,
    env,
  });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, "ok\n");
  const failing = await run(["exec-env", "e.env", "exit 3"], { cwd: dir, env });
  assert.equal(failing.status, 3);
});

test("sops updatekeys --recursive brings a tree in line with .sops.yaml", async (t) => {
  const { dir, env } = workspace(t);
  mkdirSync(join(dir, "apps", "a"), { recursive: true });
  for (const name of ["apps/a/one.yaml", "apps/two.json", "three.env"]) {
    const path = join(dir, name);
    writeFileSync(
      path,
      name.endsWith(".json") ? '{"k": "v"}' : name.endsWith(".env") ? "K=v\n" : "k: v\n",
    );
    assert.equal((await run(["encrypt", "-i", name], { cwd: dir, env })).status, 0);
  }
  writeFileSync(join(dir, "plain.yaml"), "not: encrypted\n");
  writeFileSync(
    join(dir, ".sops.yaml"),
    `creation_rules:\n  - age: ${sopsTestKeys.ageRecipient},${sopsTestKeys.otherAgeRecipient}\n`,
  );
  const result = await run(["updatekeys", "--yes", "--json", "--recursive", "."], {
    cwd: dir,
    env,
  });
  assert.equal(result.status, 0, result.stderr);
  const summary = JSON.parse(result.stdout) as {
    updated: number;
    unchanged: number;
    failed: number;
    files: { file: string; status: string }[];
  };
  assert.equal(summary.updated, 3);
  assert.equal(summary.failed, 0);
  assert.deepEqual(summary.files.map((f) => f.file).sort(), [
    "apps/a/one.yaml",
    "apps/two.json",
    "three.env",
  ]);
  for (const name of ["apps/a/one.yaml", "apps/two.json", "three.env"]) {
    const other = await run(["decrypt", name], {
      cwd: dir,
      env: { SOPS_AGE_KEY_FILE: sopsTestKeys.otherAgeIdentityFile },
    });
    assert.equal(other.status, 0, `${name}: ${other.stderr}`);
  }
  const again = await run(["updatekeys", "--yes", "--json", "--recursive", "."], { cwd: dir, env });
  assert.equal((JSON.parse(again.stdout) as { unchanged: number }).unchanged, 3);
});

test("upstream files decrypt through the CLI with gpg's keyring, and tampered copies fail", async (t) => {
  const upstream = shared("upstream", "sops");
  if (upstream === undefined || !existsSync("/usr/bin/gpg")) {
    t.skip("../shared or gpg not available");
    return;
  }
  const { dir } = workspace(t);
  const home = join(dir, "gnupg");
  mkdirSync(home, { mode: 0o700 });
  const imported = await new Promise<number | null>((resolve) => {
    const child = spawn(
      "gpg",
      [
        "--homedir",
        home,
        "--batch",
        "--quiet",
        "--import",
        join(upstream, "keys", "pgp", "sops_functional_tests_key.asc"),
      ],
      { stdio: "ignore" },
    );
    child.on("close", resolve);
  });
  assert.equal(imported, 0);
  t.after(() => {
    spawn("gpgconf", ["--homedir", home, "--kill", "all"], { stdio: "ignore" });
  });
  const env = { GNUPGHOME: home };
  const source = join(upstream, "functional-tests", "res");
  cpSync(join(source, "format.enc.yaml"), join(dir, "f.yaml"));
  const ok = await run(["decrypt", "f.yaml"], { cwd: dir, env });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout, readFileSync(join(source, "format.enc.yaml.expected-stdout"), "utf8"));
  cpSync(join(source, "no_mac.yaml"), join(dir, "no_mac.yaml"));
  const noMac = await run(["decrypt", "no_mac.yaml"], { cwd: dir, env });
  assert.equal(noMac.status, 51);
  assert.match(noMac.stderr, /MAC mismatch\. File has no MAC, computed F7F6C7A0/);
  const ignored = await run(["decrypt", "--ignore-mac", "no_mac.yaml"], { cwd: dir, env });
  assert.equal(ignored.stdout, "myapp1: t00m4nys3cr3tzupdated\n");
});

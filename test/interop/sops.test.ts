// Files we encrypt, opened by independent tools: the age CLI opens each age stanza, gpg each PGP
// stanza, and the values and MAC are checked with plain AES-256-GCM and SHA-512 written here.
// Go's own strconv and encoding/json confirm the number and string forms the MAC depends on.
import assert from "node:assert/strict";
import { createDecipheriv, createHash } from "node:crypto";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  KeySources,
  encryptBranches,
  loadEncrypted,
  loadPlain,
  newAgeKey,
  newPgpKey,
  openEncrypted,
  storeFor,
  type Comment,
  type TreeValue,
} from "../../src/sops/index.js";
import { sopsTestKeys } from "../support/sops.js";
import { testdata } from "../support/paths.js";

const available = (command: string): boolean => spawnSync(command, ["--version"]).status === 0;

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), "sf-sops-interop-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

function gnupgHome(t: { after: (fn: () => void) => void }): string {
  const home = tempDir(t);
  execFileSync(
    "gpg",
    ["--homedir", home, "--batch", "--quiet", "--import", sopsTestKeys.pgpSecretKeyFile],
    {
      stdio: "ignore",
    },
  );
  t.after(() => {
    spawnSync("gpgconf", ["--homedir", home, "--kill", "all"], { stdio: "ignore" });
  });
  return home;
}

const PLAIN = `app:
    user: admin
    password: hunter2
    port: 5432
    ratio: 1.5
    enabled: true
    hosts:
        - a.example
        - b.example
note_unencrypted: visible
`;

// What the test expects, written out independently of the code under test: each leaf's path
// (the additional data), type and plaintext bytes, in document order.
const LEAVES: [string, string, string, boolean][] = [
  ["app:user:", "str", "admin", true],
  ["app:password:", "str", "hunter2", true],
  ["app:port:", "int", "5432", true],
  ["app:ratio:", "float", "1.5", true],
  ["app:enabled:", "bool", "True", true],
  ["app:hosts:", "str", "a.example", true],
  ["app:hosts:", "str", "b.example", true],
  ["note_unencrypted:", "str", "visible", false],
];

async function encryptSample(t: {
  after: (fn: () => void) => void;
}): Promise<{ text: string; home: string }> {
  const home = gnupgHome(t);
  const sources = new KeySources({ GNUPGHOME: home });
  const out = await encryptBranches(
    loadPlain(Buffer.from(PLAIN), "yaml"),
    storeFor("yaml"),
    {
      keyGroups: [
        [newAgeKey(sopsTestKeys.ageRecipient), newPgpKey(sopsTestKeys.pgpFingerprint, new Date())],
      ],
      shamirThreshold: 0,
      rules: { unencryptedSuffix: "_unencrypted" },
    },
    sources,
  );
  return { text: Buffer.from(out).toString("utf8"), home };
}

function gcmOpen(key: Buffer, enc: string, aad: string): { type: string; plaintext: Buffer } {
  const match = /^ENC\[AES256_GCM,data:([^,]*),iv:([^,]+),tag:([^,]+),type:([a-z]+)\]$/.exec(enc);
  assert.ok(match !== null, `not an ENC value: ${enc}`);
  const [, data = "", iv = "", tag = "", type = ""] = match;
  assert.equal(Buffer.from(iv, "base64").length, 32, "sops uses 32-byte IVs");
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(Buffer.from(tag, "base64"));
  return {
    type,
    plaintext: Buffer.concat([decipher.update(Buffer.from(data, "base64")), decipher.final()]),
  };
}

test("age, gpg and plain AES-GCM open a file secretfleet encrypted", async (t) => {
  if (!available("age") || !available("gpg")) {
    t.skip("age or gpg not installed");
    return;
  }
  const { text, home } = await encryptSample(t);
  const { metadata, branches } = loadEncrypted(Buffer.from(text), "yaml");
  const [ageKey, pgpKey] = [
    metadata.keyGroups[0]?.find((k) => k.type === "age"),
    metadata.keyGroups[0]?.find((k) => k.type === "pgp"),
  ];
  assert.ok(ageKey?.type === "age" && pgpKey?.type === "pgp");
  const dir = tempDir(t);
  writeFileSync(join(dir, "stanza.age"), ageKey.enc);
  const fromAge = execFileSync("age", [
    "-d",
    "-i",
    sopsTestKeys.ageIdentityFile,
    join(dir, "stanza.age"),
  ]);
  const fromGpg = execFileSync("gpg", ["--homedir", home, "--batch", "--quiet", "-d"], {
    input: pgpKey.enc,
    stdio: ["pipe", "pipe", "ignore"],
  });
  assert.equal(fromAge.length, 32);
  assert.deepEqual(fromGpg, fromAge, "both master keys wrap the same data key");

  // Every value, in order, with its path as additional data.
  const values: string[] = [];
  const collect = (value: TreeValue | Comment): void => {
    if (typeof value === "string") values.push(value);
    else if (typeof value === "object" && value !== null && !(value instanceof Uint8Array)) {
      if (value.kind === "map") for (const item of value.items) collect(item.value);
      if (value.kind === "list") for (const item of value.items) collect(item);
    }
  };
  collect(branches[0] ?? null);
  assert.equal(values.length, LEAVES.length);
  const mac = createHash("sha512");
  LEAVES.forEach(([aad, type, plaintext, encrypted], i) => {
    const value = values[i] ?? "";
    if (encrypted) {
      const opened = gcmOpen(fromAge, value, aad);
      assert.equal(opened.type, type, aad);
      assert.equal(opened.plaintext.toString("utf8"), plaintext, aad);
    } else {
      assert.equal(value, plaintext);
    }
    mac.update(plaintext);
  });
  const storedMac = gcmOpen(fromAge, metadata.mac, metadata.lastModified);
  assert.equal(
    storedMac.plaintext.toString("utf8"),
    mac.digest("hex").toUpperCase(),
    "the MAC is SHA-512 over the values",
  );
  assert.match(metadata.lastModified, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});

test("secretfleet opens data keys wrapped by the age CLI and gpg, and reads keys from a GnuPG home", async (t) => {
  if (!available("age") || !available("gpg")) {
    t.skip("age or gpg not installed");
    return;
  }
  const { text, home } = await encryptSample(t);
  // The GnuPG path: no keys given, only GNUPGHOME (export, then `gpg -d` as a fallback).
  const viaGnuPG = await openEncrypted(Buffer.from(text), {
    format: "yaml",
    sources: new KeySources({ GNUPGHOME: home }),
  });
  assert.equal(Buffer.from(storeFor("yaml").emitPlain(viaGnuPG.branches)).toString("utf8"), PLAIN);

  // A data key wrapped by the age CLI (armored, to our recipient) and by gpg replaces ours.
  const dataKey = viaGnuPG.dataKey;
  const ageWrapped = execFileSync("age", ["-a", "-r", sopsTestKeys.ageRecipient], {
    input: dataKey,
  }).toString("utf8");
  const gpgWrapped = execFileSync(
    "gpg",
    [
      "--homedir",
      home,
      "--batch",
      "--quiet",
      "--trust-model",
      "always",
      "-a",
      "-e",
      "-r",
      sopsTestKeys.pgpFingerprint,
    ],
    { input: dataKey, stdio: ["pipe", "pipe", "ignore"] },
  ).toString("utf8");
  const indent = (s: string): string => s.trim().split("\n").join("\n            ");
  const swapped = text
    .replace(
      /( {8}- enc: \|\n)[\s\S]*?-----END AGE ENCRYPTED FILE-----\n/,
      `$1            ${indent(ageWrapped)}\n`,
    )
    .replace(
      /(enc: \|-\n)[\s\S]*?-----END PGP MESSAGE-----/,
      `$1            ${indent(gpgWrapped)}`,
    );
  assert.notEqual(swapped, text);
  for (const age of ["mine", "none"] as const) {
    const identities =
      age === "mine" ? readFileSync(testdata("sops", "age-identity.txt"), "utf8") : undefined;
    const sources = new KeySources(
      age === "mine" ? { SOPS_AGE_KEY: identities } : { GNUPGHOME: home },
      { useGnuPG: age === "none" },
    );
    const doc = await openEncrypted(Buffer.from(swapped), { format: "yaml", sources });
    assert.deepEqual(
      Buffer.from(doc.dataKey),
      Buffer.from(dataKey),
      `opened via ${age === "mine" ? "age" : "pgp"}`,
    );
  }
});

const go = "/usr/lib/go-1.19/bin/go";

test("number and string forms match Go's strconv and encoding/json", async (t) => {
  if (!existsSync(go)) {
    t.skip("Go not installed");
    return;
  }
  const { formatFloatF, formatFloatG } = await import("../../src/sops/go-format.js");
  const { goJsonString } = await import("../../src/sops/stores/json.js");
  const numbers = [
    0,
    1,
    -1,
    1.5,
    25.4,
    1e6,
    123456,
    1234567,
    1234568000,
    1e20,
    1e21,
    1e-4,
    1e-5,
    1e-7,
    0.1 + 0.2,
    5e-324,
    1.7976931348623157e308,
    -2.5e-8,
  ];
  const strings = [
    "plain",
    "<&>",
    "tab\tnew\nline",
    "\u0001\u001f",
    "\u2028\u2029",
    "é😀",
    '"quote\\',
  ];
  const dir = tempDir(t);
  const program = `package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
)

func main() {
	var numbers []float64
	var strs []string
	json.Unmarshal([]byte(os.Args[1]), &numbers)
	json.Unmarshal([]byte(os.Args[2]), &strs)
	for _, n := range numbers {
		fmt.Println(strconv.FormatFloat(n, 'f', -1, 64), strconv.FormatFloat(n, 'g', -1, 64))
	}
	for _, s := range strs {
		b, _ := json.Marshal(s)
		fmt.Println(string(b))
	}
}
`;
  writeFileSync(join(dir, "main.go"), program);
  const output = execFileSync(
    go,
    ["run", join(dir, "main.go"), JSON.stringify(numbers), JSON.stringify(strings)],
    {
      env: {
        ...process.env,
        GOCACHE: join(dir, "cache"),
        GOPATH: join(dir, "gopath"),
        GO111MODULE: "off",
      },
      encoding: "utf8",
    },
  ).split("\n");
  const ours = [
    ...numbers.map((n) => `${formatFloatF(n)} ${formatFloatG(n)}`),
    ...strings.map(goJsonString),
  ];
  assert.deepEqual(output.slice(0, ours.length), ours);
});

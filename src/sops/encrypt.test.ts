import assert from "node:assert/strict";
import { createDecipheriv, randomBytes } from "node:crypto";
import { test } from "node:test";
import { sopsTestKeys, testKeySources } from "../../test/support/sops.js";
import { newAgeKey, newPgpKey, type CreationSettings } from "./config.js";
import { SopsError } from "./errors.js";
import {
  encryptBranches,
  loadEncrypted,
  loadPlain,
  openEncrypted,
  reencrypt,
  rotate,
} from "./file.js";
import { storeFor, type Format } from "./stores/index.js";
import { setValueAt } from "./tree-path.js";
import type { EncryptionRules } from "./walk.js";

const SECRET = "pl4nted-s3cret-value";
const now = new Date("2026-05-22T20:16:23.456Z");
const bytes = (text: string): Uint8Array => Buffer.from(text, "utf8");
const text = (data: Uint8Array): string => Buffer.from(data).toString("utf8");

function settings(
  rules: EncryptionRules = { unencryptedSuffix: "_unencrypted" },
  groups?: CreationSettings["keyGroups"],
  threshold = 0,
): CreationSettings {
  return {
    keyGroups: groups ?? [
      [newAgeKey(sopsTestKeys.ageRecipient), newPgpKey(sopsTestKeys.pgpFingerprint, now)],
    ],
    shamirThreshold: threshold,
    rules,
  };
}

async function encrypt(
  plain: string,
  format: Format,
  s: CreationSettings = settings(),
): Promise<string> {
  const store = storeFor(format);
  return text(
    await encryptBranches(loadPlain(bytes(plain), format), store, s, testKeySources(), now),
  );
}

async function decrypt(
  encrypted: string,
  format: Format,
  sources = testKeySources(),
): Promise<string> {
  const doc = await openEncrypted(bytes(encrypted), { format, sources });
  return text(storeFor(format).emitPlain(doc.branches));
}

async function rejection(promise: Promise<unknown>): Promise<SopsError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SopsError, String(error));
    return error;
  }
  assert.fail("expected a SopsError");
}

const PLAINTEXTS: Record<Format, string> = {
  yaml: `# database\ndb:\n    user: admin\n    password: ${SECRET} # rotate yearly\n    port: 5432\n    ratio: 0.75\n    tls: true\n    since: 2024-01-01T00:00:00Z\nhosts:\n    - a.example\n    - b.example\nnote_unencrypted: visible\n---\nsecond: doc\n`,
  json: `{\n\t"password": "${SECRET}",\n\t"port": 5432,\n\t"nested": {\n\t\t"list": [\n\t\t\t1.5,\n\t\t\tfalse,\n\t\t\tnull\n\t\t]\n\t},\n\t"empty": ""\n}\n`,
  dotenv: `#comment\nPASSWORD=${SECRET}\nMULTI=a\\nb\n`,
  ini: `; about db\n[db]\npassword = ${SECRET}\nuser     = admin\n\n[other]\nkey = value\n`,
  binary: `binary ${SECRET}\n\u0000\u00ff raw`,
};

test("encrypting then decrypting gives back every format's plaintext, and hides the secret", async () => {
  for (const format of ["yaml", "json", "dotenv", "ini", "binary"] as const) {
    const encrypted = await encrypt(PLAINTEXTS[format], format);
    assert.ok(!encrypted.includes(SECRET), `${format}: secret visible in ciphertext`);
    assert.equal(await decrypt(encrypted, format), PLAINTEXTS[format], format);
  }
});

test("the metadata block is laid out as sops 3.13 writes it", async () => {
  const encrypted = await encrypt("a: b\n", "yaml");
  const block = encrypted.slice(encrypted.indexOf("sops:\n"));
  const topKeys = [...block.matchAll(/^ {4}([a-z_]+):/gm)].map((m) => m[1]);
  assert.deepEqual(topKeys, ["age", "lastmodified", "mac", "pgp", "unencrypted_suffix", "version"]);
  assert.match(block, /^ {8}- enc: \|\n {12}-----BEGIN AGE ENCRYPTED FILE-----\n/m);
  assert.match(block, /^ {10}recipient: age1hcsra8/m);
  assert.match(
    block,
    /^ {8}- created_at: "2026-05-22T20:16:23Z"\n {10}enc: \|-\n {12}-----BEGIN PGP MESSAGE-----/m,
  );
  assert.match(block, /^ {4}lastmodified: "2026-05-22T20:16:23Z"$/m);
  assert.match(
    block,
    /^ {4}mac: ENC\[AES256_GCM,data:[A-Za-z0-9+/=]+,iv:[A-Za-z0-9+/=]{44},tag:[A-Za-z0-9+/=]{24},type:str\]$/m,
  );
  assert.match(block, /^ {4}version: 3\.13\.2$/m);
  // dotenv flattens with the sops_ prefix, in the same sorted order.
  const dotenv = await encrypt("A=1\n", "dotenv");
  assert.deepEqual(
    [...dotenv.matchAll(/^sops_([a-z_0-9]+)=/gm)].map((m) => m[1]),
    [
      "age__list_0__map_enc",
      "age__list_0__map_recipient",
      "lastmodified",
      "mac",
      "pgp__list_0__map_created_at",
      "pgp__list_0__map_enc",
      "pgp__list_0__map_fp",
      "unencrypted_suffix",
      "version",
    ],
  );
  // The binary store writes no selector at all.
  assert.doesNotMatch(await encrypt("raw", "binary", settings({})), /unencrypted_suffix/);
});

test("selectors choose which values are encrypted", async () => {
  const secret = `apiVersion: v1\nkind: Secret\nmetadata:\n    name: db\ndata:\n    password: c2VjcmV0\nstringData:\n    user: admin\n`;
  const cases: [EncryptionRules, string[], string[]][] = [
    [
      { encryptedRegex: "^(data|stringData)$" },
      ["password", "user"],
      ["apiVersion", "kind", "name"],
    ],
    [
      { unencryptedRegex: "^(apiVersion|kind|metadata)$" },
      ["password", "user"],
      ["apiVersion", "kind", "name"],
    ],
    [{ encryptedSuffix: "Data" }, ["user"], ["password", "name"]],
    // "metadata" ends with "data" too, so its values stay readable.
    [{ unencryptedSuffix: "data" }, ["user", "kind"], ["password", "name"]],
  ];
  for (const [rules, encrypted, plain] of cases) {
    const output = await encrypt(secret, "yaml", settings(rules));
    for (const key of encrypted)
      assert.match(output, new RegExp(`^ *${key}: ENC\\[`, "m"), `${JSON.stringify(rules)} ${key}`);
    for (const key of plain)
      assert.match(output, new RegExp(`^ *${key}: [^E]`, "m"), `${JSON.stringify(rules)} ${key}`);
    assert.equal(await decrypt(output, "yaml"), secret);
  }
});

test("comment regexes mark values (the marker comment itself stays readable)", async () => {
  const plain = "# sops:enc\npassword: hunter2\nuser: admin\n# plain note\nlevel: 3\n";
  const encrypted = await encrypt(plain, "yaml", settings({ encryptedCommentRegex: "sops:enc" }));
  assert.match(encrypted, /^# sops:enc\npassword: ENC\[/m);
  assert.match(encrypted, /^user: admin$/m);
  assert.match(encrypted, /^# plain note$/m);
  assert.equal(await decrypt(encrypted, "yaml"), plain);
  const unencrypted = await encrypt(
    "# sops:plain\nuser: admin\npassword: hunter2\n",
    "yaml",
    settings({ unencryptedCommentRegex: "sops:plain" }),
  );
  assert.match(unencrypted, /^# sops:plain\nuser: admin\npassword: ENC\[/m);
});

test("mac_only_encrypted lets plaintext values change without breaking the MAC", async () => {
  const plain = "public: 1\nsecret: 2\n";
  const strict = await encrypt(plain, "yaml", settings({ encryptedRegex: "^secret$" }));
  const loose = await encrypt(
    plain,
    "yaml",
    settings({ encryptedRegex: "^secret$", macOnlyEncrypted: true }),
  );
  assert.match(loose, /^ {4}mac_only_encrypted: true$/m);
  const edit = (s: string): string => s.replace("public: 1", "public: 2");
  assert.equal(await decrypt(edit(loose), "yaml"), "public: 2\nsecret: 2\n");
  const error = await rejection(decrypt(edit(strict), "yaml"));
  assert.equal(error.exitCode, 51);
  assert.match(error.message, /^MAC mismatch\. File has [0-9A-F]{128}, computed [0-9A-F]{128}$/);
});

test("re-encrypting after an edit keeps the ciphertext of every unchanged value", async () => {
  const encrypted = await encrypt("a: one\nb: two\nc: [x, z]\n", "yaml");
  const doc = await openEncrypted(bytes(encrypted), { format: "yaml", sources: testKeySources() });
  const first = doc.branches[0];
  assert.ok(first !== undefined);
  const edited = setValueAt(first, ["b"], "changed").branch;
  const again = text(reencrypt(doc, [edited, ...doc.branches.slice(1)], storeFor("yaml"), { now }));
  const values = (s: string): string[] =>
    [...s.matchAll(/ENC\[[^\]]+type:str\]/g)].map((m) => m[0]);
  const before = values(encrypted);
  const after = values(again);
  assert.equal(after[0], before[0], "a kept its ciphertext");
  assert.notEqual(after[1], before[1], "b changed");
  assert.deepEqual(after.slice(2, 4), before.slice(2, 4), "list values kept");
  assert.equal(await decrypt(again, "yaml"), "a: one\nb: changed\nc:\n    - x\n    - z\n");
  // rotate: a new data key, so every ciphertext changes, and the result still decrypts.
  const rotated = text(await rotate(doc, storeFor("yaml"), testKeySources(), {}, now));
  const rotatedValues = values(rotated);
  for (const [i, value] of before.slice(0, 4).entries()) assert.notEqual(rotatedValues[i], value);
  assert.equal(await decrypt(rotated, "yaml"), "a: one\nb: two\nc:\n    - x\n    - z\n");
});

/** About `size` characters cycling through JSON's escape classes, lines and non-ASCII text. */
function largeText(size: number): string {
  const parts = [
    '"',
    "\\",
    "\n",
    "\r\n",
    "\t",
    "\b",
    "\f",
    "\u0001",
    "é",
    "☃",
    "\ud83d\ude00",
    "\ufeff",
    "/",
  ];
  const out: string[] = [];
  for (let i = 0, length = 0; length < size; i++) {
    const part = i % 2 === 0 ? "plain text " : (parts[i % parts.length] ?? "");
    out.push(part);
    length += part.length;
  }
  return out.join("");
}

test("megabyte values round-trip through the JSON, YAML and binary stores with the MAC verified", async () => {
  const sources = testKeySources();
  const big = largeText(1 << 20);
  // JSON.stringify escapes these characters exactly as Go does, so this is sops's own output.
  const json = `{\n\t"big": ${JSON.stringify(big)},\n\t"small": "x"\n}\n`;
  const encrypted = await encrypt(json, "json");
  // Standard JSON whose value any AES-GCM implementation opens with the data key.
  const parsed = JSON.parse(encrypted) as { big: string };
  const fields = /^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:str\]$/s.exec(parsed.big);
  assert.ok(fields !== null);
  const [, data = "", iv = "", tag = ""] = fields;
  const doc = await openEncrypted(bytes(encrypted), { format: "json", sources });
  const decipher = createDecipheriv("aes-256-gcm", doc.dataKey, Buffer.from(iv, "base64"));
  decipher.setAAD(Buffer.from("big:"));
  decipher.setAuthTag(Buffer.from(tag, "base64"));
  const opened = Buffer.concat([decipher.update(Buffer.from(data, "base64")), decipher.final()]);
  assert.equal(opened.toString("utf8"), big);
  assert.equal(await decrypt(encrypted, "json"), json);

  const line = "é☃ plain text, then more ".repeat(45_000);
  const yaml = await encrypt(`big: ${line}\nsmall: x\n`, "yaml");
  const yamlDoc = await openEncrypted(bytes(yaml), { format: "yaml", sources });
  assert.equal(yamlDoc.branches[0]?.items[0]?.value, line.trimEnd());

  // Raw bytes (invalid UTF-8) and text starting with a BOM come back byte for byte.
  for (const raw of [randomBytes(1 << 20), Buffer.from(`\ufeff${big}`, "utf8")]) {
    const sealed = await encryptBranches(
      loadPlain(raw, "binary"),
      storeFor("binary"),
      settings({}),
      sources,
      now,
    );
    const back = await openEncrypted(sealed, { format: "binary", sources });
    assert.ok(Buffer.from(storeFor("binary").emitPlain(back.branches)).equals(raw));
  }
});

test("tampering is detected with sops's messages and exit codes, naming the path", async () => {
  const encrypted = await encrypt(
    `db:\n    user: admin\n    password: ${SECRET}\nplain_unencrypted: x\n`,
    "yaml",
  );
  const match = /password: ENC\[AES256_GCM,data:([^,]+),/.exec(encrypted);
  assert.ok(match?.[1] !== undefined);
  const data = match[1];
  const flipped = (data.startsWith("A") ? "B" : "A") + data.slice(1);
  const cases: [string, string, number, RegExp][] = [
    [
      "flipped ciphertext",
      encrypted.replace(`data:${data}`, `data:${flipped}`),
      25,
      /^Error decrypting tree: Error walking tree: Could not decrypt value: Could not decrypt with AES_GCM: cipher: message authentication failed$/,
    ],
    [
      "moved value",
      encrypted.replace(
        /user: (ENC\[[^\]]+\])\n(\s+)password: (ENC\[[^\]]+\])/,
        "user: $3\n$2password: $1",
      ),
      25,
      /message authentication failed/,
    ],
    [
      "truncated value",
      encrypted.replace(`data:${data}`, `data:${data.slice(0, 2)}`),
      25,
      /Could not decrypt value: Error base64-decoding data|authentication failed/,
    ],
    [
      "not a sops value",
      encrypted.replace(/password: ENC\[[^\]]+\]/, "password: plaintext"),
      25,
      /Input string does not match sops' data format/,
    ],
    [
      "plaintext edited",
      encrypted.replace("plain_unencrypted: x", "plain_unencrypted: y"),
      51,
      /^MAC mismatch\. File has [0-9A-F]{128}, computed [0-9A-F]{128}$/,
    ],
    [
      "lastmodified edited",
      encrypted.replace(/lastmodified: "[^"]+"/, 'lastmodified: "2020-01-01T00:00:00Z"'),
      51,
      /^Cannot decrypt MAC: Could not decrypt with AES_GCM: cipher: message authentication failed$/,
    ],
    [
      "MAC removed",
      encrypted.replace(/ {4}mac: .*\n/, ""),
      51,
      /^MAC mismatch\. File has no MAC, computed [0-9A-F]{128}$/,
    ],
  ];
  for (const [name, tampered, exitCode, message] of cases) {
    const error = await rejection(decrypt(tampered, "yaml"));
    assert.equal(error.exitCode, exitCode, name);
    assert.match(error.message, message, name);
    assert.ok(!error.message.includes(SECRET) && !error.message.includes("plaintext"), name);
    if (exitCode === 25) assert.deepEqual(error.path?.slice(0, 1), ["db"], name);
  }
});

test("a missing or wrong key fails with sops's group report (exit 128)", async () => {
  const encrypted = await encrypt(
    `secret: ${SECRET}\n`,
    "yaml",
    settings(undefined, [[newAgeKey(sopsTestKeys.ageRecipient)]]),
  );
  const wrong = await rejection(
    decrypt(encrypted, "yaml", testKeySources({ age: "other", pgp: false })),
  );
  assert.equal(wrong.exitCode, 128);
  assert.equal(
    wrong.message,
    [
      "Failed to get the data key required to decrypt the SOPS file.",
      "",
      "Group 0: FAILED",
      `  ${sopsTestKeys.ageRecipient}: FAILED`,
      "    - | failed to create reader for decrypting sops data key with",
      "      | age: no identity matched any of the recipients",
      "",
      "Recovery failed because no master key was able to decrypt the file. In",
      "order for SOPS to recover the file, at least one key has to be successful,",
      "but none were.",
    ].join("\n"),
  );
  const none = await rejection(
    decrypt(encrypted, "yaml", testKeySources({ age: "none", pgp: false })),
  );
  assert.match(none.message, /failed to load age identities/);
  assert.ok(!none.message.includes(SECRET));
});

test("several key groups split the data key with Shamir; a quorum of groups decrypts", async () => {
  const groups = [
    [newAgeKey(sopsTestKeys.ageRecipient)],
    [newPgpKey(sopsTestKeys.pgpFingerprint, now)],
    [newAgeKey(sopsTestKeys.otherAgeRecipient)],
  ];
  const encrypted = await encrypt("a: b\n", "yaml", settings(undefined, groups, 2));
  const { metadata } = loadEncrypted(bytes(encrypted), "yaml");
  assert.equal(metadata.keyGroups.length, 3);
  assert.equal(metadata.shamirThreshold, 2);
  assert.match(encrypted, /^ {4}key_groups:\n {8}- age:\n/m);
  assert.match(encrypted, /^ {4}shamir_threshold: 2$/m);
  // My age key and the PGP key are two groups of three: enough.
  assert.equal(await decrypt(encrypted, "yaml"), "a: b\n");
  // Only one group (PGP) can be opened: below the threshold.
  const error = await rejection(decrypt(encrypted, "yaml", testKeySources({ age: "none" })));
  assert.equal(error.exitCode, 128);
  assert.match(error.message, /Group 1: SUCCESS/);
  assert.match(
    error.message,
    /Shamir threshold of\s+2, but only 1 part\(s\)\s+were successfully recovered/,
  );
});

// Every file sops 3.13.2 encrypted in ../shared/upstream/sops decrypts to its expected plaintext,
// with the data key, each leaf (path, type, additional data, plaintext) and the MAC as recorded.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import { shared } from "../../test/support/paths.js";
import { KeySources } from "./datakey.js";
import { SopsError } from "./errors.js";
import { openEncrypted } from "./file.js";
import { formatForPath, storeFor } from "./stores/index.js";
import { isEncryptedString } from "./cipher.js";
import type { Comment, TreeBranches, TreeValue } from "./tree.js";
import { toPlaintext } from "./values.js";

interface ExpectedLeaf {
  document: number;
  path: string[];
  aad?: string;
  type: string;
  encrypted: boolean;
  plaintext: string;
}

interface Expected {
  data_key_hex: string;
  mac_check: { lastmodified: string; mac_computed: string; ok: boolean };
  leaves: ExpectedLeaf[];
  comments: { aad: string; plaintext: string }[];
}

const upstream = shared("upstream", "sops");

function expectationFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...expectationFiles(path));
    else if (name.endsWith(".expected.json")) out.push(path);
  }
  return out.sort();
}

function sources(dir: string): KeySources {
  const key = readFileSync(join(dir, "keys", "pgp", "sops_functional_tests_key.asc"), "utf8");
  return new KeySources({}, { pgpPrivateKeys: [key], useGnuPG: false });
}

type Leaf = ExpectedLeaf & { comment: boolean };

/** Walks the encrypted and decrypted trees side by side, collecting leaves in document order. */
function collectLeaves(encrypted: TreeBranches, decrypted: TreeBranches): Leaf[] {
  const leaves: Leaf[] = [];
  const visit = (
    enc: TreeValue | Comment,
    dec: TreeValue | Comment,
    path: string[],
    document: number,
  ): void => {
    if (dec === null) return;
    if (typeof dec === "object" && !(dec instanceof Uint8Array) && dec.kind === "map") {
      const encItems = (enc as typeof dec).items;
      dec.items.forEach((item, i) => {
        const encItem = encItems[i];
        if (typeof item.key !== "string") {
          if (
            item.key.kind === "comment" &&
            encItem !== undefined &&
            typeof encItem.key !== "string"
          ) {
            const encComment = encItem.key.kind === "comment" ? encItem.key.value : "";
            leaves.push({
              document,
              path,
              type: "comment",
              encrypted: isEncryptedString(encComment),
              plaintext: item.key.value,
              comment: true,
              aad: `${path.join(":")}:`,
            });
          }
          return;
        }
        visit(encItem?.value ?? null, item.value, [...path, item.key], document);
      });
      return;
    }
    if (typeof dec === "object" && !(dec instanceof Uint8Array) && dec.kind === "list") {
      const encItems = (enc as typeof dec).items;
      dec.items.forEach((item, i) => {
        visit(encItems[i] ?? null, item, path, document);
      });
      return;
    }
    const plain = toPlaintext(dec);
    if (plain === undefined) return;
    leaves.push({
      document,
      path,
      type: plain.type,
      encrypted: typeof enc === "string" && isEncryptedString(enc),
      plaintext: Buffer.from(plain.bytes).toString("utf8"),
      comment: plain.type === "comment",
      aad: `${path.join(":")}:`,
    });
  };
  decrypted.forEach((branch, document) => {
    visit(encrypted[document] ?? null, branch, [], document);
  });
  return leaves;
}

test("upstream sops files decrypt to their recorded plaintext with the MAC verified", async (t) => {
  if (upstream === undefined) {
    t.skip("../shared not available");
    return;
  }
  const keys = sources(upstream);
  const files = expectationFiles(upstream);
  assert.ok(files.length >= 12, `expected the upstream set, found ${files.length} files`);
  for (const expectationPath of files) {
    const encryptedPath = expectationPath.slice(0, -".expected.json".length);
    await t.test(relative(upstream, encryptedPath), async () => {
      const expected = JSON.parse(readFileSync(expectationPath, "utf8")) as Expected;
      const bytes = readFileSync(encryptedPath);
      const format = formatForPath(encryptedPath);
      if (!expected.mac_check.ok) {
        await assert.rejects(openEncrypted(bytes, { format, sources: keys }), (error: unknown) => {
          assert.ok(error instanceof SopsError);
          assert.equal(error.exitCode, 51);
          assert.equal(
            error.message,
            `MAC mismatch. File has no MAC, computed ${expected.mac_check.mac_computed}`,
          );
          return true;
        });
      }
      const doc = await openEncrypted(bytes, {
        format,
        sources: keys,
        ignoreMac: !expected.mac_check.ok,
      });
      assert.equal(Buffer.from(doc.dataKey).toString("hex"), expected.data_key_hex);
      assert.equal(doc.metadata.lastModified, expected.mac_check.lastmodified);
      const leaves = collectLeaves(doc.encrypted, doc.branches);
      const values = leaves.filter((l) => !l.comment);
      assert.deepEqual(
        values.map((l) => ({
          path: l.path,
          type: l.type,
          encrypted: l.encrypted,
          plaintext: l.plaintext,
        })),
        expected.leaves.map((l) => ({
          path: l.path,
          type: l.type,
          encrypted: l.encrypted,
          plaintext: l.plaintext,
        })),
      );
      for (const [i, leaf] of values.entries()) {
        if (expected.leaves[i]?.aad !== undefined) assert.equal(leaf.aad, expected.leaves[i].aad);
      }
      assert.deepEqual(
        leaves
          .filter((l) => l.comment && l.encrypted)
          .map((l) => ({ aad: l.aad, plaintext: l.plaintext })),
        expected.comments,
      );
      const stdoutPath = `${encryptedPath}.expected-stdout`;
      if (statSync(stdoutPath, { throwIfNoEntry: false }) !== undefined) {
        const output = storeFor(format).emitPlain(doc.branches);
        assert.equal(Buffer.from(output).toString("utf8"), readFileSync(stdoutPath, "utf8"));
      }
    });
  }
});

test("no_mac.yaml fails exactly as sops's recorded error says", async (t) => {
  if (upstream === undefined) {
    t.skip("../shared not available");
    return;
  }
  const path = join(upstream, "functional-tests", "res", "no_mac.yaml");
  const recorded = readFileSync(`${path}.expected-error.txt`, "utf8").split("\n");
  const exitCode = Number(/exit code (\d+)/.exec(recorded.join("\n"))?.[1]);
  const message = recorded.find((line) => line.startsWith("MAC mismatch"));
  await assert.rejects(
    openEncrypted(readFileSync(path), { format: "yaml", sources: sources(upstream) }),
    (error: unknown) =>
      error instanceof SopsError && error.exitCode === exitCode && error.message === message,
  );
});

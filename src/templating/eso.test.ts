// ESO's template functions against OpenSSL as the peer: a chain and a PKCS#12 archive made by the
// openssl CLI are read by our functions, and the archive we build is read back by openssl.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { constants, generateKeyPairSync, publicEncrypt } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, after, describe, test } from "node:test";
import { functionSet, renderGoTemplate, TemplateError } from "./index.js";

const functions = functionSet("external-secrets");

function render(template: string, data: unknown): string {
  return renderGoTemplate(template, data, { name: "tls.crt", functions, missingKey: "error" });
}

const config = `[req]
distinguished_name=dn
[dn]
[v3_ca]
basicConstraints=critical,CA:TRUE
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
keyUsage=critical,keyCertSign,cRLSign
[v3_leaf]
basicConstraints=CA:FALSE
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
subjectAltName=DNS:leaf.example,IP:10.0.0.1,email:ops@example.com,URI:https://id.example/leaf
`;

describe("ESO functions over an OpenSSL-made chain", () => {
  let dir = "";
  const file = (name: string): string => readFileSync(join(dir, name), "utf8");
  const openssl = (...args: string[]): void => {
    execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "secretfleet-eso-"));
    writeFileSync(join(dir, "ext.cnf"), config);
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    openssl(
      "req",
      "-x509",
      ...ec,
      "-subj",
      "/CN=root",
      "-keyout",
      "root.key",
      "-out",
      "root.crt",
      "-days",
      "1",
      "-extensions",
      "v3_ca",
      "-config",
      "ext.cnf",
    );
    openssl(
      "req",
      ...ec,
      "-subj",
      "/CN=inter",
      "-keyout",
      "inter.key",
      "-out",
      "inter.csr",
      "-config",
      "ext.cnf",
    );
    openssl(
      "x509",
      "-req",
      "-in",
      "inter.csr",
      "-CA",
      "root.crt",
      "-CAkey",
      "root.key",
      "-CAcreateserial",
      "-out",
      "inter.crt",
      "-days",
      "1",
      "-extfile",
      "ext.cnf",
      "-extensions",
      "v3_ca",
    );
    openssl(
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      "/CN=leaf",
      "-keyout",
      "leaf.key",
      "-out",
      "leaf.csr",
      "-config",
      "ext.cnf",
    );
    openssl(
      "x509",
      "-req",
      "-in",
      "leaf.csr",
      "-CA",
      "inter.crt",
      "-CAkey",
      "inter.key",
      "-CAcreateserial",
      "-out",
      "leaf.crt",
      "-days",
      "1",
      "-extfile",
      "ext.cnf",
      "-extensions",
      "v3_leaf",
    );
    // The CA certificates go in root-first, so ordering them is our job.
    writeFileSync(join(dir, "cas.pem"), file("root.crt") + file("inter.crt"));
    openssl(
      "pkcs12",
      "-export",
      "-inkey",
      "leaf.key",
      "-in",
      "leaf.crt",
      "-certfile",
      "cas.pem",
      "-passout",
      "pass:pw",
      "-out",
      "leaf.p12",
    );
  });
  after(() => {
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  test("pkcs12keyPass gives the archive's key as PKCS#8 PEM", () => {
    const p12 = new Uint8Array(readFileSync(join(dir, "leaf.p12")));
    const pem = render('{{ .keystore | pkcs12keyPass "pw" }}', { keystore: p12 });
    assert.match(pem, /^-----BEGIN PRIVATE KEY-----\n/);
    writeFileSync(join(dir, "ours.key"), pem);
    const modulus = (key: string): string =>
      execFileSync("openssl", ["rsa", "-noout", "-modulus", "-in", key], {
        cwd: dir,
        encoding: "utf8",
      });
    assert.equal(modulus("ours.key"), modulus("leaf.key"));
  });

  test("pkcs12certPass orders the certificates leaf, intermediate, root", () => {
    const p12 = new Uint8Array(readFileSync(join(dir, "leaf.p12")));
    assert.equal(
      render('{{ .keystore | pkcs12certPass "pw" }}', { keystore: p12 }),
      file("leaf.crt") + file("inter.crt") + file("root.crt"),
    );
  });

  test("a wrong password is Go's pkcs12 error", () => {
    const p12 = new Uint8Array(readFileSync(join(dir, "leaf.p12")));
    assert.throws(
      () => render('{{ .keystore | pkcs12keyPass "nope" }}', { keystore: p12 }),
      (e: unknown) =>
        e instanceof TemplateError &&
        e.message.endsWith(
          "error calling pkcs12keyPass: unable to decode pkcs12 with password: pkcs12: decryption password incorrect",
        ),
    );
  });

  test("filterCertChain picks leaf, intermediate and root from any order", () => {
    const mixed = file("root.crt") + file("leaf.crt") + file("inter.crt");
    assert.equal(render('{{ filterCertChain "leaf" .c }}', { c: mixed }), file("leaf.crt"));
    assert.equal(
      render('{{ filterCertChain "intermediate" .c }}', { c: mixed }),
      file("inter.crt"),
    );
    assert.equal(render('{{ filterCertChain "root" .c }}', { c: mixed }), file("root.crt"));
  });

  test("filterPEM keeps the blocks of one type and skips leading junk", () => {
    const bundle = "junk before\n" + file("leaf.key") + file("leaf.crt") + file("inter.crt");
    assert.equal(
      render('{{ filterPEM "CERTIFICATE" .b }}', { b: bundle }),
      file("leaf.crt") + file("inter.crt"),
    );
    assert.equal(render('{{ filterPEM "private key" .b }}', { b: bundle }), file("leaf.key"));
    assert.throws(
      () => render('{{ filterPEM "CERTIFICATE" "just junk" }}', {}),
      /error filtering pem: found junk/,
    );
  });

  test("certSANs lists DNS, IP, email and URI names", () => {
    assert.equal(
      render("{{ certSANs .c }}", { c: file("leaf.crt") }),
      "[leaf.example 10.0.0.1 ops@example.com https://id.example/leaf]",
    );
  });

  test("pemToPkcs12Pass builds an archive that openssl opens", () => {
    // The leaf is RSA: node-forge, which writes the archive, cannot carry EC certificates.
    const out = render('{{ pemToPkcs12Pass .cert .key "pw" }}', {
      cert: file("leaf.crt"),
      key: file("leaf.key"),
    });
    writeFileSync(join(dir, "ours.p12"), Buffer.from(out, "base64"));
    const certs = execFileSync(
      "openssl",
      ["pkcs12", "-in", "ours.p12", "-nokeys", "-passin", "pass:pw"],
      { cwd: dir, encoding: "utf8" },
    );
    assert.match(certs, /subject=CN ?= ?leaf/);
    const keys = execFileSync(
      "openssl",
      ["pkcs12", "-in", "ours.p12", "-nocerts", "-nodes", "-passin", "pass:pw"],
      { cwd: dir, encoding: "utf8" },
    );
    assert.match(keys, /BEGIN PRIVATE KEY/);
  });
});

describe("ESO JWK, RSA and YAML functions", () => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });

  test("jwkPublicKeyPem and jwkPrivateKeyPem convert JWKs to PEM", () => {
    const jwk = JSON.stringify(publicKey.export({ format: "jwk" }));
    assert.equal(
      render("{{ jwkPublicKeyPem .j }}", { j: jwk }),
      publicKey.export({ type: "spki", format: "pem" }),
    );
    const priv = JSON.stringify(privateKey.export({ format: "jwk" }));
    assert.equal(
      render("{{ jwkPrivateKeyPem .j }}", { j: priv }),
      privateKey.export({ type: "pkcs8", format: "pem" }),
    );
  });

  test("rsaDecrypt opens RSA-OAEP ciphertext with the piped key", () => {
    const cipher = publicEncrypt(
      { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" },
      Buffer.from("s3cr3t"),
    );
    const key = privateKey.export({ type: "pkcs8", format: "pem" });
    assert.equal(
      render('{{ .key | rsaDecrypt "RSA-OAEP" "SHA256" .cipher }}', {
        key,
        cipher: new Uint8Array(cipher),
      }),
      "s3cr3t",
    );
    assert.throws(
      () => render('{{ .key | rsaDecrypt "RSA-PSS" "SHA256" "x" }}', { key }),
      /decryption scheme RSA-PSS is not supported/,
    );
  });

  test("toYaml and fromYaml as ESO has them (errors swallowed)", () => {
    assert.equal(
      render("{{ toYaml . }}", { b: [1, "two"], a: { c: "yes" } }),
      'a:\n  c: "yes"\nb:\n- 1\n- two',
    );
    assert.equal(render('{{ (fromYaml "a: 1\\nb: yes").b }}', {}), "true");
    assert.match(
      render('{{ (fromYaml "a: [").Error }}', {}),
      /^error converting YAML to JSON: yaml: line/,
    );
  });

  test("b64dec and fromJson swallow errors; missing keys are errors", () => {
    assert.equal(
      render('{{ b64dec "%%" }}|{{ fromJson "{" }}', {}),
      "illegal base64 data at input byte 0|<no value>",
    );
    assert.throws(
      () => render("{{ .missing }}", { present: "x" }),
      /map has no entry for key "missing"/,
    );
  });
});

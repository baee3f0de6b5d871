import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { shared } from "../../test/support/paths.js";
import { byo4096, sealingData } from "../../test/support/sealing.js";
import { certificateToPem, goLongDate, parseSealingCertificate } from "./index.js";

test("parseSealingCertificate() reads the RSA key and validity of an openssl BYO certificate", () => {
  const parsed = parseSealingCertificate(byo4096.certificatePem);
  assert.ok(parsed.publicKey.equals(byo4096.publicKey));
  assert.ok(parsed.notAfter > parsed.notBefore);
  assert.equal(certificateToPem(parsed.certificate), byo4096.certificatePem);
});

test("parseSealingCertificate() uses the first certificate and skips other blocks", () => {
  const text = `junk\n${readFileSync(sealingData("byo-2048.pub.pem"), "utf8")}${byo4096.certificatePem}${readFileSync(sealingData("byo-2048.crt"), "utf8")}`;
  assert.ok(parseSealingCertificate(text).publicKey.equals(byo4096.publicKey));
});

test("parseSealingCertificate() refuses what kubeseal refuses, with its messages", () => {
  const expired = readFileSync(sealingData("expired-2048.crt"), "utf8");
  assert.throws(() => parseSealingCertificate(expired), {
    message: "failed to encrypt using an expired certificate on January 2, 2021",
  });
  assert.throws(() => parseSealingCertificate(readFileSync(sealingData("ec.crt"))), {
    message: "expected RSA public key but found EC key",
  });
  assert.throws(() => parseSealingCertificate(readFileSync(sealingData("byo-2048.pub.pem"))), {
    message: "data does not contain any valid RSA or ECDSA certificates",
  });
  assert.throws(
    () => parseSealingCertificate("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
    {
      message: "x509: malformed certificate",
    },
  );
});

test("parseSealingCertificate() checks expiry against the clock it is given, not NotBefore", () => {
  const expired = readFileSync(sealingData("expired-2048.crt"), "utf8");
  assert.ok(parseSealingCertificate(expired, new Date("2020-06-01T00:00:00Z")));
  assert.ok(
    parseSealingCertificate(expired, new Date("2019-01-01T00:00:00Z")),
    "NotBefore is not checked",
  );
  assert.ok(
    parseSealingCertificate(expired, new Date("2021-01-02T03:04:05Z")),
    "expiry is strictly after",
  );
});

test("goLongDate() prints Go's January 2, 2006 layout in UTC", () => {
  assert.equal(goLongDate(new Date("2027-06-18T04:32:45Z")), "June 18, 2027");
  assert.equal(goLongDate(new Date("2030-12-01T23:59:59Z")), "December 1, 2030");
});

test("parseSealingCertificate() reads the Go-made upstream certificate to its expected modulus", (t) => {
  const certPath = shared("upstream", "sealed-secrets", "kubeseal-test-cert.pem");
  const modulusPath = shared(
    "upstream",
    "sealed-secrets",
    "kubeseal-test-cert.expected-modulus.txt",
  );
  if (certPath === undefined || modulusPath === undefined) {
    t.skip("../shared not available");
    return;
  }
  const expected = Object.fromEntries(
    readFileSync(modulusPath, "utf8")
      .trim()
      .split("\n")
      .map((line) => line.split("=") as [string, string]),
  );
  const pem = readFileSync(certPath, "utf8");
  const notAfter = new Date("2027-06-18T04:32:45Z");
  const parsed = parseSealingCertificate(pem, new Date(notAfter.getTime() - 1000));
  const jwk = parsed.publicKey.export({ format: "jwk" });
  const modulus = BigInt(`0x${Buffer.from(jwk.n ?? "", "base64url").toString("hex")}`);
  const exponent = BigInt(`0x${Buffer.from(jwk.e ?? "", "base64url").toString("hex")}`);
  assert.equal(modulus.toString(), expected.modulus_decimal);
  assert.equal(exponent.toString(), expected.exponent);
  assert.equal(parsed.notAfter.toISOString(), notAfter.toISOString());
  assert.throws(() => parseSealingCertificate(pem, new Date(notAfter.getTime() + 1000)), {
    message: "failed to encrypt using an expired certificate on June 18, 2027",
  });
  // Today's verdict follows the certificate's own date.
  const expiredNow = Date.now() > notAfter.getTime();
  assert.equal(
    (() => {
      try {
        parseSealingCertificate(pem);
        return false;
      } catch {
        return true;
      }
    })(),
    expiredNow,
  );
});

// Sprig's crypto functions (crypto.go): bcrypt and htpasswd (bcryptjs), private keys and AES
// (node:crypto), the master-password derivation (scrypt), and certificates (node-forge, since
// node:crypto cannot create X.509 certificates).
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  generateKeyPairSync,
  randomBytes,
  scryptSync,
  type KeyObject,
} from "node:crypto";
import bcryptjs from "bcryptjs";
import forge from "node-forge";
import { GoInt, GoStruct, goFunc, utf8Bytes, utf8Decode, type GoFunc } from "../value.js";
import { num } from "./convert.js";
import { decodeBase64 } from "./misc.js";

/** Go's bcrypt output uses the 2a prefix; the algorithm is the same. */
export function bcryptHash(input: string): string {
  return bcryptjs.hashSync(input, 10).replace(/^\$2b\$/, "$2a$");
}

const masterPasswordSeed = "com.lyndir.masterpassword";
const passwordTemplates: Readonly<Record<string, readonly string[]>> = {
  maximum: ["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
  long: [
    "CvcvnoCvcvCvcv",
    "CvcvCvcvnoCvcv",
    "CvcvCvcvCvcvno",
    "CvccnoCvcvCvcv",
    "CvccCvcvnoCvcv",
    "CvccCvcvCvcvno",
    "CvcvnoCvccCvcv",
    "CvcvCvccnoCvcv",
    "CvcvCvccCvcvno",
    "CvcvnoCvcvCvcc",
    "CvcvCvcvnoCvcc",
    "CvcvCvcvCvccno",
    "CvccnoCvccCvcv",
    "CvccCvccnoCvcv",
    "CvccCvccCvcvno",
    "CvcvnoCvccCvcc",
    "CvcvCvccnoCvcc",
    "CvcvCvccCvccno",
    "CvccnoCvcvCvcc",
    "CvccCvcvnoCvcc",
    "CvccCvcvCvccno",
  ],
  medium: ["CvcnoCvc", "CvcCvcno"],
  short: ["Cvcn"],
  basic: ["aaanaaan", "aannaaan", "aaannaaa"],
  pin: ["nnnn"],
};
const templateCharacters: Readonly<Record<string, string>> = {
  V: "AEIOU",
  C: "BCDFGHJKLMNPQRSTVWXYZ",
  v: "aeiou",
  c: "bcdfghjklmnpqrstvwxyz",
  A: "AEIOUBCDFGHJKLMNPQRSTVWXYZ",
  a: "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
  n: "0123456789",
  o: "@&%?,=[]_:-+*$#!'^~;()/.",
  x: "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
};

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** The Master Password algorithm Sprig's derivePassword implements. */
function derivePassword(
  counter: GoInt,
  passwordType: string,
  password: string,
  user: string,
  site: string,
): string {
  const templates = passwordTemplates[passwordType];
  if (templates === undefined) return `cannot find password template ${passwordType}`;
  const seed = Buffer.from(masterPasswordSeed);
  const userBytes = Buffer.from(utf8Bytes(user));
  const salt = Buffer.concat([seed, uint32(userBytes.length), userBytes]);
  const key = scryptSync(Buffer.from(utf8Bytes(password)), salt, 64, {
    N: 32768,
    r: 8,
    p: 2,
    maxmem: 64 * 1024 * 1024,
  });
  const siteBytes = Buffer.from(utf8Bytes(site));
  const mac = createHmac("sha256", key)
    .update(
      Buffer.concat([
        seed,
        uint32(siteBytes.length),
        siteBytes,
        uint32(Number(BigInt.asUintN(32, counter.value))),
      ]),
    )
    .digest();
  const template = templates[(mac[0] ?? 0) % templates.length] ?? "";
  let out = "";
  Array.from(template).forEach((element, i) => {
    const chars = templateCharacters[element] ?? "";
    out += chars.charAt((mac[i + 1] ?? 0) % chars.length);
  });
  return out;
}

function pemOf(type: string, der: Buffer): string {
  const b64 = der.toString("base64").replace(/.{64}/g, "$&\n").replace(/\n$/, "");
  return `-----BEGIN ${type}-----\n${b64}\n-----END ${type}-----\n`;
}

/** Sprig's PEM block for a private key: PKCS#1 for RSA, SEC 1 for EC, PKCS#8 otherwise. */
function privateKeyPem(key: KeyObject): string {
  if (key.asymmetricKeyType === "rsa")
    return key.export({ type: "pkcs1", format: "pem" }) as string;
  if (key.asymmetricKeyType === "ec") return key.export({ type: "sec1", format: "pem" }) as string;
  return key.export({ type: "pkcs8", format: "pem" }) as string;
}

function generatePrivateKey(typ: string): string {
  switch (typ) {
    case "":
    case "rsa":
      return privateKeyPem(generateKeyPairSync("rsa", { modulusLength: 4096 }).privateKey);
    case "ecdsa":
      return privateKeyPem(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey);
    case "ed25519":
      return privateKeyPem(generateKeyPairSync("ed25519").privateKey);
    case "dsa": {
      const key = generateKeyPairSync("dsa", {
        modulusLength: 2048,
        divisorLength: 256,
      }).privateKey;
      return pemOf("DSA PRIVATE KEY", dsaDer(key));
    }
    default:
      return "Unknown type " + typ;
  }
}

/** Sprig's DSA key format: SEQUENCE { version, P, Q, G, Y, X } (OpenSSL's traditional form). */
function dsaDer(key: KeyObject): Buffer {
  const pkcs8 = key.export({ type: "pkcs8", format: "der" });
  const asn1 = forge.asn1.fromDer(forge.util.createBuffer(pkcs8.toString("binary")));
  const seq = asn1.value as forge.asn1.Asn1[];
  const params = ((seq[1]?.value as forge.asn1.Asn1[])[1]?.value ?? []) as forge.asn1.Asn1[];
  const xOctets = forge.asn1.fromDer(forge.util.createBuffer(seq[2]?.value as string));
  const hexOf = (n: forge.asn1.Asn1): string => forge.util.bytesToHex(n.value as string);
  const [p, q, g] = params.map(hexOf);
  const x = BigInt("0x" + hexOf(xOctets));
  const y = modPow(BigInt("0x" + (g ?? "0")), x, BigInt("0x" + (p ?? "1")));
  const int = (v: bigint): forge.asn1.Asn1 => {
    let h = v.toString(16);
    if (h.length % 2 === 1) h = "0" + h;
    if (parseInt(h.slice(0, 2), 16) >= 0x80) h = "00" + h;
    return forge.asn1.create(
      forge.asn1.Class.UNIVERSAL,
      forge.asn1.Type.INTEGER,
      false,
      forge.util.hexToBytes(h),
    );
  };
  const der = forge.asn1.toDer(
    forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.SEQUENCE, true, [
      int(0n),
      int(BigInt("0x" + (p ?? "0"))),
      int(BigInt("0x" + (q ?? "0"))),
      int(BigInt("0x" + (g ?? "0"))),
      int(y),
      int(x),
    ]),
  );
  return Buffer.from(der.getBytes(), "binary");
}

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  base %= mod;
  while (exp > 0n) {
    if (exp & 1n) result = (result * base) % mod;
    base = (base * base) % mod;
    exp >>= 1n;
  }
  return result;
}

/** The `certificate` struct Sprig's certificate functions return ({{ $ca.Cert }}, {{ $ca.Key }}). */
export class Certificate extends GoStruct {
  readonly goType = "sprig.certificate";
  readonly cert: string;
  readonly key: string;

  constructor(cert: string, key: string) {
    super();
    this.cert = cert;
    this.key = key;
  }

  method(): undefined {
    return undefined;
  }

  override field(name: string): { value: unknown } | undefined {
    if (name === "Cert") return { value: this.cert };
    if (name === "Key") return { value: this.key };
    return undefined;
  }

  override goString(): string {
    return `{${this.cert} ${this.key}}`;
  }
}

function parsePrivateKeyPEM(pem: string): forge.pki.rsa.PrivateKey {
  const block = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem);
  if (block === null) throw new Error("no PEM data in input");
  const type = block[1] ?? "";
  if (type !== "PRIVATE KEY" && !type.endsWith(" PRIVATE KEY")) {
    throw new Error(`no private key data in PEM block of type ${type}`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (e) {
    throw new Error(`invalid private key type ${type}`, { cause: e });
  }
  if (key.asymmetricKeyType !== "rsa") {
    throw new Error(
      `unsupported private key type ${key.asymmetricKeyType ?? type} (only RSA keys can sign here)`,
    );
  }
  return forge.pki.privateKeyFromPem(key.export({ type: "pkcs1", format: "pem" }) as string);
}

function stringList(list: unknown[] | null, what: string): string[] {
  return (list ?? []).map((v) => {
    if (typeof v !== "string") throw new Error(`${what}: ${String(v)} is not a string`);
    return v;
  });
}

interface CertRequest {
  cn: string;
  ips: unknown[] | null;
  dns: unknown[] | null;
  days: number;
  isCA: boolean;
}

function buildCertificate(
  req: CertRequest,
  key: forge.pki.rsa.PrivateKey,
  signer?: { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey },
): Certificate {
  const ips = stringList(req.ips, "error parsing ip");
  const dns = stringList(req.dns, "error processing alternate dns name");
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = "00" + randomBytes(16).toString("hex");
  const now = new Date();
  cert.validity.notBefore = now;
  cert.validity.notAfter = new Date(now.getTime() + req.days * 86_400_000);
  cert.setSubject([{ name: "commonName", value: req.cn }]);
  cert.setIssuer(
    signer === undefined ? [{ name: "commonName", value: req.cn }] : signer.cert.subject.attributes,
  );
  const altNames = [
    ...dns.map((value) => ({ type: 2, value })),
    ...ips.map((ip) => ({ type: 7, ip })),
  ];
  cert.setExtensions([
    { name: "basicConstraints", cA: req.isCA, critical: true },
    {
      name: "keyUsage",
      keyEncipherment: true,
      digitalSignature: true,
      keyCertSign: req.isCA,
      critical: true,
    },
    { name: "extKeyUsage", serverAuth: true, clientAuth: true },
    ...(altNames.length > 0 ? [{ name: "subjectAltName", altNames }] : []),
  ]);
  cert.sign(signer?.key ?? key, forge.md.sha256.create());
  return new Certificate(
    forge.pki.certificateToPem(cert).replace(/\r\n/g, "\n"),
    forge.pki.privateKeyToPem(key).replace(/\r\n/g, "\n"),
  );
}

function newRsaKey(): forge.pki.rsa.PrivateKey {
  const pem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
    type: "pkcs1",
    format: "pem",
  }) as string;
  return forge.pki.privateKeyFromPem(pem);
}

function withKey(privPEM: string): forge.pki.rsa.PrivateKey {
  try {
    return parsePrivateKeyPEM(privPEM);
  } catch (e) {
    throw new Error(`parsing private key: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
}

function signerOf(ca: Certificate): { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey } {
  let cert: forge.pki.Certificate;
  try {
    cert = forge.pki.certificateFromPem(ca.cert);
  } catch (e) {
    throw new Error("unable to decode certificate", { cause: e });
  }
  try {
    return { cert, key: parsePrivateKeyPEM(ca.key) };
  } catch (e) {
    throw new Error(`error parsing private key: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
}

function buildCustomCert(b64cert: string, b64key: string): Certificate {
  let cert: string;
  let key: string;
  try {
    cert = utf8Decode(decodeBase64(b64cert));
  } catch (e) {
    throw new Error("unable to decode base64 certificate", { cause: e });
  }
  try {
    key = utf8Decode(decodeBase64(b64key));
  } catch (e) {
    throw new Error("unable to decode base64 private key", { cause: e });
  }
  try {
    forge.pki.certificateFromPem(cert);
  } catch (e) {
    throw new Error("unable to decode certificate", { cause: e });
  }
  try {
    createPrivateKey(key);
  } catch (e) {
    throw new Error(`error parsing private key: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
  return new Certificate(cert, key);
}

function aesKey(password: string): Buffer {
  const key = Buffer.alloc(32);
  Buffer.from(utf8Bytes(password)).copy(key);
  return key;
}

function encryptAES(password: string, plaintext: string): string {
  if (plaintext === "") return "";
  const iv = randomBytes(16);
  const cipher = createCipheriv("aes-256-cbc", aesKey(password), iv);
  return Buffer.concat([
    iv,
    cipher.update(Buffer.from(utf8Bytes(plaintext))),
    cipher.final(),
  ]).toString("base64");
}

function decryptAES(password: string, crypt64: string): string {
  if (crypt64 === "") return "";
  const crypt = Buffer.from(decodeBase64(crypt64));
  if (crypt.length < 16)
    throw new Error(`runtime error: slice bounds out of range [:16] with capacity ${crypt.length}`);
  if ((crypt.length - 16) % 16 !== 0) throw new Error("crypto/cipher: input not full blocks");
  const decipher = createDecipheriv("aes-256-cbc", aesKey(password), crypt.subarray(0, 16));
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(crypt.subarray(16)), decipher.final()]);
  const padding = plain[plain.length - 1] ?? 0;
  return utf8Decode(plain.subarray(0, Math.max(0, plain.length - padding)));
}

const any = "[]interface {}";
const cert = "sprig.certificate";
type S = string;
type L = unknown[] | null;

/** Sprig's crypto functions. */
export const cryptoFunctions: Readonly<Record<string, GoFunc>> = {
  bcrypt: goFunc(["string"], bcryptHash),
  htpasswd: goFunc(["string", "string"], (user: S, pass: S) =>
    user.includes(":") ? `invalid username: ${user}` : `${user}:${bcryptHash(pass)}`,
  ),
  randBytes: goFunc(["int"], (n: GoInt) => randomBytes(num(n)).toString("base64")),
  derivePassword: goFunc(["uint32", "string", "string", "string", "string"], derivePassword),
  genPrivateKey: goFunc(["string"], generatePrivateKey),
  buildCustomCert: goFunc(["string", "string"], buildCustomCert),
  genCA: goFunc(["string", "int"], (cn: S, days: GoInt) =>
    buildCertificate({ cn, ips: null, dns: null, days: num(days), isCA: true }, newRsaKey()),
  ),
  genCAWithKey: goFunc(["string", "int", "string"], (cn: S, days: GoInt, key: S) =>
    buildCertificate({ cn, ips: null, dns: null, days: num(days), isCA: true }, withKey(key)),
  ),
  genSelfSignedCert: goFunc(["string", any, any, "int"], (cn: S, ips: L, dns: L, days: GoInt) =>
    buildCertificate({ cn, ips, dns, days: num(days), isCA: false }, newRsaKey()),
  ),
  genSelfSignedCertWithKey: goFunc(
    ["string", any, any, "int", "string"],
    (cn: S, ips: L, dns: L, days: GoInt, key: S) =>
      buildCertificate({ cn, ips, dns, days: num(days), isCA: false }, withKey(key)),
  ),
  genSignedCert: goFunc(
    ["string", any, any, "int", cert],
    (cn: S, ips: L, dns: L, days: GoInt, ca: Certificate) =>
      buildCertificate({ cn, ips, dns, days: num(days), isCA: false }, newRsaKey(), signerOf(ca)),
  ),
  genSignedCertWithKey: goFunc(
    ["string", any, any, "int", cert, "string"],
    (cn: S, ips: L, dns: L, days: GoInt, ca: Certificate, key: S) =>
      buildCertificate({ cn, ips, dns, days: num(days), isCA: false }, withKey(key), signerOf(ca)),
  ),
  encryptAES: goFunc(["string", "string"], encryptAES),
  decryptAES: goFunc(["string", "string"], decryptAES),
};

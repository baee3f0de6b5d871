// External Secrets Operator's own template functions (runtime/template/v2): PKCS#12 (node-forge),
// PEM filtering and certificate chains, JWK conversion and RSA-OAEP decryption (node:crypto),
// and toYaml/fromYaml. Binary inputs (a PKCS#12 archive, RSA ciphertext) may be given as a
// Uint8Array, since a JavaScript string cannot hold bytes that are not UTF-8.
import {
  createPrivateKey,
  createPublicKey,
  privateDecrypt,
  X509Certificate,
  constants,
} from "node:crypto";
import forge from "node-forge";
import { marshalYAML, unmarshalYAML } from "./go-yaml.js";
import { goFunc, GoSlice, isPlainObject, utf8Bytes, type GoFunc } from "./value.js";

/** A Go PEM block. */
interface PemBlock {
  type: string;
  headers: [string, string][];
  bytes: Buffer;
}

/** Go's pem.Decode: the first block at or after the start of `input`, and the rest. */
export function pemDecode(input: string): [PemBlock | undefined, string] {
  let rest = input;
  for (;;) {
    const begin = rest.startsWith("-----BEGIN ") ? 0 : rest.indexOf("\n-----BEGIN ");
    if (begin < 0) return [undefined, input];
    const start = begin === 0 ? 0 : begin + 1;
    const m = /^-----BEGIN ([^\n]*)-----[ \t\r]*\n/.exec(rest.slice(start));
    if (m === null) {
      rest = rest.slice(start + 11);
      continue;
    }
    const type = m[1] ?? "";
    const afterHeader = start + m[0].length;
    const endMarker = `\n-----END ${type}-----`;
    const end = rest.indexOf(endMarker, afterHeader - 1);
    if (end < 0) {
      rest = rest.slice(afterHeader);
      continue;
    }
    const body = rest.slice(afterHeader, end + 1);
    const headers: [string, string][] = [];
    const lines = body.split("\n");
    while (lines.length > 0 && /^[^:\s]+:/.test(lines[0] ?? "")) {
      const line = lines.shift() ?? "";
      const at = line.indexOf(":");
      headers.push([line.slice(0, at), line.slice(at + 1).trim()]);
    }
    const b64 = lines.join("").replace(/\s/g, "");
    let after = end + endMarker.length;
    const tail = /^[ \t\r]*\n?/.exec(rest.slice(after));
    after += tail?.[0].length ?? 0;
    return [{ type, headers, bytes: Buffer.from(b64, "base64") }, rest.slice(after)];
  }
}

/** Go's pem.Encode. */
export function pemEncode(type: string, bytes: Buffer, headers: [string, string][] = []): string {
  let out = `-----BEGIN ${type}-----\n`;
  for (const [k, v] of headers) out += `${k}: ${v}\n`;
  if (headers.length > 0) out += "\n";
  const b64 = bytes.toString("base64");
  for (let i = 0; i < b64.length; i += 64) out += b64.slice(i, i + 64) + "\n";
  return out + `-----END ${type}-----\n`;
}

function trimJunk(input: string): string {
  const index = input.indexOf("-----BEGIN");
  return index === -1 ? input : input.slice(index);
}

function filterPEM(pemType: string, input: string): string {
  let data = trimJunk(input);
  let blocks = "";
  for (;;) {
    const [block, rest] = pemDecode(data);
    data = rest;
    if (block === undefined) break;
    if (block.type.toLowerCase() !== pemType.toLowerCase()) continue;
    blocks += pemEncode(block.type, block.bytes, block.headers);
  }
  if (blocks === "" && data.length !== 0) throw new Error("error filtering pem: found junk");
  return blocks;
}

// --- certificates

interface Cert {
  der: Buffer;
  ski: string | undefined;
  aki: string | undefined;
}

function isContext(n: forge.asn1.Asn1, tag: number): boolean {
  const tagClass: number = n.tagClass;
  const type: number = n.type;
  return tagClass === 0x80 && type === tag; // context-specific class
}

function asn1Children(node: forge.asn1.Asn1): forge.asn1.Asn1[] {
  return Array.isArray(node.value) ? node.value : [];
}

/** The subject and authority key identifiers of a DER certificate (any key algorithm). */
function keyIds(der: Buffer): { ski: string | undefined; aki: string | undefined } {
  const cert = forge.asn1.fromDer(forge.util.createBuffer(der.toString("binary")));
  const tbs = asn1Children(cert)[0];
  const extsWrapper = asn1Children(tbs ?? cert).find((n) => isContext(n, 3));
  let ski: string | undefined;
  let aki: string | undefined;
  for (const ext of asn1Children(asn1Children(extsWrapper ?? cert)[0] ?? cert)) {
    const parts = asn1Children(ext);
    const oid = forge.asn1.derToOid(parts[0]?.value as string);
    const value = parts[parts.length - 1]?.value as string;
    if (oid === "2.5.29.14") ski = forge.util.bytesToHex(forge.asn1.fromDer(value).value as string);
    if (oid === "2.5.29.35") {
      const id = asn1Children(forge.asn1.fromDer(value)).find((n) => isContext(n, 0));
      if (id !== undefined) aki = forge.util.bytesToHex(id.value as string);
    }
  }
  return { ski, aki };
}

function parseCertificate(der: Buffer): Cert {
  try {
    new X509Certificate(der);
  } catch (e) {
    throw new Error(`x509: malformed certificate`, { cause: e });
  }
  return { der, ...keyIds(der) };
}

function pemCertificates(data: string): Cert[] {
  const out: Cert[] = [];
  let rest = data;
  for (;;) {
    const [block, next] = pemDecode(rest);
    rest = next;
    if (block === undefined) return out;
    out.push(parseCertificate(block.bytes));
  }
}

/** ESO's fetchX509CertChains: leaf → intermediates → root by key identifiers. */
function orderChain(certs: Cert[]): Cert[] {
  const parent = new Map<Cert, Cert>();
  const isParent = new Set<Cert>();
  for (const c of certs) {
    const p = certs.find((o) => o !== c && (c.aki ?? "") === (o.ski ?? ""));
    if (p !== undefined) {
      parent.set(c, p);
      isParent.add(p);
    }
  }
  const leaves = certs.filter((c) => !isParent.has(c));
  if (leaves.length > 1) throw new Error("found multiple leaf or disjunct certificates");
  let leaf = leaves[0];
  if (leaf === undefined) throw new Error("no leaf certificate found");
  const chain: Cert[] = [];
  while (leaf !== undefined) {
    if (chain.length >= certs.length) throw new Error("constructing chain resulted in cycle");
    chain.push(leaf);
    leaf = parent.get(leaf);
  }
  return chain;
}

function isRoot(c: Cert): boolean {
  return c.aki === undefined || c.aki === c.ski;
}

function filterCertChain(certType: string, input: string): string {
  const ordered = orderChain(pemCertificates(input));
  const pem = (c: Cert): string => pemEncode("CERTIFICATE", c.der);
  if (certType === "leaf") {
    const c = ordered[0];
    if (c?.aki !== undefined && c.aki !== c.ski) return pem(c);
  } else if (certType === "intermediate") {
    let out = "";
    for (const c of ordered.slice(1)) {
      if (isRoot(c)) break;
      out += pem(c);
    }
    return out;
  } else if (certType === "root") {
    const c = ordered[ordered.length - 1];
    if (c !== undefined && isRoot(c)) return pem(c);
  }
  return "";
}

function certSANs(input: string): GoSlice {
  const [block] = pemDecode(trimJunk(input));
  if (block === undefined) throw new Error("failed to decode PEM block");
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(block.bytes);
  } catch (e) {
    throw new Error(`failed to parse certificate: x509: malformed certificate`, { cause: e });
  }
  const entries = (cert.subjectAltName ?? "").split(", ").filter((e) => e !== "");
  const pick = (prefix: string): string[] =>
    entries.filter((e) => e.startsWith(prefix)).map((e) => e.slice(prefix.length));
  return new GoSlice("string", [
    ...pick("DNS:"),
    ...pick("IP Address:"),
    ...pick("email:"),
    ...pick("URI:"),
  ]);
}

// --- PKCS#12

const keyBagOid = "1.2.840.113549.1.12.10.1.1";
const shroudedKeyBag = "1.2.840.113549.1.12.10.1.2";
const certBagOid = "1.2.840.113549.1.12.10.1.3";

function binary(input: string | Uint8Array): string {
  const bytes = typeof input === "string" ? utf8Bytes(input) : input;
  return Buffer.from(bytes).toString("binary");
}

function decodeChain(
  input: string | Uint8Array,
  pass: string,
  what: string,
): { key: Buffer; leaf: Buffer; cas: Buffer[] } {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(binary(input)), false, pass);
  } catch (e) {
    const msg =
      e instanceof Error && /Invalid password|MAC could not be verified/i.test(e.message)
        ? "pkcs12: decryption password incorrect"
        : "pkcs12: error reading P12 data";
    throw new Error(`${what}: ${msg}`, { cause: e });
  }
  const keyBags = [
    ...(p12.getBags({ bagType: shroudedKeyBag })[shroudedKeyBag] ?? []),
    ...(p12.getBags({ bagType: keyBagOid })[keyBagOid] ?? []),
  ];
  if (keyBags.length !== 1) throw new Error(`${what}: pkcs12: expected exactly one key bag`);
  // forge leaves `key` (or `cert`) null and keeps the ASN.1 for algorithms it cannot read (EC).
  const keyBag = keyBags[0] as { key?: forge.pki.PrivateKey | null; asn1?: forge.asn1.Asn1 };
  const keyAsn1 =
    keyBag.key !== undefined && keyBag.key !== null
      ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(keyBag.key))
      : keyBag.asn1;
  if (keyAsn1 === undefined) throw new Error(`${what}: pkcs12: unable to read private key`);
  const key = Buffer.from(forge.asn1.toDer(keyAsn1).getBytes(), "binary");
  const certs = (p12.getBags({ bagType: certBagOid })[certBagOid] ?? []).map((bag) => {
    const b = bag as { cert?: forge.pki.Certificate | null; asn1?: forge.asn1.Asn1 };
    const asn1 =
      b.cert !== undefined && b.cert !== null ? forge.pki.certificateToAsn1(b.cert) : b.asn1;
    if (asn1 === undefined) throw new Error(`${what}: pkcs12: unable to read certificate`);
    return Buffer.from(forge.asn1.toDer(asn1).getBytes(), "binary");
  });
  const publicKey = createPublicKey(createPrivateKey({ key, format: "der", type: "pkcs8" })).export(
    { type: "spki", format: "der" },
  );
  const leafIndex = certs.findIndex((c) =>
    new X509Certificate(c).publicKey.export({ type: "spki", format: "der" }).equals(publicKey),
  );
  if (leafIndex < 0) throw new Error(`${what}: pkcs12: certificate missing`);
  return { key, leaf: certs[leafIndex] as Buffer, cas: certs.filter((_, i) => i !== leafIndex) };
}

function pkcs12keyPass(pass: string, input: string | Uint8Array): string {
  const { key } = decodeChain(input, pass, "unable to decode pkcs12 with password");
  return pemEncode("PRIVATE KEY", key);
}

function pkcs12certPass(pass: string, input: string | Uint8Array): string {
  const { leaf, cas } = decodeChain(
    input,
    pass,
    "unable to decode pkcs12 certificate with password",
  );
  const pem = [leaf, ...cas].map((c) => pemEncode("CERTIFICATE", c)).join("");
  try {
    return orderChain(pemCertificates(pem))
      .map((c) => pemEncode("CERTIFICATE", c.der))
      .join("");
  } catch {
    return pem;
  }
}

function toPkcs12(certs: Buffer[], keyPem: string | undefined, pass: string): string {
  const forgeCerts = certs.map((der) =>
    forge.pki.certificateFromAsn1(forge.asn1.fromDer(der.toString("binary"))),
  );
  let key: forge.pki.PrivateKey | null = null;
  if (keyPem !== undefined) {
    const [block] = pemDecode(keyPem);
    if (block === undefined)
      throw new Error("runtime error: invalid memory address or nil pointer dereference");
    const rsa = createPrivateKey(
      block.type === "PRIVATE KEY"
        ? { key: block.bytes, format: "der", type: "pkcs8" }
        : { key: block.bytes, format: "der", type: "pkcs1" },
    );
    key = forge.pki.privateKeyFromPem(rsa.export({ type: "pkcs1", format: "pem" }) as string);
  }
  const asn1 = forge.pkcs12.toPkcs12Asn1(key, forgeCerts, pass, {
    algorithm: "aes256",
    generateLocalKeyId: true,
    friendlyName: "",
  });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), "binary").toString("base64");
}

function firstCertificate(pem: string): [Buffer, string] {
  const [block, rest] = pemDecode(pem);
  if (block === undefined)
    throw new Error("runtime error: invalid memory address or nil pointer dereference");
  parseCertificate(block.bytes);
  return [block.bytes, rest];
}

// --- JWK and RSA

function jwkPem(jwk: string, isPrivate: boolean): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(jwk);
  } catch (e) {
    throw new Error(`failed to parse JWK: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
  if (!isPlainObject(parsed)) throw new Error("failed to parse JWK: not an object");
  try {
    if (isPrivate)
      return createPrivateKey({ key: parsed, format: "jwk" }).export({
        type: "pkcs8",
        format: "pem",
      }) as string;
    return createPublicKey({ key: parsed, format: "jwk" }).export({
      type: "spki",
      format: "pem",
    }) as string;
  } catch (e) {
    throw new Error(
      `failed to create ${isPrivate ? "private" : "public"} key: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
}

const oaepHashes: Readonly<Record<string, string>> = {
  SHA1: "sha1",
  SHA256: "sha256",
  SHA512: "sha512",
};

function rsaDecrypt(
  scheme: string,
  hash: string,
  input: string | Uint8Array,
  privateKey: string,
): string | Uint8Array {
  if (scheme === "None") return input;
  if (scheme !== "RSA-OAEP") throw new Error(`decryption scheme ${scheme} is not supported`);
  const [block] = pemDecode(privateKey);
  if (block === undefined) throw new Error("failed to decode PEM block");
  let key;
  try {
    key = createPrivateKey({
      key: block.bytes,
      format: "der",
      type:
        block.type === "RSA PRIVATE KEY"
          ? "pkcs1"
          : block.type === "EC PRIVATE KEY"
            ? "sec1"
            : "pkcs8",
    });
  } catch (e) {
    throw new Error("could not parse private key: unable to parse private key type", { cause: e });
  }
  if (key.asymmetricKeyType !== "rsa") throw new Error("could not parse RSA private key");
  try {
    const out = privateDecrypt(
      { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: oaepHashes[hash] ?? "sha256" },
      typeof input === "string" ? utf8Bytes(input) : input,
    );
    return Buffer.from(out).toString("utf8");
  } catch (e) {
    throw new Error("error decrypting data with RSA: crypto/rsa: decryption error", { cause: e });
  }
}

const bin = "string|bytes";
type B = string | Uint8Array;

/** ESO's functions (added to Sprig's TxtFuncMap minus env and expandenv). */
export const esoFunctions: Readonly<Record<string, GoFunc>> = {
  pkcs12key: goFunc([bin], (input: B) => pkcs12keyPass("", input)),
  pkcs12keyPass: goFunc(["string", bin], pkcs12keyPass),
  pkcs12cert: goFunc([bin], (input: B) => pkcs12certPass("", input)),
  pkcs12certPass: goFunc(["string", bin], pkcs12certPass),
  pemToPkcs12: goFunc(["string", "string"], (cert: string, key: string) =>
    toPkcs12([firstCertificate(cert)[0]], key, ""),
  ),
  pemToPkcs12Pass: goFunc(
    ["string", "string", "string"],
    (cert: string, key: string, pass: string) => toPkcs12([firstCertificate(cert)[0]], key, pass),
  ),
  fullPemToPkcs12: goFunc(["string", "string"], (cert: string, key: string) => {
    const [leaf, rest] = firstCertificate(cert);
    return toPkcs12([leaf, ...pemCertificates(rest).map((c) => c.der)], key, "");
  }),
  fullPemToPkcs12Pass: goFunc(
    ["string", "string", "string"],
    (cert: string, key: string, pass: string) => {
      const [leaf, rest] = firstCertificate(cert);
      return toPkcs12([leaf, ...pemCertificates(rest).map((c) => c.der)], key, pass);
    },
  ),
  pemTruststoreToPKCS12: goFunc(["string"], (certs: string) =>
    toPkcs12(
      pemCertificates(certs).map((c) => c.der),
      undefined,
      "",
    ),
  ),
  pemTruststoreToPKCS12Pass: goFunc(["string", "string"], (certs: string, pass: string) =>
    toPkcs12(
      pemCertificates(certs).map((c) => c.der),
      undefined,
      pass,
    ),
  ),
  filterPEM: goFunc(["string", "string"], filterPEM),
  filterCertChain: goFunc(["string", "string"], filterCertChain),
  certSANs: goFunc(["string"], certSANs),
  jwkPublicKeyPem: goFunc(["string"], (jwk: string) => jwkPem(jwk, false)),
  jwkPrivateKeyPem: goFunc(["string"], (jwk: string) => jwkPem(jwk, true)),
  rsaDecrypt: goFunc(["string", "string", bin, "string"], rsaDecrypt),
  toYaml: goFunc(["interface {}"], (v: unknown) => {
    try {
      return marshalYAML(v).replace(/\n$/, "");
    } catch {
      return "";
    }
  }),
  fromYaml: goFunc(["string"], (s: string) => {
    try {
      const v = unmarshalYAML(s);
      return isPlainObject(v)
        ? v
        : v === null
          ? {}
          : {
              Error:
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal into Go value of type map[string]interface {}",
            };
    } catch (e) {
      return { Error: e instanceof Error ? e.message : String(e) };
    }
  }),
};

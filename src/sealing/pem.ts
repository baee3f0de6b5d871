/** One PEM block: its type (`CERTIFICATE`, `RSA PRIVATE KEY`, …) and DER bytes. */
export interface PemBlock {
  type: string;
  der: Buffer;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/**
 * Finds the PEM blocks in `text`, skipping anything between them as Go's `pem.Decode` loop does.
 * Header lines (`Proc-Type: …`) are ignored; a body that is not base64 drops the block.
 */
export function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(BLOCK)) {
    const [, type = "", body = ""] = match;
    const base64 = body
      .split(/\r?\n/)
      .filter((line) => !line.includes(":"))
      .join("");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) continue;
    blocks.push({ type, der: Buffer.from(base64, "base64") });
  }
  return blocks;
}

/** Encodes DER bytes as one PEM block with 64-character lines and a trailing newline. */
export function pemEncode(type: string, der: Uint8Array): string {
  const lines =
    Buffer.from(der)
      .toString("base64")
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join("\n")}${lines.length > 0 ? "\n" : ""}-----END ${type}-----\n`;
}

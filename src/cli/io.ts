import { randomBytes } from "node:crypto";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { CliError } from "./errors.js";

/** Reads all of stdin as bytes. */
export async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Reads a file, or stdin when `path` is undefined or "-".
 * @throws CliError naming the file when it cannot be read
 */
export async function readInput(path: string | undefined): Promise<Buffer> {
  if (path === undefined || path === "-") return readStdin();
  try {
    return await readFile(path);
  } catch (error) {
    throw new CliError(`cannot read "${path}": ${(error as Error).message}`, 1, { cause: error });
  }
}

/**
 * A fresh hidden name next to `path` to write before renaming onto it: the same folder, so the
 * rename is atomic.
 */
export function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
}

/**
 * Writes `data` to `path` atomically: a temporary file in the same folder, then a rename, so a
 * reader (or a crash) never sees a half-written file and an existing file survives a failure.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  mode?: number,
): Promise<void> {
  const temporary = temporaryPathFor(path);
  try {
    await writeFile(temporary, data, mode === undefined ? {} : { mode });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new CliError(`cannot write "${path}": ${(error as Error).message}`, 1, { cause: error });
  }
}

// Output kept as a list of string pieces until it becomes bytes: joining a document that holds a
// megabyte value into one string, then encoding that string, copies the value twice more on the
// JavaScript heap than encoding it on its own.

/** Pieces at least this long are encoded on their own; shorter runs are joined first. */
const LARGE_PIECE = 64 * 1024;

/**
 * The UTF-8 bytes of the concatenation of `pieces`. Each piece must be well-formed on its own (no
 * surrogate pair split across two pieces), which holds for the writers' pieces: whole values,
 * quotes, punctuation and indentation.
 */
export function piecesToUtf8(pieces: readonly string[]): Uint8Array {
  const chunks: string[] = [];
  let run: string[] = [];
  for (const piece of pieces) {
    if (piece.length < LARGE_PIECE) {
      run.push(piece);
      continue;
    }
    if (run.length > 0) chunks.push(run.join(""));
    run = [];
    chunks.push(piece);
  }
  if (run.length > 0) chunks.push(run.join(""));
  if (chunks.length <= 1) return Buffer.from(chunks[0] ?? "", "utf8");
  // One allocation of the exact size: encoding each chunk and concatenating would allocate the
  // large values twice.
  const size = chunks.reduce((total, chunk) => total + Buffer.byteLength(chunk, "utf8"), 0);
  const bytes = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const chunk of chunks) offset += bytes.write(chunk, offset, "utf8");
  return bytes;
}

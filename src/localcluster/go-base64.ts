const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const isNewline = (ch: string | undefined): boolean => ch === "\n" || ch === "\r";

/**
 * Finds where Go's `base64.StdEncoding` (what decodes `[]byte` JSON fields such as Secret.data)
 * would reject `text`, so errors read `illegal base64 data at input byte N` as the apiserver's do.
 * @returns the offending byte offset, or undefined when the text decodes
 */
export function goBase64ErrorOffset(text: string): number | undefined {
  let si = 0;
  for (;;) {
    const result = decodeQuantum(text, si);
    if (result.error !== undefined) return result.error;
    if (result.done) return undefined;
    si = result.next;
  }
}

function decodeQuantum(
  text: string,
  start: number,
): { next: number; done: boolean; error?: number } {
  let si = start;
  for (let j = 0; j < 4; j++) {
    if (si === text.length) {
      if (j === 0) return { next: si, done: true };
      return { next: si, done: true, error: si - j };
    }
    const ch = text[si];
    si++;
    if (ch !== undefined && alphabet.includes(ch)) continue;
    if (isNewline(ch)) {
      j--;
      continue;
    }
    if (ch !== "=" || j < 2) return { next: si, done: true, error: si - 1 };
    return finishPadding(text, si, j);
  }
  return { next: si, done: false };
}

function finishPadding(
  text: string,
  start: number,
  j: number,
): { next: number; done: boolean; error?: number } {
  let si = start;
  if (j === 2) {
    while (si < text.length && isNewline(text[si])) si++;
    if (si === text.length) return { next: si, done: true, error: text.length };
    if (text[si] !== "=") return { next: si, done: true, error: si - 1 };
    si++;
  }
  while (si < text.length && isNewline(text[si])) si++;
  if (si < text.length) return { next: si, done: true, error: si };
  return { next: si, done: true };
}

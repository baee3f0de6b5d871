// Shell-style word splitting (no shell, no expansion), as sops does with google/shlex for the
// SOPS_AGE_KEY_CMD and editor commands.

/**
 * Splits a command line into words: whitespace separates, single quotes keep everything, double
 * quotes keep everything but `\"` and `\\`, a backslash escapes the next character.
 * @throws Error on an unterminated quote or a trailing backslash
 */
export function splitShellWords(line: string): string[] {
  const words: string[] = [];
  let current = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] ?? "";
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else current += c;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === "\\" && (line[i + 1] === '"' || line[i + 1] === "\\"))
        current += line[++i] ?? "";
      else current += c;
      continue;
    }
    if (/\s/.test(c)) {
      if (inWord) words.push(current);
      current = "";
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === "'" || c === '"') quote = c;
    else if (c === "\\") {
      if (i + 1 >= line.length) throw new Error("EOF found after escape character");
      current += line[++i] ?? "";
    } else current += c;
  }
  if (quote !== undefined) throw new Error("EOF found when expecting closing quote");
  if (inWord) words.push(current);
  return words;
}

/**
 * Argo CD's `normalize` (also the `*Normalized` params): lower-case, every code point outside
 * `[-a-z0-9.]` becomes `-`, cut to 253 characters, then leading and trailing `-` and `.` are
 * stripped (so the result can be shorter than 253).
 */
export function normalizeName(name: string): string {
  // Names that are normalized already (nearly all) come back as they are.
  if (normalized.test(name)) return name;
  let replaced = "";
  for (const char of name) {
    // Go lower-cases rune by rune (U+0130 becomes a plain "i"); JS may add a combining mark.
    const lower = char.toLowerCase().charAt(0);
    replaced += /^[-a-z0-9.]$/.test(lower) ? lower : "-";
  }
  return replaced.slice(0, 253).replace(/^[-.]+|[-.]+$/g, "");
}

const normalized = /^[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?$/;

import { readFileSync } from "node:fs";

/** One line of a static token file: `token,user,uid[,"group1,group2"]`. */
export interface TokenUser {
  token: string;
  user: string;
  uid: string;
  groups: string[];
}

function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let current = "";
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === "," && !quoted) {
      fields.push(current);
      current = "";
    } else current += ch;
  }
  fields.push(current);
  return fields.map((f) => f.trim());
}

/**
 * Reads a kube-apiserver `--token-auth-file` (CSV: token, user name, uid, optional quoted
 * comma-separated groups; `#` comments and blank lines ignored).
 * @throws Error naming the file and line when a line has fewer than three fields
 */
export function readTokenFile(path: string): TokenUser[] {
  const text = readFileSync(path, "utf8");
  const users: TokenUser[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === "" || line.trimStart().startsWith("#")) return;
    const [token = "", user = "", uid = "", groups = ""] = splitCsvLine(line);
    if (token === "" || user === "" || uid === "") {
      throw new Error(`cannot read token file "${path}": line ${index + 1} needs token,user,uid`);
    }
    users.push({
      token,
      user,
      uid,
      groups: groups === "" ? [] : groups.split(",").map((g) => g.trim()),
    });
  });
  return users;
}

/** Paths anyone may read (the apiserver's system:public-info-viewer). */
const publicPaths = new Set(["/version", "/healthz", "/livez", "/readyz"]);

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
}

/**
 * Decides whether a request may proceed: always when no tokens are configured, for public paths,
 * or when `Authorization: Bearer <token>` names a known token or one `isServiceAccountToken`
 * accepts (a token this cluster issued for its API audience).
 */
export function isAuthorized(
  users: readonly TokenUser[] | undefined,
  path: string,
  authorization: string | undefined,
  isServiceAccountToken: (token: string) => boolean = () => false,
): boolean {
  if (users === undefined || publicPaths.has(path)) return true;
  const token = bearerToken(authorization);
  if (token === undefined) return false;
  return tokenUser(users, token) !== undefined || isServiceAccountToken(token);
}

/** The tokens file's user whose token this is, if any. */
export function tokenUser(
  users: readonly TokenUser[] | undefined,
  token: string,
): TokenUser | undefined {
  return users?.find((user) => user.token === token);
}

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** A throwaway git repository made with the real `git`. */
export interface TestRepo {
  readonly path: string;
  /** Writes files (and symlinks) and commits them; returns the new commit id. */
  commit(
    files: Readonly<Record<string, string>>,
    symlinks?: Readonly<Record<string, string>>,
  ): string;
  /** Runs git in the repository and returns its stdout. */
  git(...args: string[]): string;
  remove(): void;
}

const environment = {
  ...process.env,
  GIT_AUTHOR_NAME: "test",
  GIT_AUTHOR_EMAIL: "test@example.com",
  GIT_COMMITTER_NAME: "test",
  GIT_COMMITTER_EMAIL: "test@example.com",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
};

/** Creates an empty repository (branch `main`) in a temporary folder. */
export function createTestRepo(): TestRepo {
  const path = mkdtempSync(join(tmpdir(), "secretfleet-repo-"));
  const git = (...args: string[]): string =>
    execFileSync("git", ["-C", path, ...args], { env: environment, encoding: "utf8" });
  git("init", "-q", "-b", "main");
  return {
    path,
    git,
    commit(files, symlinks = {}) {
      for (const [file, content] of Object.entries(files)) {
        mkdirSync(dirname(join(path, file)), { recursive: true });
        writeFileSync(join(path, file), content);
      }
      for (const [link, target] of Object.entries(symlinks)) {
        mkdirSync(dirname(join(path, link)), { recursive: true });
        symlinkSync(target, join(path, link));
      }
      git("add", "-A");
      git("commit", "-q", "--allow-empty", "-m", "test");
      return git("rev-parse", "HEAD").trim();
    },
    remove() {
      rmSync(path, { recursive: true, force: true });
    },
  };
}

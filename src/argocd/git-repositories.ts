import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { posix } from "node:path";
import type { GitSource, GitTreeListing } from "./git-source.js";

interface TreeEntry {
  readonly mode: string;
  readonly type: string;
  readonly oid: string;
}

interface Listing extends GitTreeListing {
  readonly entries: ReadonlyMap<string, TreeEntry>;
}

/**
 * Local git repositories read through the system `git` binary, without a checkout: one
 * `git cat-file --batch` process per repository resolves revisions and reads blobs, and one
 * `git ls-tree` per commit lists the tree. Revisions, listings and file contents are cached
 * (by repo + revision + path), so a file is read once per revision however many clusters use it.
 * Call {@link close} when done.
 */
export class GitRepositories implements GitSource {
  readonly #paths: ReadonlyMap<string, string>;
  readonly #gitBinary: string;
  readonly #batches = new Map<string, CatFileBatch>();
  readonly #commits = new Map<string, Promise<string>>();
  readonly #listings = new Map<string, Promise<Listing>>();
  readonly #files = new Map<string, Promise<Uint8Array | undefined>>();
  #invocations = 0;

  /**
   * @param repositories repoURL (as written in ApplicationSets) → local repository path
   * @param gitBinary the git executable (default `git` on PATH)
   */
  constructor(repositories: ReadonlyMap<string, string>, gitBinary = "git") {
    this.#paths = repositories;
    this.#gitBinary = gitBinary;
  }

  /** How many git processes were started so far. */
  get invocations(): number {
    return this.#invocations;
  }

  /** Resolves a revision (`""` and `HEAD` mean the checked-out branch) to a commit id. */
  resolveRevision(repoURL: string, revision: string): Promise<string> {
    const key = `${repoURL}\0${revision}`;
    let commit = this.#commits.get(key);
    if (commit === undefined) {
      commit = this.#resolve(repoURL, revision);
      this.#commits.set(key, commit);
    }
    return commit;
  }

  async #resolve(repoURL: string, revision: string): Promise<string> {
    const batch = this.#batch(repoURL);
    const wanted = revision === "" ? "HEAD" : revision;
    for (const candidate of [wanted, `origin/${wanted}`]) {
      if (/[\s]/.test(candidate)) break;
      const object = await batch.read(`${candidate}^{commit}`);
      if (object !== undefined) return object.oid;
    }
    throw new Error(`unable to resolve git revision ${JSON.stringify(wanted)} of ${repoURL}`);
  }

  /** @inheritdoc */
  async listTree(repoURL: string, revision: string): Promise<GitTreeListing> {
    const commit = await this.resolveRevision(repoURL, revision);
    return this.#listing(repoURL, commit);
  }

  #listing(repoURL: string, commit: string): Promise<Listing> {
    const key = `${repoURL}\0${commit}`;
    let listing = this.#listings.get(key);
    if (listing === undefined) {
      listing = this.#lsTree(repoURL, commit);
      this.#listings.set(key, listing);
    }
    return listing;
  }

  async #lsTree(repoURL: string, commit: string): Promise<Listing> {
    const output = await this.#run(repoURL, ["ls-tree", "-r", "-t", "-z", "--full-tree", commit]);
    const entries = new Map<string, TreeEntry>();
    const files: string[] = [];
    const directories: string[] = [];
    for (const record of output.toString("utf8").split("\0")) {
      if (record === "") continue;
      const tab = record.indexOf("\t");
      const [mode = "", type = "", oid = ""] = record.slice(0, tab).split(" ");
      const path = record.slice(tab + 1);
      entries.set(path, { mode, type, oid });
      if (type === "blob") files.push(path);
      else directories.push(path);
    }
    return { commit, files, directories, entries };
  }

  /** @inheritdoc */
  async readFiles(
    repoURL: string,
    commit: string,
    paths: readonly string[],
  ): Promise<Map<string, Uint8Array>> {
    const listing = await this.#listing(repoURL, commit);
    const contents = await Promise.all(paths.map((path) => this.#readFile(repoURL, listing, path)));
    const out = new Map<string, Uint8Array>();
    paths.forEach((path, index) => {
      const content = contents[index];
      if (content !== undefined) out.set(path, content);
    });
    return out;
  }

  #readFile(repoURL: string, listing: Listing, path: string): Promise<Uint8Array | undefined> {
    const key = `${repoURL}\0${listing.commit}\0${path}`;
    let content = this.#files.get(key);
    if (content === undefined) {
      content = this.#readFollowingLinks(repoURL, listing, path);
      this.#files.set(key, content);
    }
    return content;
  }

  async #readFollowingLinks(
    repoURL: string,
    listing: Listing,
    path: string,
  ): Promise<Uint8Array | undefined> {
    const batch = this.#batch(repoURL);
    let current = path;
    // Bounded like the kernel's symlink limit.
    for (let hops = 0; hops < 40; hops++) {
      const entry = listing.entries.get(current);
      if (entry?.type !== "blob") {
        if (current === path)
          throw new Error(`${JSON.stringify(path)} is not a file at ${listing.commit}`);
        return undefined;
      }
      const object = await batch.read(entry.oid);
      if (object === undefined)
        throw new Error(`object ${entry.oid} of ${JSON.stringify(current)} is missing`);
      if (entry.mode !== "120000") return object.content;
      const target = object.content.toString("utf8");
      const resolved = posix.normalize(posix.join(posix.dirname(current), target));
      if (posix.isAbsolute(target) || resolved === ".." || resolved.startsWith("../"))
        return undefined;
      current = resolved;
    }
    return undefined;
  }

  #batch(repoURL: string): CatFileBatch {
    let batch = this.#batches.get(repoURL);
    if (batch === undefined) {
      const path = this.#pathOf(repoURL);
      this.#invocations++;
      batch = new CatFileBatch(
        spawn(this.#gitBinary, ["-C", path, "cat-file", "--batch"], { stdio: "pipe" }),
        repoURL,
      );
      this.#batches.set(repoURL, batch);
    }
    return batch;
  }

  #pathOf(repoURL: string): string {
    const path = this.#paths.get(repoURL);
    if (path === undefined)
      throw new Error(`repository "${repoURL}" is not available (map it to a local clone)`);
    return path;
  }

  #run(repoURL: string, args: readonly string[]): Promise<Buffer> {
    const path = this.#pathOf(repoURL);
    this.#invocations++;
    return new Promise((resolve, reject) => {
      const child = spawn(this.#gitBinary, ["-C", path, ...args], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
      child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
      child.on("error", reject);
      child.on("close", (code) => {
        if (code === 0) resolve(Buffer.concat(out));
        else
          reject(
            new Error(
              `git ${args[0] ?? ""} failed for ${repoURL}: ${Buffer.concat(err).toString("utf8").trim()}`,
            ),
          );
      });
    });
  }

  /** Ends the git processes this reader started. */
  async close(): Promise<void> {
    await Promise.all([...this.#batches.values()].map((batch) => batch.close()));
    this.#batches.clear();
  }
}

interface GitObject {
  readonly oid: string;
  readonly content: Buffer;
}

interface Pending {
  resolve(object: GitObject | undefined): void;
  reject(error: Error): void;
}

/** One `git cat-file --batch` process: requests answered in order. */
class CatFileBatch {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #pending: Pending[] = [];
  #buffer: Buffer = Buffer.alloc(0);
  #failure: Error | undefined;
  #closed: Promise<void>;

  constructor(child: ChildProcessWithoutNullStreams, repoURL: string) {
    this.#child = child;
    const stderr: Buffer[] = [];
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.stdout.on("data", (chunk: Buffer) => {
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
      this.#drain();
    });
    this.#closed = new Promise((resolve) => {
      const fail = (error: Error): void => {
        this.#failure = error;
        for (const pending of this.#pending.splice(0)) pending.reject(error);
        resolve();
      };
      child.on("error", (error) => {
        fail(new Error(`cannot run git for ${repoURL}: ${error.message}`));
      });
      child.on("close", (code) => {
        const detail = Buffer.concat(stderr).toString("utf8").trim();
        fail(
          new Error(
            `git cat-file stopped for ${repoURL} (exit ${String(code)})${detail === "" ? "" : `: ${detail}`}`,
          ),
        );
      });
    });
  }

  read(object: string): Promise<GitObject | undefined> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#pending.push({ resolve, reject });
      this.#child.stdin.write(`${object}\n`);
    });
  }

  #drain(): void {
    for (;;) {
      const pending = this.#pending[0];
      const newline = this.#buffer.indexOf(10);
      if (pending === undefined || newline < 0) return;
      const header = this.#buffer.subarray(0, newline).toString("utf8");
      if (header.endsWith(" missing") || header.endsWith(" ambiguous")) {
        this.#buffer = this.#buffer.subarray(newline + 1);
        this.#pending.shift();
        pending.resolve(undefined);
        continue;
      }
      const [oid = "", , sizeText = "0"] = header.split(" ");
      const size = Number(sizeText);
      if (this.#buffer.length < newline + 1 + size + 1) return;
      const content = Buffer.from(this.#buffer.subarray(newline + 1, newline + 1 + size));
      this.#buffer = this.#buffer.subarray(newline + 1 + size + 1);
      this.#pending.shift();
      pending.resolve({ oid, content });
    }
  }

  close(): Promise<void> {
    this.#child.stdin.end();
    return this.#closed;
  }
}

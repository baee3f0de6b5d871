import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { StatementSync } from "node:sqlite";
import type { JsonObject } from "./json.js";
import type { Persistence, StoredRow } from "./store.js";

/**
 * The durable backend of `--data-dir`: one node:sqlite database in WAL mode. Each change is one
 * transaction holding the object row and the revision counter, so a kill -9 leaves either the
 * whole change or none of it.
 */
export class SqlitePersistence implements Persistence {
  #db: DatabaseSync;
  #upsert: StatementSync;
  #delete: StatementSync;
  #setRevision: StatementSync;

  /** Opens (creating when needed) `<dataDir>/cluster.db`. */
  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.#db = new DatabaseSync(join(dataDir, "cluster.db"));
    // WAL with synchronous=NORMAL: a committed transaction survives the process dying; only an
    // OS crash may lose the newest commits (never corrupt the file).
    this.#db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;");
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS objects (
        storage TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, body TEXT NOT NULL,
        PRIMARY KEY (storage, namespace, name)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);`);
    this.#upsert = this.#db.prepare(
      "INSERT INTO objects (storage, namespace, name, body) VALUES (?, ?, ?, ?) " +
        "ON CONFLICT (storage, namespace, name) DO UPDATE SET body = excluded.body",
    );
    this.#delete = this.#db.prepare(
      "DELETE FROM objects WHERE storage = ? AND namespace = ? AND name = ?",
    );
    this.#setRevision = this.#db.prepare(
      "INSERT INTO meta (key, value) VALUES ('revision', ?) " +
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    );
  }

  load(): { revision: number; rows: StoredRow[] } {
    const revisionRow = this.#db.prepare("SELECT value FROM meta WHERE key = 'revision'").get();
    const revision = typeof revisionRow?.value === "number" ? revisionRow.value : 1;
    const rows = this.#db
      .prepare("SELECT storage, namespace, name, body FROM objects")
      .all()
      .map((row) => ({
        storageKey: String(row.storage),
        namespace: String(row.namespace),
        name: String(row.name),
        object: JSON.parse(String(row.body)) as JsonObject,
      }));
    return { revision, rows };
  }

  write(row: StoredRow, deleted: boolean, revision: number): void {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      if (deleted) this.#delete.run(row.storageKey, row.namespace, row.name);
      else this.#upsert.run(row.storageKey, row.namespace, row.name, JSON.stringify(row.object));
      this.#setRevision.run(revision);
      this.#db.exec("COMMIT");
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}

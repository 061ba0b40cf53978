/**
 * Open the chat database file for one server: refuse, without writing a byte, a file that is
 * in use, damaged or too new; then hold it exclusively and bring its schema up to date.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { DbError, type DbErrorCode } from "./db_error.ts";
import { type FtsTokenizer, type Migration, MIGRATIONS, tokenizerFor } from "./schema.ts";

/** The first 16 bytes of every SQLite 3 database file. */
const MAGIC = "SQLite format 3\0";

/** A SQLite database file's header is 100 bytes; anything shorter is not a database. */
const HEADER_BYTES = 100;

/** An open, checked, locked and migrated database. */
export interface OpenedDatabase {
  /** The connection; the only one that can use the file until it is closed. */
  db: DatabaseSync;
  /** The FTS5 tokenizer the message index was created with. */
  tokenizer: FtsTokenizer;
}

/**
 * Open (or create) a chat database and take it for this process alone.
 *
 * @remarks
 * The order is what keeps a refused file unchanged: first only reads (the header bytes, then
 * `user_version` and `PRAGMA quick_check` through SQLite), and only when all of them pass, the
 * writes (WAL mode, the lock, migrations).
 *
 * `locking_mode = EXCLUSIVE` makes SQLite keep its file locks until the connection closes; the
 * first read takes a shared lock and `BEGIN IMMEDIATE` the exclusive one, so a second server's
 * first read fails at once (`busy_timeout = 0`: waiting would only delay the same answer). In
 * exclusive mode WAL keeps its index in memory, so no `-shm` file is made.
 *
 * `synchronous = NORMAL` in WAL mode syncs at checkpoints, not at every commit: a commit is in
 * the WAL file, in the kernel's page cache, when it returns, so a killed process (`kill -9`)
 * loses nothing committed; a power cut can lose the last commits, never the database.
 *
 * @param path The database file; its folder must exist.
 * @param migrations The schema steps (default: lib/store/schema.ts); tests pass their own.
 * @returns The connection and its index's tokenizer.
 * @throws {DbError} `locked`, `corrupt`, `newer` or `io`, in one line naming the file.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const { db } = openDatabase(`${dir}/chat.db`);
 * equal(db.prepare("PRAGMA journal_mode").get()?.journal_mode, "wal");
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function openDatabase(
  path: string,
  migrations: readonly Migration[] = MIGRATIONS,
): OpenedDatabase {
  checkHeader(path);
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { timeout: 0, enableForeignKeyConstraints: true });
  } catch (error) {
    throw refusal(path, error);
  }
  try {
    db.exec("PRAGMA locking_mode = EXCLUSIVE; PRAGMA busy_timeout = 0");
    const version = Number(db.prepare("PRAGMA user_version").get()?.user_version);
    if (version > migrations.length) {
      throw new DbError(
        "newer",
        path,
        `its schema version is ${version}, newer than this server's ${migrations.length}; ` +
          "run the newer server",
      );
    }
    quickCheck(db, path);
    // The first writes: nothing above has changed the file.
    db.prepare("PRAGMA journal_mode = WAL").get();
    db.exec("BEGIN IMMEDIATE; COMMIT");
    db.exec("PRAGMA synchronous = NORMAL");
    const tokenizer = migrate(db, version, migrations);
    db.exec("PRAGMA foreign_keys = ON");
    return { db, tokenizer };
  } catch (error) {
    db.close();
    throw error instanceof DbError ? error : refusal(path, error);
  }
}

/** Refuse a file whose first bytes are not SQLite's, before SQLite ever opens it. */
function checkHeader(path: string): void {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return; // a new database
    throw refusal(path, error);
  }
  try {
    if (!file.statSync().isFile) throw new DbError("io", path, "it is not a file");
    const header = new Uint8Array(HEADER_BYTES);
    let filled = 0;
    while (filled < HEADER_BYTES) {
      const n = file.readSync(header.subarray(filled));
      if (n === null) break;
      filled += n;
    }
    if (filled === 0) return; // an empty file is an empty database
    const magic = new TextDecoder().decode(header.subarray(0, MAGIC.length));
    if (filled < HEADER_BYTES || magic !== MAGIC) {
      throw new DbError("corrupt", path, "it is not a SQLite database");
    }
  } finally {
    file.close();
  }
}

/** Refuse a database that SQLite's quick integrity check does not pass. */
function quickCheck(db: DatabaseSync, path: string): void {
  const rows = db.prepare("PRAGMA quick_check").all();
  const first = String(rows[0]?.quick_check ?? "no answer");
  if (rows.length !== 1 || first !== "ok") {
    throw new DbError("corrupt", path, `it is damaged (quick_check: ${first})`);
  }
}

/**
 * Run every migration from `version` on, each in its own transaction.
 *
 * @remarks
 * Foreign keys are off while they run, as SQLite asks for a step that rebuilds a table (a
 * dropped table would otherwise take the rows that point at it along); each step checks them
 * itself before it commits, and the caller turns them on again.
 *
 * @returns The tokenizer the message index uses (created now, or found).
 * @throws {Error} SQLite's error, or a foreign key a step left dangling; the step is rolled back.
 */
function migrate(db: DatabaseSync, version: number, migrations: readonly Migration[]) {
  const sqlite = String(db.prepare("SELECT sqlite_version() AS v").get()?.v);
  let tokenizer = tokenizerFor(sqlite);
  if (version > 0) {
    const index = db.prepare("SELECT sql FROM sqlite_master WHERE name = 'messages_fts'").get();
    if (index && !String(index.sql).includes("trigram")) tokenizer = "unicode61";
  }
  db.exec("PRAGMA foreign_keys = OFF"); // not possible inside a transaction
  for (const step of migrations.slice(version)) {
    db.exec("BEGIN IMMEDIATE");
    try {
      for (const sql of step(tokenizer)) db.exec(sql);
      if (db.prepare("PRAGMA foreign_key_check").all().length > 0) {
        throw new Error("a migration left rows pointing at rows that do not exist");
      }
      db.exec("COMMIT");
    } catch (error) {
      db.exec("ROLLBACK");
      throw error;
    }
  }
  return tokenizer;
}

/** Turn whatever SQLite or Deno threw into a one-line refusal. */
function refusal(path: string, error: unknown): DbError {
  const message = error instanceof Error ? error.message : String(error);
  const code = codeOf(error);
  const reason = code === "locked"
    ? "another server has it open (stop it, or give this server another storage folder)"
    : code === "corrupt"
    ? `it is damaged or not a SQLite database (${message})`
    : message;
  return new DbError(code, path, reason, { cause: error });
}

/** SQLite's primary result codes that decide the answer. */
const SQLITE_BUSY = 5, SQLITE_LOCKED = 6, SQLITE_CORRUPT = 11, SQLITE_NOTADB = 26;

function codeOf(error: unknown): DbErrorCode {
  const errcode = (error as { errcode?: unknown })?.errcode;
  if (typeof errcode !== "number") return "io";
  const primary = errcode & 0xff; // extended codes keep the primary one in the low byte
  if (primary === SQLITE_BUSY || primary === SQLITE_LOCKED) return "locked";
  if (primary === SQLITE_CORRUPT || primary === SQLITE_NOTADB) return "corrupt";
  return "io";
}

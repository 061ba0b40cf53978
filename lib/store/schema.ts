/**
 * The chat database's tables, as forward migrations: step N turns schema version N into N + 1,
 * and records that in `PRAGMA user_version` within the same transaction.
 *
 * @remarks
 * The tables (all times are the server's clock in milliseconds since 1970):
 *
 * - `users`: one row per registered account. `key` (the normalised name, the primary key, so
 *   `Alice` and `alice` are one account), `name` (as first registered, for display),
 *   `password` (a PHC string from lib/store/password.ts: algorithm, parameters, salt and hash),
 *   `created`, `banned` (0 or 1).
 * - `sessions`: `token_hash` (SHA-256 of a random token; the token itself is never stored, so
 *   a copy of the database logs nobody in), `user_key` → users, `created`. Deleting a user's
 *   rows revokes every session of theirs.
 * - `messages`: `id` (INTEGER PRIMARY KEY AUTOINCREMENT: increasing and never reused, even
 *   after the newest rows are deleted, which a reconnect's "everything after id N" relies on),
 *   `time`, `kind` (chat, private, join, leave, upload, notice), `from_name`/`from_key`
 *   (NULL for the server's own notices), `to_name`/`to_key` (NULL unless private), `text`,
 *   `extra` (JSON or NULL).
 * - `messages_fts`: an FTS5 index over `messages.text` with external content (the text is
 *   stored once, in `messages`), kept in step by triggers so no write path can forget it.
 * - `deliveries`: offline messages. `message_id` → messages, `recipient_key` → users,
 *   `delivered` (NULL until the recipient's client acknowledges it).
 * - `files`: `name` (the stored file name, primary key), `uploader`, `uploader_key`, `time`,
 *   `size`, `sha256` (hex).
 *
 * Tokenizer: `trigram` where SQLite has it (3.34 and later; Deno bundles its own SQLite, 3.5x
 * in Deno 2.9): it indexes every three-character run, so a search matches inside words and
 * finds Chinese, which has no spaces for a word tokenizer to split on. `unicode61` would index
 * "你好世界" as one token, so "世界" would never be found. The cost: about 50 µs per stored
 * message here (against 4 without the index), and an index three times the text's size. A
 * search with a word shorter than three characters reads the newest messages instead
 * (`ChatDb.search`).
 *
 * @module
 */

/** Which FTS5 tokenizer the message index uses. */
export type FtsTokenizer = "trigram" | "unicode61";

/** The two ways to create the index; picked whole, so no SQL is assembled from pieces. */
const FTS_TABLE: Record<FtsTokenizer, string> = {
  trigram: `CREATE VIRTUAL TABLE messages_fts USING fts5(
    text, content = 'messages', content_rowid = 'id', tokenize = 'trigram')`,
  unicode61: `CREATE VIRTUAL TABLE messages_fts USING fts5(
    text, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2')`,
};

const TABLES_V1 = `
CREATE TABLE users (
  key TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  password TEXT NOT NULL,
  created INTEGER NOT NULL,
  banned INTEGER NOT NULL DEFAULT 0 CHECK (banned IN (0, 1))
);
CREATE TABLE sessions (
  token_hash BLOB PRIMARY KEY NOT NULL,
  user_key TEXT NOT NULL REFERENCES users (key) ON DELETE CASCADE ON UPDATE CASCADE,
  created INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_user ON sessions (user_key);
CREATE TABLE messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('chat', 'private', 'join', 'leave', 'upload', 'notice')),
  from_name TEXT,
  from_key TEXT,
  to_name TEXT,
  to_key TEXT,
  text TEXT NOT NULL,
  extra TEXT CHECK (extra IS NULL OR json_valid(extra))
);
CREATE TABLE deliveries (
  message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  recipient_key TEXT NOT NULL REFERENCES users (key) ON DELETE CASCADE ON UPDATE CASCADE,
  delivered INTEGER,
  PRIMARY KEY (recipient_key, message_id)
) WITHOUT ROWID;
CREATE INDEX deliveries_pending ON deliveries (recipient_key, message_id)
  WHERE delivered IS NULL;
CREATE TABLE files (
  name TEXT PRIMARY KEY NOT NULL,
  uploader TEXT NOT NULL,
  uploader_key TEXT NOT NULL,
  time INTEGER NOT NULL,
  size INTEGER NOT NULL CHECK (size >= 0),
  sha256 TEXT NOT NULL CHECK (length(sha256) = 64)
);
CREATE INDEX files_by_uploader ON files (uploader_key);
CREATE TABLE search_state (indexed INTEGER NOT NULL);
INSERT INTO search_state (indexed) VALUES (0);
`;

/**
 * External content tables are not updated by FTS5 itself. New messages are indexed in the
 * background, in id order (`ChatDb` indexes everything above `search_state.indexed`; the
 * index's own `max(rowid)` would read the content table's), so
 * storing a message costs an insert, not a trigram index update (about 4 µs against 50 µs):
 * a busy room is not slowed by search. These triggers keep an indexed row's entry right when
 * the row changes or goes; a row not yet indexed has no entry to change.
 */
const FTS_TRIGGERS_V1 = `
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
WHEN old.id <= (SELECT indexed FROM search_state) BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages
WHEN old.id <= (SELECT indexed FROM search_state) BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
  INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
END;
`;

/**
 * Version 2 rebuilds `messages` with the same columns and rows, its kind check written as a
 * chain of `=` instead of `IN (...)`. SQLite looks a constant `IN` list of more than two values
 * up in a small temporary index, which cost about 0.8 µs of every stored row here (a third of
 * the row's whole cost, in the busy room's multi-row INSERTs); the `=` chain accepts exactly
 * the same kinds for no measurable cost.
 *
 * SQLite cannot change a CHECK in place, so this is its documented way to change a table
 * (https://sqlite.org/lang_altertable.html#otheralter): make the new table, copy the rows,
 * drop the old one, give the new one its name, then make again the triggers that went with the
 * old one. The id counter is carried over, so an id is still never reused. It runs with foreign
 * keys off (lib/store/open_database.ts), or dropping the old table would delete the
 * `deliveries` that point at its rows.
 */
const MESSAGES_V2 = `
CREATE TABLE messages_v2 (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind = 'chat' OR kind = 'private' OR kind = 'join' OR kind = 'leave'
    OR kind = 'upload' OR kind = 'notice'),
  from_name TEXT,
  from_key TEXT,
  to_name TEXT,
  to_key TEXT,
  text TEXT NOT NULL,
  extra TEXT CHECK (extra IS NULL OR json_valid(extra))
);
INSERT INTO messages_v2 (id, time, kind, from_name, from_key, to_name, to_key, text, extra)
  SELECT id, time, kind, from_name, from_key, to_name, to_key, text, extra FROM messages;
DELETE FROM sqlite_sequence WHERE name = 'messages_v2';
INSERT INTO sqlite_sequence (name, seq) SELECT 'messages_v2', seq FROM sqlite_sequence
  WHERE name = 'messages';
DROP TABLE messages;
ALTER TABLE messages_v2 RENAME TO messages;
`;

/**
 * One migration: the SQL scripts that take the schema one version up, the last of them setting
 * `user_version`. Each step runs in one transaction, all of it or none.
 */
export type Migration = (fts: FtsTokenizer) => readonly string[];

/**
 * Every migration, oldest first; the schema version this code writes is their count. Add a
 * step at the end to change the schema; never edit a step that has shipped.
 */
export const MIGRATIONS: readonly Migration[] = [
  (fts) => [TABLES_V1, FTS_TABLE[fts], FTS_TRIGGERS_V1, "PRAGMA user_version = 1"],
  () => [MESSAGES_V2, FTS_TRIGGERS_V1, "PRAGMA user_version = 2"],
];

/** The schema version this code creates and understands. */
export const SCHEMA_VERSION: number = MIGRATIONS.length;

/**
 * The tokenizer to create the index with on this SQLite: `trigram` from 3.34 on.
 *
 * @param sqliteVersion What `sqlite_version()` says, such as `3.53.2`.
 * @returns `trigram` when available, else `unicode61`.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(tokenizerFor("3.53.2"), "trigram");
 * equal(tokenizerFor("3.31.1"), "unicode61");
 * ```
 */
export function tokenizerFor(sqliteVersion: string): FtsTokenizer {
  const [major = 0, minor = 0] = sqliteVersion.split(".").map(Number);
  return major > 3 || (major === 3 && minor >= 34) ? "trigram" : "unicode61";
}

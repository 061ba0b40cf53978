/**
 * The chat server's memory: accounts, sessions, message history with full-text search, offline
 * private messages and uploaded files' metadata, in one SQLite file (`chat.db` in the server's
 * storage folder) through Deno's built-in `node:sqlite`.
 *
 * @remarks
 * The tables are described in lib/store/schema.ts; opening, refusing and migrating in
 * lib/store/open_database.ts; passwords in lib/store/password.ts.
 *
 * Writes of messages are batched: every {@linkcode ChatDb.append} made in one event-loop turn
 * joins one transaction, committed by an immediate at the end of the turn, and each append's promise
 * resolves only after that commit. A server that acknowledges a message after its append
 * resolves never acknowledges what a crash could lose, and a busy room costs a handful of
 * commits a second, not one per message. Everything else (accounts, offline deliveries, files)
 * is rare and written at once, synchronously.
 *
 * Every value reaches SQLite as a bound parameter (`?` or `$name`); the only SQL assembled in
 * this file joins constant column lists.
 *
 * @module
 */

import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import { createHash } from "node:crypto";
import { clearImmediate, setImmediate } from "node:timers";
import { openDatabase } from "./open_database.ts";
import type { FtsTokenizer, Migration } from "./schema.ts";
import { searchTerms } from "./search_terms.ts";
import { dummyVerify, hashPassword, needsRehash, verifyPassword } from "./password.ts";
import {
  FILE_COLUMNS,
  type FileRecord,
  MESSAGE_COLUMNS,
  type MessageKind,
  type StoredMessage,
  toFile,
  toMessage,
  toUser,
  type User,
  USER_COLUMNS,
} from "./_rows.ts";

export { DbError, type DbErrorCode } from "./db_error.ts";
export type { FileRecord, MessageKind, StoredMessage, User };

/** Every kind a message may have; the table's CHECK constraint lists the same. */
export const MESSAGE_KINDS: readonly MessageKind[] = [
  "chat",
  "private",
  "join",
  "leave",
  "upload",
  "notice",
];

/** Most messages one read returns: a page of history, not the whole database in memory. */
export const MAX_READ = 10_000;

/**
 * How many of the newest messages a search reads through when one of its words has one or two
 * characters, which the trigram index cannot find: reading costs about 10 ms per 10,000
 * messages here, so the window bounds what one `/search` can cost the event loop.
 */
export const SHORT_WORD_WINDOW = 20_000;

/**
 * Messages indexed for search in one step of the background indexer: about 3 ms of the event
 * loop here. The indexer runs while the room is quiet ({@linkcode QUIET_MS} without a commit):
 * each step is a commit of its own, which FTS5 turns into a new segment to merge later, and a
 * busy room would feel both as delay. Until then, search reads the newest messages through (see
 * {@linkcode ChatDb.search}).
 */
export const INDEX_BATCH = 64;
/**
 * Messages per step while the room is busy but more than half of {@linkcode SHORT_WORD_WINDOW}
 * wait: about 0.1 ms, most of it the step's commit.
 */
const BUSY_INDEX_BATCH = 4;
/** How long without a commit counts as quiet. */
const QUIET_MS = 200;
/** Pause between the background indexer's steps. */
const INDEX_PAUSE_MS = 20;
/**
 * WAL size at which it is checkpointed even while the room is busy. Otherwise checkpoints wait
 * for a quiet moment: one copies the WAL into the database and syncs both files, 3 ms and up
 * here, which SQLite's own automatic checkpoint (every 4 MiB) would spend in the middle of a
 * busy room's commits, on the event loop every message waits on.
 */
const BUSY_CHECKPOINT_BYTES = 64 * 1024 * 1024;
/**
 * WAL size at which a quiet room checkpoints between two steps of the indexer, rather than
 * only once the index has caught up: a busy room that follows then starts from a short WAL,
 * not one a burst and its indexing have grown towards {@linkcode BUSY_CHECKPOINT_BYTES}, whose
 * checkpoint (about 1 ms per MiB here) would stall every member at once. It is also the size
 * the WAL file is cut back to after a checkpoint (`journal_size_limit`): SQLite otherwise keeps
 * the file at its largest and writes it again from the start, and its size would no longer say
 * how much waits to be checkpointed.
 */
const QUIET_CHECKPOINT_BYTES = 4 * 1024 * 1024;

/** Bytes of randomness in a session token: 256 bits, beyond guessing. */
const TOKEN_BYTES = 32;

/** A message to store; the database gives it its id. */
export interface NewMessage {
  kind: MessageKind;
  /** Who said it, as shown; `null` for the server's own notices. */
  from: string | null;
  /** The sender's name key; private messages and reads by viewer use it. */
  fromKey?: string | null;
  /** The recipient of a private message, as shown. */
  to?: string | null;
  /** The recipient's name key: only they and the sender see a message that has one. */
  toKey?: string | null;
  text: string;
  /** Any JSON object to keep with it. */
  extra?: Record<string, unknown> | null;
  /** The server's clock in milliseconds (default: now). */
  time?: number;
}

/** How a {@linkcode ChatDb} is opened. */
export interface ChatDbOptions {
  /** Called after each commit of appended messages, with how many it held (for tests and stats). */
  onCommit?: (messages: number) => void;
  /** The schema steps (default: lib/store/schema.ts). */
  migrations?: readonly Migration[];
}

/** An append waiting for its transaction. */
interface Pending {
  values: SQLInputValue[];
  resolve: (id: number) => void;
  reject: (error: unknown) => void;
}

/**
 * Most messages stored by one INSERT. One statement for many rows halves the cost of a row
 * (about 2.5 µs instead of 5 µs here): most of a one-row INSERT is the call into SQLite.
 */
const APPEND_ROWS = 32;

/** An INSERT of `rows` messages at once. */
function appendSql(rows: number): string {
  return `INSERT INTO messages (time, kind, from_name, from_key, to_name, to_key, text, extra)
    VALUES ${Array(rows).fill("(?, ?, ?, ?, ?, ?, ?, ?)").join(", ")}`;
}

/** Who may see private messages in a read: public messages plus the viewer's own. */
const VISIBLE = "(m.to_key IS NULL OR m.to_key = $viewer OR m.from_key = $viewer)";

/** Every statement, prepared once at open. */
function prepare(db: DatabaseSync) {
  const q = (sql: string) => db.prepare(sql);
  return {
    // Prepared like the rest: `exec` would parse them again at every commit.
    begin: q("BEGIN IMMEDIATE"),
    commit: q("COMMIT"),
    rollback: q("ROLLBACK"),
    message: q(`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.id = ?`),
    lastId: q("SELECT coalesce(max(id), 0) AS id FROM messages"),
    indexedId: q("SELECT indexed AS id FROM search_state"),
    checkpoint: q("PRAGMA wal_checkpoint(PASSIVE)"),
    indexSome: q(`INSERT INTO messages_fts (rowid, text)
      SELECT id, text FROM messages WHERE id > $after ORDER BY id LIMIT $n`),
    setIndexed: q(`UPDATE search_state SET indexed = (SELECT coalesce(max(id), 0) FROM
      (SELECT id FROM messages WHERE id > $after ORDER BY id LIMIT $n))`),
    recent: q(`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE ${VISIBLE}
      ORDER BY m.id DESC LIMIT $n`),
    before: q(`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.id < $id AND ${VISIBLE}
      ORDER BY m.id DESC LIMIT $n`),
    since: q(`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.id > $id AND ${VISIBLE}
      ORDER BY m.id LIMIT $n`),
    // Newest first straight from the index's own rowid order: a word found in every message
    // still reads only the first n.
    searchIndexed: q(
      `SELECT ${MESSAGE_COLUMNS} FROM messages_fts f JOIN messages m ON m.id = f.rowid
      WHERE messages_fts MATCH $match AND ${VISIBLE}
      ORDER BY f.rowid DESC LIMIT $n`,
    ),
    // Every word looked for with instr(), the words passed as one JSON array, among the
    // messages above $floor.
    searchScan: q(`SELECT ${MESSAGE_COLUMNS} FROM messages m
      WHERE m.id > $floor AND ${VISIBLE}
        AND NOT EXISTS (SELECT 1 FROM json_each($words) w
                        WHERE instr(lower(m.text), lower(w.value)) = 0)
      ORDER BY m.id DESC LIMIT $n`),
    register: q(`INSERT INTO users (key, name, password, created) VALUES (?, ?, ?, ?)
      ON CONFLICT (key) DO NOTHING`),
    user: q(`SELECT ${USER_COLUMNS} FROM users u WHERE u.key = ?`),
    userPassword: q(`SELECT ${USER_COLUMNS}, u.password FROM users u WHERE u.key = ?`),
    users: q(`SELECT ${USER_COLUMNS} FROM users u ORDER BY u.key`),
    setPassword: q("UPDATE users SET password = ? WHERE key = ?"),
    rehash: q("UPDATE users SET password = ? WHERE key = ? AND password = ?"),
    setBanned: q("UPDATE users SET banned = ? WHERE key = ?"),
    createSession: q("INSERT INTO sessions (token_hash, user_key, created) VALUES (?, ?, ?)"),
    sessionUser: q(`SELECT ${USER_COLUMNS} FROM sessions s JOIN users u ON u.key = s.user_key
      WHERE s.token_hash = ? AND s.created >= ?`),
    endSession: q("DELETE FROM sessions WHERE token_hash = ?"),
    revokeSessions: q("DELETE FROM sessions WHERE user_key = ?"),
    storeOffline: q(`INSERT INTO deliveries (message_id, recipient_key) VALUES (?, ?)
      ON CONFLICT DO NOTHING`),
    pendingFor: q(
      `SELECT ${MESSAGE_COLUMNS} FROM deliveries d JOIN messages m ON m.id = d.message_id
      WHERE d.recipient_key = ? AND d.delivered IS NULL ORDER BY d.message_id LIMIT ?`,
    ),
    markDelivered: q(`UPDATE deliveries SET delivered = ?
      WHERE message_id = ? AND recipient_key = ? AND delivered IS NULL`),
    recordFile: q(`INSERT INTO files (name, uploader, uploader_key, time, size, sha256)
      VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (name) DO UPDATE SET uploader = excluded.uploader,
        uploader_key = excluded.uploader_key, time = excluded.time, size = excluded.size,
        sha256 = excluded.sha256`),
    fileInfo: q(`SELECT ${FILE_COLUMNS} FROM files f WHERE f.name = ?`),
    files: q(`SELECT ${FILE_COLUMNS} FROM files f ORDER BY f.name`),
    forgetFile: q("DELETE FROM files WHERE name = ?"),
    storedBytes: q("SELECT coalesce(sum(size), 0) AS bytes FROM files"),
    storedBytesBy: q("SELECT coalesce(sum(size), 0) AS bytes FROM files WHERE uploader_key = ?"),
  } satisfies Record<string, StatementSync>;
}

/**
 * One server's chat database.
 *
 * @example
 * ```ts
 * import { deepStrictEqual, equal } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const db = ChatDb.open(`${dir}/chat.db`);
 * const id = await db.append({ kind: "chat", from: "alice", fromKey: "alice", text: "hello" });
 * deepStrictEqual(db.recent(50).map((m) => [m.id, m.from, m.text]), [[id, "alice", "hello"]]);
 * equal(db.search("hell", 10).length, 1);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class ChatDb {
  readonly #db: DatabaseSync;
  readonly #tokenizer: FtsTokenizer;
  readonly #s: ReturnType<typeof prepare>;
  readonly #onCommit?: (messages: number) => void;
  #batch: Pending[] = [];
  /** The INSERT for each number of rows, prepared when first needed. */
  readonly #appends = new Map<number, StatementSync>();
  #timer: ReturnType<typeof setImmediate> | undefined;
  #indexTimer: ReturnType<typeof setTimeout> | undefined;
  /** `performance.now()` at the last commit of appended messages. */
  #lastCommit = -Infinity;
  /** Commits since the WAL was last checkpointed. */
  #uncheckpointed = 0;
  #closed = false;
  readonly #path: string;

  private constructor(
    path: string,
    db: DatabaseSync,
    tokenizer: FtsTokenizer,
    options: ChatDbOptions,
  ) {
    this.#path = path;
    this.#db = db;
    this.#tokenizer = tokenizer;
    this.#s = prepare(db);
    this.#onCommit = options.onCommit;
    // Checkpoints are ours to time (see BUSY_CHECKPOINT_BYTES); closing still does the last.
    db.exec(`PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = ${QUIET_CHECKPOINT_BYTES}`);
    this.#scheduleIndexing(); // what a crash left unindexed
  }

  /**
   * Open (or create) the database file and hold it until {@linkcode ChatDb.close}.
   *
   * @param path The file, such as `storage/server/chat.db`; its folder must exist.
   * @param options A commit hook; other migrations (tests).
   * @returns The open database.
   * @throws {DbError} With `code` `locked` (another server has it), `corrupt` (not a database,
   *   or damaged), `newer` (a schema this code does not know) or `io`; the message is one line
   *   naming the file, and the file is left as it was.
   */
  static open(path: string, options: ChatDbOptions = {}): ChatDb {
    const { db, tokenizer } = openDatabase(path, options.migrations);
    return new ChatDb(path, db, tokenizer, options);
  }

  /** The full-text tokenizer: `trigram` (any 3+ characters, Chinese too) or `unicode61`. */
  get tokenizer(): FtsTokenizer {
    return this.#tokenizer;
  }

  // ---------------------------------------------------------------- messages: writing

  /**
   * Store a message in this turn's transaction.
   *
   * @param message What to store; `time` defaults to now.
   * @returns Its id, once the transaction holding it has committed.
   * @throws {TypeError} (as a rejection) When the message is malformed or the database closed;
   *   a failed commit rejects every append of its batch with SQLite's error.
   */
  append(message: NewMessage): Promise<number> {
    let values: SQLInputValue[];
    try {
      if (this.#closed) throw new TypeError("The chat database is closed");
      values = messageValues(message);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.#batch.push({ values, resolve, reject });
      // An immediate, not a microtask: it runs once the loop has handled everything that
      // arrived this turn, so the whole turn's messages share one commit. Not a timer either:
      // setTimeout(0) waits a whole clock tick here (about 2 ms), setImmediate about 5 µs.
      this.#timer ??= setImmediate(() => this.flush());
    });
  }

  /**
   * Commit every queued append now, in one transaction. The timer does this by itself; call it
   * to make this turn's appends visible to the reads below at once.
   */
  flush(): void {
    clearImmediate(this.#timer);
    this.#timer = undefined;
    const batch = this.#batch;
    if (batch.length === 0) return;
    this.#batch = [];
    const ids: number[] = new Array(batch.length);
    try {
      this.#transaction(() => {
        for (let start = 0; start < batch.length; start += APPEND_ROWS) {
          const end = Math.min(start + APPEND_ROWS, batch.length);
          const values: SQLInputValue[] = [];
          for (let i = start; i < end; i++) values.push(...batch[i].values);
          const insert = this.#appendStatement(end - start);
          const last = Number(insert.run(...values).lastInsertRowid);
          // One INSERT numbers its rows one after another (AUTOINCREMENT, one writer).
          for (let i = start; i < end; i++) ids[i] = last - (end - 1 - i);
        }
      });
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      return;
    }
    this.#lastCommit = performance.now();
    this.#uncheckpointed++;
    this.#onCommit?.(batch.length);
    batch.forEach((pending, i) => pending.resolve(ids[i]));
    this.#scheduleIndexing();
  }

  #appendStatement(rows: number): StatementSync {
    let statement = this.#appends.get(rows);
    if (!statement) this.#appends.set(rows, statement = this.#db.prepare(appendSql(rows)));
    return statement;
  }

  // ---------------------------------------------------------------- messages: reading
  // Reads see committed messages only: not the appends whose promises are still pending.
  // `viewer` (a name key) adds that member's private messages, sent or received, to the room's.

  /**
   * The last `n` messages, oldest first: what a member sees on joining.
   *
   * @param n How many, 0 to {@linkcode MAX_READ}.
   * @param viewer Whose private messages to include.
   * @returns Up to `n` messages in id order.
   * @throws {RangeError} When `n` is not a whole number in range.
   */
  recent(n: number, viewer?: string): StoredMessage[] {
    return this.#page(this.#s.recent, { n: count(n), viewer: viewer ?? null });
  }

  /**
   * The `n` messages before message `id`, oldest first: the next page of `/history`.
   *
   * @param id The oldest id the reader has.
   * @param n How many, 0 to {@linkcode MAX_READ}.
   * @param viewer Whose private messages to include.
   * @returns Up to `n` messages in id order, all older than `id`.
   * @throws {RangeError} When `id` or `n` is not a whole number in range.
   */
  before(id: number, n: number, viewer?: string): StoredMessage[] {
    return this.#page(this.#s.before, { id: messageId(id), n: count(n), viewer: viewer ?? null });
  }

  /**
   * Every message after message `id`, oldest first: what a reconnecting member missed.
   *
   * @param id The last id the reader saw (0 for everything).
   * @param limit Most to return, 0 to {@linkcode MAX_READ}; when the answer is this long there
   *   may be more, so ask again from its last id.
   * @param viewer Whose private messages to include.
   * @returns Messages with ids above `id`, in id order.
   * @throws {RangeError} When `id` or `limit` is not a whole number in range.
   */
  since(id: number, limit: number, viewer?: string): StoredMessage[] {
    const rows = this.#s.since.all({ id: messageId(id), n: count(limit), viewer: viewer ?? null });
    return rows.map(toMessage);
  }

  /**
   * The newest `n` messages containing every word of `text`, oldest first.
   *
   * @remarks
   * The words are searched literally (lib/store/search_terms.ts): quotes, `*`, `OR` and SQL
   * are just characters. With the trigram index a word matches inside longer words, in any
   * script; case is folded. A search with a word of one or two characters (`网络`, `ok`)
   * cannot use the index: it reads the newest {@linkcode SHORT_WORD_WINDOW} messages instead,
   * folding only ASCII case.
   *
   * @param text What the user typed.
   * @param n Most results, 0 to {@linkcode MAX_READ}.
   * @param viewer Whose private messages to include.
   * @returns Matching messages in id order; none when `text` has no words.
   * @throws {RangeError} When `n` is not a whole number in range.
   */
  search(text: string, n: number, viewer?: string): StoredMessage[] {
    const { match, words } = searchTerms(text, this.#tokenizer);
    const params = { n: count(n), viewer: viewer ?? null, words: JSON.stringify(words) };
    if (words.length === 0) return [];
    const window = Math.max(0, this.lastId() - SHORT_WORD_WINDOW);
    if (match === null) return this.#page(this.#s.searchScan, { ...params, floor: window });
    // The newest messages, which the background indexer has not reached yet, are read through;
    // the older ones are found through the index.
    const indexed = Number(this.#s.indexedId.get()?.id ?? 0);
    const tail = this.#s.searchScan.all({ ...params, floor: Math.max(indexed, window) });
    const rest = tail.length < params.n
      ? this.#s.searchIndexed.all({ n: params.n - tail.length, viewer: params.viewer, match })
      : [];
    return [...tail, ...rest].map(toMessage).reverse();
  }

  /**
   * One message by id.
   *
   * @param id Its id.
   * @returns The message, or `undefined`.
   */
  message(id: number): StoredMessage | undefined {
    const row = this.#s.message.get(id);
    return row ? toMessage(row) : undefined;
  }

  /** The newest committed message's id; 0 when there is none. */
  lastId(): number {
    return Number(this.#s.lastId.get()?.id ?? 0);
  }

  /** Run a newest-first statement and return its rows oldest first. */
  #page(statement: StatementSync, params: Record<string, SQLInputValue>): StoredMessage[] {
    return statement.all(params).map(toMessage).reverse();
  }

  // ---------------------------------------------------------------- accounts

  /**
   * Create an account.
   *
   * @param name The name as shown.
   * @param key Its normalised key (the chat's `nameKey`): the account's identity.
   * @param password The password as typed (hashed with Argon2id; never stored).
   * @returns The new user, or `null` when the key is taken.
   */
  async register(name: string, key: string, password: string): Promise<User | null> {
    if (this.user(key)) return null;
    const hash = await hashPassword(password);
    const created = Date.now();
    // ON CONFLICT DO NOTHING: a second registration of the key while this one was hashing.
    const { changes } = this.#s.register.run(key, name, hash, created);
    return changes === 1 ? { key, name, created, banned: false } : null;
  }

  /**
   * Check a login.
   *
   * @remarks
   * An unknown key costs the same hashing as a known one ({@linkcode dummyVerify}) and gets the
   * same `null`, so neither the answer nor its time says whether the name is registered. A
   * hash made with weaker parameters than today's is replaced after a correct password.
   *
   * @param key The name key.
   * @param password The password as typed.
   * @returns The user (check `banned`), or `null` for an unknown name or a wrong password.
   */
  async verify(key: string, password: string): Promise<User | null> {
    const row = this.#s.userPassword.get(key);
    if (!row) {
      await dummyVerify(password);
      return null;
    }
    const stored = String(row.password);
    if (!await verifyPassword(stored, password)) return null;
    if (needsRehash(stored)) {
      const fresh = await hashPassword(password);
      if (!this.#closed) this.#s.rehash.run(fresh, key, stored);
    }
    return toUser(row);
  }

  /**
   * Change a password and end every session of the account (a stolen token dies with it).
   *
   * @param key The name key.
   * @param password The new password as typed.
   * @returns `false` when there is no such account.
   */
  async setPassword(key: string, password: string): Promise<boolean> {
    const hash = await hashPassword(password);
    return this.#transaction(() => {
      const { changes } = this.#s.setPassword.run(hash, key);
      this.#s.revokeSessions.run(key);
      return changes === 1;
    });
  }

  /**
   * Ban an account: it can no longer log in, and its sessions end.
   *
   * @param key The name key.
   * @returns `false` when there is no such account.
   */
  ban(key: string): boolean {
    return this.#transaction(() => {
      this.#s.revokeSessions.run(key);
      return this.#s.setBanned.run(1, key).changes === 1;
    });
  }

  /**
   * Lift a ban.
   *
   * @param key The name key.
   * @returns `false` when there is no such account.
   */
  unban(key: string): boolean {
    return this.#s.setBanned.run(0, key).changes === 1;
  }

  /**
   * One account.
   *
   * @param key The name key.
   * @returns The user, or `undefined` when the name is not registered.
   */
  user(key: string): User | undefined {
    const row = this.#s.user.get(key);
    return row ? toUser(row) : undefined;
  }

  /** Every account, by key. */
  users(): User[] {
    return this.#s.users.all().map(toUser);
  }

  // ---------------------------------------------------------------- sessions

  /**
   * Start a session: a token the browser keeps so a reload does not ask for the password.
   *
   * @param userKey The account.
   * @returns The token: 32 random bytes in base64url. Only its SHA-256 is stored.
   * @throws {RangeError} When there is no such account.
   */
  createSession(userKey: string): string {
    if (!this.user(userKey)) throw new RangeError(`No account "${userKey}"`);
    const token = crypto.getRandomValues(new Uint8Array(TOKEN_BYTES))
      .toBase64({ alphabet: "base64url", omitPadding: true });
    this.#s.createSession.run(tokenHash(token), userKey, Date.now());
    return token;
  }

  /**
   * Whose session a token is.
   *
   * @param token The token from {@linkcode ChatDb.createSession}.
   * @param maxAgeMs Refuse sessions older than this (default: no limit).
   * @returns The user (check `banned`), or `null` for an unknown, revoked or expired token.
   */
  sessionUser(token: string, maxAgeMs = Infinity): User | null {
    const oldest = Number.isFinite(maxAgeMs) ? Date.now() - maxAgeMs : 0;
    const row = this.#s.sessionUser.get(tokenHash(token), oldest);
    return row ? toUser(row) : null;
  }

  /**
   * End one session (a logout).
   *
   * @param token The session's token.
   * @returns Whether it existed.
   */
  endSession(token: string): boolean {
    return this.#s.endSession.run(tokenHash(token)).changes === 1;
  }

  /**
   * End every session of an account.
   *
   * @param userKey The account.
   * @returns How many ended.
   */
  revokeSessions(userKey: string): number {
    return Number(this.#s.revokeSessions.run(userKey).changes);
  }

  // ---------------------------------------------------------------- offline messages

  /**
   * Keep a stored private message for a registered user who is offline.
   *
   * @param messageId The message, already appended (its append has resolved).
   * @param toKey The recipient's account.
   * @throws {Error} SQLite's foreign key error when the message or the account does not exist.
   */
  storeOffline(messageId: number, toKey: string): void {
    this.#s.storeOffline.run(messageId, toKey);
  }

  /**
   * The messages waiting for a user, oldest first, each with its original time.
   *
   * @param toKey The recipient's account.
   * @param limit Most to return (default {@linkcode MAX_READ}).
   * @returns The undelivered messages.
   */
  pendingFor(toKey: string, limit: number = MAX_READ): StoredMessage[] {
    return this.#s.pendingFor.all(toKey, count(limit)).map(toMessage);
  }

  /**
   * Note that the recipient's client acknowledged a waiting message.
   *
   * @param messageId The message.
   * @param toKey The recipient's account.
   * @param time When (default: now).
   * @returns `true` the first time (tell the sender "delivered" then), `false` after.
   */
  markDelivered(messageId: number, toKey: string, time: number = Date.now()): boolean {
    return this.#s.markDelivered.run(time, messageId, toKey).changes === 1;
  }

  // ---------------------------------------------------------------- files

  /**
   * Remember an upload (again, when a file of that stored name is replaced).
   *
   * @param file The stored name, uploader, time, size and hex SHA-256.
   * @throws {Error} SQLite's constraint error when `sha256` is not 64 characters or `size` < 0.
   */
  recordFile(file: FileRecord): void {
    const { name, uploader, uploaderKey, time, size, sha256 } = file;
    this.#s.recordFile.run(name, uploader, uploaderKey, time, size, sha256);
  }

  /**
   * What is known of a stored file.
   *
   * @param name The stored file name.
   * @returns Its record, or `undefined` when the database has none.
   */
  fileInfo(name: string): FileRecord | undefined {
    const row = this.#s.fileInfo.get(name);
    return row ? toFile(row) : undefined;
  }

  /** Every recorded file, by name. */
  files(): FileRecord[] {
    return this.#s.files.all().map(toFile);
  }

  /**
   * Forget a file that was removed from the storage folder.
   *
   * @param name The stored file name.
   * @returns Whether it was recorded.
   */
  forgetFile(name: string): boolean {
    return this.#s.forgetFile.run(name).changes === 1;
  }

  /**
   * Bytes of recorded files, for `--max-storage` and `--user-quota`.
   *
   * @param uploaderKey Count only this uploader's files.
   * @returns The total size.
   */
  storedBytes(uploaderKey?: string): number {
    const row = uploaderKey === undefined
      ? this.#s.storedBytes.get()
      : this.#s.storedBytesBy.get(uploaderKey);
    return Number(row?.bytes ?? 0);
  }

  // ---------------------------------------------------------------- closing

  /** Commit what is queued, then close the file (releasing the lock). Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.flush();
    clearTimeout(this.#indexTimer);
    this.#closed = true;
    this.#db.close();
  }

  // ---------------------------------------------------------------- the search index

  /**
   * Index the next messages for search, in id order.
   *
   * @param n Most messages to index now.
   * @returns How many were indexed (fewer than `n`: the index has caught up).
   */
  indexPending(n: number = INDEX_BATCH): number {
    if (this.#closed) return 0;
    return this.#transaction(() => this.#indexNext(n));
  }

  /** {@linkcode ChatDb.indexPending} inside a transaction already begun. */
  #indexNext(n: number): number {
    const after = Number(this.#s.indexedId.get()?.id ?? 0);
    const indexed = Number(this.#s.indexSome.run({ after, n: count(n) }).changes);
    if (indexed > 0) this.#s.setIndexed.run({ after, n: count(n) });
    return indexed;
  }

  /**
   * The background upkeep. While messages arrive, nothing but a checkpoint once the WAL has grown
   * past {@linkcode BUSY_CHECKPOINT_BYTES}. Once the room is quiet, index what waits for search,
   * in short steps, checkpointing whenever the WAL passes {@linkcode QUIET_CHECKPOINT_BYTES}
   * and once the index has caught up. Called after each commit and at open.
   */
  #scheduleIndexing(): void {
    if (this.#indexTimer !== undefined || this.#closed) return;
    this.#indexTimer = setTimeout(() => {
      this.#indexTimer = undefined;
      try {
        if (performance.now() - this.#lastCommit < QUIET_MS) {
          // A room busy for long still indexes, a little at a time, before search would miss
          // messages older than the newest it reads through.
          const waiting = this.lastId() - Number(this.#s.indexedId.get()?.id ?? 0);
          if (waiting > SHORT_WORD_WINDOW / 2 && this.indexPending(BUSY_INDEX_BATCH) > 0) {
            this.#uncheckpointed++;
          }
          if (this.#walBytes() > BUSY_CHECKPOINT_BYTES) this.#checkpoint();
          this.#scheduleIndexing(); // look again soon
          return;
        }
        const indexed = this.indexPending(INDEX_BATCH);
        if (indexed > 0) this.#uncheckpointed++;
        if (indexed < INDEX_BATCH && this.#uncheckpointed > 0) this.#checkpoint(); // caught up
        else if (this.#walBytes() > QUIET_CHECKPOINT_BYTES) this.#checkpoint();
        if (indexed === INDEX_BATCH) this.#scheduleIndexing(); // more waiting
      } catch {
        // A failed step is tried again after the next commit; search still scans the rest.
      }
    }, INDEX_PAUSE_MS);
  }

  /** The WAL file's size; 0 when it cannot be read. */
  #walBytes(): number {
    try {
      return Deno.statSync(`${this.#path}-wal`).size;
    } catch {
      return 0;
    }
  }

  /** Copy the WAL into the database file, so the WAL starts over from its beginning. */
  #checkpoint(): void {
    this.#s.checkpoint.get();
    this.#uncheckpointed = 0;
  }

  /** `using db = ChatDb.open(...)` closes it at the end of the block. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Run `work` in one transaction: all of it, or (when it throws) none. */
  #transaction<T>(work: () => T): T {
    this.#s.begin.run();
    try {
      const result = work();
      this.#s.commit.run();
      return result;
    } catch (error) {
      if (this.#db.isTransaction) this.#s.rollback.run();
      throw error;
    }
  }
}

/** Check a new message and turn it into the INSERT's parameters. */
function messageValues(m: NewMessage): SQLInputValue[] {
  if (!MESSAGE_KINDS.includes(m.kind)) throw new TypeError(`Unknown message kind "${m.kind}"`);
  if (typeof m.text !== "string") throw new TypeError("A message's text must be a string");
  const time = m.time ?? Date.now();
  if (!Number.isSafeInteger(time)) throw new TypeError(`Invalid message time "${time}"`);
  // Stringified now, so a value JSON cannot hold fails this append, not the whole batch.
  const extra = m.extra == null ? null : JSON.stringify(m.extra);
  const fields = [m.from, m.fromKey, m.to, m.toKey].map((v) => v ?? null);
  if (fields.some((v) => v !== null && typeof v !== "string")) {
    throw new TypeError("A message's names and keys must be strings or null");
  }
  return [time, m.kind, ...fields, m.text, extra];
}

/** Check a count of rows to read. */
function count(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > MAX_READ) {
    throw new RangeError(`Invalid count "${n}": expected a whole number from 0 to ${MAX_READ}`);
  }
  return n;
}

/** Check a message id that came from outside (a reconnecting client's last id, say). */
function messageId(id: number): number {
  if (!Number.isSafeInteger(id) || id < 0) {
    throw new RangeError(`Invalid message id "${id}": expected a whole number from 0`);
  }
  return id;
}

/** The stored form of a session token. */
function tokenHash(token: string): Uint8Array {
  return createHash("sha256").update(token).digest();
}

/**
 * Rows as SQLite returns them, turned into the objects lib/store/chat_db.ts hands out.
 *
 * @remarks
 * Every text a user chose (names, messages, file names) is selected as `CAST(col AS BLOB)` and
 * decoded here: Deno's `node:sqlite` returns TEXT values cut at the first NUL character, while
 * a BLOB comes back whole, and the UTF-8 bytes SQLite stored are exactly the string's.
 *
 * @module
 */

import type { SQLOutputValue } from "node:sqlite";

/** The kinds of message the history holds. */
export type MessageKind = "chat" | "private" | "join" | "leave" | "upload" | "notice";

/** A stored message, as every read returns it. */
export interface StoredMessage {
  /** Increasing, never reused: "everything after id N" is exactly what came later. */
  id: number;
  /** The server's clock when it was stored, in milliseconds since 1970. */
  time: number;
  kind: MessageKind;
  /** Who said it, as shown; `null` for the server's own notices. */
  from: string | null;
  /** The sender's name key, when the sender is a member. */
  fromKey: string | null;
  /** The recipient of a private message, as shown; `null` for the room. */
  to: string | null;
  /** The recipient's name key. */
  toKey: string | null;
  text: string;
  /** Whatever JSON object the server stored with it (a file's size and hash, say), or `null`. */
  extra: Record<string, unknown> | null;
}

/** A registered account. */
export interface User {
  /** The normalised name: the account's identity. */
  key: string;
  /** The name as registered, for display. */
  name: string;
  /** When it was registered, in milliseconds since 1970. */
  created: number;
  /** A banned account cannot log in; the server checks this after the password. */
  banned: boolean;
}

/** What is known of a stored file. */
export interface FileRecord {
  /** The stored file name, as in the storage folder. */
  name: string;
  /** Who uploaded it, as shown. */
  uploader: string;
  /** The uploader's name key (an account's or a guest's), for quotas. */
  uploaderKey: string;
  /** When it was stored, in milliseconds since 1970. */
  time: number;
  /** Bytes. */
  size: number;
  /** SHA-256 of its content, in hex. */
  sha256: string;
}

/** A row as `node:sqlite` returns it. */
export type Row = Record<string, SQLOutputValue>;

const decoder = new TextDecoder();

/** Text selected as a BLOB, or `null`. */
export function text(value: SQLOutputValue): string | null {
  if (value === null) return null;
  return value instanceof Uint8Array ? decoder.decode(value) : String(value);
}

/** The message columns, chosen texts as BLOBs: `SELECT ${MESSAGE_COLUMNS} FROM messages m`. */
export const MESSAGE_COLUMNS = `m.id, m.time, m.kind,
  CAST(m.from_name AS BLOB) AS from_name, CAST(m.from_key AS BLOB) AS from_key,
  CAST(m.to_name AS BLOB) AS to_name, CAST(m.to_key AS BLOB) AS to_key,
  CAST(m.text AS BLOB) AS text, CAST(m.extra AS BLOB) AS extra`;

/** The user columns; used as `SELECT ${USER_COLUMNS} FROM users u`. */
export const USER_COLUMNS =
  `CAST(u.key AS BLOB) AS key, CAST(u.name AS BLOB) AS name, u.created, u.banned`;

/** The file columns; used as `SELECT ${FILE_COLUMNS} FROM files f`. */
export const FILE_COLUMNS = `CAST(f.name AS BLOB) AS name, CAST(f.uploader AS BLOB) AS uploader,
  CAST(f.uploader_key AS BLOB) AS uploader_key, f.time, f.size, f.sha256`;

/** A row selected with {@linkcode MESSAGE_COLUMNS}. */
export function toMessage(row: Row): StoredMessage {
  const extra = text(row.extra);
  return {
    id: Number(row.id),
    time: Number(row.time),
    kind: String(row.kind) as MessageKind,
    from: text(row.from_name),
    fromKey: text(row.from_key),
    to: text(row.to_name),
    toKey: text(row.to_key),
    text: text(row.text) ?? "",
    extra: extra === null ? null : JSON.parse(extra),
  };
}

/** A row selected with {@linkcode USER_COLUMNS}. */
export function toUser(row: Row): User {
  return {
    key: text(row.key) ?? "",
    name: text(row.name) ?? "",
    created: Number(row.created),
    banned: row.banned === 1,
  };
}

/** A row selected with {@linkcode FILE_COLUMNS}. */
export function toFile(row: Row): FileRecord {
  return {
    name: text(row.name) ?? "",
    uploader: text(row.uploader) ?? "",
    uploaderKey: text(row.uploader_key) ?? "",
    time: Number(row.time),
    size: Number(row.size),
    sha256: String(row.sha256),
  };
}

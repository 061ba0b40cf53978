/**
 * The one error a chat database refuses to open with, so that a server can stop with one line.
 *
 * @module
 */

/**
 * Why a database file was refused:
 * - `locked`: another server (or another connection in this process) has it open;
 * - `corrupt`: it is not a SQLite database, or `PRAGMA quick_check` found damage;
 * - `newer`: its schema version is newer than this code knows;
 * - `io`: it could not be opened at all (no permission, a folder, a missing parent folder).
 */
export type DbErrorCode = "locked" | "corrupt" | "newer" | "io";

/**
 * A database that cannot be used, named in a one-line message. The file was left as it was.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * const error = new DbError("locked", "chat.db", "another server has it open");
 * equal(error.message, 'Cannot use the database "chat.db": another server has it open');
 * equal(error.code, "locked");
 * ```
 */
export class DbError extends Error {
  /** Why, for callers that answer each case differently. */
  readonly code: DbErrorCode;
  /** The file, as it was given. */
  readonly path: string;

  /**
   * @param code Why the file was refused.
   * @param path The file.
   * @param reason What is wrong, in words; line breaks are folded into spaces.
   * @param options The underlying error, as `cause`.
   */
  constructor(code: DbErrorCode, path: string, reason: string, options?: ErrorOptions) {
    super(`Cannot use the database "${path}": ${reason.replace(/\s+/g, " ").trim()}`, options);
    this.name = "DbError";
    this.code = code;
    this.path = path;
  }
}

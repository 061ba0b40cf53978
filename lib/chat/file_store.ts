/**
 * Where the chat room keeps what it knows about shared files beyond the disk: who uploaded
 * each one, and when. The files themselves stay in the storage folder.
 *
 * @module
 */

import { formatTimestamp } from "../cli/timestamp.ts";
import type { ChatDb } from "../store/chat_db.ts";
import { nameKey } from "./protocol.ts";

/** Who uploaded a stored file, and when. */
export interface FileMeta {
  /** The uploader's name. */
  uploader: string;
  /** When it was stored, in the server's time. */
  time: string;
}

/** What the room records of an upload: who, when, and what exactly. */
export interface Upload {
  /** The uploader's name. */
  uploader: string;
  /** When it was stored. */
  at: Date;
  /** Bytes. */
  size: number;
  /** SHA-256 of the content, lower-case hex. */
  sha256: string;
}

/** The room's record of uploads. */
export interface FileStore {
  /**
   * Remember an upload.
   *
   * @param name The stored file name.
   * @param upload Its uploader, time, size and hash.
   */
  remember(name: string, upload: Upload): void;
  /**
   * What is known of a stored file.
   *
   * @param name The stored file name.
   * @returns Its uploader and time, or `undefined` when it was not uploaded while recorded.
   */
  lookup(name: string): FileMeta | undefined;
  /**
   * Bytes of stored files, all of them or one uploader's (for `--max-storage` and `--user-quota`).
   *
   * @param uploader An uploader's name, or none for every file.
   * @returns The bytes.
   */
  storedBytes(uploader?: string): number;
}

/**
 * A {@linkcode FileStore} in memory: after a restart the files are listed from the storage
 * folder with their modification time, and the uploader shown as unknown.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * const store = new MemoryFileStore();
 * const at = new Date(2026, 0, 1, 12);
 * store.remember("a.txt", { uploader: "alice", at, size: 0, sha256: "" });
 * equal(store.lookup("a.txt")?.uploader, "alice");
 * equal(store.lookup("b.txt"), undefined);
 * ```
 */
export class MemoryFileStore implements FileStore {
  readonly #files = new Map<string, FileMeta>();

  remember(name: string, upload: Upload): void {
    this.#files.set(name, { uploader: upload.uploader, time: formatTimestamp(upload.at) });
    this.#sizes.set(name, { key: nameKey(upload.uploader), size: upload.size });
  }

  lookup(name: string): FileMeta | undefined {
    return this.#files.get(name);
  }

  readonly #sizes = new Map<string, { key: string; size: number }>();

  storedBytes(uploader?: string): number {
    let total = 0;
    for (const { key, size } of this.#sizes.values()) {
      if (uploader === undefined || key === nameKey(uploader)) total += size;
    }
    return total;
  }
}

/**
 * A {@linkcode FileStore} in the server's database: after a restart every file still says who
 * uploaded it. A file in the folder with no record (copied in by hand) is listed with no
 * uploader; a record whose file is gone is never listed, since the folder is what is listed.
 */
export class DbFileStore implements FileStore {
  readonly #db: ChatDb;

  /** @param db The open database. */
  constructor(db: ChatDb) {
    this.#db = db;
  }

  remember(name: string, upload: Upload): void {
    this.#db.recordFile({
      name,
      uploader: upload.uploader,
      uploaderKey: nameKey(upload.uploader),
      time: upload.at.getTime(),
      size: upload.size,
      sha256: upload.sha256.toLowerCase(),
    });
  }

  storedBytes(uploader?: string): number {
    return this.#db.storedBytes(uploader === undefined ? undefined : nameKey(uploader));
  }

  lookup(name: string): FileMeta | undefined {
    const found = this.#db.fileInfo(name);
    return found && { uploader: found.uploader, time: formatTimestamp(new Date(found.time)) };
  }
}

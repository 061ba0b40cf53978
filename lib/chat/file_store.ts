/**
 * Where the chat room keeps what it knows about shared files beyond the disk: who uploaded
 * each one, and when. The files themselves stay in the storage folder.
 *
 * @module
 */

/** Who uploaded a stored file, and when. */
export interface FileMeta {
  /** The uploader's name. */
  uploader: string;
  /** When it was stored, in the server's time. */
  time: string;
}

/** The room's record of uploads. */
export interface FileStore {
  /**
   * Remember an upload.
   *
   * @param name The stored file name.
   * @param meta Its uploader and time.
   */
  remember(name: string, meta: FileMeta): void;
  /**
   * What is known of a stored file.
   *
   * @param name The stored file name.
   * @returns Its uploader and time, or `undefined` when it was not uploaded while recorded.
   */
  lookup(name: string): FileMeta | undefined;
}

/**
 * A {@linkcode FileStore} in memory: after a restart the files are listed from the storage
 * folder with their modification time, and the uploader shown as unknown.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * const store = new MemoryFileStore();
 * store.remember("a.txt", { uploader: "alice", time: "2026-01-01 12:00:00" });
 * equal(store.lookup("a.txt")?.uploader, "alice");
 * equal(store.lookup("b.txt"), undefined);
 * ```
 */
export class MemoryFileStore implements FileStore {
  readonly #files = new Map<string, FileMeta>();

  remember(name: string, meta: FileMeta): void {
    this.#files.set(name, meta);
  }

  lookup(name: string): FileMeta | undefined {
    return this.#files.get(name);
  }
}

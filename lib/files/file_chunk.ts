/**
 * A file as a sequence of chunks: read one without loading it whole, receive one without ever
 * leaving a partial, corrupt or unsafe file under its final name.
 *
 * @module
 */

import { joinSmall, writeAll } from "../wire/bytes.ts";
import type { Reason } from "../wire/messages.ts";
import type { Params, Text } from "../cli/i18n.ts";
import { createHash, type Hash } from "node:crypto";
import { basename, extname, join } from "node:path";
import { filesText as text } from "./text.ts";
import { chunkDone } from "./dead_buffers.ts";

/**
 * Default bytes per chunk frame. A quarter of the 1 MiB frame limit: big enough that per-frame
 * costs vanish, small enough that chat frames interleave with a transfer without waiting long.
 */
export const DEFAULT_CHUNK_SIZE = 256 * 1024;

/**
 * Bytes per disk read, and per batch of disk writes: one read per MiB keeps the disk side
 * cheap, and large pieces keep `node:crypto`'s cost per call negligible (fed 64 KiB stream
 * chunks it hashes at a third of its speed; fed buffers of 64 KiB to 1 MiB, at full speed).
 */
const PIECE_SIZE = 1024 * 1024;

/**
 * Longest stored name in UTF-8 bytes. Linux allows 255; the rest leaves room for a
 * ` (123)` suffix and the temporary file's prefix and suffix.
 */
export const MAX_NAME_BYTES = 200;

/**
 * Most bytes handed to the disk and not yet written, per receiver. Several batches queued at
 * once let the network side go on receiving and hashing while the disk catches up (a write to
 * fresh page-cache pages can stall for milliseconds), and the cap keeps a slow disk from making
 * the receiver buffer the whole file.
 */
const WRITE_AHEAD = 4 * PIECE_SIZE;

/** Temporary files end with this; they never show in a listing. */
const TEMP_SUFFIX = ".part";

/** A received file did not match the size or SHA-256 its sender announced. */
export class IntegrityError extends Error {
  /** What did not match, as a code and values, for a peer to word (see {@linkcode fileError}). */
  reason?: Reason;

  /** @param message What did not match. */
  constructor(message: string) {
    super(message);
    this.name = "IntegrityError";
  }
}

type FilesTable = typeof text extends Text<infer E> ? E : never;
/** The codes of lib/files/text.ts: the keys with a hyphen. */
type FilesCode = keyof FilesTable & `${string}-${string}`;

/**
 * An error whose message is a sentence of lib/files/text.ts in the program's language, and which
 * carries the sentence's code and values as `reason`: a server sends those to its peer, which
 * words them in its own language.
 *
 * @param Class The error's class, such as `TypeError`.
 * @param code The sentence's code.
 * @param params Its values.
 * @returns The error, with `reason`.
 */
function fileError<E extends Error, K extends FilesCode>(
  Class: new (message: string) => E,
  code: K,
  ...params: Params<FilesTable[K]>
): E & { reason: Reason } {
  const values = (params[0] ?? {}) as Record<string, string | number>;
  const message = (text as (key: K, values: Record<string, string | number>) => string)(
    code,
    values,
  );
  return Object.assign(new Class(message), { reason: { code, params: values } });
}

/**
 * A file being read as chunks, hashed as it goes.
 *
 * @example Send a file and its hash
 * ```ts ignore
 * const file = await openChunks("report.pdf");
 * for await (const chunk of file) await send(chunk);
 * await sendEnd(file.sha256());
 * ```
 */
export interface ChunkSource extends AsyncIterable<Uint8Array> {
  /** The file's name without its folder. */
  readonly name: string;
  /** The file's size when it was opened. */
  readonly size: number;
  /**
   * The SHA-256 of every byte read, in hex.
   *
   * @throws {Error} When called before the whole file has been read.
   */
  sha256(): string;
}

/**
 * Open a file to read as chunks.
 *
 * @remarks
 * The file is read in 1 MiB pieces, each hashed once and cut into chunks; the next piece is
 * read from disk while the caller sends the current one, so reading, hashing and sending
 * overlap. Each chunk is a view of a fresh buffer, so callers may keep it. The file is opened
 * when iteration starts and closed when it ends, so a source that is never read (an upload the
 * server refused) holds nothing open.
 *
 * @param path The file.
 * @param chunkSize Bytes per chunk (the last may be shorter).
 * @returns A source to iterate once.
 * @throws {Deno.errors.NotFound | Deno.errors.PermissionDenied} When the file cannot be found;
 *   a file that exists but cannot be read fails when iteration starts.
 * @throws {TypeError} When the path is a folder or not a regular file.
 */
export async function openChunks(
  path: string,
  chunkSize = DEFAULT_CHUNK_SIZE,
): Promise<ChunkSource> {
  if (!(chunkSize > 0)) throw new RangeError(`Chunk size must be positive, got ${chunkSize}`);
  const stat = await Deno.stat(path);
  if (!stat.isFile) throw new TypeError(text("notAFile", { path }));
  const hash = createHash("sha256");
  let digest: string | undefined;
  let started = false;

  async function readPiece(file: Deno.FsFile): Promise<Uint8Array | null> {
    const buf = new Uint8Array(PIECE_SIZE);
    let filled = 0;
    while (filled < buf.length) {
      const n = await file.read(buf.subarray(filled));
      if (n === null) break;
      filled += n;
    }
    return filled === 0 ? null : buf.subarray(0, filled);
  }

  async function* chunks(): AsyncGenerator<Uint8Array> {
    if (started) throw new Error("A chunk source can be read only once");
    started = true;
    // Opened here, not in openChunks: a source that is never read holds nothing open.
    const file = await Deno.open(path, { read: true });
    let total = 0;
    try {
      let next = readPiece(file);
      for (let piece = await next; piece !== null; piece = await next) {
        next = readPiece(file); // read ahead while the caller sends this piece
        next.catch(() => {}); // if the caller stops early, the finally below cleans up
        hash.update(piece);
        total += piece.length;
        for (let at = 0; at < piece.length; at += chunkSize) {
          yield piece.subarray(at, at + chunkSize);
        }
      }
      if (total !== stat.size) {
        throw fileError(IntegrityError, "file-changed", { path, size: stat.size, total });
      }
      digest = hash.digest("hex");
    } finally {
      file.close();
    }
  }

  return {
    name: basename(path),
    size: stat.size,
    [Symbol.asyncIterator]: chunks,
    sha256() {
      if (digest === undefined) throw new Error("sha256() is known only after the whole file");
      return digest;
    },
  };
}

/**
 * Size and SHA-256 of a file, read in 1 MiB pieces.
 *
 * @param path The file.
 * @returns Its size in bytes and SHA-256 in hex.
 */
export async function hashFile(path: string): Promise<{ size: number; sha256: string }> {
  const source = await openChunks(path, PIECE_SIZE);
  for await (const _ of source) { /* hashing happens as the source is read */ }
  return { size: source.size, sha256: source.sha256() };
}

// Path separators; control characters (C0, DEL, C1), which break terminals and listings; and
// invisible or direction-changing characters (format characters such as U+202E, other default
// ignorables), with which "photo\u202egnp.exe" is listed as "photoexe.png".
const UNSAFE_CHARS =
  // deno-lint-ignore no-control-regex
  /[\/\\\u0000-\u001f\u007f-\u009f\p{Cf}\p{Default_Ignorable_Code_Point}\p{Bidi_Control}]/gu;

/**
 * Make a file name sent by a peer safe to store.
 *
 * @remarks
 * Separators, control characters and invisible or direction-changing characters become `_`,
 * so the name cannot leave the folder, break a terminal or show another extension than its
 * own. Leading dots are removed, which rules out `.` and `..` and keeps stored files apart from
 * hidden and temporary ones. Over-long names are cut on a character boundary, keeping the
 * extension. Other Unicode is kept as it is.
 *
 * @param name The name as the peer sent it.
 * @param maxBytes Longest result in UTF-8 bytes.
 * @returns A name safe to join to a folder.
 * @throws {TypeError} When nothing usable is left.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(safeName("../../etc/passwd"), "_.._etc_passwd");
 * deepStrictEqual(safeName("A甘晴void.txt"), "A甘晴void.txt");
 * ```
 */
export function safeName(name: string, maxBytes = MAX_NAME_BYTES): string {
  let safe = String(name).replace(UNSAFE_CHARS, "_").trim().replace(/^\.+/, "").trim();
  if (safe === "") throw fileError(TypeError, "unsafe-file-name", { name: String(name) });
  if (utf8Length(safe) > maxBytes) {
    const ext = extname(safe);
    const keepExt = utf8Length(ext) <= 20 ? ext : "";
    const stem = safe.slice(0, safe.length - keepExt.length);
    safe = cutToBytes(stem, maxBytes - utf8Length(keepExt)) + keepExt;
  }
  return safe;
}

const encoder = new TextEncoder();

function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

function cutToBytes(text: string, maxBytes: number): string {
  let out = "";
  let bytes = 0;
  for (const ch of text) {
    const n = utf8Length(ch);
    if (bytes + n > maxBytes) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/**
 * The n-th alternative of a name, as file managers make it: `a.txt`, `a (1).txt`, `a (2).txt`.
 *
 * @param name A safe name.
 * @param n 0 for the name itself.
 * @returns The candidate.
 */
export function numberedName(name: string, n: number): string {
  if (n === 0) return name;
  const ext = extname(name);
  return `${name.slice(0, name.length - ext.length)} (${n})${ext}`;
}

/** Tells whether a name in a storage folder is a transfer still in progress. */
export function isTempName(name: string): boolean {
  return name.startsWith(".") && name.endsWith(TEMP_SUFFIX);
}

/**
 * Receives a file into a folder.
 *
 * @remarks
 * Bytes go to a temporary file in the target folder (same file system, so the final move is
 * atomic). {@linkcode FileReceiver.finish} checks size and SHA-256, then links the file under
 * the first free name: linking fails rather than replace an existing file, so two receivers
 * finishing at once can never overwrite each other. Until then, the final name does not exist.
 *
 * @example
 * ```ts ignore
 * const rx = await FileReceiver.open("storage", "a.txt", size);
 * for await (const chunk of chunks) await rx.write(chunk);
 * const stored = await rx.finish(sha256); // "a.txt", or "a (1).txt" if taken
 * ```
 */
export class FileReceiver {
  /** The safe name asked for (the stored one may carry a number). */
  readonly name: string;
  /** Bytes announced. */
  readonly size: number;
  readonly #dir: string;
  readonly #tempPath: string;
  readonly #file: Deno.FsFile;
  readonly #hash: Hash = createHash("sha256");
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  /** The last batch's write; each batch's write starts after the one before it. */
  #writing: Promise<void> = Promise.resolve();
  /** Batches handed to the disk and not yet known to be written, oldest first. */
  #writes: { written: Promise<void>; bytes: number }[] = [];
  #writesBytes = 0;
  #received = 0;
  #done = false;

  private constructor(
    dir: string,
    name: string,
    size: number,
    tempPath: string,
    file: Deno.FsFile,
  ) {
    this.#dir = dir;
    this.name = name;
    this.size = size;
    this.#tempPath = tempPath;
    this.#file = file;
  }

  /**
   * Start receiving.
   *
   * @param dir The folder to store into (it must exist).
   * @param name The name the peer asked for; it is made safe with {@linkcode safeName}.
   * @param size The size the peer announced.
   * @returns A receiver with its temporary file open.
   * @throws {TypeError} When the name is unsafe beyond repair.
   * @throws {RangeError} When the size is not a whole number of bytes.
   */
  static async open(dir: string, name: string, size: number): Promise<FileReceiver> {
    if (!Number.isSafeInteger(size) || size < 0) {
      throw fileError(RangeError, "bad-file-size", { size: String(size) });
    }
    const safe = safeName(name);
    const tempPath = join(dir, `.${crypto.randomUUID()}${TEMP_SUFFIX}`);
    const file = await Deno.open(tempPath, { write: true, createNew: true });
    return new FileReceiver(dir, safe, size, tempPath, file);
  }

  /** Bytes received so far. */
  get received(): number {
    return this.#received;
  }

  /**
   * Add the next chunk.
   *
   * @param chunk Bytes in order. The receiver keeps a reference until they are on disk, so do
   *   not reuse the buffer (a decoded frame's payload is never reused or overwritten).
   * @throws {IntegrityError} When the bytes go past the announced size.
   */
  async write(chunk: Uint8Array): Promise<void> {
    if (this.#done) throw new Error("Receiver already finished");
    if (this.#received + chunk.length > this.size) {
      throw fileError(IntegrityError, "too-many-bytes", { size: this.size });
    }
    this.#received += chunk.length;
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    if (this.#pendingBytes >= PIECE_SIZE) await this.#flush();
    chunkDone(chunk.length);
  }

  /**
   * Hash and write what is pending; the disk writes overlap the next chunks' arrival. The
   * chunks are hashed and written one by one, never copied into one piece: SHA-256 runs as
   * fast on a 256 KiB chunk as on 1 MiB, and a copy of every byte would cost more than the
   * extra system calls (which run on Deno's I/O threads, not ours).
   */
  async #flush(): Promise<void> {
    const parts = this.#pending;
    const bytes = this.#pendingBytes;
    this.#pending = [];
    this.#pendingBytes = 0;
    for (const part of parts) this.#hash.update(part);
    // Chained, so batches reach the file in order; a failed write fails every later one too.
    const written = this.#writing.then(() => writePartsToFile(this.#file, parts));
    written.catch(() => {}); // seen below, by a later flush, or by finish()
    this.#writing = written;
    this.#writes.push({ written, bytes });
    this.#writesBytes += bytes;
    while (this.#writesBytes > WRITE_AHEAD) {
      const oldest = this.#writes.shift()!;
      this.#writesBytes -= oldest.bytes;
      await oldest.written;
    }
  }

  /**
   * Check and store the file.
   *
   * @param sha256 The SHA-256 the sender announced, in hex.
   * @returns The name it was stored under.
   * @throws {IntegrityError} When size or hash differ; the temporary file is removed.
   */
  async finish(sha256: string): Promise<string> {
    if (this.#done) throw new Error("Receiver already finished");
    try {
      if (this.#pendingBytes > 0) await this.#flush();
      await this.#writing;
      this.#done = true;
      this.#file.close();
      if (this.#received !== this.size) {
        const received = this.#received;
        throw fileError(IntegrityError, "size-mismatch", { received, size: this.size });
      }
      const actual = this.#hash.digest("hex");
      if (actual !== String(sha256).toLowerCase()) {
        const announced = String(sha256);
        throw fileError(IntegrityError, "hash-mismatch", { announced, actual });
      }
      const stored = await linkUnique(this.#tempPath, this.#dir, this.name);
      await Deno.remove(this.#tempPath);
      return stored;
    } catch (err) {
      await this.abort();
      throw err;
    }
  }

  /** Give up: close and remove the temporary file. Safe to call more than once. */
  async abort(): Promise<void> {
    if (!this.#done) {
      this.#done = true;
      await this.#writing.catch(() => {});
      this.#file.close();
    }
    await Deno.remove(this.#tempPath).catch(() => {});
  }
}

/** Most numbered alternatives tried before giving up on a name. */
const MAX_NUMBERED = 10_000;

async function linkUnique(from: string, dir: string, name: string): Promise<string> {
  for (let n = 0; n < MAX_NUMBERED; n++) {
    const candidate = numberedName(name, n);
    try {
      await Deno.link(from, join(dir, candidate));
      return candidate;
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
    }
  }
  throw fileError(Deno.errors.AlreadyExists, "no-free-name", { name, tries: MAX_NUMBERED });
}

/** Chunks smaller than this are joined before writing, so tiny chunks do not cost a call each. */
const JOIN_LIMIT = 64 * 1024;

async function writePartsToFile(file: Deno.FsFile, parts: Uint8Array[]): Promise<void> {
  for (const data of joinSmall(parts, JOIN_LIMIT)) await writeAll(file, data);
}

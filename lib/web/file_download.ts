/**
 * Downloads over HTTP: `GET /files/NAME` sends a shared file from the storage folder as an
 * attachment, in whole or a byte range (so a browser's download manager shows progress and can
 * resume), streamed from disk a piece at a time.
 *
 * @module
 */

import { join } from "node:path";
import { isTempName, safeName } from "../files/file_chunk.ts";

/** Bytes read from disk per piece of a download: the most one download holds at once. */
const PIECE_BYTES = 64 * 1024;

/** A byte range of a file, both ends included. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * The stored name a `/files/` path asks for, if it is one the server could have stored.
 *
 * @remarks
 * Only names exactly as the file list shows them are looked up: one path segment, decoded once,
 * that {@linkcode safeName} leaves as it is and that is not a transfer in progress. So `..`,
 * `%2f`, `%252f` (decoded once it is `%2f`, a plain character), backslashes, NUL and names with a
 * leading dot (the database) all answer "not found".
 *
 * @param encoded What follows `/files/` in the request's path, still percent-encoded.
 * @returns The name, or `null`.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(storedName("notes%20(1).txt"), "notes (1).txt");
 * equal(storedName("..%2f..%2fetc%2fpasswd"), null);
 * equal(storedName(".chat.db"), null);
 * ```
 */
export function storedName(encoded: string): string | null {
  if (encoded.includes("/")) return null;
  let name: string;
  try {
    name = decodeURIComponent(encoded);
    if (safeName(name) !== name) return null;
  } catch {
    return null; // a malformed escape, or a name that is no name at all
  }
  return isTempName(name) ? null : name;
}

/**
 * Read a `Range` header (RFC 9110, section 14): one range of bytes, `bytes=FIRST-LAST`,
 * `bytes=FIRST-` or `bytes=-SUFFIX`.
 *
 * @param header The header's value, or `null`.
 * @param size The file's size.
 * @returns The range to send; `null` to send the whole file (no header, one that is not
 *   understood, or several ranges); `"unsatisfiable"` when it lies past the end.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(parseRange("bytes=10-19", 100), { start: 10, end: 19 });
 * deepStrictEqual(parseRange("bytes=-10", 100), { start: 90, end: 99 });
 * deepStrictEqual(parseRange("bytes=100-", 100), "unsatisfiable");
 * deepStrictEqual(parseRange("bytes=0-1,5-6", 100), null);
 * ```
 */
export function parseRange(
  header: string | null,
  size: number,
): ByteRange | "unsatisfiable" | null {
  const m = header === null ? null : /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (m === null || (m[1] === "" && m[2] === "")) return null;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  if (m[2] !== "" && Number(m[2]) < start) return null; // not a range at all: ignored
  if (start >= size) return "unsatisfiable";
  return { start, end: m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1) };
}

/**
 * `Content-Disposition` for a download (RFC 6266): always an attachment, so a shared `.html` or
 * `.svg` is saved, never shown in the room's origin. The name goes twice: as RFC 5987 UTF-8 in
 * `filename*`, and as an ASCII stand-in in `filename` for clients that know only that.
 *
 * @param name The stored file name.
 * @returns The header's value.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(contentDisposition("笔记 (1).txt"),
 *   `attachment; filename="__ (1).txt"; filename*=UTF-8''%E7%AC%94%E8%AE%B0%20%281%29.txt`);
 * ```
 */
export function contentDisposition(name: string): string {
  // Printable ASCII but the quote, the backslash and "%", which some clients decode.
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/gu, "_");
  // RFC 5987's attr-char: encodeURIComponent leaves "'", "(", ")" and "*" as they are.
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** What the download of one file needs beside the request. */
export interface DownloadOptions {
  /** The storage folder. */
  storage: string;
  /** The file's SHA-256 in hex, if the room recorded it, for `Repr-Digest`. */
  sha256Of: (name: string) => { sha256: string; size: number } | undefined;
  /** Aborts every download in progress (the server is stopping). */
  signal: AbortSignal;
  /** Told when the body starts, ends or stops early, for the log. */
  onStart?: (bytes: number) => void;
  onEnd?: (complete: boolean) => void;
}

/**
 * Answer `GET /files/NAME` (or `HEAD`) for a member.
 *
 * @param request The request.
 * @param name A name from {@linkcode storedName}.
 * @param options The storage folder, the recorded digests and the shutdown signal.
 * @returns 200 with the whole file, 206 with a range, 416 for a range past the end, 404 for
 *   no such file; the caller adds the headers every response has.
 */
export async function downloadFile(
  request: Request,
  name: string,
  options: DownloadOptions,
): Promise<Response> {
  const path = join(options.storage, name);
  // lstat: a symbolic link put in the folder by hand could lead anywhere.
  const info = await Deno.lstat(path).catch(() => null);
  if (info === null || !info.isFile) return new Response("404 Not Found", { status: 404 });
  const size = info.size;
  const modified = info.mtime ?? new Date(0);
  // Stored files are never changed in place (a new upload takes a new name), so size and time
  // identify a version, for a resumed download's If-Range.
  const etag = `"${size.toString(36)}-${modified.getTime().toString(36)}"`;
  const headers = new Headers({
    "Content-Type": "application/octet-stream",
    "Content-Disposition": contentDisposition(name),
    "Accept-Ranges": "bytes",
    "ETag": etag,
    "Last-Modified": modified.toUTCString(),
  });
  const recorded = options.sha256Of(name);
  if (recorded !== undefined && recorded.size === size && /^[0-9a-f]{64}$/i.test(recorded.sha256)) {
    headers.set("Repr-Digest", `sha-256=:${hexToBase64(recorded.sha256)}:`);
  }
  const ifRange = request.headers.get("If-Range");
  const rangeHeader =
    ifRange === null || ifRange === etag || ifRange === headers.get("Last-Modified")
      ? request.headers.get("Range")
      : null; // the file changed since the first part: send it whole
  const range = parseRange(rangeHeader, size);
  if (range === "unsatisfiable") {
    headers.set("Content-Range", `bytes */${size}`);
    return new Response("416 Range Not Satisfiable", { status: 416, headers });
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  const length = end - start + 1;
  headers.set("Content-Length", String(length));
  if (range !== null) headers.set("Content-Range", `bytes ${start}-${end}/${size}`);
  const status = range === null ? 200 : 206;
  if (request.method === "HEAD" || length === 0) return new Response(null, { status, headers });
  const file = await Deno.open(path).catch(() => null);
  if (file === null) return new Response("404 Not Found", { status: 404 });
  options.onStart?.(length);
  return new Response(pieces(file, start, length, options), { status, headers });
}

/**
 * A file's bytes from `start`, `length` of them, read a piece at a time as the browser takes
 * them: the download holds one piece in memory, however large the file.
 */
function pieces(
  file: Deno.FsFile,
  start: number,
  length: number,
  { signal, onEnd }: DownloadOptions,
): ReadableStream<Uint8Array> {
  let left = length;
  let ended = false;
  const end = (complete: boolean) => {
    if (ended) return;
    ended = true;
    signal.removeEventListener("abort", abort);
    file.close();
    onEnd?.(complete);
  };
  let abort = () => {};
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      abort = () => {
        controller.error(new Error("The server is stopping"));
        end(false);
      };
      signal.addEventListener("abort", abort, { once: true });
      if (signal.aborted) abort();
      else if (start > 0) await file.seek(start, Deno.SeekMode.Start);
    },
    async pull(controller) {
      if (ended) return;
      const piece = new Uint8Array(Math.min(PIECE_BYTES, left));
      const n = await file.read(piece);
      if (ended) return; // stopped while reading
      if (n === null) {
        controller.error(new Error("The file is shorter than it was"));
        end(false);
        return;
      }
      controller.enqueue(piece.subarray(0, n));
      left -= n;
      if (left === 0) {
        controller.close();
        end(true);
      }
    },
    cancel() {
      end(false); // the browser went away, or cancelled
    },
  }, { highWaterMark: 0 });
}

/** A hex digest as base64, the form `Repr-Digest` takes (RFC 9530). */
function hexToBase64(hex: string): string {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return btoa(String.fromCharCode(...bytes));
}

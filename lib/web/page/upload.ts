/**
 * One file sent to the room over the page's WebSocket, with the frames a terminal client uses:
 * `U {name, size}`, then `D` chunks of the file, then `E {sha256}` (docs/PROTOCOL.md). The file
 * is read a slice at a time and hashed as it goes (in a worker, lib/web/page/hasher.ts), so a
 * file of any size passes through a few mebibytes of memory.
 *
 * @remarks
 * Two limits keep memory flat at both ends. The page hands the socket a chunk only while less
 * than {@linkcode MAX_BUFFERED} waits in it (`bufferedAmount`). And since the server answers a
 * member's requests in order, each before it reads the next frame, an `H` request after every
 * {@linkcode PROBE_EVERY} bytes is answered only once the server has read the chunks before it;
 * with at most {@linkcode MAX_PROBES} unanswered, the page is never more than two windows (8 MiB
 * and their headers) ahead of what the server has read, whatever buffers lie between them. The
 * server keeps at most 12 MiB of a member's unread frames (lib/web/ws_member.ts): the rest is
 * room for chat lines and requests sent during an upload.
 *
 * The socket has no event for `bufferedAmount` going down, and timers in a hidden tab fire at
 * most once a second, so the page does not poll it: while it is high, the page waits for the
 * answer to an `H` sent behind what is queued (the same probes, never more than two).
 *
 * @module
 */

import { type Frame, Status } from "../../wire/frame.ts";
import { ChatType, indication, payloadObject } from "../../chat/protocol.ts";
import { readReason, type Reason } from "../../chat/reason.ts";
import type { Connection } from "./connection.ts";
import { Hasher } from "./hasher.ts";

/** Bytes per `D` frame: well under the server's 256 KiB cap, small enough to interleave chat. */
export const CHUNK_SIZE = 64 * 1024;
/** Bytes read from the file at once, then sent as several chunks: fewer, larger reads. */
const READ_SIZE = 16 * CHUNK_SIZE;
/** Most bytes left waiting in the socket before the page stops handing it chunks. */
export const MAX_BUFFERED = 1024 * 1024;
/** Bytes of chunks between two flow-control `H` requests. */
export const PROBE_EVERY = 4 * 1024 * 1024;
/** Flow-control `H` requests allowed unanswered at once. */
export const MAX_PROBES = 2;

/** Where an upload is. */
export interface UploadProgress {
  /** Bytes sent so far. */
  done: number;
  /** Bytes in all. */
  total: number;
  /** Milliseconds since the first byte was sent. */
  elapsedMs: number;
}

/**
 * An upload that did not end in a stored file: why, as the server's code and values (worded in
 * the user's language by the caller), its English, or `cancelled` / `lost`.
 */
export class UploadFailed extends Error {
  /** The server's reason, when it gave one. */
  readonly reason: Reason | null;
  /** Cancelled by the user, the connection lost, or refused by the server. */
  readonly kind: "cancelled" | "lost" | "refused";

  /**
   * @param kind What ended it.
   * @param message The server's English, or a short description.
   * @param reason The server's code and values, if any.
   */
  constructor(
    kind: "cancelled" | "lost" | "refused",
    message: string,
    reason: Reason | null,
  ) {
    super(message);
    this.name = "UploadFailed";
    this.kind = kind;
    this.reason = reason;
  }
}

/** A refusal or `X` cancel as an error. */
function refused(frame: Frame): UploadFailed {
  let obj: Record<string, unknown> = {};
  try {
    obj = payloadObject(frame);
  } catch {
    // Not JSON: the status is all there is.
  }
  const english = typeof obj.error === "string" ? obj.error : `status ${frame.status}`;
  return new UploadFailed("refused", english, readReason(obj));
}

/**
 * Send a file to the room.
 *
 * @param conn The joined connection.
 * @param file The file, read a slice at a time.
 * @param signal Aborting it cancels the upload (an `X` tells the server).
 * @param onProgress Hears how far it is after each chunk.
 * @returns The name the server stored it under, and its size.
 * @throws {UploadFailed} When cancelled, refused, or the connection is lost.
 */
export async function uploadFile(
  conn: Connection,
  file: Blob & { name: string },
  signal: AbortSignal,
  onProgress: (p: UploadProgress) => void,
): Promise<{ name: string; size: number }> {
  // An X from the server ends the transfer at once; so does the socket closing.
  let stopped: UploadFailed | null = null;
  const id = conn.reserveId((frame) => {
    if (frame === null) {
      stopped ??= new UploadFailed("lost", "Connection lost", null);
    } else if (frame.type === ChatType.Cancel) stopped ??= refused(frame);
  });
  const check = () => {
    if (signal.aborted) {
      stopped ??= new UploadFailed("cancelled", "Cancelled", null);
    }
    if (stopped) throw stopped;
  };
  let hash: Hasher | null = null;
  try {
    hash = new Hasher();
    const start = await conn.request(ChatType.Upload, { name: file.name, size: file.size }, id);
    if (start.status !== Status.Ok) throw refused(start);
    const probes: Promise<Frame>[] = [];
    const began = performance.now();
    let done = 0;
    let sinceProbe = 0;
    while (done < file.size) {
      check();
      const block = new Uint8Array(await file.slice(done, done + READ_SIZE).arrayBuffer());
      if (block.length === 0) throw new UploadFailed("refused", "The file changed", null);
      for (let at = 0; at < block.length; at += CHUNK_SIZE) {
        await drained(conn, probes, check);
        const chunk = block.subarray(at, at + CHUNK_SIZE);
        conn.send(indication(ChatType.Data, chunk, { id })); // sends a copy of the chunk
        done += chunk.length;
        sinceProbe += chunk.length;
        if (sinceProbe >= PROBE_EVERY) {
          sinceProbe = 0;
          probes.push(probe(conn));
          // With MAX_PROBES unanswered, the next window waits for the oldest: the server has
          // then read all but the last two windows.
          if (probes.length >= MAX_PROBES) await probes.shift();
          check();
        }
        onProgress({ done, total: file.size, elapsedMs: performance.now() - began });
      }
      // Sent: the block moves to the worker, which hashes it while the next one goes out.
      await hash.update(block);
    }
    await Promise.all(probes);
    check();
    const end = await conn.request(ChatType.End, { sha256: await hash.digest() }, id);
    if (end.status !== Status.Ok) throw refused(end);
    const stored = payloadObject(end);
    return { name: typeof stored.name === "string" ? stored.name : file.name, size: file.size };
  } catch (err) {
    if (err instanceof UploadFailed) {
      // Tell the server, which removes what it received; a refused upload is over already.
      if (err.kind === "cancelled") {
        conn.send(indication(ChatType.Cancel, undefined, { id }));
      }
      throw err;
    }
    // A request that failed because the socket closed; or the hash's worker, which could not
    // start.
    const why = err instanceof Error ? err.message : String(err);
    throw stopped ?? new UploadFailed(conn.closed ? "lost" : "refused", why, null);
  } finally {
    hash?.close();
    conn.releaseId(id);
  }
}

/**
 * An `H` request, answered once the server has read every frame sent before it.
 *
 * @param conn The connection.
 * @returns The answer; awaited later (a lost connection is reported from there).
 */
function probe(conn: Connection): Promise<Frame> {
  const answer = conn.request(ChatType.Heartbeat);
  answer.catch(() => {});
  return answer;
}

/**
 * Wait until the socket has room: less than {@linkcode MAX_BUFFERED} waiting to be sent. While
 * it is full, wait for the oldest probe's answer; with none unanswered, send one behind what is
 * queued and wait for that.
 *
 * @param conn The connection.
 * @param probes The unanswered probes, oldest first.
 * @param check Throws when the upload has been stopped meanwhile.
 */
async function drained(
  conn: Connection,
  probes: Promise<Frame>[],
  check: () => void,
): Promise<void> {
  while (conn.bufferedAmount >= MAX_BUFFERED) {
    check();
    if (conn.closed) throw new UploadFailed("lost", "Connection lost", null);
    if (probes.length === 0) probes.push(probe(conn));
    await probes.shift();
  }
  check();
}

/**
 * A chat member over TCP (or TLS): frames read through a {@linkcode FrameConnection}, frames
 * sent through an {@linkcode Outbox}, and a polite hang-up that lets the last frame arrive.
 *
 * @module
 */

import type { Frame } from "../wire/frame.ts";
import { writeAll } from "../wire/bytes.ts";
import { FrameConnection } from "../wire/frame_connection.ts";
import { Outbox, type OutboxLimits } from "../net/outbox.ts";
import { withDeadline } from "../net/deadline.ts";
import { formatHostPort } from "../net/host_port.ts";
import { OpeningBytes } from "../tls/opening_bytes.ts";
import type { Member } from "./member.ts";

/**
 * A {@linkcode Member} on a TCP connection.
 *
 * @example
 * ```ts ignore
 * const member = new TcpMember(conn, { maxQueuedBytes: 1 << 20, flowWindowBytes: 1 << 20 });
 * for (let f = await member.read(); f !== null; f = await member.read()) handle(f);
 * ```
 */
export class TcpMember implements Member {
  readonly peer: string;
  readonly #fc: FrameConnection;
  /** The peer's first bytes, which tell a TLS client on a plain-TCP port. */
  readonly #opening: OpeningBytes;
  readonly #outbox: Outbox;
  /** Why a write failed: reported by {@linkcode TcpMember.read} as the reason it ended. */
  #writeError: unknown = null;

  /**
   * @param conn The accepted connection, TCP or TLS (its handshake done); this member closes it.
   * @param limits How far the member may fall behind, and its file-chunk window.
   */
  constructor(conn: Deno.Conn, limits: OutboxLimits) {
    this.peer = formatHostPort(conn.remoteAddr as Deno.NetAddr);
    this.#opening = new OpeningBytes(conn);
    this.#fc = new FrameConnection(this.#opening);
    this.#outbox = new Outbox((bytes) => writeAll(conn, bytes), limits, (err) => {
      this.#writeError = err;
      this.close();
    });
  }

  send(bytes: Uint8Array, buffer: ArrayBufferLike = bytes.buffer): boolean {
    return this.#outbox.push(bytes, buffer);
  }

  sendPieces(pieces: readonly Uint8Array[]): boolean {
    return this.#outbox.pushPieces(pieces);
  }

  sendChunk(header: Uint8Array, payload: Uint8Array): Promise<void> {
    return this.#outbox.pushFlow([header, payload]);
  }

  get queuedBytes(): number {
    return this.#outbox.queuedBytes;
  }

  get messageBytes(): number {
    return this.#outbox.messageBytes;
  }

  get lastProgress(): number {
    return this.#outbox.lastProgress;
  }

  messagesBelow(bytes: number): Promise<void> {
    return this.#outbox.messagesBelow(bytes);
  }

  read(): Promise<Frame | null> {
    // Not an async function: an idle member would keep one more suspended call alive.
    return this.#fc.read().catch((err) => {
      throw this.#writeError ?? err; // a failed write closed the connection under the reader
    });
  }

  openedWithTls(): boolean {
    return this.#opening.looksLikeTls();
  }

  discardInput(): Promise<void> {
    return this.#fc.discardInput();
  }

  farewell(last: Uint8Array): void {
    this.#outbox.farewell(last);
  }

  /**
   * Hang up politely: once what is queued is written, half-close, and close when the peer has
   * closed too (the reader sees its end and closes this member), all within `ms`. Closing with
   * the peer's bytes unread would make the kernel reset the connection, destroying the last
   * frame; a peer that reads nothing is closed at the deadline.
   *
   * @param ms The deadline in milliseconds.
   */
  async hangUp(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    if (await withDeadline(this.#outbox.drained(), ms)) {
      await this.#fc.closeWrite();
      await withDeadline(this.#outbox.finished, deadline - Date.now()); // closed by the reader
    }
    this.close();
  }

  close(): void {
    this.#outbox.close();
    this.#fc.close();
  }

  get finished(): Promise<void> {
    return this.#outbox.finished;
  }
}

/**
 * Turn a connection away with one frame: write it, half-close, and read until the peer closes
 * (or `ms` pass), so the frame is not destroyed by a reset on the peer's unread request.
 *
 * @param conn The connection; closed when this returns.
 * @param bytes One encoded frame, such as a "server is full" notice.
 * @param ms The deadline for each step, in milliseconds.
 */
export async function turnAway(conn: Deno.Conn, bytes: Uint8Array, ms: number): Promise<void> {
  const fc = new FrameConnection(conn);
  if (await withDeadline(writeAll(conn, bytes), ms)) {
    await fc.closeWrite();
    await withDeadline(fc.discardInput(), ms);
  }
  fc.close();
}

/**
 * A chat member in a browser: the same frames as over TCP, one frame per binary WebSocket
 * message, on a socket from `Deno.upgradeWebSocket`. The room sees only a {@linkcode Member}.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import {
  DEFAULT_MAX_PAYLOAD,
  type Frame,
  FrameDecoder,
  HEADER_SIZE,
  ProtocolError,
} from "../wire/frame.ts";
import type { OutboxLimits } from "../net/outbox.ts";
import { withDeadline } from "../net/deadline.ts";
import type { CookieLogin, Member } from "../chat/member.ts";
import { WsOutbox } from "./ws_outbox.ts";

/**
 * Most frames a member may have sent that the room has not read yet. A WebSocket is read as
 * fast as the bytes come, whatever the room is doing, so what TCP leaves in the kernel waits
 * here instead; a page paces its uploads with `H` requests (docs/PROTOCOL.md) and stays far
 * below both bounds.
 */
export const MAX_UNREAD_FRAMES = 4096;
/**
 * Most bytes of those frames: three of the page's 4 MiB upload windows, the two it may have
 * unanswered and one to spare for its chat and requests.
 */
export const MAX_UNREAD_BYTES = 12 * 1024 * 1024;

/** Where a frame's header holds its payload's length, the header's last four bytes. */
const PAYLOAD_LENGTH_AT = 8;

/** WebSocket close codes (RFC 6455, section 7.4.1). */
export const CloseCode = {
  /** A polite hang-up: the last frame said why. */
  Normal: 1000,
  /** The page broke the protocol: a malformed frame, a text message, too much unread. */
  PolicyViolation: 1008,
  /** One message over the largest frame. */
  TooBig: 1009,
} as const;

/**
 * A {@linkcode Member} on a server-side WebSocket.
 *
 * @remarks
 * Sending goes through a {@linkcode WsOutbox}, with the bounds a TCP member's `Outbox` has.
 * Reading keeps at most {@linkcode MAX_UNREAD_FRAMES} and {@linkcode MAX_UNREAD_BYTES}; a page
 * that sends more has broken the pacing rule, and gets the same answer as a malformed frame.
 *
 * @example
 * ```ts ignore
 * const { socket, response } = Deno.upgradeWebSocket(request, { idleTimeout: 0 });
 * const member = new WsMember(socket, "127.0.0.1:50000", { maxQueuedBytes: 1 << 20 });
 * serve(room.admit(member));
 * return response;
 * ```
 */
export class WsMember implements Member {
  readonly peer: string;
  readonly #socket: WebSocket;
  readonly #outbox: WsOutbox;
  readonly #decoder = new FrameDecoder();
  #closeCode: number = CloseCode.Normal;
  #closed = false;
  readonly #finished = Promise.withResolvers<void>();

  // ---- reading
  #unread: Frame[] = [];
  #unreadAt = 0;
  #unreadBytes = 0;
  #reader: PromiseWithResolvers<Frame | null> | null = null;
  /** Why reading stopped: a protocol error. */
  #failure: ProtocolError | null = null;
  /** The socket has closed (a close event came). */
  #ended = false;
  /** Why the connection failed, if it did. */
  #lost: Error | null = null;
  #discarding = false;
  readonly #socketClosed = Promise.withResolvers<void>();

  /** The browser's login, kept in its `chat_session` cookie (see {@linkcode CookieLogin}). */
  readonly cookieLogin: CookieLogin;

  /**
   * @param socket The socket from `Deno.upgradeWebSocket`, open or about to open; this member
   *   closes it.
   * @param peer The browser's address, as `host:port`.
   * @param limits How far the member may fall behind, and its file-chunk window.
   * @param token The session token the browser's cookie carried, if any.
   */
  constructor(socket: WebSocket, peer: string, limits: OutboxLimits, token?: string) {
    this.peer = peer;
    this.cookieLogin = { token };
    this.#socket = socket;
    socket.binaryType = "arraybuffer";
    this.#outbox = new WsOutbox(socket, limits);
    socket.addEventListener("message", (event) => this.#received(event.data));
    socket.addEventListener("error", (event) => {
      this.#lost ??= new Error((event as ErrorEvent).message || "WebSocket error");
    });
    socket.addEventListener("close", (event) => this.#socketEnded(event as CloseEvent));
  }

  // ------------------------------------------------------------------ sending

  send(bytes: Uint8Array, _buffer?: ArrayBufferLike): boolean {
    return this.#outbox.push(bytes);
  }

  sendPieces(pieces: readonly Uint8Array[]): boolean {
    return this.#outbox.push(Buffer.concat(pieces)); // one WebSocket message per frame
  }

  sendChunk(header: Uint8Array, payload: Uint8Array): Promise<void> {
    return this.#outbox.pushFlow(header, payload);
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

  farewell(last: Uint8Array): void {
    this.#outbox.farewell(last);
  }

  /**
   * Hang up politely: once what is queued has left the socket, start WebSocket's closing
   * handshake (code 1000, or 1008 / 1009 after a protocol error) and wait for the browser's
   * answer, all within `ms`; then close.
   *
   * @param ms The deadline in milliseconds.
   */
  async hangUp(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    if (await withDeadline(this.#outbox.drained(), ms)) {
      this.#closeSocket();
      await withDeadline(this.#socketClosed.promise, deadline - Date.now());
    }
    this.close();
  }

  /**
   * Close now, dropping anything queued. Deno offers no way to cut an upgraded connection, so
   * this starts the closing handshake; a browser that never answers it keeps its connection
   * (but nothing of this member) until it goes.
   */
  close(): void {
    this.#unread = [];
    this.#unreadAt = 0;
    this.#unreadBytes = 0;
    this.#reader?.resolve(null); // the room is ending it: its reason is already set
    this.#reader = null;
    this.#stopSending();
  }

  get finished(): Promise<void> {
    return this.#finished.promise;
  }

  /** Send nothing more: drop the queue, close the socket. */
  #stopSending(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#outbox.close();
    this.#closeSocket();
    this.#finished.resolve();
  }

  #closeSocket(): void {
    const state = this.#socket.readyState;
    if (state === WebSocket.CLOSING || state === WebSocket.CLOSED) return;
    try {
      this.#socket.close(this.#closeCode);
    } catch {
      // Already closing: nothing more to say.
    }
  }

  // ------------------------------------------------------------------ reading

  read(): Promise<Frame | null> {
    if (this.#unreadAt < this.#unread.length) return Promise.resolve(this.#takeUnread());
    if (this.#failure !== null) return Promise.reject(this.#failure);
    if (this.#ended && this.#lost) return Promise.reject(this.#lost);
    if (this.#ended || this.#closed) return Promise.resolve(null);
    this.#reader = Promise.withResolvers<Frame | null>();
    return this.#reader.promise;
  }

  discardInput(): Promise<void> {
    this.#discarding = true;
    this.#unread = [];
    this.#unreadAt = 0;
    this.#unreadBytes = 0;
    return Promise.race([this.#socketClosed.promise, this.#finished.promise]);
  }

  #takeUnread(): Frame {
    const frame = this.#unread[this.#unreadAt++];
    this.#unreadBytes -= HEADER_SIZE + frame.payload.length;
    // Let go of the frames read: the list is cut once half of it has been read, so a member
    // that keeps sending while it is read never keeps what was read.
    if (this.#unreadAt === this.#unread.length) {
      this.#unread = [];
      this.#unreadAt = 0;
    } else if (this.#unreadAt >= 64 && this.#unreadAt * 2 >= this.#unread.length) {
      this.#unread = this.#unread.slice(this.#unreadAt);
      this.#unreadAt = 0;
    }
    return frame;
  }

  /** One message from the browser: exactly one frame, or the end of reading. */
  #received(data: unknown): void {
    if (this.#closed || this.#discarding || this.#failure !== null) return;
    let frame: Frame;
    try {
      frame = this.#decode(data);
    } catch (err) {
      this.#fail(err as ProtocolError);
      return;
    }
    if (this.#reader !== null) {
      const reader = this.#reader;
      this.#reader = null;
      reader.resolve(frame);
      return;
    }
    const size = HEADER_SIZE + frame.payload.length;
    const frames = this.#unread.length - this.#unreadAt;
    if (frames >= MAX_UNREAD_FRAMES || this.#unreadBytes + size > MAX_UNREAD_BYTES) {
      this.#fail(
        new ProtocolError(
          "too-long",
          `More than ${MAX_UNREAD_FRAMES} frames or ${MAX_UNREAD_BYTES} bytes sent ahead of ` +
            "the answers (pace uploads with H requests)",
        ),
      );
      return;
    }
    this.#unread.push(frame);
    this.#unreadBytes += size;
  }

  /**
   * Decode one message.
   *
   * @remarks
   * The frame's payload is the message's own bytes, not a copy: a file chunk is then one
   * buffer, which turns to garbage once written, rather than two (the message's, at once, and
   * the copy's), and the server's memory during an upload stays nearer what it holds live. The
   * decoder checks the header (magic, version, kind) on a copy of it that announces no
   * payload; the length it announced must then be exactly the rest of the message.
   *
   * @throws {ProtocolError} When it is text, or not exactly one well-formed frame.
   */
  #decode(data: unknown): Frame {
    if (!(data instanceof ArrayBuffer)) {
      throw new ProtocolError("bad-field", "A text message: frames go in binary messages");
    }
    if (data.byteLength > HEADER_SIZE + DEFAULT_MAX_PAYLOAD) {
      this.#closeCode = CloseCode.TooBig;
      throw new ProtocolError(
        "too-long",
        `A message of ${data.byteLength} bytes is over the limit of a frame`,
      );
    }
    if (data.byteLength < HEADER_SIZE) {
      throw new ProtocolError("truncated", "A message holds less than one frame");
    }
    const header = new Uint8Array(data, 0, HEADER_SIZE).slice();
    const length = new DataView(header.buffer).getUint32(PAYLOAD_LENGTH_AT);
    header.fill(0, PAYLOAD_LENGTH_AT); // the length field: no payload to copy
    const [frame] = this.#decoder.push(header);
    if (length !== data.byteLength - HEADER_SIZE) {
      throw new ProtocolError(
        "truncated",
        length > data.byteLength - HEADER_SIZE
          ? "A message holds less than one frame"
          : "A message holds more than one frame",
      );
    }
    frame.payload = new Uint8Array(data, HEADER_SIZE);
    return frame;
  }

  /** Stop reading: the frames before the fault are still read, then the error. */
  #fail(err: ProtocolError): void {
    if (this.#closeCode === CloseCode.Normal) this.#closeCode = CloseCode.PolicyViolation;
    this.#failure = err;
    if (this.#reader !== null) {
      const reader = this.#reader;
      this.#reader = null;
      reader.reject(err);
    }
  }

  #socketEnded({ code, wasClean }: CloseEvent): void {
    if (this.#ended) return; // Deno may say it twice
    this.#ended = true;
    // A close frame from the browser (a tab closed, the page left) is a clean end; a broken
    // connection is a lost one.
    if (!wasClean && this.#lost === null && code !== 1000 && code !== 1001 && code !== 1005) {
      this.#lost = new Error(`The connection ended without a close frame (code ${code})`);
    }
    this.#socketClosed.resolve();
    if (this.#reader !== null) {
      const reader = this.#reader;
      this.#reader = null;
      if (this.#lost) reader.reject(this.#lost);
      else reader.resolve(null);
    }
    // Nothing more can be sent; what the browser sent before it closed is still read.
    this.#stopSending();
  }
}

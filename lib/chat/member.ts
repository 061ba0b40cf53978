/**
 * What the chat room needs of a member's connection, whatever carries it: somewhere to queue
 * encoded frames, the frames it sends, and a way to hang up. The room never sees a socket, so
 * a member over TCP (`TcpMember`) and one over another transport can share a room.
 *
 * @module
 */

import type { Frame } from "../wire/frame.ts";

/**
 * One member's connection, as the room uses it.
 *
 * @remarks
 * Sending never waits: {@linkcode Member.send} queues bytes already encoded (a broadcast is
 * encoded once for everyone) and says `false` when the member has fallen too far behind.
 * Only file chunks wait, for room in a small window ({@linkcode Member.sendChunk}).
 */
export interface Member {
  /** The peer's address, as `host:port`, for the log. */
  readonly peer: string;
  /**
   * Queue one or more encoded frames.
   *
   * @param bytes The frames' bytes.
   * @param buffer `bytes.buffer`, looked up once by a broadcast for all its members.
   * @returns `false` when the queue is full (the member is too slow), else `true`.
   */
  send(bytes: Uint8Array, buffer?: ArrayBufferLike): boolean;
  /**
   * Queue one frame given in pieces that go out back to back, such as a join reply whose name
   * list is shared by every reply rather than copied into each.
   *
   * @param pieces The frame's bytes, in order.
   * @returns As for {@linkcode Member.send}.
   */
  sendPieces(pieces: readonly Uint8Array[]): boolean;
  /**
   * Queue a file chunk once the flow window has room.
   *
   * @param header The chunk frame's header (see `encodeHeader`).
   * @param payload The chunk, sent as it is.
   * @throws {Deno.errors.BrokenPipe} When the member is closed meanwhile.
   */
  sendChunk(header: Uint8Array, payload: Uint8Array): Promise<void>;
  /** Bytes queued or being written, file chunks included. */
  readonly queuedBytes: number;
  /** Bytes of messages (not file chunks) queued or being written. */
  readonly messageBytes: number;
  /** `Date.now()` when a write last completed: a member held back still shows it reads. */
  readonly lastProgress: number;
  /**
   * Wait until at most `bytes` of messages are queued, or the member is closing.
   *
   * @param bytes The low-water mark.
   */
  messagesBelow(bytes: number): Promise<void>;
  /**
   * The next frame the member sends. A method rather than an async iterator: an idle member
   * would keep a suspended generator, its request and their promises alive, about a third of a
   * kilobyte each (see docs/PERFORMANCE.md).
   *
   * @returns The frame, or `null` once the member has closed cleanly.
   * @throws {ProtocolError} On malformed bytes.
   * @throws {Error} When the connection fails (a failed write included).
   */
  read(): Promise<Frame | null>;
  /**
   * Whether the peer opened as a TLS client does (lib/tls/opening_bytes.ts): a TLS client on a
   * plain-TCP port, whose hello is no frame. Absent where that cannot happen (a WebSocket).
   */
  openedWithTls?(): boolean;
  /** Read and drop what the member still sends, until it closes or is closed. */
  discardInput(): Promise<void>;
  /**
   * Drop what is queued but not yet being written and queue `last` instead; take nothing more.
   *
   * @param last One encoded frame: why the member is being dropped.
   */
  farewell(last: Uint8Array): void;
  /**
   * Hang up politely: once what is queued is written, say that nothing more will come, and
   * wait for the member to close (or be closed), all within `ms`; then close.
   *
   * @param ms The deadline in milliseconds.
   */
  hangUp(ms: number): Promise<void>;
  /** Close now, dropping anything queued. Safe to call more than once. */
  close(): void;
  /** Resolves once closed and the last write has ended. */
  readonly finished: Promise<void>;
  /**
   * Where a browser keeps this member's login, out of its page's reach; absent for a member
   * whose session token goes in the `J` and `R` replies (a terminal's).
   */
  readonly cookieLogin?: CookieLogin;
}

/**
 * A browser member's login, kept in an `HttpOnly` cookie rather than by its page (lib/web/): the
 * server reads the token from the cookie when the browser connects, and keeps a new one here
 * for the browser to fetch as a cookie (docs/PROTOCOL.md, "Staying logged in").
 */
export interface CookieLogin {
  /**
   * The session token: the one the browser's cookie carried, then the one its last login or
   * registration made; `undefined` when there is none, or after a logout.
   */
  token: string | undefined;
}

/**
 * The LP server's table of connected clients, and what it does to one: queue frames to it,
 * forward a message and wait for its acknowledgement, evict it when it falls silent, and hang
 * up so that its last frame is still read.
 *
 * @module
 */

import { errorMessage } from "../cli/cli.ts";
import { formatTimestamp } from "../cli/timestamp.ts";
import { FAREWELL_MS, withDeadline } from "../net/deadline.ts";
import { formatHostPort } from "../net/host_port.ts";
import { Outbox } from "../net/outbox.ts";
import { writeAll } from "../wire/bytes.ts";
import { encodeFrame, type Frame, Kind, makeFrame, Status } from "../wire/frame.ts";
import { FrameArena } from "../wire/frame_arena.ts";
import { FrameConnection } from "../wire/frame_connection.ts";
import { OpeningBytes } from "../tls/opening_bytes.ts";
import {
  type ClientInfo,
  LP_MAX_PAYLOAD,
  LpType,
  type MessageIndication,
  nextId,
  noticeOf,
  statusName,
} from "./protocol.ts";
import { type Reason, reason, sentence } from "./reason.ts";
import { lpText as text } from "./text.ts";

/** Heartbeat intervals of silence after which a client is evicted. */
export const EVICT_AFTER_INTERVALS = 3;

/**
 * Bytes of frames queued to one client or being written. A client that sends requests but
 * never reads the answers is dropped at this point instead of growing the server's memory
 * without end. 1 MiB, as on the chat server: over 20,000 time replies, and still 16 frames of
 * the largest payload (see docs/PERFORMANCE.md).
 */
export const MAX_QUEUED_BYTES = 1024 * 1024;

/**
 * Bytes of each client's reply buffer. Replies are encoded into it back to back, one buffer
 * for some seventy time replies, instead of an array each: an array that small lives in V8's
 * heap and is moved out of it for every write (0.45 µs a write here). Each client has its own,
 * never one shared by all: a view keeps its whole buffer alive until written, and a client that
 * reads nothing would keep a shared buffer alive for each small reply it is owed.
 */
const REPLY_BUFFER = 4 * 1024;

/** One connected client, as the server keeps it. */
export interface LpClient {
  readonly id: number;
  readonly address: string;
  readonly port: number;
  readonly connectedAt: Date;
  /** `Date.now()` when the last frame arrived from it. */
  lastSeen: number;
  readonly fc: FrameConnection;
  /** Its first bytes, which tell a TLS client on a plain-TCP port (lib/tls/opening_bytes.ts). */
  readonly opening: OpeningBytes;
  readonly outbox: Outbox;
  /**
   * Where its replies are encoded, back to back (see {@linkcode REPLY_BUFFER}): views of its
   * own buffer, so a client that reads nothing keeps only its own replies alive.
   */
  readonly replies: FrameArena;
  /** Messages forwarded to it and not yet acknowledged: delivery id → how to settle it. */
  readonly deliveries: Map<number, (status: number) => void>;
  lastDeliveryId: number;
  evictTimer?: ReturnType<typeof setTimeout>;
  /** Its requests are not being read, because it has not read our replies (back-pressure). */
  paused: boolean;
  closing: boolean;
}

/** What a {@linkcode ClientTable} needs to know. */
export interface ClientTableOptions {
  /** Where each log line goes. */
  log: (line: string) => void;
  /** Heartbeat interval in milliseconds: a client silent for three is evicted. */
  heartbeatMs: number;
  /** How long a forwarded message waits for its target's acknowledgement, in milliseconds. */
  ackTimeoutMs: number;
}

/**
 * The connected clients of an LP server, by id, and the work in flight for them.
 *
 * @remarks
 * Frames go out through each client's outbox alone, never waiting: a client that reads slowly
 * is held back (see {@linkcode ClientTable.catchUp}), one that stops reading is dropped when
 * its queue is full or evicted as silent, so no client can hold up another.
 */
export class ClientTable {
  readonly #clients = new Map<number, LpClient>();
  readonly #tasks = new Set<Promise<void>>();
  readonly #options: ClientTableOptions;
  #lastClientId = 0;
  /** Set once the server stops: a connection accepted after it is closed at once. */
  stopping = false;

  /** @param options The log and the timings. */
  constructor(options: ClientTableOptions) {
    this.#options = options;
  }

  /**
   * @returns The client with this id, if it is connected and not being hung up: a client that
   *   is being told why it goes is gone for everyone else at once, though its socket may take
   *   a moment more to close.
   */
  get(id: number): LpClient | undefined {
    const client = this.#clients.get(id);
    return client?.closing ? undefined : client;
  }

  /** @returns A snapshot of every client still here, for a list response or the console. */
  list(): ClientInfo[] {
    return [...this.#clients.values()].filter((c) => !c.closing).map((c) => ({
      id: c.id,
      address: c.address,
      port: c.port,
      connectedAt: c.connectedAt.toISOString(),
      lastSeen: new Date(c.lastSeen).toISOString(),
    }));
  }

  /**
   * Register a new connection, log it and start its silence timer.
   *
   * @param conn The accepted connection, TCP or TLS (its handshake done).
   * @returns The client, or `undefined` when the server is stopping (the connection is closed).
   */
  add(conn: Deno.TcpConn | Deno.TlsConn): LpClient | undefined {
    // Small frames, one at a time: do not let Nagle's algorithm hold them back. (A TLS
    // connection accepted by Deno.listenTls offers no way to turn it off.)
    if ("setNoDelay" in conn) conn.setNoDelay(true);
    const opening = new OpeningBytes(conn);
    const fc = new FrameConnection(opening, { maxPayload: LP_MAX_PAYLOAD });
    if (this.stopping) return void fc.close();
    const remote = conn.remoteAddr;
    const client: LpClient = {
      id: this.#lastClientId = this.#lastClientId + 1,
      address: remote.hostname,
      port: remote.port,
      connectedAt: new Date(),
      lastSeen: Date.now(),
      fc,
      opening,
      // Frames go out through the outbox alone, written straight to the socket; fc only reads.
      outbox: new Outbox(
        (bytes) => writeAll(conn, bytes),
        { maxQueuedBytes: MAX_QUEUED_BYTES },
        (err) => this.#drop(client, errorMessage(err)),
      ),
      replies: new FrameArena(REPLY_BUFFER),
      deliveries: new Map(),
      lastDeliveryId: 0,
      paused: false,
      closing: false,
    };
    this.#clients.set(client.id, client);
    this.say(client, text("logConnected"));
    this.#armEviction(client, this.#evictAfterMs());
    return client;
  }

  /**
   * Forget a client whose connection has ended: settle what was forwarded to it as `Gone`.
   *
   * @param client The client.
   * @returns Once no write is left running on its closed socket.
   */
  remove(client: LpClient): Promise<void> {
    this.#clients.delete(client.id);
    clearTimeout(client.evictTimer);
    for (const settle of client.deliveries.values()) settle(Status.Gone);
    this.#close(client);
    this.say(client, text("logLeft"));
    return client.outbox.finished;
  }

  /**
   * Back-pressure, the check: whether a client has more than half its queue unread. Asked
   * before every request is read, so it is a plain call, not a promise.
   *
   * @param client The client whose next request is about to be read.
   * @returns Whether it must {@linkcode ClientTable.catchUp} first.
   */
  behind(client: LpClient): boolean {
    return client.outbox.messageBytes > MAX_QUEUED_BYTES / 2;
  }

  /**
   * Back-pressure, the wait: until a client that is {@linkcode ClientTable.behind} has read
   * down to a quarter of its queue, so it is slowed down rather than dropped.
   *
   * @param client The client whose next request is about to be read.
   * @returns Resolves once it has caught up, or its outbox is closed (look again whether it is
   *   closing).
   */
  async catchUp(client: LpClient): Promise<void> {
    client.paused = true;
    await client.outbox.messagesBelow(MAX_QUEUED_BYTES / 4);
    client.paused = false;
  }

  /**
   * Log one event about a client.
   *
   * @param client The client.
   * @param what What happened, in the server's language.
   */
  say(client: LpClient, what: string): void {
    const peer = formatHostPort({ hostname: client.address, port: client.port });
    this.#options.log(`${formatTimestamp()} ${text("logClient", { id: client.id, peer, what })}`);
  }

  /**
   * Queue a frame for a client; never waits. A client with more than
   * {@linkcode MAX_QUEUED_BYTES} unread is dropped, as a failed write drops it.
   *
   * @param client The client.
   * @param frame The frame.
   */
  send(client: LpClient, frame: Frame): void {
    const bytes = client.replies.encode(frame);
    // Nothing more read from this client waits to be answered: send now, not at the turn's end.
    const lastRead = client.fc.readyFrames === 0;
    if (!client.outbox.push(bytes, bytes.buffer, lastRead)) {
      this.dismiss(client, Status.Slow, reason("too-slow", { kib: MAX_QUEUED_BYTES / 1024 }));
    }
  }

  /**
   * Forward a message to a client as an indication with a fresh delivery id, and wait for the
   * client's response echoing that id.
   *
   * @param target The client to deliver to.
   * @param message The message.
   * @returns `Ok` on acknowledgement, `Timeout`, `Gone` if the target left first, or the
   *   status of a refusing acknowledgement.
   */
  deliver(target: LpClient, message: MessageIndication): Promise<number> {
    const id = nextId(target.lastDeliveryId, (n) => target.deliveries.has(n));
    target.lastDeliveryId = id;
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle(Status.Timeout), this.#options.ackTimeoutMs);
      const settle = (status: number) => {
        clearTimeout(timer);
        target.deliveries.delete(id);
        resolve(status);
      };
      target.deliveries.set(id, settle);
      this.send(target, makeFrame(Kind.Indication, LpType.Message, { id, payload: message }));
    });
  }

  /**
   * Why a forwarded message was not delivered, for the sender's error response.
   *
   * @param to The target's id.
   * @param status What {@linkcode ClientTable.deliver} settled with, other than `Ok`.
   * @returns The reason.
   */
  undelivered(to: number, status: number): Reason {
    if (status === Status.Timeout) {
      return reason("ack-timeout", { id: to, seconds: this.#options.ackTimeoutMs / 1000 });
    }
    if (status === Status.Gone) return reason("target-gone", { id: to });
    return reason("target-refused", { id: to, status: statusName(status) });
  }

  /**
   * Drop a client, telling it why in a last `S` notice that replaces whatever it has not read
   * yet (see {@linkcode Outbox.farewell}); the log says the same, in the server's language.
   *
   * @param client The client.
   * @param status The notice's status.
   * @param why Why, for the notice and the log.
   */
  dismiss(client: LpClient, status: number, why: Reason): void {
    if (client.closing) return;
    this.say(client, sentence(why) ?? why.code);
    this.closeAfter(client, noticeOf(why, status), { farewell: true });
  }

  /**
   * Send one last frame, give it a moment to leave, then close. With `farewell`, the frame
   * replaces what is queued rather than waiting behind it.
   *
   * @param client The client.
   * @param frame The last frame.
   * @param options Whether the frame replaces what is queued.
   */
  closeAfter(client: LpClient, frame: Frame, { farewell = false } = {}): void {
    if (client.closing) return;
    if (farewell) client.outbox.farewell(encodeFrame(frame));
    else this.send(client, frame);
    client.closing = true;
    // Messages forwarded to it will not be acknowledged: their senders hear Gone now.
    for (const settle of client.deliveries.values()) settle(Status.Gone);
    this.track(this.#hangUp(client));
  }

  /**
   * Stop: send every client one last frame and hang up.
   *
   * @param frame The last frame, such as a "shutting down" notice.
   */
  closeAll(frame: Frame): void {
    this.stopping = true;
    for (const client of this.#clients.values()) this.closeAfter(client, frame);
  }

  /**
   * Keep a task (a forward, a hang-up) until it ends; its error is logged, never thrown.
   *
   * @param task The task.
   */
  track(task: Promise<void>): void {
    const tracked = task
      .catch((err) => this.#options.log(`${formatTimestamp()} ${errorMessage(err)}`))
      .finally(() => this.#tasks.delete(tracked));
    this.#tasks.add(tracked);
  }

  /** @returns Once every tracked task has ended, including those they started. */
  async settled(): Promise<void> {
    while (this.#tasks.size > 0) await Promise.all(this.#tasks);
  }

  #evictAfterMs(): number {
    return EVICT_AFTER_INTERVALS * this.#options.heartbeatMs;
  }

  /**
   * Check the client's silence when its deadline comes; if it was heard from meanwhile,
   * look again when its new deadline comes. One timer per client, not one per frame.
   */
  #armEviction(client: LpClient, delayMs: number): void {
    client.evictTimer = setTimeout(() => {
      // A client held back by back-pressure is alive as long as it reads our answers.
      const heard = client.paused
        ? Math.max(client.lastSeen, client.outbox.lastProgress)
        : client.lastSeen;
      const silentMs = Date.now() - heard;
      if (silentMs < this.#evictAfterMs()) {
        return this.#armEviction(client, this.#evictAfterMs() - silentMs);
      }
      const seconds = Math.round(silentMs / 100) / 10;
      const code = client.paused ? "evicted-not-reading" : "evicted-silent";
      this.dismiss(
        client,
        Status.Timeout,
        reason(code, { intervals: EVICT_AFTER_INTERVALS, seconds }),
      );
    }, delayMs);
  }

  /** Log why a client goes (unless it is already going), then close it. */
  #drop(client: LpClient, why: string): void {
    if (!client.closing) this.say(client, text("logDropped", { why }));
    this.#close(client);
  }

  /**
   * Once what is queued is written, half-close, and close when the client has closed too, all
   * within {@linkcode FAREWELL_MS}. Meanwhile the reader drops what the client still sends,
   * so the last frame is not destroyed by a reset (see `FrameConnection.discardInput`).
   */
  async #hangUp(client: LpClient): Promise<void> {
    const deadline = Date.now() + FAREWELL_MS;
    if (await withDeadline(client.outbox.drained(), FAREWELL_MS)) {
      await client.fc.closeWrite();
      await withDeadline(client.outbox.finished, deadline - Date.now()); // closed by the reader
    }
    this.#close(client);
  }

  /** Close at once, dropping what is queued; the read loop then ends and forgets the client. */
  #close(client: LpClient): void {
    client.closing = true;
    clearTimeout(client.evictTimer);
    client.outbox.close();
    client.fc.close();
  }
}

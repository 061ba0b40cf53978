/**
 * A client's outgoing queue on a framed server (chat, LP): bounded in bytes, written by one
 * task that hands the kernel everything queued in one write. It only queues and writes bytes;
 * they are encoded in lib/wire/.
 *
 * @module
 */

import { joinSmall } from "../wire/bytes.ts";

/** How big the queue may grow. */
export interface OutboxLimits {
  /**
   * Most bytes of messages (everything but file chunks) queued or being written. A client
   * that falls this far behind is too slow: {@linkcode Outbox.push} says so and the server
   * disconnects it, rather than buffer for it without end.
   */
  maxQueuedBytes: number;
  /**
   * Most bytes of file chunks queued or being written. {@linkcode Outbox.pushFlow} waits for
   * room, so a download goes as fast as the client reads and never crowds out messages.
   * Default 0: one chunk at a time (for a server that only pushes messages, as LP does).
   */
  flowWindowBytes?: number;
}

/**
 * Frames waiting to go to one client.
 *
 * @remarks
 * Messages (chat lines, LP replies) are pushed without waiting, so one slow reader never holds
 * up the others, and count against a byte limit; file chunks wait for room in a small window.
 * The writer takes everything queued and writes it at once: a burst of chat lines or pipelined
 * replies costs one system call, and a chat line waits behind at most the window's few chunks,
 * so it interleaves with a download.
 *
 * The writer runs only while there is something to write: an idle client holds no suspended
 * task and no promise here, which matters with a thousand idle clients (and a join storm wakes
 * every member's writer once per join).
 *
 * @example
 * ```ts ignore
 * const outbox = new Outbox((bytes) => writeAll(conn, bytes), limits, () => conn.close());
 * if (!outbox.push(encodeFrame(frame))) dropSlowClient();
 * ```
 */
export class Outbox {
  readonly #write: (bytes: Uint8Array) => Promise<void>;
  readonly #limits: OutboxLimits;
  readonly #onError: (err: unknown) => void;
  /**
   * What waits for the writer, in order. Plain byte arrays, not objects, because a broadcast
   * pushes one to every member's queue: the batch's byte counts are kept beside them instead.
   */
  #items: Uint8Array[] = [];
  /**
   * Where the last item in {@linkcode Outbox.#items} ends, counting what later pushes added to
   * it (-1 when it may not grow): the item itself is lengthened only when the writer takes it,
   * so a push that extends it costs two comparisons, not a new view.
   */
  #tailEnd = -1;
  /** The buffer the last item views (null once taken, so an idle outbox holds no buffer). */
  #tailBuffer: ArrayBufferLike | null = null;
  /** Bytes of messages, and of file chunks, in {@linkcode Outbox.#items}. */
  #itemMessageBytes = 0;
  #itemFlowBytes = 0;
  /** Bytes of messages, and of file chunks, queued or being written. */
  #messageBytes = 0;
  #flowBytes = 0;
  /** A write is in progress. */
  #writing = false;
  /** The writer is scheduled or running. */
  #running = false;
  #closed = false;
  /** A farewell is queued: nothing more is taken, and the outbox closes once it is written. */
  #sealed = false;
  /** The writer has stopped for good (closed, and no write in progress). */
  #stopped = false;
  /**
   * The large file-chunk items queued or being written (payloads, which are never joined):
   * each gives its bytes back to the window as soon as it is written, not with its batch.
   */
  #flowItems = new Set<Uint8Array>();
  #waiters: (() => void)[] = [];
  /** Made only when someone asks for {@linkcode Outbox.finished} before the writer stops. */
  #finished: PromiseWithResolvers<void> | null = null;

  /**
   * Make an empty outbox; its writer starts when something is queued.
   *
   * @param write Writes all of its bytes, such as `writeAll` on a connection.
   * @param limits The byte limits.
   * @param onError Called once if a write fails; the outbox is closed by then.
   */
  constructor(
    write: (bytes: Uint8Array) => Promise<void>,
    limits: OutboxLimits,
    onError: (err: unknown) => void = () => {},
  ) {
    this.#write = write;
    this.#limits = limits;
    this.#onError = onError;
  }

  /** Bytes queued or being written. */
  get queuedBytes(): number {
    return this.#messageBytes + this.#flowBytes;
  }

  /** `Date.now()` when a write last completed (or when the outbox was made). */
  lastProgress = Date.now();

  /** Bytes of messages (not file chunks) queued or being written. */
  get messageBytes(): number {
    return this.#messageBytes;
  }

  /** Whether {@linkcode Outbox.close} was called or a write failed. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Queue a message.
   *
   * @param bytes One or more encoded frames.
   * @param buffer `bytes.buffer`: a broadcast looks it up once for all its members, because
   *   the lookup costs more than the rest of a push.
   * @param now Start writing at once if the writer is idle, instead of at the end of the
   *   event loop's turn: for a server answering the last request it has read, which nothing
   *   else this turn would share the write with (about 2 µs of a 31 µs round trip here, see
   *   docs/PERFORMANCE.md).
   * @returns `false` when the message queue is full (the client is too slow), `true` when
   *   queued, or dropped because the outbox is closed.
   */
  push(bytes: Uint8Array, buffer: ArrayBufferLike = bytes.buffer, now = false): boolean {
    if (this.#closed || this.#sealed) return true;
    // An empty queue takes anything, so one large reply (a long file list) always fits.
    if (this.#messageBytes > 0 && this.#messageBytes + bytes.length > this.#limits.maxQueuedBytes) {
      return false;
    }
    this.#messageBytes += bytes.length;
    this.#enqueue(bytes, buffer, false, now);
    return true;
  }

  /**
   * Queue one message given in pieces, which go out back to back and are never copied on
   * their way into the queue (a join reply whose name list is shared by many replies).
   *
   * @param pieces The message's bytes, in order.
   * @returns As for {@linkcode Outbox.push}, the pieces counting as one message.
   */
  pushPieces(pieces: readonly Uint8Array[]): boolean {
    if (this.#closed || this.#sealed) return true;
    let size = 0;
    for (const piece of pieces) size += piece.length;
    if (this.#messageBytes > 0 && this.#messageBytes + size > this.#limits.maxQueuedBytes) {
      return false;
    }
    this.#messageBytes += size;
    for (const piece of pieces) this.#enqueue(piece, piece.buffer, false);
    return true;
  }

  /**
   * Queue a file chunk once the window has room.
   *
   * @param bytes An encoded chunk frame, or its parts in order (a header, then the payload as
   *   it is, so a large payload is never copied); they go out back to back.
   * @throws {Deno.errors.BrokenPipe} When the outbox is closed before or while waiting.
   */
  async pushFlow(bytes: Uint8Array | readonly Uint8Array[]): Promise<void> {
    const parts = bytes instanceof Uint8Array ? [bytes] : bytes;
    let size = 0;
    for (const part of parts) size += part.length;
    while (
      !this.#closed && !this.#sealed && this.#flowBytes > 0 &&
      this.#flowBytes + size > (this.#limits.flowWindowBytes ?? 0)
    ) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    if (this.#closed || this.#sealed) {
      throw new Deno.errors.BrokenPipe("The connection is closed");
    }
    this.#flowBytes += size;
    for (const part of parts) this.#enqueue(part, part.buffer, true);
  }

  /**
   * Wait until everything queued so far is written, or the outbox is closed.
   */
  async drained(): Promise<void> {
    while (!this.#closed && (this.#items.length > 0 || this.#writing)) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /**
   * Wait until at most `bytes` of messages are queued, or the outbox is closed or has said its
   * {@linkcode Outbox.farewell}. A server that
   * waits for this before reading a client's next request slows a fast sender down to the pace
   * at which it reads its own replies, instead of queueing for it without end.
   *
   * @param bytes The low-water mark.
   */
  async messagesBelow(bytes: number): Promise<void> {
    while (!this.#closed && !this.#sealed && this.#messageBytes > bytes) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /**
   * Say goodbye: drop what is queued but not yet being written, queue `last` (the reason the
   * peer is being dropped) behind the write in progress, and take nothing more. The stream
   * stays frame-aligned, because a write in progress is always a whole batch of frames.
   * {@linkcode Outbox.drained} resolves once `last` is written; the caller closes the
   * connection then, or after a deadline if the peer reads nothing at all.
   *
   * @param last One encoded frame.
   */
  farewell(last: Uint8Array): void {
    if (this.#closed || this.#sealed) return;
    this.#messageBytes -= this.#itemMessageBytes;
    this.#flowBytes -= this.#itemFlowBytes;
    for (const item of this.#items) this.#flowItems.delete(item);
    this.#items = [];
    this.#tailEnd = -1;
    this.#tailBuffer = null;
    this.#itemMessageBytes = 0;
    this.#itemFlowBytes = 0;
    this.#messageBytes += last.length;
    this.#enqueue(last, last.buffer, false);
    this.#sealed = true;
    this.#wake(); // a download waiting for window room gives up
  }

  /** Stop: drop what is queued, wake every waiter. Safe to call more than once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#items = [];
    this.#flowItems.clear();
    this.#tailEnd = -1;
    this.#tailBuffer = null;
    this.#itemMessageBytes = 0;
    this.#itemFlowBytes = 0;
    this.#wake();
    if (!this.#running) this.#stop();
  }

  /** Resolves once the writer has stopped (after {@linkcode Outbox.close} or a failed write). */
  get finished(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#finished ??= Promise.withResolvers<void>();
    return this.#finished.promise;
  }

  #enqueue(bytes: Uint8Array, buffer: ArrayBufferLike, flow: boolean, now = false): void {
    // Broadcasts encoded one after another by a FrameArena (lib/wire/frame_arena.ts) become
    // one view of it, not copied.
    if (bytes.byteOffset === this.#tailEnd && buffer === this.#tailBuffer) {
      this.#tailEnd += bytes.length;
    } else {
      this.#sealTail();
      this.#items.push(bytes);
      // Written on its own (never joined), so the writer knows it again once written.
      if (flow && bytes.length >= JOIN_LIMIT) this.#flowItems.add(bytes);
      this.#tailEnd = bytes.byteOffset + bytes.length;
      this.#tailBuffer = buffer;
    }
    if (flow) this.#itemFlowBytes += bytes.length;
    else this.#itemMessageBytes += bytes.length;
    if (this.#running) return; // the writer takes it with the rest
    this.#running = true;
    if (now) {
      this.#writeQueued().catch(() => {}); // it reports a failed write through onError
      return;
    }
    // Write once the current turn of the event loop is done, not at the first push: the frames
    // every reader handles in this turn then go out in one system call, instead of the first
    // alone and the rest in a second one. One immediate for every outbox due, not one each,
    // because a broadcast wakes a writer per member (see docs/PERFORMANCE.md).
    Outbox.#due.push(this);
    if (!Outbox.#scheduled) {
      Outbox.#scheduled = true;
      setImmediate(Outbox.#startWriters);
    }
  }

  /**
   * Outboxes whose writer is to start at the end of this turn, or of a later one when many,
   * from {@linkcode Outbox.#nextDue} on. A broadcast to 10,000 members puts them all here, so
   * the list is walked with an index: cutting off each turn's share by copying the rest cost
   * a copy of the list per turn, 157 turns per broadcast.
   */
  static #due: Outbox[] = [];
  static #nextDue = 0;
  /** What a started writer's place in {@linkcode Outbox.#due} holds instead of its outbox. */
  static readonly #started = new Outbox(() => Promise.resolve(), { maxQueuedBytes: 0 });
  /** A turn is scheduled to start writers. */
  static #scheduled = false;

  /**
   * Start the writers due, at most {@linkcode WRITERS_PER_TURN} of them; the rest in the next
   * turn, and so on.
   */
  static #startWriters(): void {
    const due = Outbox.#due;
    const from = Outbox.#nextDue, to = Math.min(due.length, from + WRITERS_PER_TURN);
    Outbox.#nextDue = to;
    for (let i = from; i < to; i++) {
      due[i].#writeQueued().catch(() => {}); // it reports a failed write through onError
      due[i] = Outbox.#started; // not kept alive by the list once its writer runs
    }
    if (Outbox.#nextDue < due.length) {
      if (Outbox.#nextDue >= COMPACT_DUE) {
        Outbox.#due = due.slice(Outbox.#nextDue);
        Outbox.#nextDue = 0;
      }
      setImmediate(Outbox.#startWriters);
    } else {
      Outbox.#due = [];
      Outbox.#nextDue = 0;
      Outbox.#scheduled = false;
    }
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  #stop(): void {
    this.#stopped = true;
    this.#finished?.resolve();
  }

  /** Give the last item the length that pushes since have added to it. */
  #sealTail(): void {
    const items = this.#items;
    const last = items[items.length - 1];
    if (last !== undefined && this.#tailEnd !== last.byteOffset + last.length) {
      const grown = new Uint8Array(last.buffer, last.byteOffset, this.#tailEnd - last.byteOffset);
      items[items.length - 1] = grown;
      if (this.#flowItems.delete(last)) this.#flowItems.add(grown);
    }
  }

  /** Write until nothing is queued, then stop until the next push. */
  async #writeQueued(): Promise<void> {
    try {
      while (!this.#closed && this.#items.length > 0) {
        this.#sealTail();
        this.#tailEnd = -1; // what is written must not grow
        this.#tailBuffer = null;
        const batch = this.#items;
        const messages = this.#itemMessageBytes, flow = this.#itemFlowBytes;
        this.#items = [];
        this.#itemMessageBytes = 0;
        this.#itemFlowBytes = 0;
        this.#writing = true;
        let flowLeft = flow; // given back when the batch is done
        try {
          // Small items are joined into one write; a large one (a chunk's payload) goes out as
          // it is, never copied.
          for (const bytes of joinSmall(batch, JOIN_LIMIT)) {
            await this.#write(bytes);
            if (this.#flowItems.delete(bytes)) {
              // A sliding window: the next chunk is queued (and its piece read and hashed)
              // while the rest of this batch is written, so the socket never runs dry.
              const done = Math.min(bytes.length, flowLeft);
              flowLeft -= done;
              this.#flowBytes -= done;
              this.#wake();
            }
          }
        } catch (err) {
          if (!this.#closed) {
            this.close();
            this.#onError(err);
          }
          return;
        } finally {
          this.#writing = false;
          this.lastProgress = Date.now();
          this.#messageBytes -= messages;
          this.#flowBytes -= flowLeft;
        }
        this.#wake();
      }
    } finally {
      this.#running = false;
      if (this.#closed) this.#stop();
    }
  }
}

/**
 * Most writers started in one turn of the event loop: the runtime allows only so many socket
 * operations per turn, and a write past them waits for a later event to be retried, so a
 * broadcast's writes are spread over turns instead; see docs/PERFORMANCE.md.
 */
const WRITERS_PER_TURN = 64;

/**
 * Once this many started writers sit at the head of the due list, it is copied without them:
 * under a load that never lets the list empty, it would otherwise grow without end.
 */
const COMPACT_DUE = 64 * 1024;

/**
 * Items at least this large are written on their own rather than copied into a joined buffer:
 * at file-chunk sizes a copy costs more than the extra system call.
 */
const JOIN_LIMIT = 64 * 1024;

/**
 * A TCP connection that reads and writes whole frames. It only buffers: the byte format lives
 * in `frame.ts`, what a frame means lives in the program.
 *
 * @module
 */

import { joinSmall, writeAll } from "./bytes.ts";
import { FrameArena } from "./frame_arena.ts";
import { encodeFrames, encodeHeader, type Frame, FrameDecoder } from "./frame.ts";

/**
 * Read buffer sizes, smallest first; a read that fills the buffer moves the connection to the
 * next size. 1 KiB holds a heartbeat, a join and most chat lines and LP requests; an idle
 * connection waits in a read all the time, so its buffer is memory held per member: at 4 KiB
 * it was over a third of an idle chat member's heap (a heap snapshot with 3,000 members, see
 * docs/PERFORMANCE.md). A long chat line moves a connection to the middle step; one moving bulk
 * data reaches 256 KiB within a few reads, and a read then carries a good part of a file chunk.
 */
const READ_SIZES = [1024, 64 * 1024, 256 * 1024];

/**
 * Payloads at least this large are read straight into their own buffer, and written without
 * being copied next to their header: at file-transfer sizes a copy costs more than a system
 * call.
 */
const DIRECT_SIZE = 64 * 1024;

/**
 * Longest read between frames while a stream moves large payloads: the next header and the
 * start of its payload, or a few small frames whole. Reading the full buffer there would copy
 * most of the next payload through it (see {@linkcode FrameConnection.read}).
 */
const BULK_GAP_READ = 4 * 1024;

/** The minimal part of `Deno.Conn` this wrapper uses, so tests can pass a fake. */
export interface ByteStream {
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  close(): void;
  closeWrite?(): Promise<void>;
}

/**
 * Frames over a byte stream.
 *
 * @remarks
 * Reads: {@linkcode FrameConnection.read} returns `null` when the peer closes cleanly between
 * frames and throws a {@linkcode ProtocolError} (`truncated`) when it closes inside one.
 * Writes: each call is written fully and in call order, even when several tasks write at once,
 * so frames from different tasks never interleave byte-wise.
 *
 * @example Read frames until the peer closes
 * ```ts ignore
 * const fc = new FrameConnection(await Deno.connect({ port: 4579 }));
 * for await (const frame of fc) console.log(frame.type);
 * ```
 */
export class FrameConnection {
  readonly conn: ByteStream;
  readonly #decoder: FrameDecoder;
  #buffer = new Uint8Array(READ_SIZES[0]);
  #sizeStep = 0;
  /** The last payload read was a large one: the peer is sending a file. */
  #bulk = false;
  #ready: Frame[] = [];
  #readyAt = 0;
  /** Bytes waiting for the write in progress to finish, and the promise their callers hold. */
  #queued: { parts: Uint8Array[]; done: PromiseWithResolvers<void> } | null = null;
  #writing = false;
  #closed = false;

  /**
   * @param conn The connected stream, usually a `Deno.Conn`.
   * @param options.maxPayload Largest payload accepted from the peer (default 1 MiB).
   */
  constructor(conn: ByteStream, options: { maxPayload?: number } = {}) {
    this.conn = conn;
    this.#decoder = new FrameDecoder(options);
  }

  /**
   * Read the next frame.
   *
   * @remarks
   * The rest of a large payload goes from the kernel straight into the payload's buffer. While
   * a file moves, the read between two payloads is kept short ({@linkcode BULK_GAP_READ}): a
   * full buffer there would carry most of the next payload, copied once more on its way into
   * its buffer, and the reads can lock into that phase for a whole file (0.15–0.3 CPU-s per
   * GiB of copying on the receiver here, against one extra short read per chunk).
   *
   * @returns The frame, or `null` at a clean end of stream.
   * @throws {ProtocolError} On malformed bytes or a close in the middle of a frame.
   */
  async read(): Promise<Frame | null> {
    while (this.#readyAt >= this.#ready.length) {
      this.#decoder.throwIfFailed(); // bad bytes behind the frames just returned
      const space = this.#decoder.payloadSpace();
      const direct = space !== null && space.length > 0 &&
        (space.length >= DIRECT_SIZE || this.#bulk);
      const into = direct
        ? space
        : this.#bulk
        ? this.#buffer.subarray(0, BULK_GAP_READ)
        : this.#buffer;
      const n = await this.conn.read(into);
      if (n === null) {
        this.#decoder.end();
        return null;
      }
      if (direct) {
        this.#bulk = true;
        this.#ready = this.#decoder.filled(n);
      } else {
        this.#ready = this.#decoder.push(this.#buffer.subarray(0, n));
        if (n === this.#buffer.length && this.#sizeStep < READ_SIZES.length - 1) {
          this.#buffer = new Uint8Array(READ_SIZES[++this.#sizeStep]);
        }
        // A large payload begun by this read is finished straight into its buffer; a small
        // frame last (a chat line, the end of a transfer) ends the file's pattern of reads.
        const rest = this.#decoder.payloadSpace();
        const last = this.#ready[this.#ready.length - 1];
        if (rest !== null && rest.length >= DIRECT_SIZE) this.#bulk = true;
        else if (rest === null && last !== undefined) {
          this.#bulk = last.payload.length >= DIRECT_SIZE;
        }
      }
      this.#readyAt = 0;
    }
    return this.#ready[this.#readyAt++];
  }

  /** Frames already read off the socket that {@linkcode FrameConnection.read} returns at once. */
  get readyFrames(): number {
    return this.#ready.length - this.#readyAt;
  }

  /** Iterate over frames until the peer closes. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Frame> {
    for (let f = await this.read(); f !== null; f = await this.read()) yield f;
  }

  /**
   * Write frames after every earlier write has finished.
   *
   * @remarks
   * Frames written while an earlier write is still in progress wait, and then go out together
   * in one system call: a burst of small frames costs one write, not one each. A large payload
   * is written from its own buffer, after its header, rather than copied.
   *
   * @param frames One frame or several.
   * @returns Resolves once the kernel has every byte.
   * @throws {TypeError | RangeError} When a header field does not fit (nothing is written).
   */
  write(frames: Frame | readonly Frame[]): Promise<void> {
    const parts = encodeParts(Array.isArray(frames) ? frames : [frames as Frame]);
    this.#queued ??= { parts: [], done: Promise.withResolvers<void>() };
    this.#queued.parts.push(...parts);
    const done = this.#queued.done.promise;
    if (!this.#writing) this.#flush();
    return done;
  }

  async #flush(): Promise<void> {
    this.#writing = true;
    while (this.#queued !== null) {
      const batch = this.#queued;
      this.#queued = null;
      try {
        for (const part of joinSmall(batch.parts, DIRECT_SIZE)) await writeAll(this.conn, part);
        batch.done.resolve();
      } catch (err) {
        // Only the callers of this batch see it; a later batch is tried on its own.
        batch.done.reject(err);
      }
    }
    this.#writing = false;
  }

  /**
   * Read and drop whatever the peer still sends, until it closes its side or this connection is
   * closed. A server that is hanging up does this instead of reading frames, and does not close
   * until the peer has read its last frame and closed, or a deadline has passed.
   *
   * @remarks
   * Closing a socket that still has unread bytes makes the kernel answer with a reset instead
   * of an orderly close, and a reset destroys what the peer has not read yet: the very frame
   * that told it why it is being dropped.
   *
   * @returns Resolves at the peer's end of stream, or when the connection fails or is closed.
   */
  async discardInput(): Promise<void> {
    try {
      while (await this.conn.read(this.#buffer) !== null) { /* dropped */ }
    } catch {
      // Closed by us or reset by the peer: either way there is nothing left to read.
    }
  }

  /**
   * Half-close: tell the peer that nothing more will come (a FIN after the bytes already
   * written), while still reading. Safe to call when already closed.
   */
  async closeWrite(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.conn.closeWrite?.();
    } catch {
      // Already closed or reset: nothing to finish.
    }
  }

  /** Close the underlying stream; safe to call more than once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.conn.close();
    } catch {
      // Already closed by the peer side or by a failed write: nothing left to release.
    }
  }
}

/**
 * Where small frames are encoded, for every connection: a view of a shared buffer is written
 * as it is, where a fresh small array is first moved out of V8's heap for the system call. A
 * view keeps the whole buffer alive until written, which is soon here: these are a client's own
 * requests. A server's replies to many clients go through an `Outbox` in buffers of their own,
 * so that one client that reads nothing cannot hold shared buffers for every small reply.
 */
const smallFrames = new FrameArena(64 * 1024);

/** Frames as byte parts: small frames encoded together, a large payload kept apart. */
function encodeParts(frames: readonly Frame[]): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let run: Frame[] = [];
  for (const frame of frames) {
    if (frame.payload.length < DIRECT_SIZE) {
      run.push(frame);
      continue;
    }
    if (run.length > 0) parts.push(encodeFrames(run));
    run = [];
    parts.push(encodeHeader(frame), frame.payload);
  }
  if (run.length > 0) parts.push(run.length === 1 ? smallFrames.encode(run[0]) : encodeFrames(run));
  return parts;
}

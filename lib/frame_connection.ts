/**
 * A TCP connection that reads and writes whole frames. It only buffers: the byte format lives
 * in `frame.ts`, what a frame means lives in the program.
 *
 * @module
 */

import { encodeFrames, type Frame, FrameDecoder } from "./frame.ts";

/**
 * Bytes asked of the kernel per read. Large enough that a file transfer moves a whole chunk
 * per read; the decoder copies out what it needs, so one buffer serves every read.
 */
const READ_SIZE = 256 * 1024;

/** The minimal part of `Deno.Conn` this wrapper uses, so tests can pass a fake. */
export interface ByteStream {
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  close(): void;
}

/**
 * Write every byte of `data`, however many calls the kernel needs.
 *
 * @param conn Where to write.
 * @param data The bytes.
 */
export async function writeAll(conn: Pick<ByteStream, "write">, data: Uint8Array): Promise<void> {
  let at = 0;
  while (at < data.length) at += await conn.write(data.subarray(at));
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
  readonly #buffer = new Uint8Array(READ_SIZE);
  #ready: Frame[] = [];
  #readyAt = 0;
  #writing: Promise<void> = Promise.resolve();
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
   * @returns The frame, or `null` at a clean end of stream.
   * @throws {ProtocolError} On malformed bytes or a close in the middle of a frame.
   */
  async read(): Promise<Frame | null> {
    while (this.#readyAt >= this.#ready.length) {
      const n = await this.conn.read(this.#buffer);
      if (n === null) {
        this.#decoder.end();
        return null;
      }
      this.#ready = this.#decoder.push(this.#buffer.subarray(0, n));
      this.#readyAt = 0;
    }
    return this.#ready[this.#readyAt++];
  }

  /** Iterate over frames until the peer closes. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Frame> {
    for (let f = await this.read(); f !== null; f = await this.read()) yield f;
  }

  /**
   * Write frames as one buffer, after every earlier write has finished.
   *
   * @param frames One frame or several; several go out in a single write.
   * @returns Resolves once the kernel has every byte.
   */
  write(frames: Frame | readonly Frame[]): Promise<void> {
    const bytes = encodeFrames(Array.isArray(frames) ? frames : [frames as Frame]);
    const next = this.#writing.then(() => writeAll(this.conn, bytes));
    // A failed write must not poison later ones' ordering; the caller of this write sees it.
    this.#writing = next.catch(() => {});
    return next;
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

/**
 * Frames encoded back to back into shared buffers, for a server that sends the same frames to
 * many clients.
 *
 * @module
 */

import { encodeFrame, encodeFrameInto, type Frame, HEADER_SIZE } from "./frame.ts";

/**
 * Default size of each {@linkcode FrameArena} buffer: large enough that a member's batch
 * rarely spans two buffers (which costs a copy); see docs/PERFORMANCE.md. Memory stays bounded:
 * a buffer lives only while a queued view needs it, and a member is dropped once a queue's
 * worth of newer broadcasts waits for it, so only the last few buffers are ever kept.
 */
const ARENA_SIZE = 1024 * 1024;

/**
 * Encodes frames back to back into shared buffers.
 *
 * @remarks
 * Each frame comes back as a view just after the previous one's, and an `Outbox` turns
 * neighbouring views into one longer view. A member that receives a turn's broadcasts one
 * after another then has one item to write, with no copy; joining them per member instead
 * copied every message once for every member. Written bytes are never changed: a full buffer
 * is left to the views that still need it, and a new one begun.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { Kind, makeFrame } from "./frame.ts";
 * const arena = new FrameArena();
 * const a = arena.encode(makeFrame(Kind.Indication, "C", { payload: { text: "hi" } }));
 * const b = arena.encode(makeFrame(Kind.Indication, "C", { payload: { text: "yo" } }));
 * equal(b.byteOffset, a.byteOffset + a.length);
 * ```
 */
export class FrameArena {
  readonly #size: number;
  #buffer: Uint8Array;
  #used = 0;

  /** @param size Bytes per buffer; a frame over a quarter of it gets a buffer of its own. */
  constructor(size = ARENA_SIZE) {
    this.#size = size;
    this.#buffer = new Uint8Array(size);
  }

  /**
   * Encode a frame.
   *
   * @param frame The frame.
   * @returns Its bytes: a view of the shared buffer, or a buffer of its own when large.
   * @throws {TypeError | RangeError} When a header field does not fit.
   */
  encode(frame: Frame): Uint8Array {
    const size = HEADER_SIZE + frame.payload.length;
    if (size > this.#size / 4) return encodeFrame(frame);
    if (this.#used + size > this.#size) {
      this.#buffer = new Uint8Array(this.#size);
      this.#used = 0;
    }
    const at = this.#used;
    this.#used += encodeFrameInto(frame, this.#buffer, at);
    return this.#buffer.subarray(at, this.#used);
  }
}

/**
 * A limit on how many things several threads hold at once, such as clients across worker
 * threads: a count in shared memory, taken with a compare-and-swap loop and never locked.
 *
 * @module
 */

/**
 * A count shared by threads that never goes above `max`.
 *
 * @remarks
 * "Is there room? then take it" is two steps. On one event loop nothing runs between them; on
 * two threads, both can see 4 of 5 taken and both take the fifth. `Atomics.add` alone would
 * not do either: it always adds, so a full count goes over and must be undone, and meanwhile
 * another thread sees a count above `max`. `Atomics.compareExchange` writes `seen + 1` only if
 * the cell still holds `seen`; if another thread got in between, we read its value and retry.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * const limit = new SharedLimit(1);
 * equal(limit.tryAcquire(), 1);
 * equal(limit.tryAcquire(), undefined);
 * equal(limit.release(), 0);
 * ```
 */
export class SharedLimit {
  /** The shared memory: pass it to another thread and build a `SharedLimit` on it there. */
  readonly buffer: SharedArrayBuffer;
  /** Most holders at once. */
  readonly max: number;
  readonly #count: Int32Array;

  /**
   * @param max Most holders at once, from 1.
   * @param buffer Another thread's `buffer`, to share its count; a new count at 0 when omitted.
   * @throws {RangeError} When `max` is not a whole number from 1.
   */
  constructor(max: number, buffer: SharedArrayBuffer = new SharedArrayBuffer(4)) {
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(`Invalid limit "${max}": expected a whole number from 1`);
    }
    this.max = max;
    this.buffer = buffer;
    this.#count = new Int32Array(buffer, 0, 1);
  }

  /** How many hold a place now (it may change as soon as it is read). */
  get count(): number {
    return Atomics.load(this.#count, 0);
  }

  /**
   * Take a place if there is one.
   *
   * @returns The count including ours, or `undefined` when all `max` places are taken.
   */
  tryAcquire(): number | undefined {
    let seen = Atomics.load(this.#count, 0);
    while (seen < this.max) {
      const before = Atomics.compareExchange(this.#count, 0, seen, seen + 1);
      if (before === seen) return seen + 1; // nobody changed it in between: the place is ours
      seen = before; // another thread did: check again with its value
    }
    return undefined;
  }

  /**
   * Give a place back; only after a successful {@linkcode SharedLimit.tryAcquire}.
   *
   * @returns The count without ours.
   */
  release(): number {
    return Atomics.sub(this.#count, 0, 1) - 1;
  }
}

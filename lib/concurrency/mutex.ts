/**
 * A lock for threads that share memory, built on `Atomics.wait` and `Atomics.notify`.
 *
 * One event loop needs no lock: a task runs until it awaits, so a few statements in a row are
 * never interrupted. Worker threads run truly at the same time, and a section longer than one
 * `Atomics` call (several cells of a `SharedArrayBuffer` that must change together) needs one
 * thread at a time. This is the smallest correct mutex: one Int32 cell, 0 when free, 1 when held.
 *
 * @module
 */

const UNLOCKED = 0;
const LOCKED = 1;

/**
 * A mutual-exclusion lock in one Int32 cell of shared memory. Every thread that builds a
 * `Mutex` on the same cell shares the lock.
 *
 * @remarks
 * `lock()` blocks the whole thread in `Atomics.wait` while another thread holds the lock, so
 * its event loop stops too. Keep the section short and never `await` inside it: the lock would
 * then be held across turns of the event loop, and every other thread would sleep that long.
 * Blocking is why a browser forbids `Atomics.wait` on its main thread; Deno allows it, but a
 * server's main thread should not block either, so our workers take the lock and it does not.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * const cells = new Int32Array(new SharedArrayBuffer(8));
 * const mutex = new Mutex(cells, 0);
 * equal(mutex.withLock(() => ++cells[1]), 1);
 * ```
 */
export class Mutex {
  readonly #cells: Int32Array;
  readonly #index: number;

  /**
   * @param cells An Int32Array over a `SharedArrayBuffer`, shared by every thread.
   * @param index The cell that is the lock; it must start at 0 (free).
   * @throws {TypeError} When `cells` is not over a `SharedArrayBuffer`.
   */
  constructor(cells: Int32Array, index: number) {
    if (!(cells.buffer instanceof SharedArrayBuffer)) {
      throw new TypeError("A Mutex needs an Int32Array over a SharedArrayBuffer");
    }
    this.#cells = cells;
    this.#index = index;
  }

  /** Take the lock, sleeping while another thread holds it. */
  lock(): void {
    // Take it only if it is free, in one atomic step. If another thread holds it, sleep until
    // the cell is no longer LOCKED (wait returns at once if it already changed), then try again.
    while (Atomics.compareExchange(this.#cells, this.#index, UNLOCKED, LOCKED) !== UNLOCKED) {
      Atomics.wait(this.#cells, this.#index, LOCKED);
    }
  }

  /**
   * Release the lock and wake one sleeping thread, if any.
   *
   * @throws {Error} When the lock was not held: a bug in the caller.
   */
  unlock(): void {
    if (Atomics.compareExchange(this.#cells, this.#index, LOCKED, UNLOCKED) !== LOCKED) {
      throw new Error("Mutex.unlock() called on a mutex that is not locked");
    }
    Atomics.notify(this.#cells, this.#index, 1);
  }

  /**
   * Run a synchronous section with the lock held, and release it however the section ends.
   *
   * @param section The work to do under the lock; it must not be async.
   * @returns What `section` returned.
   */
  withLock<T>(section: () => T): T {
    this.lock();
    try {
      return section();
    } finally {
      this.unlock();
    }
  }
}

/**
 * A counting semaphore: at most N holders at once, the rest wait in arrival order.
 *
 * @module
 */

/**
 * A fixed number of slots. {@linkcode Semaphore.acquire} takes one or waits, first come first
 * served, for one to be released; waiting can be abandoned with an AbortSignal.
 *
 * @remarks
 * JavaScript runs one callback at a time, so the count needs no lock: checking it and taking a
 * slot happen in one step that nothing can interrupt.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * const slots = new Semaphore(1);
 * await slots.acquire();
 * const second = slots.acquire();
 * equal(slots.waiting, 1);
 * slots.release(); // hands the slot straight to the waiter
 * await second;
 * equal(slots.available, 0);
 * slots.release();
 * equal(slots.available, 1);
 * ```
 */
export class Semaphore {
  readonly #waiters: Array<() => void> = [];
  #available: number;

  /**
   * @param slots How many holders at once; a positive whole number.
   * @throws {RangeError} When `slots` is not a positive whole number.
   */
  constructor(slots: number) {
    if (!Number.isInteger(slots) || slots < 1) {
      throw new RangeError(`Invalid slot count "${slots}": expected a positive whole number`);
    }
    this.#available = slots;
  }

  /** Free slots right now. */
  get available(): number {
    return this.#available;
  }

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Take a slot, waiting for one if all are taken.
   *
   * @param signal Aborting it gives up the wait; the slot is then not taken.
   * @throws {DOMException} The signal's reason, when aborted before a slot was free.
   */
  acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.#available > 0) {
      this.#available--;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener("abort", giveUp);
        resolve();
      };
      const giveUp = () => {
        this.#waiters.splice(this.#waiters.indexOf(grant), 1);
        reject(signal?.reason);
      };
      this.#waiters.push(grant);
      signal?.addEventListener("abort", giveUp, { once: true });
    });
  }

  /** Give a slot back: to the longest waiter if there is one, else to the pool. */
  release(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#available++;
  }
}

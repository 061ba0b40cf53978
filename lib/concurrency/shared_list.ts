/**
 * A short list of strings in shared memory, changed by several threads under a {@linkcode Mutex}:
 * the critical section that is longer than one number, such as the addresses of the clients a
 * server's worker threads serve.
 *
 * @module
 */

import { Mutex } from "./mutex.ts";

/** Longest entry in bytes of UTF-8: an IPv6 address with brackets and a port fits in 64. */
export const ENTRY_BYTES = 64;

/**
 * A list of at most `capacity` strings that worker threads share.
 *
 * @remarks
 * Adding an entry means finding a free slot, writing its bytes and its length: several cells
 * that must change together. Two threads doing that at once could pick the same slot, and a
 * reader could see half an entry. `Atomics` makes one cell safe, not several, so every method
 * holds the mutex for its whole section.
 *
 * Layout of `buffer`: Int32 cell 0 is the lock, cells 1..capacity the length of each slot's
 * entry (0 for a free slot), then `capacity` slots of {@linkcode ENTRY_BYTES} bytes.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * const list = new SharedList(2);
 * list.add("127.0.0.1:40000");
 * deepStrictEqual(list.add("127.0.0.1:40002"), ["127.0.0.1:40000", "127.0.0.1:40002"]);
 * deepStrictEqual(list.remove("127.0.0.1:40000"), ["127.0.0.1:40002"]);
 * ```
 */
export class SharedList {
  /** The shared memory: pass it to another thread and build a `SharedList` on it there. */
  readonly buffer: SharedArrayBuffer;
  readonly capacity: number;
  readonly #cells: Int32Array;
  readonly #bytes: Uint8Array;
  readonly #mutex: Mutex;

  /**
   * @param capacity Most entries, from 1.
   * @param buffer Another thread's `buffer`, to share its list; a new empty list when omitted.
   */
  constructor(capacity: number, buffer?: SharedArrayBuffer) {
    const header = 4 * (1 + capacity);
    this.buffer = buffer ?? new SharedArrayBuffer(header + capacity * ENTRY_BYTES);
    this.capacity = capacity;
    this.#cells = new Int32Array(this.buffer, 0, 1 + capacity);
    this.#bytes = new Uint8Array(this.buffer, header, capacity * ENTRY_BYTES);
    this.#mutex = new Mutex(this.#cells, 0);
  }

  /**
   * Add an entry.
   *
   * @param entry The string, at most {@linkcode ENTRY_BYTES} bytes of UTF-8.
   * @returns Every entry just after ours was added, in slot order.
   * @throws {RangeError} When the entry is too long or the list is full.
   */
  add(entry: string): string[] {
    const bytes = new TextEncoder().encode(entry);
    if (bytes.length === 0 || bytes.length > ENTRY_BYTES) {
      throw new RangeError(`Invalid entry "${entry}": expected 1 to ${ENTRY_BYTES} bytes`);
    }
    return this.#mutex.withLock(() => {
      const slot = this.#cells.subarray(1).indexOf(0);
      if (slot < 0) throw new RangeError(`SharedList is full (${this.capacity} entries)`);
      this.#bytes.set(bytes, slot * ENTRY_BYTES);
      this.#cells[1 + slot] = bytes.length;
      return this.#read();
    });
  }

  /**
   * Remove one entry equal to `entry`, if there is one.
   *
   * @param entry The string.
   * @returns Every entry just after ours was removed.
   */
  remove(entry: string): string[] {
    return this.#mutex.withLock(() => {
      const slot = this.#read(true).indexOf(entry);
      if (slot >= 0) this.#cells[1 + slot] = 0;
      return this.#read();
    });
  }

  /** @returns Every entry now, in slot order. */
  entries(): string[] {
    return this.#mutex.withLock(() => this.#read());
  }

  /** The entries, with the lock held; with `bySlot`, one item per slot ("" for a free one). */
  #read(bySlot = false): string[] {
    const decoder = new TextDecoder();
    const all: string[] = [];
    for (let slot = 0; slot < this.capacity; slot++) {
      const length = this.#cells[1 + slot];
      const start = slot * ENTRY_BYTES;
      // slice() copies out of shared memory: TextDecoder does not read a SharedArrayBuffer.
      if (length > 0) all.push(decoder.decode(this.#bytes.slice(start, start + length)));
      else if (bySlot) all.push("");
    }
    return all;
  }
}

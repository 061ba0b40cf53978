/**
 * One read always in flight on a source of values, so a client can wait for whichever comes
 * first, a line typed or a line from the server, without starting a second read on either.
 *
 * @module
 */

/**
 * Keeps exactly one `next()` of a source pending until it is used. A read that fails after the
 * caller has stopped waiting is caught here, so it never becomes an unhandled rejection.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * const words = new Lookahead(["a", "b"]);
 * deepStrictEqual(await words.next, { done: false, value: "a" });
 * words.advance();
 * deepStrictEqual(await words.next, { done: false, value: "b" });
 * ```
 */
export class Lookahead<T> {
  readonly #source: AsyncIterator<T>;
  #next: Promise<IteratorResult<T>>;

  /** @param source Where the values come from, such as `readLines(conn)` or an array. */
  constructor(source: AsyncIterable<T> | Iterable<T>) {
    if (Symbol.asyncIterator in source) {
      this.#source = source[Symbol.asyncIterator]();
    } else {
      const sync = source[Symbol.iterator]();
      this.#source = { next: () => Promise.resolve(sync.next()) };
    }
    this.#next = this.#read();
  }

  /** The read in flight: the same promise until {@linkcode advance} starts the next one. */
  get next(): Promise<IteratorResult<T>> {
    return this.#next;
  }

  /** Start reading the value after the one {@linkcode next} gave. */
  advance(): void {
    this.#next = this.#read();
  }

  /**
   * Every value still to come, until the source ends or `ms` pass, whichever is first.
   *
   * @param ms How long to wait for the end.
   * @returns The values, as they come.
   */
  async *until(ms: number): AsyncGenerator<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const over = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), ms);
    });
    try {
      while (true) {
        const r = await Promise.race([this.#next, over]);
        if (r === "timeout" || r.done) return;
        yield r.value;
        this.advance();
      }
    } finally {
      clearTimeout(timer);
    }
  }

  #read(): Promise<IteratorResult<T>> {
    const read = this.#source.next();
    read.catch(() => {});
    return read;
  }
}

/**
 * A streaming SHA-256 that runs in a worker (lib/web/page/hash_worker.ts), so an upload hashes
 * one block while it sends the next. Blocks are transferred to the worker, not copied; the
 * page waits whenever the worker has more than {@linkcode MAX_QUEUED} bytes still to hash, so
 * a slow hash never lets the file pile up in memory.
 *
 * @module
 */

/** Most bytes handed to the worker and not yet hashed. */
export const MAX_QUEUED = 8 * 1024 * 1024;

/** One hash, in its own worker, for one upload. */
export class Hasher {
  readonly #worker: Worker;
  #queued = 0;
  #failed: Error | null = null;
  #wake: (() => void) | null = null;
  #digest: ((hex: string) => void) | null = null;

  constructor() {
    this.#worker = new Worker(new URL("./hash_worker.ts", import.meta.url), { type: "module" });
    this.#worker.addEventListener("message", (event) => {
      const { hashed, digest } = event.data as { hashed?: number; digest?: string };
      if (typeof hashed === "number") this.#queued -= hashed;
      if (typeof digest === "string") this.#digest?.(digest);
      this.#wake?.();
    });
    this.#worker.addEventListener("error", (event) => {
      event.preventDefault();
      this.#failed = new Error(`The hash worker failed: ${event.message}`);
      this.#wake?.();
    });
  }

  /**
   * Hash the next block. The block's buffer moves to the worker and is unusable here after.
   *
   * @param block A whole `ArrayBuffer`'s bytes, already sent.
   * @throws {Error} When the worker failed.
   */
  async update(block: Uint8Array<ArrayBuffer>): Promise<void> {
    this.#queued += block.byteLength;
    this.#worker.postMessage(block.buffer, [block.buffer]);
    while (this.#queued > MAX_QUEUED && this.#failed === null) {
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
    if (this.#failed) throw this.#failed;
  }

  /**
   * The digest of every block.
   *
   * @returns Lower-case hex, as the chat protocol writes it.
   * @throws {Error} When the worker failed.
   */
  async digest(): Promise<string> {
    const hex = new Promise<string>((resolve) => this.#digest = resolve);
    this.#worker.postMessage("digest");
    while (this.#failed === null) {
      const done = await Promise.race([hex, new Promise<null>((r) => this.#wake = () => r(null))]);
      if (done !== null) return done;
    }
    throw this.#failed;
  }

  /** Stop the worker. */
  close(): void {
    this.#worker.terminate();
  }
}

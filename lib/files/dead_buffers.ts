/**
 * Give back the memory of file chunks already written, during a transfer rather than after it.
 *
 * @remarks
 * Every chunk a transfer receives (all but the smallest) arrives in a buffer of its own, and once
 * hashed and written it
 * is garbage. V8 frees a buffer's memory only when a garbage collection finds it dead, and it
 * starts one for buffers alone only after about 64 MB of them: a 1 GiB upload grew the server's
 * resident memory by 73 MiB here, most of it chunks already on disk. A minor collection (of the
 * young objects, where the buffers' handles are) every 16 MiB costs well under a millisecond
 * and held the growth to 38 MiB, at the same speed.
 *
 * The collector is reachable only when the program runs with `--v8-flags=--expose-gc` (the
 * chat tasks do); without it, this does nothing and V8 collects on its own schedule.
 *
 * @module
 */

/** Bytes of chunks between two collections. */
export const COLLECT_EVERY = 16 * 1024 * 1024;

/** `globalThis.gc`, as `--expose-gc` defines it. */
type Collector = (options: { type: "minor" | "major" }) => void;

let sinceLast = 0;

/**
 * Count the bytes a transfer has taken in; once enough have passed, collect the chunks that
 * have been written since the last collection.
 *
 * @param bytes The size of the chunk just taken in.
 */
export function chunkDone(bytes: number): void {
  sinceLast += bytes;
  if (sinceLast < COLLECT_EVERY) return;
  sinceLast = 0;
  (globalThis as { gc?: Collector }).gc?.({ type: "minor" });
}

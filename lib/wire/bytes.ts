/**
 * Byte helpers for writers: write every byte, and join small pieces so they take one call.
 *
 * @module
 */

import { Buffer } from "node:buffer";

/**
 * Write every byte of `data`, however many calls the kernel needs.
 *
 * @param target Where to write: a socket or a file.
 * @param data The bytes.
 */
export async function writeAll(
  target: { write(p: Uint8Array): Promise<number> },
  data: Uint8Array,
): Promise<void> {
  // Usually one write takes it all: no view is made for that first try.
  if (data.length === 0) return;
  let at = await target.write(data);
  while (at < data.length) at += await target.write(data.subarray(at));
}

/**
 * Join neighbouring small pieces into one buffer, keeping large ones as they are.
 *
 * @remarks
 * Many small frames cost one system call once joined; a large piece (a file chunk) is cheaper
 * to write on its own than to copy next to its neighbours.
 *
 * @param parts The pieces, in order.
 * @param limit Pieces of at least this many bytes are kept apart.
 * @returns The pieces to write, in the same order.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * const big = new Uint8Array(8);
 * const out = joinSmall([new Uint8Array([1]), new Uint8Array([2]), big], 4);
 * deepStrictEqual(out.map((p) => p.length), [2, 8]);
 * ```
 */
export function joinSmall(parts: readonly Uint8Array[], limit: number): Uint8Array[] {
  if (parts.length === 1) return [parts[0]]; // the usual case: nothing to join
  const out: Uint8Array[] = [];
  let run: Uint8Array[] = [];
  const endRun = () => {
    if (run.length > 0) out.push(run.length === 1 ? run[0] : Buffer.concat(run));
    run = [];
  };
  for (const part of parts) {
    if (part.length >= limit) {
      endRun();
      out.push(part);
    } else {
      run.push(part);
    }
  }
  endRun();
  return out;
}

/**
 * Waiting with a deadline, for a server that hangs up politely but never waits forever.
 *
 * @module
 */

/**
 * How long a goodbye may take, on either side of any connection: a server's last frame (a
 * notice, the answer to a leave) and its polite close, or a client waiting for the answer to
 * its leave. Long enough for a peer that is only slow to read why it goes; short enough that
 * one that reads nothing never holds up a shutdown for long.
 */
export const FAREWELL_MS = 2000;

/**
 * Wait for a promise, but no longer than `ms`; never rejects.
 *
 * @param promise What to wait for; its rejection counts as settled.
 * @param ms The longest wait in milliseconds (0 or less: only what has already settled).
 * @returns Whether the promise settled in time.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(await withDeadline(Promise.resolve(), 10), true);
 * equal(await withDeadline(new Promise(() => {}), 10), false);
 * ```
 */
export async function withDeadline(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<false>((resolve) => timer = setTimeout(resolve, ms, false));
  try {
    return await Promise.race([promise.then(() => true, () => true), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

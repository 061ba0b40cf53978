/**
 * Waiting with a deadline, for a server that hangs up politely but never waits forever.
 *
 * @module
 */

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

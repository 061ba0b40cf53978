/**
 * The accept loop a concurrent server runs: take every connection, hand it to a handler without
 * waiting, and on shutdown stop accepting and wait for every handler to finish.
 *
 * @module
 */

import { cliText } from "../cli/text.ts";
import { errorMessage } from "../cli/cli.ts";

/**
 * Accept connections until the signal aborts, and give each to `handle` without waiting for it:
 * the handler decides whether the client is served now, later or never.
 *
 * @remarks
 * On shutdown the listener is closed first (no new clients), the handlers see the signal they
 * were given abort, and this resolves only when every handler has finished, so the caller can
 * exit knowing every client was told. If accepting itself fails, the handlers are stopped the
 * same way before the error is thrown. An error in one handler is logged and never stops the
 * loop.
 *
 * @param listener A bound TCP listener; closed when this returns.
 * @param handle Serves one connection; must close it. Gets the signal that ends the server.
 * @param options The shutdown signal, and the log for a handler that throws after all.
 * @throws {Error} When accepting fails for a reason other than shutdown.
 *
 * @example
 * ```ts ignore
 * await acceptEach(listener, async (conn) => conn.close(), { signal, log: console.log });
 * ```
 */
export async function acceptEach<C extends Deno.Conn>(
  listener: Deno.Listener<C>,
  handle: (conn: C, signal: AbortSignal) => Promise<void>,
  options: { signal?: AbortSignal; log: (line: string) => void },
): Promise<void> {
  const failed = new AbortController();
  const stop = options.signal ? AbortSignal.any([options.signal, failed.signal]) : failed.signal;
  // Closing the listener is what wakes a pending accept() when we are told to stop.
  const stopAccepting = () => closeQuietly(listener);
  stop.addEventListener("abort", stopAccepting, { once: true });
  const running = new Set<Promise<void>>();
  try {
    while (!stop.aborted) {
      let conn: C;
      try {
        conn = await listener.accept();
      } catch (err) {
        if (stop.aborted) break;
        failed.abort(err);
        throw err;
      }
      const task: Promise<void> = handle(conn, stop)
        .catch((err) => options.log(cliText("handlerFailed", { why: errorMessage(err) })))
        .finally(() => running.delete(task));
      running.add(task);
    }
  } finally {
    stop.removeEventListener("abort", stopAccepting);
    closeQuietly(listener);
    await Promise.all(running);
  }
}

/**
 * Close a listener, socket or connection that may already be closed.
 *
 * @param resource Anything with `close()`.
 */
export function closeQuietly(resource: { close(): void }): void {
  try {
    resource.close();
  } catch {
    // Already closed: nothing left to release.
  }
}

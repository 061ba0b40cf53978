/**
 * One task per client: the model of `tcp_server_concurrent`, which each thread of
 * `tcp_server_workers` also runs on its own event loop.
 *
 * @module
 */

import { acceptEach } from "../net/accept_loop.ts";
import { clientLog, type LineOptions, serveLines } from "../net/line_server.ts";
import { concurrencyText as text } from "./text.ts";

/** What {@linkcode serveConcurrent} needs besides the listener. */
export type ConcurrentOptions = Partial<LineOptions>;

/**
 * Serve every client at once: each accepted connection gets its own task at once.
 *
 * @param listener A bound TCP listener; closed when this returns.
 * @param options The shutdown signal, the log (default `console.log`), line limit, work, reply.
 * @throws {Error} When accepting fails for a reason other than shutdown.
 *
 * @example
 * ```ts ignore
 * await serveConcurrent(Deno.listen({ port: 0 }), { signal: shutdown.signal });
 * ```
 */
export async function serveConcurrent(
  listener: Deno.Listener,
  options: ConcurrentOptions = {},
): Promise<void> {
  const log = options.log ?? console.log;
  let connected = 0; // one event loop: no lock needed around this count
  await acceptEach(listener, async (conn, signal) => {
    connected++;
    clientLog(conn, log)(text("connectedCount", { n: connected }));
    try {
      await serveLines(conn, { ...options, log, signal });
    } finally {
      connected--;
    }
  }, { signal: options.signal, log });
}

/**
 * Lab: sockets basics — an iterative TCP server.
 *
 * The server binds a listening socket, then accepts and serves ONE client at a time: while it
 * talks to one, the next client's connection waits, finished by the kernel, in the listen
 * backlog. TCP is a byte stream, so messages are lines, read however the bytes arrive. The
 * conversation itself (an `ack:` per line, a goodbye on shutdown) is the one the concurrent
 * servers of lab 2.3 share, in `lib/net/line_server.ts`; only the loop around it is this model's.
 *
 * Run it:   deno task tcp-server [--host 127.0.0.1] [--port 15000] [--work-ms 0 --work cpu]
 * Talk to it from another terminal:   deno task tcp-client   or   nc 127.0.0.1 15000
 *
 * @module
 */

import {
  clientLog,
  closeQuietly,
  type LineOptions,
  serveLines,
} from "../../lib/net/line_server.ts";
import { runLineServerMain, serverOptionsHelp } from "../../lib/cli/server_cli.ts";

export { DEFAULT_HOST } from "../../lib/cli/server_cli.ts";

/** The lab's TCP port: above 1024 so no privileges are needed, and easy to remember. */
export const DEFAULT_PORT = 15000;

const USAGE = `Usage: deno task tcp-server [options]

A line-based TCP server that serves one client at a time and acknowledges every line.

Options:
${serverOptionsHelp({ port: DEFAULT_PORT })}`;

/** What {@linkcode serve} needs besides the listener (all optional; `log` is `console.log`). */
export type ServeOptions = Partial<LineOptions>;

/**
 * Accept clients one after another and acknowledge each line they send, until aborted.
 *
 * @remarks
 * Iterative on purpose: the lab contrasts it with the concurrent servers of lab 2.3. The next
 * client is accepted only when the current one has left, so with `work` every client in the
 * backlog waits for all the work ahead of it. A client that misbehaves or vanishes only ends
 * its own conversation, never the loop.
 *
 * @param listener A bound TCP listener; `serve` closes it when it returns.
 * @param options The shutdown signal, the log, the line limit, the work and the reply.
 * @throws {Error} When accepting fails for a reason other than shutdown.
 */
export async function serve(listener: Deno.Listener, options: ServeOptions = {}): Promise<void> {
  const { signal } = options;
  const log = options.log ?? console.log;
  // Closing the listener is what wakes a pending accept() when we are told to stop.
  const stopAccepting = () => closeQuietly(listener);
  signal?.addEventListener("abort", stopAccepting, { once: true });
  try {
    while (!signal?.aborted) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (err) {
        if (signal?.aborted) break;
        throw err;
      }
      // Serve this client to the end before accepting the next: that is the whole model.
      clientLog(conn, log)("connected");
      await serveLines(conn, { ...options, log });
    }
  } finally {
    signal?.removeEventListener("abort", stopAccepting);
    closeQuietly(listener);
  }
}

if (import.meta.main) {
  Deno.exit(
    await runLineServerMain({
      name: "tcp_server",
      usage: USAGE,
      args: Deno.args,
      defaults: { port: DEFAULT_PORT },
      serve: serve,
      log: console.log,
      error: console.error,
    }),
  );
}

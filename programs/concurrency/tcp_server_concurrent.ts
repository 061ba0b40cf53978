/**
 * Lab 2.3: concurrent servers — one task per client (the seed's "thread per client").
 *
 * The seed starts an OS thread for every client. Deno starts a task instead: an async function
 * that runs until it awaits a read, then lets the others run. A waiting task is a few hundred
 * bytes of promise and closure (plus our 64 KiB line buffer), where a thread costs a stack of
 * megabytes and a kernel context switch each time it wakes. The price: every task shares ONE
 * thread and one event loop, so a handler that computes for 100 ms stalls every other client
 * for 100 ms. Try `--work-ms 100 --work cpu` with two `nc` sessions and see.
 *
 * Run it:   deno task tcp-server-concurrent [--host 127.0.0.1] [--port 15007]
 * Talk to it from several terminals at once:   nc 127.0.0.1 15007
 *
 * @module
 */

import { acceptEach, clientLog, type LineOptions, serveLines } from "../../lib/net/line_server.ts";
import { runLineServerMain, serverOptionsHelp } from "../../lib/cli/server_cli.ts";

/** The seed's port for this model. */
export const DEFAULT_PORT = 15007;

const USAGE = `Usage: deno task tcp-server-concurrent [options]

A line-based TCP server that serves every client at once, one task per client.

Options:
${serverOptionsHelp({ port: DEFAULT_PORT })}`;

/** What {@linkcode serveConcurrent} needs besides the listener. */
export type ConcurrentOptions = Partial<LineOptions>;

/**
 * Serve every client at once: each accepted connection gets its own task at once.
 *
 * @param listener A bound TCP listener; closed when this returns.
 * @param options The shutdown signal, the log (default `console.log`), line limit, work, reply.
 * @throws {Error} When accepting fails for a reason other than shutdown.
 */
export async function serveConcurrent(
  listener: Deno.Listener,
  options: ConcurrentOptions = {},
): Promise<void> {
  const log = options.log ?? console.log;
  let connected = 0; // one event loop: no lock needed around this count
  await acceptEach(listener, async (conn, signal) => {
    connected++;
    clientLog(conn, log)(`connected (${connected} connected)`);
    try {
      await serveLines(conn, { ...options, log, signal });
    } finally {
      connected--;
    }
  }, { signal: options.signal, log });
}

if (import.meta.main) {
  Deno.exit(
    await runLineServerMain({
      name: "tcp_server_concurrent",
      usage: USAGE,
      args: Deno.args,
      defaults: { port: DEFAULT_PORT },
      serve: serveConcurrent,
      log: console.log,
      error: console.error,
    }),
  );
}

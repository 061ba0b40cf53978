/**
 * Lab: sockets basics — an iterative TCP server.
 *
 * The server binds a listening socket, then accepts and serves ONE client at a time: while it
 * talks to one, the next client's connection waits, finished by the kernel, in the listen
 * backlog. TCP is a byte stream, so messages are lines, read however the bytes arrive; each
 * line gets an `ack:` back. The concurrent servers of lab 2.3 hold this same conversation
 * (`serveLines` in `lib/net/line_server.ts`); only the loop around it is this model's.
 *
 * Run it:   deno task tcp-server [--host 127.0.0.1] [--port 15000] [--work-ms 0 --work cpu]
 * Talk to it from another terminal:   deno task tcp-client   or   nc 127.0.0.1 15000
 *
 * @module
 */

import { closeQuietly } from "../../lib/net/accept_loop.ts";
import {
  ackLine,
  clientLog,
  endConversation,
  goodbyeOnShutdown,
  type LineOptions,
  simulateWork,
} from "../../lib/net/line_server.ts";
import { DEFAULT_MAX_LINE, readLines, writeLine } from "../../lib/net/lines.ts";
import { runServerMain } from "../../lib/net/server_main.ts";
import { lineServerFlags, serverOptionsHelp } from "../../lib/cli/server_cli.ts";
import { socketsText as text } from "../../lib/sockets/text.ts";

export { DEFAULT_HOST } from "../../lib/cli/server_cli.ts";

/** The lab's TCP port: above 1024 so no privileges are needed, and easy to remember. */
export const DEFAULT_PORT = 15000;

/** The `--help` text, in the user's language. */
const usage = () => text("tcpServerUsage", { options: serverOptionsHelp({ port: DEFAULT_PORT }) });

/** What {@linkcode serve} needs besides the listener (all optional; `log` is `console.log`). */
export type ServeOptions = Partial<Omit<LineOptions, "reply">>;

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
 * @param options The shutdown signal, the log, the line limit and the work.
 * @throws {Error} When accepting fails for a reason other than shutdown.
 */
export async function serve(listener: Deno.Listener, options: ServeOptions = {}): Promise<void> {
  const { signal } = options;
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
      await acknowledgeLines(conn, options);
    }
  } finally {
    signal?.removeEventListener("abort", stopAccepting);
    closeQuietly(listener);
  }
}

/**
 * The conversation: read a line, acknowledge it, until the client closes its side. Never
 * throws; a client that misbehaves only ends its own conversation.
 *
 * @param conn The client's connection; closed before this returns.
 * @param options The shutdown signal, the log, the line limit and the work.
 */
async function acknowledgeLines(conn: Deno.Conn, options: ServeOptions): Promise<void> {
  const { signal, maxLineBytes = DEFAULT_MAX_LINE } = options;
  const say = clientLog(conn, options.log ?? console.log);
  say(text("logConnected"));
  // On Ctrl-C the client reads a goodbye line, then end-of-stream.
  await using _goodbye = goodbyeOnShutdown(conn, signal);
  try {
    // A line may arrive in several reads, or several lines in one: never one read, one message.
    const lines = readLines(conn, { maxLineBytes });
    for await (const line of lines) {
      say(text("logSays", { line }));
      await simulateWork(options.work); // only when compare-servers asks for it
      await writeLine(conn, ackLine(line)); // `ack: LINE`, in English: see ackLine
    }
    say(text(signal?.aborted ? "logShuttingDown" : "logLeft"));
  } catch (err) {
    // Shutdown, a line over the limit (refused with a reason), or a vanished client.
    await endConversation(conn, err, { say, maxLineBytes, signal });
  }
}

if (import.meta.main) {
  Deno.exit(
    await runServerMain({
      name: "tcp_server",
      usage,
      args: Deno.args,
      ...lineServerFlags({ port: DEFAULT_PORT }),
      listen: ({ host, port }) => Deno.listen({ hostname: host, port }),
      serve: (listener, { work }, { signal }) => serve(listener, { signal, work }),
      log: console.log,
      error: console.error,
    }),
  );
}

/**
 * Lab 2.3: concurrent servers — a pool that turns clients away (the seed's "pool plus").
 *
 * Like the pool, at most N clients (default 5) are served at once. But a client that finds
 * every slot busy is not queued: it is told the server is full and closed at once, so it can
 * retry later or go elsewhere instead of waiting blind. Deno realises it with a plain counter:
 * all tasks run on one event loop, so "is there a slot? take it" is one uninterruptible step,
 * and a freed slot admits the next new client however many connect and leave at once.
 *
 * Run it:   deno task tcp-server-pool-reject [--workers 5] [--host 127.0.0.1] [--port 15009]
 * Try it: open six `nc 127.0.0.1 15009` sessions; the sixth reads the message and is closed.
 *
 * @module
 */

import {
  acceptEach,
  clientLog,
  type LineOptions,
  sendAndClose,
  serveLines,
} from "../../lib/net/line_server.ts";
import { runLineServerMain, serverOptionsHelp } from "../../lib/cli/server_cli.ts";

/** The seed's port for this model. */
export const DEFAULT_PORT = 15009;

/** The seed's pool size. */
export const DEFAULT_WORKERS = 5;

/**
 * What a client beyond the limit reads: the chat server's words, so both say "full" alike.
 *
 * @param limit Clients served at once; all of them are busy when this is sent.
 * @returns Such as `Server is full (5/5 clients). Please try again later.`
 */
export function fullMessage(limit: number): string {
  return `Server is full (${limit}/${limit} client${limit === 1 ? "" : "s"}). ` +
    "Please try again later.";
}

/**
 * Whether a line is {@linkcode fullMessage}, whatever the limit: for clients that count
 * rejections.
 *
 * @param line A line from the server.
 * @returns Whether the server turned us away.
 */
export function isFullMessage(line: string): boolean {
  return /^Server is full \(\d+\/\d+ clients?\)\. Please try again later\.$/.test(line);
}

/**
 * How long a turned-away connection may linger so the client reads {@linkcode fullMessage}
 * before the close (see `sendAndClose`). Short: it holds a socket, not a slot.
 */
export const REJECT_LINGER_MS = 1000;

const USAGE = `Usage: deno task tcp-server-pool-reject [options]

A line-based TCP server that serves at most N clients at once and turns the others away.

Options:
${serverOptionsHelp({ port: DEFAULT_PORT, workers: DEFAULT_WORKERS })}`;

/** What {@linkcode servePoolReject} needs besides the listener. */
export interface PoolRejectOptions extends Partial<LineOptions> {
  /** Clients served at once (default 5). */
  workers?: number;
}

/**
 * Serve at most `workers` clients at once; tell every other client the server is full and
 * close its connection.
 *
 * @param listener A bound TCP listener; closed when this returns.
 * @param options The limit, shutdown signal, log (default `console.log`), line limit, work.
 * @throws {Error} When accepting fails for a reason other than shutdown.
 */
export async function servePoolReject(
  listener: Deno.Listener,
  options: PoolRejectOptions = {},
): Promise<void> {
  const { workers = DEFAULT_WORKERS, log = console.log } = options;
  let busy = 0;
  await acceptEach(listener, async (conn, signal) => {
    const say = clientLog(conn, log);
    // Check and take in one synchronous step: no other task can run between them.
    if (busy >= workers) {
      say(`rejected: server is full (${busy}/${workers} busy)`);
      await sendAndClose(conn, fullMessage(workers), { lingerMs: REJECT_LINGER_MS, signal });
      return;
    }
    busy++;
    try {
      say(`served (${busy}/${workers} busy)`);
      await serveLines(conn, { ...options, log, signal });
    } finally {
      busy--;
      say(`done (${busy}/${workers} busy)`);
    }
  }, { signal: options.signal, log });
}

if (import.meta.main) {
  Deno.exit(
    await runLineServerMain({
      name: "tcp_server_pool_reject",
      usage: USAGE,
      args: Deno.args,
      defaults: { port: DEFAULT_PORT, workers: DEFAULT_WORKERS },
      serve: servePoolReject,
      describe: ({ workers }) =>
        `Serving at most ${workers} client${
          workers === 1 ? "" : "s"
        } at once; the others are turned away`,
      log: console.log,
      error: console.error,
    }),
  );
}

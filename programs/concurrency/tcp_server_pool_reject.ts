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
  clientLog,
  fullMessage,
  type LineOptions,
  sendAndClose,
  serveLines,
} from "../../lib/net/line_server.ts";
import { runServerMain } from "../../lib/net/server_main.ts";
import { lineServerFlags, serverOptionsHelp } from "../../lib/cli/server_cli.ts";
import { acceptEach } from "../../lib/net/accept_loop.ts";
import { concurrencyText as text } from "../../lib/concurrency/text.ts";

/** The seed's port for this model. */
export const DEFAULT_PORT = 15009;

/** The seed's pool size. */
export const DEFAULT_WORKERS = 5;

/**
 * How long a turned-away connection may linger so the client reads {@linkcode fullMessage}
 * before the close (see `sendAndClose`). Short: it holds a socket, not a slot.
 */
export const REJECT_LINGER_MS = 1000;

/** The `--help` text, in the user's language. */
const usage = () =>
  text("poolRejectUsage", {
    options: serverOptionsHelp({ port: DEFAULT_PORT, workers: DEFAULT_WORKERS }),
  });

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
  const taken = () => text("busy", { n: busy, workers });
  await acceptEach(listener, async (conn, signal) => {
    const say = clientLog(conn, log);
    // Check and take in one synchronous step: no other task can run between them.
    if (busy >= workers) {
      say(text("rejected", { busy: taken() }));
      await sendAndClose(conn, fullMessage(workers), { lingerMs: REJECT_LINGER_MS, signal });
      return;
    }
    busy++;
    try {
      say(text("served", { busy: taken() }));
      await serveLines(conn, { ...options, log, signal });
    } finally {
      busy--;
      say(text("done", { busy: taken() }));
    }
  }, { signal: options.signal, log });
}

if (import.meta.main) {
  Deno.exit(
    await runServerMain({
      name: "tcp_server_pool_reject",
      usage,
      args: Deno.args,
      ...lineServerFlags({ port: DEFAULT_PORT, workers: DEFAULT_WORKERS }),
      listen: ({ host, port }) => Deno.listen({ hostname: host, port }),
      describe: ({ workers }) => text("poolRejectDescribe", { workers: workers! }),
      serve: (listener, { work, workers }, { signal }) =>
        servePoolReject(listener, { signal, work, workers }),
      log: console.log,
      error: console.error,
    }),
  );
}

/**
 * Lab 2.3: concurrent servers — a fixed pool (the seed's ThreadPoolExecutor with 5 threads).
 *
 * The seed hands each accepted client to a pool of 5 threads; the sixth client is accepted but
 * waits in the pool's queue, unanswered, until a thread is free. Here the 5 threads are 5 slots
 * of a semaphore: every client is accepted at once, and one that finds every slot taken is
 * logged as queued; its task waits for a slot, is served, and gives the slot back when it
 * leaves. A pool bounds what the server spends at once (buffers, work in progress), and so
 * bounds memory and the latency of those being served; the rest pay by waiting.
 *
 * Run it:   deno task tcp-server-pool [--workers 5] [--host 127.0.0.1] [--port 15004]
 * Try it: open six `nc 127.0.0.1 15004` sessions; the sixth is answered when one of the others
 * leaves.
 *
 * @module
 */

import { clientLog, type LineOptions, sayGoodbye, serveLines } from "../../lib/net/line_server.ts";
import { Semaphore } from "../../lib/net/semaphore.ts";
import { runServerMain } from "../../lib/net/server_main.ts";
import { lineServerFlags, serverOptionsHelp } from "../../lib/cli/server_cli.ts";
import { acceptEach } from "../../lib/net/accept_loop.ts";
import { concurrencyText as text } from "../../lib/concurrency/text.ts";

/** The seed's port for this model. */
export const DEFAULT_PORT = 15004;

/** The seed's pool size: small enough that a sixth `nc` shows the queue. */
export const DEFAULT_WORKERS = 5;

/** The `--help` text, in the user's language. */
const usage = () =>
  text("poolUsage", {
    options: serverOptionsHelp({ port: DEFAULT_PORT, workers: DEFAULT_WORKERS }),
  });

/** What {@linkcode servePool} needs besides the listener. */
export interface PoolOptions extends Partial<LineOptions> {
  /** Clients served at once (default 5). */
  workers?: number;
}

/**
 * Serve at most `workers` clients at once; every other client is accepted and queued, first
 * come first served, until a slot frees.
 *
 * @param listener A bound TCP listener; closed when this returns.
 * @param options The pool size, shutdown signal, log (default `console.log`), line limit, work.
 * @throws {Error} When accepting fails for a reason other than shutdown.
 */
export async function servePool(listener: Deno.Listener, options: PoolOptions = {}): Promise<void> {
  const { workers = DEFAULT_WORKERS, log = console.log } = options;
  const slots = new Semaphore(workers);
  const busy = () => text("busy", { n: workers - slots.available, workers });
  await acceptEach(listener, async (conn, signal) => {
    const say = clientLog(conn, log);
    // Only a client that finds every slot taken really waits; the others are served at once.
    if (slots.available === 0) say(text("queued", { ahead: slots.waiting, busy: busy() }));
    try {
      await slots.acquire(signal);
    } catch {
      say(text("leftQueue"));
      await sayGoodbye(conn);
      return;
    }
    try {
      say(text("served", { busy: busy() }));
      await serveLines(conn, { ...options, log, signal });
    } finally {
      // A slot released with clients waiting goes straight to the first of them, so the busy
      // count does not drop: say where the slot went instead.
      const handOver = slots.waiting > 0;
      slots.release();
      say(
        handOver ? text("handedOver", { waiting: slots.waiting }) : text("done", { busy: busy() }),
      );
    }
  }, { signal: options.signal, log });
}

if (import.meta.main) {
  Deno.exit(
    await runServerMain({
      name: "tcp_server_pool",
      usage,
      args: Deno.args,
      ...lineServerFlags({ port: DEFAULT_PORT, workers: DEFAULT_WORKERS }),
      listen: ({ host, port }) => Deno.listen({ hostname: host, port }),
      describe: ({ workers }) => text("poolDescribe", { workers: workers! }),
      serve: (listener, { work, workers }, { signal }) =>
        servePool(listener, { signal, work, workers }),
      log: console.log,
      error: console.error,
    }),
  );
}

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
 * The model is `serveConcurrent` (lib/concurrency/serve_concurrent.ts): accept, and start the
 * line conversation of `tcp_server.ts` in a task of its own without waiting for it. It lives
 * in lib/ because each thread of `tcp_server_workers` runs it too.
 *
 * Run it:   deno task tcp-server-concurrent [--host 127.0.0.1] [--port 15007]
 * Talk to it from several terminals at once:   nc 127.0.0.1 15007
 *
 * @module
 */

import { serveConcurrent } from "../../lib/concurrency/serve_concurrent.ts";
import { runServerMain } from "../../lib/net/server_main.ts";
import { lineServerFlags, serverOptionsHelp } from "../../lib/cli/server_cli.ts";
import { concurrencyText as text } from "../../lib/concurrency/text.ts";

/** The seed's port for this model. */
export const DEFAULT_PORT = 15007;

/** The `--help` text, in the user's language. */
const usage = () => text("concurrentUsage", { options: serverOptionsHelp({ port: DEFAULT_PORT }) });

if (import.meta.main) {
  Deno.exit(
    await runServerMain({
      name: "tcp_server_concurrent",
      usage,
      args: Deno.args,
      ...lineServerFlags({ port: DEFAULT_PORT }),
      // One listening socket; every accepted client gets its own task.
      listen: ({ host, port }) => Deno.listen({ hostname: host, port }),
      serve: (listener, { work }, { signal }) => serveConcurrent(listener, { signal, work }),
      log: console.log,
      error: console.error,
    }),
  );
}

/**
 * The benchmark's yardstick: the plainest TCP echo server Deno can run. Whatever a client
 * writes comes back as it is, with no framing, no parsing, no queue. `deno task bench` sets
 * the LP server's round trips and memory beside this one's, so a ratio shows what our frames,
 * JSON and bookkeeping cost on top of Deno itself.
 *
 * Run by the benchmark:   deno run --allow-net=127.0.0.1 programs/tools/bench_echo.ts --port 0
 *
 * @module
 */

import { errorMessage, parseProgramFlags } from "../../lib/cli/cli.ts";
import { parsePort } from "../../lib/net/host_port.ts";
import { serveEcho } from "../../lib/tools/serve_echo.ts";

const USAGE = `Usage: deno task bench:echo [--port PORT]

The benchmark's yardstick: a TCP echo server on 127.0.0.1 with no framing. Whatever a client
writes comes back as it is. Ctrl-C stops it.

Options:
  --port PORT   port to listen on (default 0: any free port, printed at start)
  -h, --help    show this help`;

if (import.meta.main) {
  const parsed = parseProgramFlags({
    name: "bench_echo",
    usage: USAGE,
    args: Deno.args,
    options: { port: { type: "string", default: "0" } },
    read: (values) => ({ port: parsePort(values.port) }),
    log: console.log,
    error: console.error,
  });
  if ("exitCode" in parsed) Deno.exit(parsed.exitCode);
  const { port } = parsed.flags;
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ hostname: "127.0.0.1", port });
  } catch (err) {
    console.error(`bench_echo: ${errorMessage(err, `cannot listen on 127.0.0.1:${port}`)}`);
    Deno.exit(1);
  }
  // Nothing to flush or tell anyone: Ctrl-C ends it at once.
  Deno.addSignalListener("SIGINT", () => Deno.exit(0));
  console.log(`Listening on 127.0.0.1:${listener.addr.port}`);
  await serveEcho(listener).catch(() => {});
  Deno.exit(0);
}

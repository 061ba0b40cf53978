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
import { cliText } from "../../lib/cli/text.ts";
import { serveEcho } from "../../lib/tools/serve_echo.ts";
import { toolsText as text } from "../../lib/tools/text.ts";

if (import.meta.main) {
  const parsed = parseProgramFlags({
    name: "bench_echo",
    usage: () => text("echoUsage"),
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
    const where = cliText("cannotListen", { address: `127.0.0.1:${port}` });
    console.error(`bench_echo: ${errorMessage(err, where)}`);
    Deno.exit(1);
  }
  // Nothing to flush or tell anyone: Ctrl-C ends it at once.
  Deno.addSignalListener("SIGINT", () => Deno.exit(0));
  console.log(cliText("listening", { address: `127.0.0.1:${listener.addr.port}` }));
  await serveEcho(listener).catch(() => {});
  Deno.exit(0);
}

/**
 * Lab: sockets basics — the TCP lab end to end, in one process.
 *
 * The server and the client are ordinary functions that take a socket, so this demo can run
 * both on loopback: the server on a port the kernel picks, the client with a script instead of
 * a keyboard. Read the transcript top to bottom to see each line cross the connection.
 *
 * Run it:   deno task demo:tcp
 *
 * @module
 */

import { errorMessage, parseFlags, UsageError } from "../../lib/cli/cli.ts";
import { formatHostPort } from "../../lib/net/host_port.ts";
import { talk } from "./tcp_client.ts";
import { serve } from "./tcp_server.ts";

/** What the scripted client types; ends with `exit` as a person would. */
export const SCRIPT = ["hello", "how are you?", "TCP keeps these lines in order", "exit"];

const USAGE = `Usage: deno task demo:tcp

Runs the TCP server and a scripted client on 127.0.0.1 in one process and prints the
transcript, labelled by side. Takes no options.

Options:
  -h, --help   show this help`;

/**
 * Run the server and the scripted client, then shut the server down.
 *
 * @param script The lines the client sends.
 * @param log Where the transcript goes.
 */
export async function runDemo(
  script: readonly string[] = SCRIPT,
  log: (line: string) => void = console.log,
): Promise<void> {
  const labelled = (who: string) => (line: string) => log(`${who} | ${line}`);
  const server = labelled("server"), client = labelled("client");

  // Port 0: the kernel picks a free port, so the demo never collides with a running server.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const address = listener.addr as Deno.NetAddr;
  server(`Listening on ${formatHostPort(address)}`);
  const shutdown = new AbortController();
  const serving = serve(listener, { signal: shutdown.signal, log: server });

  try {
    const conn = await Deno.connect({ hostname: address.hostname, port: address.port });
    try {
      client(`Connected to ${formatHostPort(address)}`);
      // talk() returns once the server has closed its side, so the server's "left" is logged.
      await talk(conn, script, { log: client, echo: true });
      client("Done");
    } finally {
      conn.close();
    }
  } finally {
    shutdown.abort();
    await serving;
    server("Stopped");
  }
}

if (import.meta.main) {
  try {
    const { values } = parseFlags(Deno.args, { help: { type: "boolean", short: "h" } });
    if (values.help) {
      console.log(USAGE);
      Deno.exit(0);
    }
    await runDemo();
  } catch (err) {
    console.error(
      `tcp_demo: ${errorMessage(err)}${err instanceof UsageError ? " (see --help)" : ""}`,
    );
    Deno.exit(err instanceof UsageError ? 2 : 1);
  }
}

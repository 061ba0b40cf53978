/**
 * Lab: sockets basics — the TCP lab end to end, with the real server and client.
 *
 * The demo starts `tcp_server.ts` and `tcp_client.ts` as two processes, each exactly as its
 * `deno task` runs it: the server on a port the kernel picks, the client with a script on its
 * standard input instead of a keyboard. Read the transcript top to bottom to see each line
 * cross the connection; each line is labelled with the program that printed it.
 *
 * Run it:   deno task demo:tcp      (needs `deno` on PATH: it runs the two programs with it)
 *
 * @module
 */

import { runDemoMain } from "../../lib/cli/run_demo_main.ts";
import { TaskProcess } from "../../lib/cli/task_process.ts";

/** What the scripted client types; ends with `exit` as a person would. */
export const SCRIPT = ["hello", "how are you?", "TCP keeps these lines in order", "exit"];

const USAGE = `Usage: deno task demo:tcp

Runs the TCP server and a scripted client on 127.0.0.1 as two processes and prints the
transcript, labelled by side. Takes no options.

Options:
  -h, --help   show this help`;

/**
 * Run the server and the scripted client, then stop the server as Ctrl-C would.
 *
 * @param script The lines the client sends.
 * @param log Where the transcript goes.
 * @returns Whether both programs exited with 0.
 */
export async function runDemo(
  script: readonly string[] = SCRIPT,
  log: (line: string) => void = console.log,
): Promise<boolean> {
  const labelled = (who: string) => (line: string) => log(`${who} | ${line}`);
  const errors = (who: string) => (line: string) => console.error(`${who} ! ${line}`);

  // Port 0: the kernel picks a free port, so the demo never collides with a running server.
  await using server = new TaskProcess("tcp-server", {
    args: ["--host", "127.0.0.1", "--port", "0"],
    onLine: labelled("server"),
    onErrorLine: errors("server"),
  });
  const port = (await server.waitFor(/^Listening on /)).replace(/.*:/, "");

  // The client reads a pipe, so it echoes each line it sends as `> line`.
  await using client = new TaskProcess("tcp-client", {
    args: ["--port", port],
    onLine: labelled("client"),
    onErrorLine: errors("client"),
  });
  // One line at a time, each after the reply to the one before, as a person would type.
  for (const line of script) {
    const from = client.lines.length;
    await client.type(line);
    if (line.trim() === "exit") break;
    await client.waitFor(/^ack: /, from);
  }
  await client.endInput();
  const clientCode = await client.exit();

  // The server logs the client's goodbye before we stop it, so the transcript shows it.
  await server.waitFor(/ left$/);
  server.kill("SIGINT");
  return clientCode === 0 && await server.exit() === 0;
}

if (import.meta.main) {
  Deno.exit(
    await runDemoMain({
      name: "tcp_demo",
      usage: USAGE,
      args: Deno.args,
      run: () => runDemo(),
      log: console.log,
      error: console.error,
    }),
  );
}

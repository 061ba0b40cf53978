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
import { cliText } from "../../lib/cli/text.ts";
import { displayWidth, padEndToWidth } from "../../lib/cli/display_width.ts";
import { socketsText as text } from "../../lib/sockets/text.ts";

/**
 * What the scripted client types, in the user's language (Chinese crosses the wire as UTF-8
 * like anything else); ends with `exit` as a person would.
 *
 * @returns The lines.
 */
export function script(): string[] {
  return [text("demoLine1"), text("demoLine2"), text("demoLine3"), "exit"];
}

/** A line's pattern, from start to end, in either language. */
const whole = (pattern: RegExp) => new RegExp(`^${pattern.source}$`);

/**
 * Run the server and the scripted client, then stop the server as Ctrl-C would.
 *
 * The two programs speak this program's language (TaskProcess passes it on), so the lines
 * waited for are matched in either language.
 *
 * @param lines The lines the client sends.
 * @param log Where the transcript goes.
 * @returns Whether both programs exited with 0.
 */
export async function runDemo(
  lines: readonly string[] = script(),
  log: (line: string) => void = console.log,
): Promise<boolean> {
  // Both labels take the same columns, so the two sides' lines start in one column.
  const names = { server: text("demoServer"), client: text("demoClient") };
  const width = Math.max(displayWidth(names.server), displayWidth(names.client));
  const label = (who: keyof typeof names) => padEndToWidth(names[who], width);
  const labelled = (who: keyof typeof names) => (line: string) => log(`${label(who)} | ${line}`);
  const errors = (who: keyof typeof names) => (line: string) =>
    console.error(`${label(who)} ! ${line}`);

  // Port 0: the kernel picks a free port, so the demo never collides with a running server.
  await using server = new TaskProcess("tcp-server", {
    args: ["--host", "127.0.0.1", "--port", "0"],
    onLine: labelled("server"),
    onErrorLine: errors("server"),
  });
  const port = (await server.waitFor(whole(cliText.pattern("listening")))).replace(/.*:/, "");

  // The client reads a pipe, so it echoes each line it sends as `> line`.
  await using client = new TaskProcess("tcp-client", {
    args: ["--port", port],
    onLine: labelled("client"),
    onErrorLine: errors("client"),
  });
  // One line at a time, each after the reply to the one before, as a person would type.
  for (const line of lines) {
    const from = client.lines.length;
    await client.type(line);
    if (line.trim() === "exit") break;
    await client.waitFor(whole(text.pattern("ack")), from);
  }
  await client.endInput();
  const clientCode = await client.exit();

  // The server logs the client's goodbye before we stop it, so the transcript shows it.
  await server.waitFor(new RegExp(` ${text.pattern("logLeft").source}$`));
  server.kill("SIGINT");
  return clientCode === 0 && await server.exit() === 0;
}

if (import.meta.main) {
  Deno.exit(
    await runDemoMain({
      name: "tcp_demo",
      usage: () => text("demoUsage"),
      args: Deno.args,
      run: () => runDemo(),
      log: console.log,
      error: console.error,
    }),
  );
}

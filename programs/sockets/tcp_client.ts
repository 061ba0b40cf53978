/**
 * Lab: sockets basics — a TCP client.
 *
 * The client connects once, then sends each line you type and prints the server's reply. A
 * connection has two directions that close separately: when you are done we close our side
 * (a FIN), still read what the server has left to say, and stop when it closes too.
 *
 * Run it (with `deno task tcp-server` running):   deno task tcp-client [--host H] [--port P]
 * From a pipe:   printf 'a\nb\n' | deno task tcp-client
 *
 * @module
 */

import { errorMessage, parseProgramFlags } from "../../lib/cli/cli.ts";
import { cliText } from "../../lib/cli/text.ts";
import { type ConversationOptions, openTypedInput } from "../../lib/cli/line_input.ts";
import { closeQuietly } from "../../lib/net/accept_loop.ts";
import { formatHostPort, parseRemotePort } from "../../lib/net/host_port.ts";
import { clientFlags } from "../../lib/sockets/client_flags.ts";
import { DEFAULT_MAX_LINE, readLines, writeLine } from "../../lib/net/lines.ts";
import { Lookahead } from "../../lib/sockets/lookahead.ts";
import { serverLine } from "../../lib/sockets/server_lines.ts";
import { socketsText as text } from "../../lib/sockets/text.ts";

/** The port `tcp_server` listens on by default. */
export const DEFAULT_PORT = 15000;

/** The server's line limit plus room for the `ack: ` it puts in front of our line. */
const MAX_REPLY_BYTES = DEFAULT_MAX_LINE + 1024;

/**
 * How long to wait for the server to close after we closed our side. Ours closes at once; a
 * server that never does must not keep the client hanging.
 */
export const LINGER_MS = 2000;

/** What {@linkcode talk} needs besides the connection and the lines to send. */
export interface ClientOptions extends ConversationOptions {
  /** See {@linkcode LINGER_MS}. */
  lingerMs?: number;
}

/** Why a conversation ended. */
export type ClientEnd = "input ended" | "server closed";

/**
 * Send lines one at a time, waiting for each reply, until the input ends, a line says `exit`,
 * or the server closes. Lines the server sends unasked, such as a shutdown notice, are logged
 * as they arrive, even while waiting for input. The server's own lines (`ack: `, the shutdown
 * notice, ...) are English on the wire; they are shown in the user's language.
 *
 * @param conn A connected stream; the caller closes it afterwards.
 * @param input The lines to send, such as a readline interface or an array.
 * @param options Where output goes, and the prompt.
 * @returns Why the conversation ended.
 * @throws {Error} When the connection fails, such as a reset by the server.
 */
export async function talk(
  conn: Deno.Conn,
  input: AsyncIterable<string> | Iterable<string>,
  options: ClientOptions = {},
): Promise<ClientEnd> {
  const { log = console.log, prompt = () => {}, echo = false, lingerMs = LINGER_MS } = options;
  const show = (line: string) => log(serverLine(line));
  // One read in flight on each side: whichever line comes first, typed or heard, is handled.
  const heard = new Lookahead(readLines(conn, { maxLineBytes: MAX_REPLY_BYTES }));
  const typed = new Lookahead(input);
  prompt();
  while (true) {
    const event = await Promise.race([
      typed.next.then((r) => ({ from: "user" as const, r })),
      heard.next.then((r) => ({ from: "server" as const, r })),
    ]);
    if (event.from === "server") {
      if (event.r.done) return serverClosed(log);
      show(event.r.value);
      heard.advance();
      continue;
    }
    if (event.r.done) break;
    if (echo) log(`> ${event.r.value}`);
    if (event.r.value.trim() === "exit") break;
    await writeLine(conn, event.r.value);
    const reply = await heard.next;
    if (reply.done) return serverClosed(log);
    show(reply.value);
    heard.advance();
    typed.advance();
    prompt();
  }

  // Half-close: the server reads end-of-stream, finishes, and closes its side.
  await conn.closeWrite();
  for await (const line of heard.until(lingerMs)) show(line);
  return "input ended";
}

function serverClosed(log: (line: string) => void): ClientEnd {
  log(cliText("serverClosed"));
  return "server closed";
}

if (import.meta.main) {
  const parsed = parseProgramFlags({
    name: "tcp_client",
    usage: () => text("tcpClientUsage", { port: DEFAULT_PORT }),
    args: Deno.args,
    options: clientFlags(DEFAULT_PORT),
    read: (values) => ({ host: values.host, port: parseRemotePort(values.port) }),
    log: console.log,
    error: console.error,
  });
  if ("exitCode" in parsed) Deno.exit(parsed.exitCode);
  const { host, port } = parsed.flags;

  const server = formatHostPort({ hostname: host, port });
  let conn: Deno.TcpConn;
  try {
    conn = await Deno.connect({ hostname: host, port });
  } catch (err) {
    console.error(
      `tcp_client: ${errorMessage(err, cliText("cannotConnect", { address: server }))}`,
    );
    Deno.exit(1);
  }

  const input = openTypedInput(text("connectedTo", { address: server }), console.log);
  try {
    await talk(conn, input.lines, input.conversation);
  } catch (err) {
    input.close(); // the terminal back to normal before the error line
    console.error(
      `tcp_client: ${errorMessage(err, text("connectionFailed", { address: server }))}`,
    );
    Deno.exit(1);
  } finally {
    input.close();
    closeQuietly(conn);
  }
}

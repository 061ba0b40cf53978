/**
 * Lab: sockets basics — a UDP client.
 *
 * Each line you type goes out as one datagram, and the client waits a while for the reply. UDP
 * promises nothing: a datagram or its reply can vanish without an error, so the client gives
 * up after a timeout and carries on, and a datagram has a hard size limit checked up front.
 *
 * Run it (with `deno task udp-server` running):   deno task udp-client [--host H] [--port P]
 * Try it with no server running, and watch the timeouts.
 *
 * @module
 */

import { errorMessage, parseProgramFlags } from "../../lib/cli/cli.ts";
import { formatHostPort, parseRemotePort } from "../../lib/net/host_port.ts";
import { clientFlags, parseTimeoutMs } from "../../lib/sockets/client_flags.ts";
import { type ConversationOptions, openTypedInput } from "../../lib/cli/line_input.ts";
import { ReplyWaiter } from "../../lib/net/reply_waiter.ts";
import { resolveServer } from "../../lib/sockets/resolve_server.ts";
import { serverLine } from "../../lib/sockets/server_lines.ts";
import { socketsText as text } from "../../lib/sockets/text.ts";

/** The port `udp_server` listens on by default. */
export const DEFAULT_PORT = 15001;

/** Long enough for any LAN round trip, short enough that a lost datagram is noticed quickly. */
export const DEFAULT_TIMEOUT_MS = 2000;

/**
 * Largest UDP payload: the 16-bit length field's 65535, less the headers that share it
 * (IPv4's 20 bytes and UDP's 8; IPv6 does not count its own header there).
 */
export const MAX_DATAGRAM = { IPv4: 65507, IPv6: 65527 } as const;

/** What {@linkcode talkUdp} needs besides the socket, the server and the lines. */
export interface UdpClientOptions extends ConversationOptions {
  /** How long to wait for each reply (default {@linkcode DEFAULT_TIMEOUT_MS}). */
  timeoutMs?: number;
}

/**
 * Send each line as a datagram and wait for one reply, until the input ends or says `exit`.
 *
 * @param socket A bound UDP socket; the caller closes it afterwards.
 * @param server Where to send, as an address (not a name).
 * @param input The lines to send.
 * @param options The timeout, where output goes, and the prompt.
 * @throws {Error} When sending or receiving fails outright.
 */
export async function talkUdp(
  socket: Deno.DatagramConn,
  server: Deno.NetAddr,
  input: AsyncIterable<string> | Iterable<string>,
  options: UdpClientOptions = {},
): Promise<void> {
  const { timeoutMs = DEFAULT_TIMEOUT_MS, log = console.log, prompt = () => {} } = options;
  const limit = server.hostname.includes(":") ? MAX_DATAGRAM.IPv6 : MAX_DATAGRAM.IPv4;
  const encoder = new TextEncoder();
  const replies = new ReplyWaiter(socket);
  prompt();
  for await (const line of input) {
    if (line.trim() === "exit") {
      if (options.echo) log(`> ${line}`);
      break;
    }
    const late = replies.late();
    if (late) log(text("lateReply", { text: serverLine(late.text) }));
    const data = encoder.encode(line);
    if (data.length > limit) {
      log(text("tooBig", { bytes: data.length, limit }));
    } else {
      if (options.echo) log(`> ${line}`);
      await socket.send(data, server);
      const reply = await replies.wait(timeoutMs);
      // The server's `ack: ` is English on the wire; it is shown in the user's language.
      log(reply ? serverLine(reply.text) : text("noReply", { ms: timeoutMs }));
    }
    prompt();
  }
}

function fail(message: string, code = 1): never {
  console.error(`udp_client: ${message}`);
  Deno.exit(code);
}

if (import.meta.main) {
  const parsed = parseProgramFlags({
    name: "udp_client",
    usage: () => text("udpClientUsage", { port: DEFAULT_PORT, timeout: DEFAULT_TIMEOUT_MS }),
    args: Deno.args,
    options: {
      ...clientFlags(DEFAULT_PORT),
      timeout: { type: "string", default: String(DEFAULT_TIMEOUT_MS) },
    },
    read: (values) => {
      const port = parseRemotePort(values.port);
      return { host: values.host, port, timeoutMs: parseTimeoutMs(values.timeout) };
    },
    log: console.log,
    error: console.error,
  });
  if ("exitCode" in parsed) Deno.exit(parsed.exitCode);
  const { host, port, timeoutMs } = parsed.flags;

  // Resolve once, up front: a typo in the host is reported now, not after the first line.
  const named = formatHostPort({ hostname: host, port });
  let server: Deno.NetAddr;
  try {
    server = await resolveServer(host, port);
  } catch (err) {
    fail(errorMessage(err, text("cannotResolve", { host })));
  }

  let socket: Deno.DatagramConn;
  try {
    // Any local port will do: the server replies to whatever address the datagram came from.
    const anyAddress = server.hostname.includes(":") ? "::" : "0.0.0.0";
    socket = Deno.listenDatagram({ hostname: anyAddress, port: 0, transport: "udp" });
  } catch (err) {
    fail(errorMessage(err, text("cannotOpenUdp")));
  }

  const input = openTypedInput(text("sendingTo", { address: named }), console.log);
  try {
    await talkUdp(socket, server, input.lines, { timeoutMs, ...input.conversation });
  } catch (err) {
    input.close(); // the terminal back to normal before the error line
    fail(errorMessage(err, text("talkingFailed", { address: named })));
  } finally {
    input.close();
    socket.close();
  }
}

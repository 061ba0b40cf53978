/**
 * Lab: sockets basics — a UDP server.
 *
 * UDP has no connections: the server binds one socket and every datagram that arrives carries
 * its sender's address, which is where the reply goes. A datagram is a whole message (no lines
 * to reassemble), but it may be lost, duplicated or reordered, and nobody is told.
 *
 * Run it:   deno task udp-server [--host 127.0.0.1] [--port 15001]
 * Talk to it:   deno task udp-client   or   nc -u 127.0.0.1 15001
 *
 * @module
 */

import { cliText } from "../../lib/cli/text.ts";
import { errorMessage } from "../../lib/cli/cli.ts";
import { socketsText as text } from "../../lib/sockets/text.ts";
import { ackLine } from "../../lib/net/line_server.ts";
import { formatHostPort, parsePort } from "../../lib/net/host_port.ts";
import { closeQuietly } from "../../lib/net/accept_loop.ts";
import { runServerMain } from "../../lib/net/server_main.ts";
import { formatTimestamp } from "../../lib/cli/timestamp.ts";

/** The lab's UDP port: next to the TCP server's 15000, so both can run at once. */
export const DEFAULT_PORT = 15001;

/** Loopback by default, so a first run is not reachable from the network by surprise. */
export const DEFAULT_HOST = "127.0.0.1";

/**
 * Largest UDP payload: a 16-bit length field, less the IPv4 and UDP headers (65535 - 20 - 8).
 * Over IPv6 a little more fits, but one limit keeps the lab simple.
 */
export const MAX_DATAGRAM = 65507;

/** The `--help` text, in the user's language. */
function usage(): string {
  const options = [
    cliText("hostFlag", { host: DEFAULT_HOST }),
    cliText("portFlag", { port: DEFAULT_PORT }),
  ];
  return text("udpServerUsage", { options: options.join("\n") });
}

/** What {@linkcode serveUdp} needs besides the socket. */
export interface UdpServeOptions {
  /** Aborting it closes the socket and ends `serveUdp`. */
  signal?: AbortSignal;
  /** Where each log line goes (default `console.log`). */
  log?: (line: string) => void;
}

/**
 * Acknowledge every datagram until aborted.
 *
 * @param socket A bound UDP socket; closed when this returns.
 * @param options The shutdown signal and the log.
 * @throws {Error} When receiving fails for a reason other than shutdown.
 */
export async function serveUdp(
  socket: Deno.DatagramConn,
  options: UdpServeOptions = {},
): Promise<void> {
  const { signal, log = console.log } = options;
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  // One buffer for every receive: a datagram is decoded before the next one lands in it.
  const buffer = new Uint8Array(MAX_DATAGRAM + 1);
  const stop = () => closeQuietly(socket);
  signal?.addEventListener("abort", stop, { once: true });
  try {
    while (!signal?.aborted) {
      let data: Uint8Array, from: Deno.Addr;
      try {
        [data, from] = await socket.receive(buffer);
      } catch (err) {
        if (signal?.aborted) break;
        throw err;
      }
      // nc and most clients end the message with the newline that sent it; it is not content.
      const message = decoder.decode(data).replace(/\r?\n$/, "");
      const peer = formatHostPort(from as Deno.NetAddr);
      log(`${formatTimestamp()} ${peer} ${text("logSays", { line: message })}`);
      // The reply is English whatever our language, as the TCP servers' is (see ackLine).
      let reply = encoder.encode(`${ackLine(message)}\n`);
      if (reply.length > MAX_DATAGRAM) {
        reply = encoder.encode(`${text.in("en", "ackTooLong", { bytes: data.length })}\n`);
      }
      try {
        await socket.send(reply, from);
      } catch (err) {
        // One unreachable sender must not stop the server for everyone else.
        log(`${formatTimestamp()} ${peer} ${text("logReplyFailed", { why: errorMessage(err) })}`);
      }
    }
  } finally {
    signal?.removeEventListener("abort", stop);
    closeQuietly(socket);
  }
}

if (import.meta.main) {
  Deno.exit(
    await runServerMain({
      name: "udp_server",
      usage,
      args: Deno.args,
      options: {
        host: { type: "string", default: DEFAULT_HOST },
        port: { type: "string", default: String(DEFAULT_PORT) },
      },
      read: (values) => ({ host: values.host, port: parsePort(values.port) }),
      // One socket for every client: no listen(), no accept(), just a bound address.
      listen: ({ host, port }) => Deno.listenDatagram({ hostname: host, port, transport: "udp" }),
      listenWhat: "(udp)",
      loopbackHint: () => text("udpLoopbackHint"),
      serve: (socket, _flags, { signal }) => serveUdp(socket, { signal }),
      log: console.log,
      error: console.error,
    }),
  );
}

/**
 * Lab: sockets basics — an iterative TCP server.
 *
 * The server binds a listening socket, then accepts and serves ONE client at a time: while it
 * talks to one, the next client's connection waits, finished by the kernel, in the listen
 * backlog. TCP is a byte stream, so messages are lines, read however the bytes arrive.
 *
 * Run it:   deno task tcp-server [--host 127.0.0.1] [--port 15000]
 * Talk to it from another terminal:   deno task tcp-client   or   nc 127.0.0.1 15000
 *
 * @module
 */

import { errorMessage, parseFlags, UsageError } from "../lib/cli.ts";
import { formatHostPort, isLoopback, parsePort } from "../lib/host_port.ts";
import { DEFAULT_MAX_LINE, readLines, writeLine } from "../lib/lines.ts";
import { formatTimestamp } from "../lib/timestamp.ts";

/** The lab's TCP port: above 1024 so no privileges are needed, and easy to remember. */
export const DEFAULT_PORT = 15000;

/** Loopback by default, so a first run is not reachable from the network by surprise. */
export const DEFAULT_HOST = "127.0.0.1";

const USAGE = `Usage: deno task tcp-server [--host HOST] [--port PORT]

A line-based TCP server that serves one client at a time and acknowledges every line.

Options:
  --host HOST   address to listen on (default ${DEFAULT_HOST}; 0.0.0.0 accepts LAN clients)
  --port PORT   port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
  -h, --help    show this help`;

/** What {@linkcode serve} needs besides the listener. */
export interface ServeOptions {
  /** Aborting it stops accepting, tells the connected client goodbye, and ends `serve`. */
  signal?: AbortSignal;
  /** Where each log line goes (default `console.log`). */
  log?: (line: string) => void;
  /** Longest line a client may send (default 64 KiB). */
  maxLineBytes?: number;
}

/**
 * Accept clients one after another and acknowledge each line they send, until aborted.
 *
 * @remarks
 * Iterative on purpose: the lab contrasts it with a concurrent server later. A client that
 * misbehaves or vanishes only ends its own conversation, never the loop.
 *
 * @param listener A bound TCP listener; `serve` closes it when it returns.
 * @param options The shutdown signal, the log and the line limit.
 * @throws {Error} When accepting fails for a reason other than shutdown.
 */
export async function serve(listener: Deno.Listener, options: ServeOptions = {}): Promise<void> {
  const { signal, log = console.log } = options;
  // Closing the listener is what wakes a pending accept() when we are told to stop.
  const stopAccepting = () => closeQuietly(listener);
  signal?.addEventListener("abort", stopAccepting, { once: true });
  try {
    while (!signal?.aborted) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (err) {
        if (signal?.aborted) break;
        throw err;
      }
      await serveClient(conn, { ...options, log });
    }
  } finally {
    signal?.removeEventListener("abort", stopAccepting);
    closeQuietly(listener);
  }
}

/**
 * Hold one conversation: a line in, an acknowledgement out, until the client leaves.
 *
 * @param conn The accepted connection; closed before this returns.
 * @param options The shutdown signal, the log and the line limit.
 */
async function serveClient(
  conn: Deno.Conn,
  options: ServeOptions & { log: (line: string) => void },
): Promise<void> {
  const { signal, log, maxLineBytes = DEFAULT_MAX_LINE } = options;
  const peer = formatHostPort(conn.remoteAddr as Deno.NetAddr);
  const say = (text: string) => log(`${formatTimestamp()} ${peer} ${text}`);
  say("connected");

  // On shutdown, tell the client why before closing; the close also ends our pending read.
  let goodbye: Promise<void> | undefined;
  const onAbort = () => {
    goodbye = writeLine(conn, "server: shutting down, goodbye")
      .catch(() => {}) // the client may already be gone
      .finally(() => closeQuietly(conn));
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener("abort", onAbort, { once: true });

  try {
    for await (const line of readLines(conn, { maxLineBytes })) {
      say(`says: ${line}`);
      await writeLine(conn, `ack: ${line}`);
    }
    say("left");
  } catch (err) {
    if (signal?.aborted) {
      say("disconnected: server shutting down");
    } else if (err instanceof RangeError) {
      // Refuse, say why, and move on: one greedy client must not grow our buffer without end.
      say(`sent a line over ${maxLineBytes} bytes; closing its connection`);
      await writeLine(conn, `error: line longer than ${maxLineBytes} bytes; closing`)
        .catch(() => {});
    } else {
      say(`dropped: ${errorMessage(err)}`);
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
    if (goodbye) await goodbye;
    else closeQuietly(conn);
  }
}

function closeQuietly(resource: { close(): void }): void {
  try {
    resource.close();
  } catch {
    // Already closed: nothing left to release.
  }
}

function fail(message: string, code = 1): never {
  console.error(`tcp_server: ${message}`);
  Deno.exit(code);
}

if (import.meta.main) {
  let host = DEFAULT_HOST, port = DEFAULT_PORT;
  try {
    const { values } = parseFlags(Deno.args, {
      host: { type: "string", default: DEFAULT_HOST },
      port: { type: "string", default: String(DEFAULT_PORT) },
      help: { type: "boolean", short: "h" },
    });
    if (values.help) {
      console.log(USAGE);
      Deno.exit(0);
    }
    host = values.host;
    port = parsePort(values.port);
  } catch (err) {
    if (err instanceof UsageError || err instanceof RangeError) {
      fail(`${err.message} (see --help)`, 2);
    }
    throw err;
  }

  let listener: Deno.Listener;
  try {
    listener = Deno.listen({ hostname: host, port });
  } catch (err) {
    fail(errorMessage(err, `cannot listen on ${formatHostPort({ hostname: host, port })}`));
  }
  // Before announcing the port: a signal sent as soon as it is printed must be caught.
  const shutdown = new AbortController();
  const stop = () => shutdown.abort();
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, stop);
  console.log(`Listening on ${formatHostPort(listener.addr as Deno.NetAddr)}`);
  if (isLoopback(host)) {
    console.log("Only this machine can connect; to accept LAN clients use --host 0.0.0.0");
  }

  try {
    await serve(listener, { signal: shutdown.signal });
    console.log("Server stopped");
  } catch (err) {
    fail(errorMessage(err, "server failed"));
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, stop);
  }
}

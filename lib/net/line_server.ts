/**
 * The conversation every concurrent lab server shares: a line in, an `ack:` out, with a bounded
 * line, optional simulated work, and a goodbye on shutdown. The servers differ only in WHEN a
 * connection gets this conversation: at once, after a wait for a slot, never, or on which thread.
 * (`programs/sockets/tcp_server.ts` shows the same loop written out, as the first lab's lesson.)
 *
 * @module
 */

import { cliText } from "../cli/text.ts";
import { socketsText as text } from "../sockets/text.ts";
import { errorMessage } from "../cli/cli.ts";
import { formatHostPort } from "./host_port.ts";
import { DEFAULT_MAX_LINE, readLines, writeLine } from "./lines.ts";
import { formatTimestamp } from "../cli/timestamp.ts";
import { closeQuietly } from "./accept_loop.ts";

/**
 * What a connected client is told when the server stops; the same words as `tcp_server`.
 *
 * The lines a line server sends are English whatever the server's language: a line protocol
 * has no codes, and `nc` users share the wire. Our clients recognise them and word them in their
 * user's language (`lib/sockets/server_lines.ts`).
 */
export const GOODBYE = text.in("en", "goodbye");

/**
 * The acknowledgement of a line, as it goes on the wire.
 *
 * @param line The line the client sent.
 * @returns `ack: LINE`.
 */
export function ackLine(line: string): string {
  return text.in("en", "ack", { line });
}

/** Where a server writes its log, one line at a time. */
export type Log = (line: string) => void;

/**
 * Pretend work per message, so the models can be compared under load: `cpu` spins and holds the
 * thread, as a computation would; `io` waits on a timer, as a database call would.
 */
export interface Work {
  kind: "cpu" | "io";
  ms: number;
}

/** What {@linkcode serveLines} needs besides the connection. */
export interface LineOptions {
  /** Aborting it tells the client goodbye and ends the conversation. */
  signal?: AbortSignal;
  /** Where log lines go. */
  log: Log;
  /** Longest line a client may send (default 64 KiB). */
  maxLineBytes?: number;
  /** Simulated work before each reply (default none). */
  work?: Work;
  /** The reply to a line (default {@linkcode ackLine}, as `tcp_server` answers). */
  reply?: (line: string) => string;
}

/**
 * A log for one client: every line starts with the time and the client's address.
 *
 * @param conn The client's connection.
 * @param log Where the lines go.
 * @returns A function that logs one event about this client.
 */
export function clientLog(conn: Deno.Conn, log: Log): (event: string) => void {
  const peer = formatHostPort(conn.remoteAddr as Deno.NetAddr);
  return (event) => log(`${formatTimestamp()} ${peer} ${event}`);
}

/**
 * Hold one conversation: a line in, (simulated work,) a reply out, until the client leaves or
 * the signal aborts. Never throws; a client that misbehaves only ends its own conversation.
 *
 * @param conn The client's connection; closed before this returns.
 * @param options The shutdown signal, the log, the line limit, the work and the reply.
 */
export async function serveLines(conn: Deno.Conn, options: LineOptions): Promise<void> {
  const { signal, maxLineBytes = DEFAULT_MAX_LINE, work } = options;
  const reply = options.reply ?? ackLine;
  const say = clientLog(conn, options.log);
  await using _goodbye = goodbyeOnShutdown(conn, signal);
  try {
    for await (const line of readLines(conn, { maxLineBytes })) {
      say(text("logSays", { line }));
      await simulateWork(work);
      await writeLine(conn, reply(line));
    }
    say(text(signal?.aborted ? "logShuttingDown" : "logLeft"));
  } catch (err) {
    await endConversation(conn, err, { say, maxLineBytes, signal });
  }
}

/**
 * On shutdown, tell the client why and close our sending side; the caller goes on reading until
 * the client closes too (or the linger ends), so no unread bytes turn our goodbye into a reset
 * (see {@linkcode sendAndClose}).
 *
 * @param conn The client's connection; closed on disposal.
 * @param signal Aborts when the server stops.
 * @returns Disposal that stops listening, waits for the goodbye to be written, and closes.
 */
export function goodbyeOnShutdown(conn: Deno.Conn, signal?: AbortSignal): AsyncDisposable {
  let goodbye: Promise<void> | undefined;
  let linger: ReturnType<typeof setTimeout> | undefined;
  const onAbort = () => {
    goodbye = writeLine(conn, GOODBYE).then(() => conn.closeWrite()).catch(() => {});
    linger = setTimeout(() => closeQuietly(conn), GOODBYE_LINGER_MS);
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener("abort", onAbort, { once: true });
  return {
    async [Symbol.asyncDispose]() {
      signal?.removeEventListener("abort", onAbort);
      await goodbye;
      clearTimeout(linger);
      closeQuietly(conn);
    },
  };
}

/**
 * Say in the log why a conversation ended with an error, and refuse an over-long line.
 *
 * @param conn The client's connection.
 * @param err What reading or writing threw.
 * @param context The client's log, the line limit and the shutdown signal.
 */
export async function endConversation(
  conn: Deno.Conn,
  err: unknown,
  context: { say: (event: string) => void; maxLineBytes: number; signal?: AbortSignal },
): Promise<void> {
  const { say, maxLineBytes, signal } = context;
  if (signal?.aborted) {
    say(text("logShuttingDown"));
  } else if (err instanceof RangeError) {
    // Refuse, say why, and move on: one greedy client must not grow our buffer without end.
    // The rest of its line is still unread, so a plain close would reset the connection
    // and destroy the error line on its way: close the way a goodbye does.
    say(text("logTooLong", { max: maxLineBytes }));
    await sendAndClose(conn, text.in("en", "lineTooLong", { max: maxLineBytes }), {
      lingerMs: GOODBYE_LINGER_MS,
      signal,
    });
  } else {
    say(text("logDropped", { why: errorMessage(err) }));
  }
}

/**
 * How long a client may take to close after our goodbye. A client reads the goodbye and sees
 * end-of-stream at once; this only bounds how long shutdown waits for one that does not close.
 */
export const GOODBYE_LINGER_MS = 1000;

/**
 * What a client beyond a pool's limit reads: the chat server's words, so both say "full" alike.
 * Always English: a line protocol has no codes, and `nc` users share one wire; our own client
 * recognises the line and says it in its user's language.
 *
 * @param limit Clients served at once; all of them are busy when this is sent.
 * @returns Such as `Server is full (5/5 clients). Please try again later.`
 */
export function fullMessage(limit: number): string {
  return cliText.in("en", "serverFull", { limit });
}

const FULL = new RegExp(`^${cliText.pattern("serverFull").source}$`);

/**
 * Whether a line is {@linkcode fullMessage}, whatever the limit: for clients that count
 * rejections.
 *
 * @param line A line from the server.
 * @returns Whether the server turned us away.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(isFullMessage(fullMessage(1)), true);
 * ```
 */
export function isFullMessage(line: string): boolean {
  return FULL.test(line);
}

/**
 * Tell a client that was never served (still queued) that the server is stopping, and close.
 *
 * @param conn The client's connection; closed when this resolves.
 */
export function sayGoodbye(conn: Deno.Conn): Promise<void> {
  return sendAndClose(conn, GOODBYE, { lingerMs: GOODBYE_LINGER_MS });
}

/**
 * Most bytes {@linkcode sendAndClose} reads and throws away while it waits for the client to
 * close: enough for the lines an eager client sent before it read our answer.
 */
export const DRAIN_LIMIT_BYTES = 64 * 1024;

/**
 * Send one last line and close, so that the client really reads it.
 *
 * @remarks
 * Closing a socket that still has unread bytes from the client makes the kernel send a reset,
 * and a reset can overtake our line on the client's side: the client would see "connection
 * reset" instead of our message. So we close our sending side first (the client reads our line,
 * then end-of-stream), read and discard what the client sent, and close fully when the client
 * closes, after `lingerMs`, or after {@linkcode DRAIN_LIMIT_BYTES}, whichever comes first.
 *
 * @param conn The connection; closed when this resolves.
 * @param line The last line.
 * @param options How long to wait for the client to close, and a signal that cuts it short.
 */
export async function sendAndClose(
  conn: Deno.Conn,
  line: string,
  options: { lingerMs: number; signal?: AbortSignal },
): Promise<void> {
  const close = () => closeQuietly(conn);
  const timer = setTimeout(close, options.lingerMs);
  options.signal?.addEventListener("abort", close, { once: true });
  try {
    await writeLine(conn, line);
    await conn.closeWrite();
    const scratch = new Uint8Array(4096);
    let drained = 0;
    while (drained < DRAIN_LIMIT_BYTES) {
      const n = await conn.read(scratch);
      if (n === null) break;
      drained += n;
    }
  } catch {
    // Reset by the client, or closed by our timer: either way we are done.
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", close);
    close();
  }
}

/**
 * Do the simulated work for one message.
 *
 * @param work What kind and how long; nothing when omitted or zero.
 */
export async function simulateWork(work?: Work): Promise<void> {
  if (!work || work.ms <= 0) return;
  if (work.kind === "io") {
    await new Promise((resolve) => setTimeout(resolve, work.ms));
    return;
  }
  // Busy on purpose: this is the CPU-bound handler that stalls a single event loop.
  const end = performance.now() + work.ms;
  while (performance.now() < end) { /* spin */ }
}

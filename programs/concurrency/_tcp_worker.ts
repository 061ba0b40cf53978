/**
 * One thread of `tcp_server_workers`: a Web Worker that listens on the shared port and serves
 * its clients as `tcp_server_concurrent` does, on its own event loop. Started only by
 * `startWorkers`; it talks to the main thread in the messages below.
 *
 * With `--max-clients N` the threads share state: a count of served clients that a
 * compare-and-swap loop keeps at N or below (`SharedLimit`), and the list of their addresses,
 * changed under a mutex (`SharedList`). Both live in `SharedArrayBuffer`s the main thread made.
 *
 * @module
 */

import { formatList, type Lang, setLang } from "../../lib/cli/i18n.ts";
import { serveConcurrent } from "../../lib/concurrency/serve_concurrent.ts";
import { concurrencyText as text } from "../../lib/concurrency/text.ts";
import { socketsText } from "../../lib/sockets/text.ts";
import { SharedLimit } from "../../lib/concurrency/shared_limit.ts";
import { SharedList } from "../../lib/concurrency/shared_list.ts";
import { acceptEach } from "../../lib/net/accept_loop.ts";
import { formatHostPort } from "../../lib/net/host_port.ts";
import {
  clientLog,
  fullMessage,
  type LineOptions,
  sendAndClose,
  serveLines,
  type Work,
} from "../../lib/net/line_server.ts";

/**
 * How long a turned-away connection may linger so the client reads the full message before the
 * close, as in `tcp_server_pool_reject`. Short: it holds a socket, not a place.
 */
export const REJECT_LINGER_MS = 1000;

/** What every worker shares when the server has `--max-clients`: shared memory, no messages. */
export interface SharedState {
  /** Most clients served at once by all workers together. */
  maxClients: number;
  /** The count of clients served, for a {@linkcode SharedLimit}. */
  count: SharedArrayBuffer;
  /** The addresses of the clients served, for a {@linkcode SharedList}. */
  clients: SharedArrayBuffer;
}

/** Main thread to worker: start listening. */
export interface StartMessage {
  type: "start";
  /** The worker's number, from 1; every reply and log line names it. */
  id: number;
  hostname: string;
  /** The port the main thread's probe got: every worker binds the same one. */
  port: number;
  /** Set SO_REUSEPORT, so that several workers can listen on one port (Linux). */
  reusePort: boolean;
  work?: Work;
  maxLineBytes?: number;
  /** The limit across all workers, when there is one. */
  shared?: SharedState;
  /** The language the main thread speaks: a worker's log lines are worded here, in its own. */
  lang: Lang;
}

/** Main thread to worker. Stop: tell the clients goodbye, close, and answer `stopped`. */
export type ToWorker = StartMessage | { type: "stop" };

/** Worker to main thread. An error crosses as its name and message, so its class survives. */
export type ToMain =
  | { type: "listening"; port: number }
  | { type: "failed"; name: string; message: string }
  | { type: "log"; line: string }
  | { type: "stopped" };

/** The part of a worker's global scope this module uses. */
interface WorkerScope {
  postMessage(message: ToMain): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
}

/**
 * Answer the main thread's messages: serve on `start`, shut down on `stop`.
 *
 * @param scope The worker's global scope.
 */
export function listenForCommands(scope: WorkerScope): void {
  const shutdown = new AbortController();
  scope.onmessage = ({ data }) => {
    if (data.type === "stop") shutdown.abort();
    else serveOnThisThread(data, shutdown.signal, scope).catch((err) => report(scope, err));
  };
}

async function serveOnThisThread(
  start: StartMessage,
  signal: AbortSignal,
  scope: WorkerScope,
): Promise<void> {
  const { id, hostname, port, reusePort, work, maxLineBytes, shared } = start;
  setLang(start.lang); // a worker is a new realm: it starts in English
  let listener: Deno.Listener;
  try {
    listener = Deno.listen({ hostname, port, reusePort });
  } catch (err) {
    report(scope, err);
    return;
  }
  scope.postMessage({ type: "listening", port: (listener.addr as Deno.NetAddr).port });
  const options: LineOptions = {
    signal,
    work,
    maxLineBytes,
    log: (line) => scope.postMessage({ type: "log", line: text("workerLine", { id, line }) }),
    // English on the wire, as every line server's reply (see ackLine in line_server.ts).
    reply: (line) => socketsText.in("en", "ackFromWorker", { line, id }),
  };
  try {
    if (shared) await serveWithinLimit(listener, shared, options);
    else await serveConcurrent(listener, options);
  } finally {
    scope.postMessage({ type: "stopped" });
  }
}

/**
 * Serve as `serveConcurrent` does while all workers together serve fewer than `maxClients`;
 * tell a client beyond that the server is full, as `tcp_server_pool_reject` does.
 */
async function serveWithinLimit(
  listener: Deno.Listener,
  shared: SharedState,
  options: LineOptions,
): Promise<void> {
  const { maxClients: max } = shared;
  const limit = new SharedLimit(max, shared.count);
  const clients = new SharedList(max, shared.clients);
  const across = (n: number) => text("across", { n, max });
  const list = (peers: string[]) => peers.length ? formatList(peers) : text("nobody");
  await acceptEach(listener, async (conn, signal) => {
    const say = clientLog(conn, options.log);
    // Lock-free: check and take a place in one compare-and-swap, whichever thread gets there.
    const admitted = limit.tryAcquire();
    if (admitted === undefined) {
      say(text("rejected", { busy: across(max) }));
      await sendAndClose(conn, fullMessage(max), { lingerMs: REJECT_LINGER_MS, signal });
      return;
    }
    const peer = formatHostPort(conn.remoteAddr as Deno.NetAddr);
    try {
      // Under the mutex: a free slot found and filled, and the list read, as one step.
      say(text("workerServed", { across: across(admitted), list: list(clients.add(peer)) }));
      await serveLines(conn, { ...options, signal });
    } finally {
      // Off the list before the place is given back, so the list never outgrows the limit.
      const left = clients.remove(peer);
      say(text("workerDone", { across: across(limit.release()), list: list(left) }));
    }
  }, { signal: options.signal, log: options.log });
}

function report(scope: WorkerScope, err: unknown): void {
  const { name, message } = err instanceof Error ? err : new Error(String(err));
  scope.postMessage({ type: "failed", name, message });
}

if ("WorkerGlobalScope" in globalThis) {
  listenForCommands(globalThis as unknown as WorkerScope);
}

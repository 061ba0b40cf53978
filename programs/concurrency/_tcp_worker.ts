/**
 * One thread of `tcp_server_workers`: a Web Worker that listens on the shared port and serves
 * its clients as `tcp_server_concurrent` does, on its own event loop. Started only by
 * `startWorkers`; it talks to the main thread in the messages below.
 *
 * @module
 */

import { serveConcurrent } from "../../lib/concurrency/serve_concurrent.ts";
import type { Work } from "../../lib/net/line_server.ts";

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
  const { id, hostname, port, reusePort, work, maxLineBytes } = start;
  let listener: Deno.Listener;
  try {
    listener = Deno.listen({ hostname, port, reusePort });
  } catch (err) {
    report(scope, err);
    return;
  }
  scope.postMessage({ type: "listening", port: (listener.addr as Deno.NetAddr).port });
  try {
    await serveConcurrent(listener, {
      signal,
      work,
      maxLineBytes,
      log: (line) => scope.postMessage({ type: "log", line: `[worker ${id}] ${line}` }),
      reply: (line) => `ack: ${line} (worker ${id})`,
    });
  } finally {
    scope.postMessage({ type: "stopped" });
  }
}

function report(scope: WorkerScope, err: unknown): void {
  const { name, message } = err instanceof Error ? err : new Error(String(err));
  scope.postMessage({ type: "failed", name, message });
}

if ("WorkerGlobalScope" in globalThis) {
  listenForCommands(globalThis as unknown as WorkerScope);
}

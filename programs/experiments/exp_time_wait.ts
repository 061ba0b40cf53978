/**
 * Experiment: which TCP state follows a client's close, and how long does it last?
 *
 * The side that closes first sends the first FIN and waits in FIN-WAIT-2 for the peer's FIN;
 * the peer sits in CLOSE-WAIT until its program closes too. After the last ACK, the side that
 * closed first enters TIME-WAIT and keeps the connection's 4-tuple reserved for 2 MSL, so that
 * a late duplicate segment of this connection cannot be taken for part of a new one with the
 * same ports, and so that it can resend the last ACK if the peer's FIN comes again. Linux fixes
 * that time at 60 s. The state belongs to whoever closed first: a client, usually, but a server
 * that hangs up first gets it on its own well-known port.
 *
 * Here a client and a server on loopback close in both orders; `ss` shows each state and
 * TIME-WAIT's timer. Without `--quick`, the program then watches the TIME-WAIT socket until the
 * kernel removes it (about a minute).
 *
 * Run it:   deno task exp:time-wait [--quick]
 *
 * @module
 */

import { errorMessage } from "../../lib/cli/cli.ts";
import {
  askQuestion,
  closeQuietly,
  formatSockets,
  type Out,
  ownSockets,
  pollUntil,
  runExperimentMain,
  type SocketRow,
  socketsOnPort,
} from "../../lib/experiments/experiment.ts";
import { experimentsText as text } from "../../lib/experiments/text.ts";

/** Longer than Linux's 60 s TIME-WAIT, so the watch ends by itself with some margin. */
export const WATCH_LIMIT_MS = 90_000;

/** How often the watch prints the timer: often enough to see it count down. */
const WATCH_EVERY_MS = 10_000;

/** The `--help` text, in the program's language. */
const usage = () => text("timeWaitUsage");

/** Which side closes first. */
export type Closer = "client" | "server";

/** What one close sequence looked like. */
export interface CloseResult {
  closer: Closer;
  port: number;
  /** The closer's local address, `127.0.0.1:PORT`. */
  closerAddr: string;
  otherAddr: string;
  /** The sockets after the first close, once the peer has read its end of stream. */
  halfClosed: SocketRow[];
  /** The sockets after both closed. */
  closed: SocketRow[];
}

/**
 * Open a connection on loopback and close it, `closer` first.
 *
 * @param closer Which side closes first.
 * @returns The sockets after each close.
 * @throws {Error} When ss is missing, or the states do not settle in time.
 */
export async function closeInOrder(closer: Closer): Promise<CloseResult> {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  const [client, server] = await Promise.all([
    Deno.connect({ hostname: "127.0.0.1", port }),
    listener.accept(),
  ]);
  const [first, second] = closer === "client" ? [client, server] : [server, client];
  const closerAddr = `127.0.0.1:${first.localAddr.port}`;
  const otherAddr = `127.0.0.1:${second.localAddr.port}`;
  const clientAddr = `127.0.0.1:${client.localAddr.port}`;
  const mine = (rows: SocketRow[]) =>
    ownSockets(rows, `127.0.0.1:${port}`, [clientAddr]).filter((r) => r.state !== "LISTEN");
  const stateOf = (rows: SocketRow[], addr: string) => rows.find((r) => r.local === addr)?.state;
  try {
    first.close();
    // The other side learns of the FIN as end of stream: read() returns null.
    const buf = new Uint8Array(16);
    while (await second.read(buf) !== null) { /* no data is sent in this experiment */ }
    // The closer is in FIN-WAIT-1 until the peer acknowledges its FIN, then FIN-WAIT-2.
    const halfClosed = await pollUntil(async () => {
      const rows = mine(await socketsOnPort(port));
      return stateOf(rows, closerAddr) === "FIN-WAIT-2" ? rows : undefined;
    }, text("timeWaitForFin"));
    second.close();
    // On loopback the last ACK arrives at once; wait for the peer's LAST-ACK to be gone.
    const closed = await pollUntil(async () => {
      const rows = mine(await socketsOnPort(port));
      return stateOf(rows, closerAddr) === "TIME-WAIT" && stateOf(rows, otherAddr) === undefined
        ? rows
        : undefined;
    }, text("timeWaitForAppear"));
    return { closer, port, closerAddr, otherAddr, halfClosed, closed };
  } finally {
    closeQuietly(first);
    closeQuietly(second);
  }
}

/**
 * The seconds left on a TIME-WAIT timer, from ss's timer column.
 *
 * @param timer Such as `timer:(timewait,59sec,0)`.
 * @returns The seconds, or null when the column has none.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(timeWaitSeconds("timer:(timewait,59sec,0)"), 59);
 * equal(timeWaitSeconds("timer:(timewait,850ms,0)"), 0.85);
 * ```
 */
export function timeWaitSeconds(timer: string): number | null {
  const m = /timewait,(?:(\d+)min)?(?:([\d.]+)sec)?(?:([\d.]+)ms)?/.exec(timer);
  if (!m) return null;
  return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0) + Number(m[3] ?? 0) / 1000;
}

/**
 * Watch a TIME-WAIT socket until the kernel removes it.
 *
 * @param port The server's port.
 * @param local The TIME-WAIT socket's local address.
 * @param out Where progress goes.
 * @param signal Stops the watch early.
 * @returns How long it stayed, in seconds, or null when stopped early.
 */
export async function watchTimeWait(
  port: number,
  local: string,
  out: Out,
  signal?: AbortSignal,
): Promise<number | null> {
  const start = Date.now();
  let lastReport = 0;
  try {
    await pollUntil(
      async () => {
        if (signal?.aborted) return true;
        const row = (await socketsOnPort(port)).find((r) =>
          r.state === "TIME-WAIT" && r.local === local
        );
        if (!row) return true;
        if (Date.now() - lastReport >= WATCH_EVERY_MS) {
          lastReport = Date.now();
          const left = timeWaitSeconds(row.timer) ?? 0;
          const shown = left < 1 ? left.toFixed(2) : left.toFixed(0);
          out(text("timeWaitStill", { s: Math.round((Date.now() - start) / 1000), left: shown }));
        }
        return undefined;
      },
      text("timeWaitForEnd"),
      WATCH_LIMIT_MS,
      250,
    );
  } catch (err) {
    if (!signal?.aborted) throw err;
  }
  return signal?.aborted ? null : (Date.now() - start) / 1000;
}

function reportClose(out: Out, r: CloseResult): void {
  const closer = text(r.closer);
  const label = (row: SocketRow) =>
    row.local === r.closerAddr
      ? text("timeWaitClosedFirst", { who: closer })
      : text(r.closer === "client" ? "server" : "client");
  out(text("timeWaitFirstCloses", { who: closer }));
  for (const line of formatSockets(r.halfClosed, label)) out(line);
  out(text("timeWaitThenOther"));
  for (const line of formatSockets(r.closed, label)) out(line);
  out("");
}

/**
 * Run the experiment and report it.
 *
 * @param out Where the report goes.
 * @param options `quick` skips the minute-long watch; `signal` stops it.
 * @returns Both close sequences, and how long TIME-WAIT lasted when watched.
 */
export async function runTimeWait(
  out: Out,
  options: { quick?: boolean; signal?: AbortSignal } = {},
): Promise<{ runs: CloseResult[]; lastedS: number | null; relisten: string }> {
  askQuestion(out, text("timeWaitQuestion"));
  const byClient = await closeInOrder("client");
  reportClose(out, byClient);
  const byServer = await closeInOrder("server");
  reportClose(out, byServer);

  // Restarting a server while its port has a TIME-WAIT socket: Deno's listeners set
  // SO_REUSEADDR, which is what lets bind() succeed.
  let relisten: string;
  try {
    Deno.listen({ hostname: "127.0.0.1", port: byServer.port }).close();
    relisten = text("timeWaitRelistenOk");
  } catch (err) {
    relisten = text("timeWaitRelistenFailed", { why: errorMessage(err) });
  }
  out(text("timeWaitRelisten", { port: byServer.port, result: relisten }));
  const tw = byClient.closed.find((r) => r.state === "TIME-WAIT")!;
  let lastedS: number | null = null;
  if (!options.quick) {
    out(text("timeWaitWatching", { local: tw.local }));
    lastedS = await watchTimeWait(byClient.port, tw.local, out, options.signal);
    if (lastedS !== null) out(text("timeWaitGone", { s: lastedS.toFixed(1) }));
  }
  out("");
  const lasted = lastedS === null ? "" : text("timeWaitLasted", { s: lastedS.toFixed(1) });
  const timer = String(timeWaitSeconds(tw.timer));
  out(text("answer", { answer: text("timeWaitAnswer", { timer, lasted }) }));
  return { runs: [byClient, byServer], lastedS, relisten };
}

if (import.meta.main) {
  Deno.exit(
    await runExperimentMain({
      name: "exp_time_wait",
      usage,
      args: Deno.args,
      run: async ({ quick }, out) => {
        // Ctrl-C aborts the run; the listener goes when it ends, so the process can exit.
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        Deno.addSignalListener("SIGINT", onSignal);
        try {
          await runTimeWait(out, { quick, signal: stop.signal });
        } finally {
          Deno.removeSignalListener("SIGINT", onSignal);
        }
      },
      log: console.log,
      error: console.error,
    }),
  );
}

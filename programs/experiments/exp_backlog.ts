/**
 * Experiment: if the server sits between listen() and accept(), does a client's connect()
 * succeed?
 *
 * It does. The three-way handshake is done by the kernel, not by accept(): once a socket
 * listens, the kernel answers each SYN, completes the handshake and puts the new connection in
 * the listener's *accept queue* (its length is capped by the backlog given to listen()).
 * accept() only takes the next finished connection off that queue. So connect() returns, and
 * the client can even send data, which waits in the server's receive buffer, before the
 * server program has accepted anything. Here a server listens and does not accept; clients
 * connect and write; `ss` shows the queue; then the server accepts and finds the data waiting.
 *
 * Run it:   deno task exp:backlog [--clients 3]
 *
 * @module
 */

import { readLines, writeLine } from "../../lib/net/lines.ts";
import {
  askQuestion,
  formatSockets,
  loopbackSockets,
  type Out,
  runExperimentMain,
  type SocketRow,
} from "../../lib/experiments/experiment.ts";
import { SocketBag } from "../../lib/experiments/socket_bag.ts";
import { experimentsText as text } from "../../lib/experiments/text.ts";

/** A few clients: the listener's queue length in `ss` should read as a count, not noise. */
export const DEFAULT_CLIENTS = 3;

/** The `--help` text, in the program's language. */
const usage = () => text("backlogUsage", { clients: DEFAULT_CLIENTS });

/** What the experiment saw. */
export interface BacklogResult {
  port: number;
  /** How long each connect() took, in ms; every one finished before any accept(). */
  connectMs: number[];
  /** The listener's row in `ss` before any accept: recvQ is the accept queue's length. */
  listenerBefore: SocketRow;
  /** All sockets on the port before any accept. */
  socketsBefore: SocketRow[];
  /** What each accept() then found waiting on its connection. */
  waiting: string[];
}

/**
 * Listen, let `count` clients connect and send a line, read `ss`, then accept them all.
 *
 * @param count How many clients.
 * @returns The timings, the kernel's view before accepting, and the lines found after.
 * @throws {Error} When ss is missing.
 */
export async function backlog(count: number): Promise<BacklogResult> {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  using bag = new SocketBag(); // closes every client and accepted socket at the end
  const { clients, served } = bag;
  const port = listener.addr.port;
  const connectMs: number[] = [];
  for (let k = 1; k <= count; k++) {
    const start = performance.now();
    const client = await Deno.connect({ hostname: "127.0.0.1", port });
    connectMs.push(performance.now() - start);
    clients.push(client);
    await writeLine(client, text("backlogHello", { k }));
  }
  const socketsBefore = await loopbackSockets(port, clients);
  const listenerBefore = socketsBefore.find((r) => r.state === "LISTEN");
  if (!listenerBefore) throw new Error(text("backlogNoListener", { port }));
  const waiting: string[] = [];
  for (let k = 0; k < count; k++) {
    const conn = await listener.accept();
    served.push(conn);
    waiting.push((await readLines(conn).next()).value ?? "");
  }
  return { port, connectMs, listenerBefore, socketsBefore, waiting };
}

/**
 * Run the experiment and report it.
 *
 * @param out Where the report goes.
 * @param count How many clients.
 * @returns What was seen.
 */
export async function runBacklog(out: Out, count = DEFAULT_CLIENTS): Promise<BacklogResult> {
  askQuestion(out, text("backlogQuestion"));
  const r = await backlog(count);
  out(text("backlogServer", { port: r.port }));
  r.connectMs.forEach((ms, i) => {
    out(text("backlogConnected", { n: i + 1, ms: ms.toFixed(2) }));
  });
  out("");
  out(text("backlogSockets"));
  for (
    const line of formatSockets(
      r.socketsBefore,
      (s) =>
        s.state === "LISTEN"
          ? text("backlogListener", { queued: s.recvQ, backlog: s.sendQ })
          : s.local.endsWith(`:${r.port}`)
          ? text("backlogWaiting", { bytes: s.recvQ })
          : text("clientSide"),
    )
  ) out(line);
  out("");
  r.waiting.forEach((line, i) => out(text("backlogFinds", { n: i + 1, line })));
  out("");
  const { recvQ: queued, sendQ: limit } = r.listenerBefore;
  out(text("answer", { answer: text("backlogAnswer", { count, queued, limit }) }));
  return r;
}

if (import.meta.main) {
  Deno.exit(
    await runExperimentMain({
      name: "exp_backlog",
      usage,
      args: Deno.args,
      count: { flag: "clients", max: 50 },
      run: ({ count }, out) => runBacklog(out, count),
      log: console.log,
      error: console.error,
    }),
  );
}

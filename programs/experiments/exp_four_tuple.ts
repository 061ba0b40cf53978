/**
 * Experiment: how does a server tell which client a packet belongs to?
 *
 * Every accepted connection has the same local address and port as the listener; what tells
 * them apart is the peer's address and port. The kernel files each TCP segment under its
 * 4-tuple (source address, source port, destination address, destination port) and hands it to
 * the socket with that tuple; only a SYN that matches no connection goes to the listening
 * socket. The program needs no client id to do it. Here three clients connect from the same
 * address to one server, each says who it is, and `ss` shows the sockets the kernel keeps.
 *
 * Run it:   deno task exp:four-tuple [--clients 3]
 *
 * @module
 */

import { readLines, writeLine } from "../../lib/net/lines.ts";
import { SocketBag } from "../../lib/experiments/socket_bag.ts";
import { experimentsText as text } from "../../lib/experiments/text.ts";
import type { Out, SocketRow } from "../../lib/experiments/experiment.ts";
import {
  askQuestion,
  formatSockets,
  loopbackSockets,
  runExperimentMain,
} from "../../lib/experiments/experiment.ts";

/** Three clients on one address: enough that "the port tells them apart" is plain to see. */
export const DEFAULT_CLIENTS = 3;

/** The `--help` text, in the program's language. */
const usage = () => text("fourTupleUsage", { clients: DEFAULT_CLIENTS });

/** What one accepted connection looked like to the server. */
export interface Accepted {
  local: string;
  remote: string;
  /** The first line the client sent. */
  said: string;
}

/** What the experiment saw. */
export interface FourTupleResult {
  port: number;
  accepted: Accepted[];
  /** The line each client got back, in client order. */
  replies: string[];
  /** The sockets on the server's port while all clients were connected. */
  sockets: SocketRow[];
}

/**
 * Connect `count` clients; each says "I am client K" and the server answers each with the
 * peer address it sees on that connection. `ss` is read while all are still connected.
 *
 * @param count How many clients.
 * @returns What the server accepted, what each client heard, and the kernel's sockets.
 */
export async function fourTuple(count: number): Promise<FourTupleResult> {
  const accepted: Accepted[] = [];
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  using bag = new SocketBag(); // closes every client and accepted socket at the end
  for (let k = 1; k <= count; k++) {
    const [client, conn] = await Promise.all([
      Deno.connect({ hostname: "127.0.0.1", port }),
      listener.accept(),
    ]);
    bag.clients.push(client);
    bag.served.push(conn);
    await writeLine(client, text("fourTupleIAm", { k }));
    const { value } = await readLines(conn).next();
    const remote = `${conn.remoteAddr.hostname}:${conn.remoteAddr.port}`;
    accepted.push({ local: `${conn.localAddr.hostname}:${port}`, remote, said: value ?? "" });
    // The answer goes out on the same socket, so the kernel addresses it to that peer.
    await writeLine(conn, text("fourTupleYouAre", { remote }));
  }
  const replies: string[] = [];
  for (const client of bag.clients) replies.push((await readLines(client).next()).value ?? "");
  const sockets = await loopbackSockets(port, bag.clients);
  return { port, accepted, replies, sockets };
}

/**
 * Run the experiment and report it.
 *
 * @param out Where the report goes.
 * @param count How many clients.
 * @returns What was seen.
 */
export async function runFourTuple(out: Out, count = DEFAULT_CLIENTS): Promise<FourTupleResult> {
  askQuestion(out, text("fourTupleQuestion"));
  const result = await fourTuple(count);
  out(text("fourTupleServer", { port: result.port, count }));
  result.accepted.forEach((a, i) => {
    out(text("fourTupleAccepted", { n: i + 1, local: a.local, remote: a.remote, said: a.said }));
  });
  result.replies.forEach((reply, i) => out(text("fourTupleHears", { n: i + 1, reply })));
  out("");
  out(text("fourTupleSockets", { port: result.port }));
  const ports = new Set(result.accepted.map((a) => a.remote));
  for (
    const line of formatSockets(
      result.sockets,
      (r) =>
        text(
          r.state === "LISTEN"
            ? "listeningSocket"
            : r.local.endsWith(`:${result.port}`)
            ? "serverSide"
            : "clientSide",
        ),
    )
  ) out(line);
  out("");
  const answer = text("fourTupleAnswer", { port: result.port, peers: ports.size });
  out(text("answer", { answer }));
  return result;
}

if (import.meta.main) {
  Deno.exit(
    await runExperimentMain({
      name: "exp_four_tuple",
      usage,
      args: Deno.args,
      count: { flag: "clients", max: 20 },
      run: ({ count }, out) => runFourTuple(out, count),
      log: console.log,
      error: console.error,
    }),
  );
}

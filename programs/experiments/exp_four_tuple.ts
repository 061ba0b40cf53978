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
import type { Out, SocketRow } from "../../lib/experiments/experiment.ts";
import {
  askQuestion,
  formatSockets,
  loopbackSockets,
  runExperimentMain,
} from "../../lib/experiments/experiment.ts";

/** Three clients on one address: enough that "the port tells them apart" is plain to see. */
export const DEFAULT_CLIENTS = 3;

const USAGE = `Usage: deno task exp:four-tuple [--clients N] [--quick]

Connects N clients to one loopback server and shows how the server's sockets differ.

Options:
  --clients N  how many clients (default ${DEFAULT_CLIENTS}, at most 20)
  --quick      same as the default (kept for symmetry with the other experiments)
  -h, --help   show this help`;

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
    await writeLine(client, `I am client ${k}`);
    const { value } = await readLines(conn).next();
    const remote = `${conn.remoteAddr.hostname}:${conn.remoteAddr.port}`;
    accepted.push({ local: `${conn.localAddr.hostname}:${port}`, remote, said: value ?? "" });
    // The answer goes out on the same socket, so the kernel addresses it to that peer.
    await writeLine(conn, `you are ${remote}`);
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
  askQuestion(out, "How does a server tell which client a packet belongs to?");
  const result = await fourTuple(count);
  out(`Server listening on 127.0.0.1:${result.port}; ${count} clients connect from 127.0.0.1`);
  result.accepted.forEach((a, i) => {
    out(`accepted connection ${i + 1}: local ${a.local}, peer ${a.remote}, says "${a.said}"`);
  });
  result.replies.forEach((r, i) => out(`client ${i + 1} hears: ${r}`));
  out("");
  out(`The kernel's TCP sockets on port ${result.port} (ss -tan):`);
  const ports = new Set(result.accepted.map((a) => a.remote));
  for (
    const line of formatSockets(
      result.sockets,
      (r) =>
        r.state === "LISTEN"
          ? "listening socket"
          : r.local.endsWith(`:${result.port}`)
          ? "server side"
          : "client side",
    )
  ) out(line);
  out("");
  out(
    `Answer: every server-side socket has the local end 127.0.0.1:${result.port}; ` +
      `the ${ports.size} peers differ only in their port. The 4-tuple picks the socket.`,
  );
  return result;
}

if (import.meta.main) {
  Deno.exit(
    await runExperimentMain({
      name: "exp_four_tuple",
      usage: USAGE,
      args: Deno.args,
      count: { flag: "clients", max: 20 },
      run: ({ count }, out) => runFourTuple(out, count),
      log: console.log,
      error: console.error,
    }),
  );
}

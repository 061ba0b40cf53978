/**
 * Experiment: does a client need bind(), and does its source port change on every connect()?
 *
 * A server must bind() a known port, or nobody could find it. A client need not: connect() on
 * an unbound socket makes the kernel bind it to a free *ephemeral* port first (Linux picks from
 * 32768–60999 by default). Deno's `Deno.connect` offers no bind() at all. This program connects
 * to one server several times in a row, closing each connection before the next, and prints the
 * source port each connect() got.
 *
 * Run it:   deno task exp:ports [--count 5]
 *
 * @module
 */

import {
  askQuestion,
  closeQuietly,
  type Out,
  runExperimentMain,
} from "../../lib/experiments/experiment.ts";
import { experimentsText as text } from "../../lib/experiments/text.ts";

/** Enough connects to see a pattern, few enough to read. */
export const DEFAULT_COUNT = 5;

/** Linux's default `net.ipv4.ip_local_port_range`. */
export const LINUX_EPHEMERAL = { low: 32768, high: 60999 };

/** The `--help` text, in the program's language. */
const usage = () => text("portsUsage", { count: DEFAULT_COUNT });

/**
 * Connect `count` times to a listener, one after the other, and note each source port. Each
 * connection is closed before the next connect(), as in the lab's client.
 *
 * @param listener A listener on loopback; its connections are accepted and closed here.
 * @param count How many connects.
 * @returns The source port of each connect, in order.
 */
export async function sourcePorts(listener: Deno.TcpListener, count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i++) {
    const [conn, accepted] = await Promise.all([
      Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
      listener.accept(),
    ]);
    ports.push(conn.localAddr.port);
    conn.close(); // the client closes first, as the lab's client does
    closeQuietly(accepted);
  }
  return ports;
}

/**
 * Run the experiment and report it.
 *
 * @param out Where the report goes.
 * @param count How many connects.
 * @returns The source ports.
 */
export async function runPorts(out: Out, count = DEFAULT_COUNT): Promise<number[]> {
  askQuestion(out, text("portsQuestion"));
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  out(text("portsServer", { port: listener.addr.port }));
  const ports = await sourcePorts(listener, count);
  ports.forEach((port, i) => {
    const step = i === 0 ? "" : `  (${port - ports[i - 1] >= 0 ? "+" : ""}${port - ports[i - 1]})`;
    out(text("portsConnect", { n: i + 1, port, step }));
  });
  const distinct = new Set(ports).size;
  const inRange = ports.every((p) => p >= LINUX_EPHEMERAL.low && p <= LINUX_EPHEMERAL.high);
  out("");
  out(text("answer", { answer: text("portsAnswer", { count, distinct }) }));
  out(text(inRange ? "portsInRange" : "portsOutOfRange", LINUX_EPHEMERAL));
  return ports;
}

if (import.meta.main) {
  Deno.exit(
    await runExperimentMain({
      name: "exp_ports",
      usage,
      args: Deno.args,
      count: { flag: "count", max: 100 },
      run: ({ count, quick }, out) => runPorts(out, count ?? (quick ? 3 : DEFAULT_COUNT)),
      log: console.log,
      error: console.error,
    }),
  );
}

/**
 * Experiment: what does the server see when a client's cable is pulled, and how can it find
 * out?
 *
 * Nothing, at first. Pulling a cable sends no packet: no FIN, no RST. A TCP connection is only
 * state in two kernels, so the server's socket stays ESTABLISHED, and a read() on it simply
 * waits. Data the server sends sits unacknowledged and is retransmitted with a growing timeout
 * (Linux gives up after about 15 minutes); an idle connection is never checked at all unless
 * TCP keepalive is on, and its first probe comes after two hours by default. An application
 * that must know sooner checks for itself: the LP client sends a heartbeat every half interval
 * and the LP server evicts a client silent for three intervals.
 *
 * This is done for real: two network namespaces joined by a virtual cable (a veth pair),
 * lp_server in one, lp_client in the other. The client registers, then its end of the cable is
 * set down. `ss` in the server's namespace shows the connection still ESTABLISHED while a
 * message to the client fails and the heartbeat evicts it; then the cable goes back up and a
 * new connection works. Needs root (namespaces) and iproute2's `ip` and `ss`. The namespaces,
 * named after this process's id, are removed at the end, on error and on Ctrl-C.
 *
 * Run it:   sudo deno task exp:pulled-cable [--heartbeat 2]
 *
 * @module
 */

import {
  askQuestion,
  type LineProcess,
  type Out,
  runExperimentMain,
  type SocketRow,
} from "../../lib/experiments/experiment.ts";
import { LabRun } from "../../lib/experiments/lab_run.ts";
import {
  CLIENT_IP,
  labFor,
  type NetnsLab,
  SERVER_IP,
  setClientLink,
  withNetnsLab,
} from "../../lib/experiments/netns_lab.ts";

/**
 * Heartbeat interval in seconds. Short, so the eviction comes within seconds; the LP default
 * (10 s) would make the wait half a minute.
 */
export const DEFAULT_HEARTBEAT_S = 2;

/** The quick run's interval: the eviction then comes within 3 s. */
export const QUICK_HEARTBEAT_S = 1;

/**
 * How long the old client's retransmissions may take to reach the server once the cable is
 * back. TCP's retransmission timeout doubles on each try, so after a few seconds of outage the
 * next try can be several seconds away.
 */
const RECONNECT_NOTICE_MS = 20_000;

/** How long a program in a namespace may take to start and say it is ready. */
const START_MS = 20_000;

const USAGE = `Usage: sudo deno task exp:pulled-cable [--heartbeat SECS] [--quick]

Builds two network namespaces joined by a veth pair, runs lp_server and lp_client across it,
pulls the client's cable (link down) and shows what the server sees. Needs root and iproute2.

Options:
  --heartbeat SECS  the server's heartbeat interval (default ${DEFAULT_HEARTBEAT_S}; 1 to 10)
  --quick           --heartbeat ${QUICK_HEARTBEAT_S} (for tests)
  -h, --help        show this help`;

/** What the experiment saw. */
export interface PulledCableResult {
  heartbeatS: number;
  clientId: number;
  /** The server's socket for the client right after the cable was pulled. */
  atPull: SocketRow | undefined;
  /** The message to the pulled client: the sender's error line. */
  messageError: string;
  /** The server's socket for the client once the message had failed. */
  afterMessage: SocketRow | undefined;
  /** Seconds from pulling the cable to the eviction. */
  evictedAfterS: number;
  /** The server's socket for the client after the eviction, if any. */
  afterEviction: SocketRow | undefined;
  /** What the old client printed after the cable went back up. */
  oldClientSaw: string[];
  /** The list a new client got after reconnecting. */
  reconnectList: string[];
}

/** What every step of {@linkcode pullTheCable} shares: the lab, the interval, the report. */
class CableRun extends LabRun {
  /** The server's port, once it listens. */
  port = 0;

  constructor(readonly lab: NetnsLab, readonly heartbeatS: number, out: Out, signal?: AbortSignal) {
    super(out, signal);
  }

  /** Start lp_client in a namespace, connected to the server. */
  client(ns: string, ...args: string[]): LineProcess {
    return this.start(ns, "lp-client", ["--connect", `${SERVER_IP}:${this.port}`, ...args]);
  }

  /** The server's socket for the client that loses its cable. */
  clientSocket(): Promise<SocketRow | undefined> {
    return this.socketTo(this.port, this.lab.serverNs, CLIENT_IP);
  }
}

/** Start the server and the client that will lose its cable; show the server's sockets. */
async function connectClient(run: CableRun) {
  const { lab, heartbeatS, signal } = run;
  // The ack timeout equals the interval, so the message fails before the eviction (3 intervals).
  const server = run.start(lab.serverNs, "lp-server", [
    ...["--host", SERVER_IP, "--port", "0", "--name", "pulled-cable lab"],
    ...["--heartbeat", String(heartbeatS), "--ack-timeout", String(heartbeatS)],
  ]);
  run.port = Number((await server.waitFor(/Listening on .*:(\d+)/, START_MS, signal))[1]);
  run.say(
    `lp_server listens on ${SERVER_IP}:${run.port} in namespace ${lab.serverNs}, heartbeat ${heartbeatS} s`,
  );
  const client = run.client(lab.clientNs, "--listen");
  const clientId = Number((await client.waitFor(/you are client (\d+)/, START_MS, signal))[1]);
  await client.waitFor(/Waiting for messages/, START_MS, signal);
  run.say(`lp_client in ${lab.clientNs} (${CLIENT_IP}) is registered as client ${clientId}`);
  await run.show(run.port, lab.serverNs, `server's sockets (ss -tano in ${lab.serverNs}):`);
  return { server, client, clientId };
}

/** Pull the cable, send the pulled client a message, and wait for the server to evict it. */
async function pullAndEvict(run: CableRun, server: LineProcess, clientId: number) {
  const { lab, heartbeatS, signal, port } = run;
  // Pull the cable: the client's end of the veth pair goes down. No packet says so.
  const pulled = await setClientLink(lab, "down");
  run.t0 = Date.now();
  run.say(`cable pulled: ${pulled}`);
  const atPull = await run.clientSocket();
  run.say(`server's socket for client ${clientId}: ${atPull?.state ?? "gone"}`);

  // A message to the pulled client, from a second client next to the server.
  const sender = run.client(lab.serverNs, "--do", `msg:${clientId}:are you there?`);
  const messageError = (await sender.waitFor(/^lp_client: (.*)$/, START_MS, signal))[1];
  run.say(`a message to client ${clientId} fails: ${messageError}`);
  const afterMessage = await run.clientSocket();
  const still = afterMessage?.state ?? "gone";
  await run.show(port, lab.serverNs, `server's sockets now: the connection is still ${still}`);

  // The heartbeat: silent for three intervals, the client is evicted.
  const evictedRe = new RegExp(`client ${clientId} .* evicted: (.*)`);
  const evicted = await server.waitFor(evictedRe, (3 * heartbeatS + 5) * 1000, signal);
  const evictedAfterS = (Date.now() - run.t0) / 1000;
  run.say(`the server evicts client ${clientId}: ${evicted[1]}`);
  const afterEviction = await run.clientSocket();
  await run.show(
    port,
    lab.serverNs,
    `server's sockets after the eviction (the server closed; its FIN cannot get through either):`,
  );
  const unaware = `client's sockets (ss in ${lab.clientNs}): it has noticed nothing`;
  await run.show(port, lab.clientNs, unaware);
  return { atPull, messageError, afterMessage, evictedAfterS, afterEviction };
}

/** Plug the cable back in: what the old client hears, and whether a new connection works. */
async function plugBack(run: CableRun, client: LineProcess) {
  const { lab, signal } = run;
  // Plug it back in. The old client's retransmissions now reach a server that has closed.
  const seenBefore = client.lines.length;
  run.say(`cable back: ${await setClientLink(lab, "up")}`);
  const closed = /^Disconnected: |^The server closed the connection\.$/;
  try {
    await client.waitFor(closed, RECONNECT_NOTICE_MS, signal);
  } catch (err) {
    if (signal?.aborted) throw err;
  }
  const oldClientSaw = client.lines.slice(seenBefore);
  for (const line of oldClientSaw) run.say(`old client prints: ${line}`);
  const again = run.client(lab.clientNs, "--do", "list");
  const code = await again.exit();
  if (code !== 0) {
    throw new Error(`reconnecting failed: ${again.lines.at(-1) ?? `exit code ${code}`}`);
  }
  const reconnectList = again.lines.filter((l) => /^\s+\d+\s/.test(l) || /clients/.test(l));
  run.say("a new connection from the client's namespace works:");
  for (const line of reconnectList) run.out(`  ${line}`);
  return { oldClientSaw, reconnectList };
}

/** The experiment, in a lab that has been built: connect, pull, evict, plug back. */
async function pullTheCable(run: CableRun): Promise<PulledCableResult> {
  try {
    const { server, client, clientId } = await connectClient(run);
    const pulled = await pullAndEvict(run, server, clientId);
    const back = await plugBack(run, client);
    await server.stop("SIGINT");
    return { heartbeatS: run.heartbeatS, clientId, ...pulled, ...back };
  } finally {
    await run.stopAll();
  }
}

/**
 * Build the lab, run the experiment, remove the lab whatever happens.
 *
 * @param out Where the report goes.
 * @param options The heartbeat interval, a unique id for the names, and Ctrl-C.
 * @returns What was seen.
 * @throws {Error} When not root, when `ip` is missing, or when a step fails.
 */
export async function runPulledCable(
  out: Out,
  options: { heartbeatS?: number; id?: number; signal?: AbortSignal } = {},
): Promise<PulledCableResult> {
  if (Deno.uid() !== 0) {
    throw new Error("needs root to create network namespaces (run it with sudo)");
  }
  const heartbeatS = options.heartbeatS ?? DEFAULT_HEARTBEAT_S;
  const lab = labFor(options.id ?? Deno.pid);
  askQuestion(
    out,
    "What does the server see when a client's cable is pulled, and how can it find out?",
  );
  // Whatever happens inside, the namespaces go.
  const r = await withNetnsLab(lab, out, () => {
    out(
      `[setup] namespaces ${lab.serverNs} (${SERVER_IP}) and ${lab.clientNs} (${CLIENT_IP}), ` +
        `joined by the veth pair ${lab.serverIf} <-> ${lab.clientIf}`,
    );
    return pullTheCable(new CableRun(lab, heartbeatS, out, options.signal));
  });
  out("");
  out(
    `Answer: nothing arrives when a cable is pulled. The server's socket stayed ` +
      `${r.afterMessage?.state ?? "gone"} after a message to the client had failed; only the ` +
      `heartbeat found out, evicting the client ${r.evictedAfterS.toFixed(1)} s after the pull ` +
      `(3 intervals of ${heartbeatS} s after its last heartbeat). With the cable back, a new ` +
      `connection works.`,
  );
  return r;
}

if (import.meta.main) {
  // Ctrl-C and SIGTERM abort the run (exit 130); the namespaces are removed on the way out.
  Deno.exit(
    await runExperimentMain({
      name: "exp_pulled_cable",
      usage: USAGE,
      args: Deno.args,
      count: { flag: "heartbeat", max: 10, unit: "seconds" },
      interruptible: true,
      run: ({ count, quick }, out, signal) => {
        const heartbeatS = count ?? (quick ? QUICK_HEARTBEAT_S : DEFAULT_HEARTBEAT_S);
        return runPulledCable(out, { heartbeatS, signal });
      },
      log: console.log,
      error: console.error,
    }),
  );
}

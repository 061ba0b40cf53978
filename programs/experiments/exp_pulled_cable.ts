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
import { experimentsText as text } from "../../lib/experiments/text.ts";

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

/** The `--help` text, in the program's language. */
const usage = () =>
  text("pulledCableUsage", { heartbeat: DEFAULT_HEARTBEAT_S, quick: QUICK_HEARTBEAT_S });

/**
 * The language the lab's programs speak: English, whatever this report's language, because
 * this program waits for their lines by their English wording. The lines it quotes from them
 * are quoted as they printed them.
 */
const CHILD_LANG = ["--lang", "en"];

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
    return this.start(ns, "lp-client", [
      ...["--connect", `${SERVER_IP}:${this.port}`, ...CHILD_LANG],
      ...args,
    ]);
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
    ...["--heartbeat", String(heartbeatS), "--ack-timeout", String(heartbeatS), ...CHILD_LANG],
  ]);
  run.port = Number((await server.waitFor(/Listening on .*:(\d+)/, START_MS, signal))[1]);
  run.say(
    text("pulledCableListens", { ip: SERVER_IP, port: run.port, ns: lab.serverNs, s: heartbeatS }),
  );
  const client = run.client(lab.clientNs, "--listen");
  const clientId = Number((await client.waitFor(/you are client (\d+)/, START_MS, signal))[1]);
  await client.waitFor(/Waiting for messages/, START_MS, signal);
  run.say(text("pulledCableRegistered", { ns: lab.clientNs, ip: CLIENT_IP, id: clientId }));
  await run.show(run.port, lab.serverNs, text("pulledCableServerSockets", { ns: lab.serverNs }));
  return { server, client, clientId };
}

/** Pull the cable, send the pulled client a message, and wait for the server to evict it. */
async function pullAndEvict(run: CableRun, server: LineProcess, clientId: number) {
  const { lab, heartbeatS, signal, port } = run;
  // Pull the cable: the client's end of the veth pair goes down. No packet says so.
  const pulled = await setClientLink(lab, "down");
  run.t0 = Date.now();
  run.say(text("pulledCablePulled", { command: pulled }));
  const atPull = await run.clientSocket();
  const state = atPull?.state ?? text("pulledCableGone");
  run.say(text("pulledCableSocketAtPull", { id: clientId, state }));

  // A message to the pulled client, from a second client next to the server.
  const message = `msg:${clientId}:${text("pulledCableAreYouThere")}`;
  const sender = run.client(lab.serverNs, "--do", message);
  const messageError = (await sender.waitFor(/^lp_client: (.*)$/, START_MS, signal))[1];
  run.say(text("pulledCableMessageFails", { id: clientId, error: messageError }));
  const afterMessage = await run.clientSocket();
  const still = afterMessage?.state ?? text("pulledCableGone");
  await run.show(port, lab.serverNs, text("pulledCableStill", { state: still }));

  // The heartbeat: silent for three intervals, the client is evicted.
  const evictedRe = new RegExp(`client ${clientId} .* evicted: (.*)`);
  const evicted = await server.waitFor(evictedRe, (3 * heartbeatS + 5) * 1000, signal);
  const evictedAfterS = (Date.now() - run.t0) / 1000;
  run.say(text("pulledCableEvicts", { id: clientId, reason: evicted[1] }));
  const afterEviction = await run.clientSocket();
  await run.show(port, lab.serverNs, text("pulledCableAfterEviction"));
  await run.show(port, lab.clientNs, text("pulledCableUnaware", { ns: lab.clientNs }));
  return { atPull, messageError, afterMessage, evictedAfterS, afterEviction };
}

/** Plug the cable back in: what the old client hears, and whether a new connection works. */
async function plugBack(run: CableRun, client: LineProcess) {
  const { lab, signal } = run;
  // Plug it back in. The old client's retransmissions now reach a server that has closed.
  const seenBefore = client.lines.length;
  run.say(text("pulledCableBack", { command: await setClientLink(lab, "up") }));
  const closed = /^Disconnected: |^The server closed the connection\.$/;
  try {
    await client.waitFor(closed, RECONNECT_NOTICE_MS, signal);
  } catch (err) {
    if (signal?.aborted) throw err;
  }
  const oldClientSaw = client.lines.slice(seenBefore);
  for (const line of oldClientSaw) run.say(text("pulledCableOldClient", { line }));
  const again = run.client(lab.clientNs, "--do", "list");
  const code = await again.exit();
  if (code !== 0) {
    const why = again.lines.at(-1) ?? text("exitCode", { code });
    throw new Error(text("pulledCableReconnectFailed", { why }));
  }
  const reconnectList = again.lines.filter((l) => /^\s+\d+\s/.test(l) || /clients/.test(l));
  run.say(text("pulledCableNewWorks"));
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
    throw new Error(text("pulledCableNeedsRoot"));
  }
  const heartbeatS = options.heartbeatS ?? DEFAULT_HEARTBEAT_S;
  const lab = labFor(options.id ?? Deno.pid);
  askQuestion(out, text("pulledCableQuestion"));
  // Whatever happens inside, the namespaces go.
  const r = await withNetnsLab(lab, out, () => {
    const run = new CableRun(lab, heartbeatS, out, options.signal);
    run.say(text("pulledCableLab", { ...lab, serverIp: SERVER_IP, clientIp: CLIENT_IP }));
    return pullTheCable(run);
  });
  out("");
  const answer = text("pulledCableAnswer", {
    state: r.afterMessage?.state ?? text("pulledCableGone"),
    after: r.evictedAfterS.toFixed(1),
    heartbeat: heartbeatS,
  });
  out(text("answer", { answer }));
  return r;
}

if (import.meta.main) {
  // Ctrl-C and SIGTERM abort the run (exit 130); the namespaces are removed on the way out.
  Deno.exit(
    await runExperimentMain({
      name: "exp_pulled_cable",
      usage,
      args: Deno.args,
      count: { flag: "heartbeat", max: 10, seconds: true },
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

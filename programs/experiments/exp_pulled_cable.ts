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

import { errorMessage, parseFlags, UsageError } from "../../lib/cli/cli.ts";
import { ROOT, taskParts } from "../../lib/cli/task_command.ts";
import {
  askQuestion,
  formatSockets,
  LineProcess,
  type Out,
  runTool,
  type SocketRow,
  socketsOnPort,
} from "../../lib/experiments/experiment.ts";

/**
 * Heartbeat interval in seconds. Short, so the eviction comes within seconds; the LP default
 * (10 s) would make the wait half a minute.
 */
export const DEFAULT_HEARTBEAT_S = 2;

/** The quick run's interval: the eviction then comes within 3 s. */
export const QUICK_HEARTBEAT_S = 1;

/**
 * Private addresses for the two ends of the cable. They exist only inside the namespaces this
 * program creates; nothing is ever sent to an address outside them.
 */
export const SERVER_IP = "10.77.0.1";
export const CLIENT_IP = "10.77.0.2";
const PREFIX = 24;

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

/** The names of one run's namespaces and interfaces. */
export interface Lab {
  serverNs: string;
  clientNs: string;
  serverIf: string;
  clientIf: string;
}

/**
 * Names unique to this run, so two runs (or a left-over namespace) never collide. Interface
 * names have at most 15 characters.
 *
 * @param id A number unique on this machine, such as the process id.
 * @returns The names.
 */
export function labFor(id: number): Lab {
  return {
    serverNs: `lpsrv-${id}`,
    clientNs: `lpcli-${id}`,
    serverIf: `lps${id}`.slice(0, 15),
    clientIf: `lpc${id}`.slice(0, 15),
  };
}

/**
 * The `ip` commands that build the lab: two namespaces, a veth pair with one end in each, an
 * address on each end, and every link up (loopback too, which local connections need).
 *
 * @param lab The names.
 * @returns The argument lists for `ip`, in order.
 */
export function setupCommands(lab: Lab): string[][] {
  return [
    ["netns", "add", lab.serverNs],
    ["netns", "add", lab.clientNs],
    [
      ...["link", "add", lab.serverIf, "netns", lab.serverNs, "type", "veth"],
      ...["peer", "name", lab.clientIf, "netns", lab.clientNs],
    ],
    ["-n", lab.serverNs, "addr", "add", `${SERVER_IP}/${PREFIX}`, "dev", lab.serverIf],
    ["-n", lab.clientNs, "addr", "add", `${CLIENT_IP}/${PREFIX}`, "dev", lab.clientIf],
    ["-n", lab.serverNs, "link", "set", "lo", "up"],
    ["-n", lab.clientNs, "link", "set", "lo", "up"],
    ["-n", lab.serverNs, "link", "set", lab.serverIf, "up"],
    ["-n", lab.clientNs, "link", "set", lab.clientIf, "up"],
  ];
}

/**
 * Start a task's program inside a namespace.
 *
 * @param ns The namespace.
 * @param task The task.
 * @param args The program's arguments.
 * @returns The running program.
 */
function startIn(ns: string, task: string, args: string[]): LineProcess {
  const { flags, script } = taskParts(task);
  return new LineProcess(
    "ip",
    ["netns", "exec", ns, Deno.execPath(), "run", ...flags, script, ...args],
    ROOT,
  );
}

/**
 * Remove the lab: stop whatever still runs in its namespaces, then delete them (which deletes
 * the veth pair too).
 *
 * @param lab The names.
 * @returns What could not be removed, one line each (empty when all went).
 */
export async function destroyLab(lab: Lab): Promise<string[]> {
  const problems: string[] = [];
  const existing = await runTool("ip", ["netns", "list"]).catch(() => "");
  for (const ns of [lab.serverNs, lab.clientNs]) {
    if (!new RegExp(`^${ns}\\b`, "m").test(existing)) continue;
    // Only processes inside our own namespace, by id.
    const pids = (await runTool("ip", ["netns", "pids", ns]).catch(() => "")).split(/\s+/)
      .filter((p) => /^\d+$/.test(p));
    if (pids.length > 0) {
      await runTool("ip", ["netns", "exec", ns, "kill", "-KILL", ...pids]).catch(() => {});
    }
    try {
      await runTool("ip", ["netns", "delete", ns]);
    } catch (err) {
      problems.push(`could not delete namespace ${ns}: ${errorMessage(err)}`);
    }
  }
  return problems;
}

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

/** What every step of {@linkcode pullTheCable} shares: the lab, the report, the programs. */
class CableRun {
  readonly started: LineProcess[] = [];
  /** When the cable was pulled; 0 before. */
  t0 = 0;

  constructor(
    readonly lab: Lab,
    readonly heartbeatS: number,
    readonly out: Out,
    readonly signal?: AbortSignal,
  ) {}

  start(ns: string, task: string, args: string[]): LineProcess {
    const p = startIn(ns, task, args);
    this.started.push(p);
    return p;
  }

  say(line: string): void {
    const t0 = this.t0;
    this.out(`[${t0 ? `+${((Date.now() - t0) / 1000).toFixed(1)} s` : "setup"}] ${line}`);
  }

  async clientSocket(port: number) {
    return (await socketsOnPort(port, this.lab.serverNs)).find((r) =>
      r.peer.startsWith(`${CLIENT_IP}:`)
    );
  }

  async show(port: number, ns: string, what: string): Promise<void> {
    this.say(what);
    for (const line of formatSockets(await socketsOnPort(port, ns))) this.out(line);
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
  const port = Number((await server.waitFor(/Listening on .*:(\d+)/, START_MS, signal))[1]);
  run.say(
    `lp_server listens on ${SERVER_IP}:${port} in namespace ${lab.serverNs}, heartbeat ${heartbeatS} s`,
  );
  const client = run.start(lab.clientNs, "lp-client", [
    "--connect",
    `${SERVER_IP}:${port}`,
    "--listen",
  ]);
  const clientId = Number((await client.waitFor(/you are client (\d+)/, START_MS, signal))[1]);
  await client.waitFor(/Waiting for messages/, START_MS, signal);
  run.say(`lp_client in ${lab.clientNs} (${CLIENT_IP}) is registered as client ${clientId}`);
  await run.show(port, lab.serverNs, `server's sockets (ss -tano in ${lab.serverNs}):`);
  return { server, client, port, clientId };
}

/** Pull the cable, send the pulled client a message, and wait for the server to evict it. */
async function pullAndEvict(run: CableRun, server: LineProcess, port: number, clientId: number) {
  const { lab, heartbeatS, signal } = run;
  // Pull the cable: the client's end of the veth pair goes down. No packet says so.
  await runTool("ip", ["-n", lab.clientNs, "link", "set", lab.clientIf, "down"]);
  run.t0 = Date.now();
  run.say(`cable pulled: ip -n ${lab.clientNs} link set ${lab.clientIf} down`);
  const atPull = await run.clientSocket(port);
  run.say(`server's socket for client ${clientId}: ${atPull?.state ?? "gone"}`);

  // A message to the pulled client, from a second client next to the server.
  const sender = run.start(lab.serverNs, "lp-client", [
    ...["--connect", `${SERVER_IP}:${port}`, "--do", `msg:${clientId}:are you there?`],
  ]);
  const failed = await sender.waitFor(/^lp_client: (.*)$/, START_MS, signal);
  const messageError = failed[1];
  run.say(`a message to client ${clientId} fails: ${messageError}`);
  const afterMessage = await run.clientSocket(port);
  await run.show(
    port,
    lab.serverNs,
    `server's sockets now: the connection is still ${afterMessage?.state ?? "gone"}`,
  );

  const evicted = await server.waitFor(
    new RegExp(`client ${clientId} .* evicted: (.*)`),
    (3 * heartbeatS + 5) * 1000,
    signal,
  );
  const evictedAfterS = (Date.now() - run.t0) / 1000;
  run.say(`the server evicts client ${clientId}: ${evicted[1]}`);
  const afterEviction = await run.clientSocket(port);
  await run.show(
    port,
    lab.serverNs,
    `server's sockets after the eviction (the server closed; its FIN cannot get through either):`,
  );
  await run.show(
    port,
    lab.clientNs,
    `client's sockets (ss in ${lab.clientNs}): it has noticed nothing`,
  );
  return { atPull, messageError, afterMessage, evictedAfterS, afterEviction };
}

/** Plug the cable back in: what the old client hears, and whether a new connection works. */
async function plugBack(run: CableRun, client: LineProcess, port: number) {
  const { lab, signal } = run;
  // Plug it back in. The old client's retransmissions now reach a server that has closed.
  const seenBefore = client.lines.length;
  await runTool("ip", ["-n", lab.clientNs, "link", "set", lab.clientIf, "up"]);
  run.say(`cable back: ip -n ${lab.clientNs} link set ${lab.clientIf} up`);
  try {
    await client.waitFor(
      /^Disconnected: |^The server closed the connection\.$/,
      RECONNECT_NOTICE_MS,
      signal,
    );
  } catch (err) {
    if (signal?.aborted) throw err;
  }
  const oldClientSaw = client.lines.slice(seenBefore);
  for (const line of oldClientSaw) run.say(`old client prints: ${line}`);
  const again = run.start(lab.clientNs, "lp-client", [
    "--connect",
    `${SERVER_IP}:${port}`,
    "--do",
    "list",
  ]);
  const code = await again.exit();
  if (code !== 0) {
    throw new Error(`reconnecting failed: ${again.lines.at(-1) ?? `exit code ${code}`}`);
  }
  const reconnectList = again.lines.filter((l) => /^\s+\d+\s/.test(l) || /clients/.test(l));
  run.say("a new connection from the client's namespace works:");
  for (const line of reconnectList) run.out(`  ${line}`);
  return { oldClientSaw, reconnectList };
}

/**
 * Run the experiment in a lab that has been built.
 *
 * @param lab The names.
 * @param heartbeatS The server's heartbeat interval.
 * @param out Where the report goes.
 * @param signal Ctrl-C.
 * @returns What was seen.
 */
export async function pullTheCable(
  lab: Lab,
  heartbeatS: number,
  out: Out,
  signal?: AbortSignal,
): Promise<PulledCableResult> {
  const run = new CableRun(lab, heartbeatS, out, signal);
  try {
    const { server, client, port, clientId } = await connectClient(run);
    const pulled = await pullAndEvict(run, server, port, clientId);
    const back = await plugBack(run, client, port);
    await server.stop("SIGINT");
    return { heartbeatS, clientId, ...pulled, ...back };
  } finally {
    await Promise.all(run.started.map((p) => p.stop("SIGKILL")));
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
  let result: PulledCableResult | undefined;
  let failure: unknown;
  try {
    for (const args of setupCommands(lab)) await runTool("ip", args);
    out(
      `[setup] namespaces ${lab.serverNs} (${SERVER_IP}) and ${lab.clientNs} (${CLIENT_IP}), ` +
        `joined by the veth pair ${lab.serverIf} <-> ${lab.clientIf}`,
    );
    result = await pullTheCable(lab, heartbeatS, out, options.signal);
  } catch (err) {
    failure = err;
  }
  // Whatever happened above, the namespaces go.
  const problems = await destroyLab(lab);
  if (problems.length > 0) {
    const cause = failure === undefined ? "" : `${errorMessage(failure)}; and `;
    throw new Error(cause + problems.join("; "));
  }
  out(`[cleanup] namespaces ${lab.serverNs} and ${lab.clientNs} removed`);
  if (failure !== undefined) throw failure;
  const r = result!;
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
  let heartbeatS = DEFAULT_HEARTBEAT_S;
  try {
    const { values } = parseFlags(Deno.args, {
      heartbeat: { type: "string" },
      quick: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    });
    if (values.help) {
      console.log(USAGE);
      Deno.exit(0);
    }
    if (values.quick) heartbeatS = QUICK_HEARTBEAT_S;
    if (values.heartbeat !== undefined) {
      heartbeatS = Number(values.heartbeat);
      if (!/^\d+$/.test(values.heartbeat) || heartbeatS < 1 || heartbeatS > 10) {
        throw new UsageError(`Invalid --heartbeat "${values.heartbeat}": expected 1 to 10 seconds`);
      }
    }
  } catch (err) {
    console.error(`exp_pulled_cable: ${errorMessage(err)} (see --help)`);
    Deno.exit(2);
  }
  // Ctrl-C and SIGTERM abort the run; the namespaces are removed on the way out.
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  for (const s of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(s, onSignal);
  let code = 0;
  try {
    await runPulledCable(console.log, { heartbeatS, signal: stop.signal });
  } catch (err) {
    console.error(`exp_pulled_cable: ${errorMessage(err)}`);
    code = stop.signal.aborted ? 130 : 1;
  } finally {
    for (const s of ["SIGINT", "SIGTERM"] as const) Deno.removeSignalListener(s, onSignal);
  }
  Deno.exit(code);
}

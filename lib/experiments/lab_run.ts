/**
 * What the steps of a namespace experiment share: the programs it started (to stop them all at
 * the end), a report whose lines carry the time since the moment that matters, and the sockets
 * `ss` shows inside a namespace.
 *
 * @module
 */

import {
  formatSockets,
  type LineProcess,
  type Out,
  type SocketRow,
  socketsOnPort,
} from "./experiment.ts";
import { startInNamespace } from "./netns_lab.ts";
import { experimentsText as text } from "./text.ts";

/**
 * One run of an experiment in network namespaces.
 *
 * @example
 * ```ts ignore
 * const run = new LabRun(console.log);
 * const server = run.start("lpsrv-1", "lp-server", ["--port", "0"]);
 * run.t0 = Date.now();
 * run.say("cable pulled"); // [+0.0 s] cable pulled
 * await run.stopAll();
 * ```
 */
export class LabRun {
  /** Every program {@linkcode LabRun.start} started, in order. */
  readonly started: LineProcess[] = [];
  /** The moment report lines count from (such as when a cable was pulled); 0 before. */
  t0 = 0;

  /**
   * @param out Where the report goes.
   * @param signal Ctrl-C, for the steps' waits.
   */
  constructor(readonly out: Out, readonly signal?: AbortSignal) {}

  /**
   * Start a task's program in a namespace, and remember it for {@linkcode LabRun.stopAll}.
   *
   * @param ns The namespace.
   * @param task The task, such as `lp-client`.
   * @param args The program's arguments.
   * @returns The running program.
   */
  start(ns: string, task: string, args: string[]): LineProcess {
    const p = startInNamespace(ns, task, args);
    this.started.push(p);
    return p;
  }

  /**
   * Report a line, stamped `[setup]` (in the program's language) before {@linkcode LabRun.t0}
   * is set and `[+1.2 s]` after.
   *
   * @param line The line.
   */
  say(line: string): void {
    const t0 = this.t0;
    const stamp = t0 ? `+${((Date.now() - t0) / 1000).toFixed(1)} s` : text("stampSetup");
    this.out(`[${stamp}] ${line}`);
  }

  /**
   * The socket on a port, in a namespace, whose peer has the given address.
   *
   * @param port The port.
   * @param ns The namespace to look in.
   * @param peerIp The peer's IP address.
   * @returns Its row, or `undefined` when there is none.
   * @throws {Error} When ss is missing or fails.
   */
  async socketTo(port: number, ns: string, peerIp: string): Promise<SocketRow | undefined> {
    return (await socketsOnPort(port, ns)).find((r) => r.peer.startsWith(`${peerIp}:`));
  }

  /**
   * Report a line, then the sockets on a port in a namespace as a table.
   *
   * @param port The port.
   * @param ns The namespace to look in.
   * @param what The line before the table.
   * @throws {Error} When ss is missing or fails.
   */
  async show(port: number, ns: string, what: string): Promise<void> {
    this.say(what);
    for (const line of formatSockets(await socketsOnPort(port, ns))) this.out(line);
  }

  /** Kill every program this run started that still runs, and wait for them to end. */
  async stopAll(): Promise<void> {
    await Promise.all(this.started.map((p) => p.stop("SIGKILL")));
  }
}

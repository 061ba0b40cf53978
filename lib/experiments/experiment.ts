/**
 * What the experiments in `programs/experiments/` share: running a system tool with one-line
 * errors, reading socket states from `ss`, waiting for a condition with a deadline, and the
 * command line around a run.
 *
 * @module
 */

import { errorMessage, parseProgramFlags, UsageError } from "../cli/cli.ts";
import { displayWidth, padEndToWidth } from "../cli/display_width.ts";
import { experimentsText as text } from "./text.ts";

/** Where an experiment writes its report, one line at a time. */
export type Out = (line: string) => void;

/**
 * Longest an experiment waits for something the kernel does at once on loopback (a FIN to be
 * acknowledged, a capture tool to hand over its packets). Reaching it means something is wrong.
 */
export const SETTLE_MS = 10_000;

/**
 * Run a tool and return what it printed.
 *
 * @param cmd The program, such as `ss`.
 * @param args Its arguments.
 * @param input Bytes for its stdin, if any.
 * @returns Its stdout.
 * @throws {Error} When it is not installed (a message saying so), or exits non-zero (with its
 *   first line of stderr).
 */
export async function runTool(cmd: string, args: string[], input?: Uint8Array): Promise<string> {
  let output: Deno.CommandOutput;
  try {
    const child = new Deno.Command(cmd, {
      args,
      stdin: input ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    if (input) {
      const writer = child.stdin.getWriter();
      await writer.write(input).catch(() => {});
      await writer.close().catch(() => {});
    }
    output = await child.output();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) throw new Error(text("notInstalled", { cmd }));
    throw err;
  }
  if (!output.success) {
    const why = new TextDecoder().decode(output.stderr).trim().split("\n")[0] ||
      text("exitCode", { code: output.code });
    throw new Error(`${cmd} ${args.join(" ")}: ${why}`);
  }
  return new TextDecoder().decode(output.stdout);
}

/** One TCP socket as `ss -tano` shows it. */
export interface SocketRow {
  /** `LISTEN`, `ESTAB`, `FIN-WAIT-2`, `TIME-WAIT`... */
  state: string;
  /** For a listener: connections waiting in the accept queue; otherwise unread bytes. */
  recvQ: number;
  /** For a listener: the accept queue's limit (the backlog); otherwise unacknowledged bytes. */
  sendQ: number;
  local: string;
  peer: string;
  /** The timer column, such as `timer:(timewait,59sec,0)`, or `""`. */
  timer: string;
}

/**
 * Parse `ss -tanoH` output.
 *
 * @param text What ss printed.
 * @returns One row per socket.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(parseSs("TIME-WAIT 0 0 127.0.0.1:5 127.0.0.1:6 timer:(timewait,59sec,0)\n"), [{
 *   state: "TIME-WAIT", recvQ: 0, sendQ: 0, local: "127.0.0.1:5", peer: "127.0.0.1:6",
 *   timer: "timer:(timewait,59sec,0)",
 * }]);
 * ```
 */
export function parseSs(text: string): SocketRow[] {
  return text.split("\n").filter((l) => l.trim()).map((line) => {
    const [state, recvQ, sendQ, local, peer, ...rest] = line.trim().split(/\s+/);
    return {
      state,
      recvQ: Number(recvQ),
      sendQ: Number(sendQ),
      local,
      peer,
      timer: rest.find((w) => w.startsWith("timer:")) ?? "",
    };
  });
}

/**
 * The TCP sockets on a port, as the kernel sees them, from `ss`.
 *
 * @param port Sockets whose local or remote port is this one.
 * @param netns A network namespace to look in (`ss -N`), or none for our own.
 * @returns The sockets, in ss's order.
 * @throws {Error} When ss is missing or fails.
 */
export async function socketsOnPort(port: number, netns?: string): Promise<SocketRow[]> {
  const where = netns ? ["-N", netns] : [];
  return parseSs(
    await runTool("ss", [...where, "-tanoH", `( sport = :${port} or dport = :${port} )`]),
  );
}

/**
 * Lay out socket rows as a small table, its columns lined up by display width (the headings
 * and the notes may be Chinese).
 *
 * @param rows The sockets.
 * @param label A note per row, such as "client side".
 * @returns The lines, with a header.
 */
export function formatSockets(rows: SocketRow[], label?: (row: SocketRow) => string): string[] {
  const headings = ["colState", "colRecvQ", "colSendQ", "colLocal", "colPeer", "colTimer"] as const;
  const table = [[...headings.map((key) => text(key)), ""]];
  for (const r of rows) {
    table.push([
      r.state,
      String(r.recvQ),
      String(r.sendQ),
      r.local,
      r.peer,
      r.timer.replace(/^timer:/, ""),
      label?.(r) ?? "",
    ]);
  }
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => displayWidth(row[i]))));
  return table.map((row) =>
    "  " + row.map((c, i) => padEndToWidth(c, widths[i])).join("  ").trimEnd()
  );
}

/**
 * Poll until `check` returns a value, or give up at the deadline.
 *
 * @param check Returns the value once the condition holds, `undefined` before.
 * @param what What we wait for, for the error, worded in the program's language.
 * @param timeoutMs The deadline.
 * @param intervalMs Pause between checks: the kernel gives no event to wait on for these.
 * @returns The value.
 * @throws {Error} When the deadline passes first.
 */
export async function pollUntil<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = SETTLE_MS,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) {
      throw new Error(text("timedOutWaiting", { ms: timeoutMs, what }));
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Print an experiment's question.
 *
 * @param out Where to write.
 * @param question The question the lab asked.
 */
export function askQuestion(out: Out, question: string): void {
  out(text("question", { question }));
  out("");
}

/**
 * Close something that may already be closed.
 *
 * @param resource A connection or listener.
 */
export function closeQuietly(resource: { close(): void }): void {
  try {
    resource.close();
  } catch {
    // Already closed.
  }
}

/**
 * A program an experiment started, whose output lines it reads as they come.
 */
export class LineProcess implements AsyncDisposable {
  readonly child: Deno.ChildProcess;
  /** Every stdout and stderr line so far, in arrival order. */
  readonly lines: string[] = [];
  readonly #waiters = new Set<() => void>();
  readonly #pumps: Promise<void>;
  #ended = false;

  /**
   * @param cmd The program.
   * @param args Its arguments.
   * @param cwd Its working directory.
   */
  constructor(cmd: string, args: string[], cwd?: string) {
    this.child = new Deno.Command(cmd, {
      args,
      cwd,
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#pumps = Promise.all([this.#pump(this.child.stdout), this.#pump(this.child.stderr)])
      .then(() => {
        this.#ended = true;
        this.#wake();
      });
  }

  async #pump(stream: ReadableStream<Uint8Array>): Promise<void> {
    let partial = "";
    for await (
      const piece of stream.pipeThrough(
        new TextDecoderStream() as TransformStream<Uint8Array, string>,
      )
    ) {
      const parts = (partial + piece).split("\n");
      partial = parts.pop()!;
      this.lines.push(...parts);
      this.#wake();
    }
    if (partial) this.lines.push(partial);
  }

  #wake(): void {
    for (const w of this.#waiters) w();
  }

  /**
   * Wait for a line that matches.
   *
   * @param pattern What to look for.
   * @param timeoutMs The deadline.
   * @param signal Gives up early (Ctrl-C).
   * @returns The match.
   * @throws {Error} When the program ends, the deadline passes or the signal aborts first.
   */
  waitFor(pattern: RegExp, timeoutMs: number, signal?: AbortSignal): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const finish = (err: Error | null, m?: RegExpMatchArray) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        signal?.removeEventListener("abort", check);
        if (err) reject(err);
        else resolve(m!);
      };
      const check = () => {
        const m = this.lines.map((l) => l.match(pattern)).find((x) => x);
        if (m) return finish(null, m);
        if (signal?.aborted) return finish(new Error(text("interrupted")));
        if (this.#ended) {
          finish(
            new Error(text("endedWithout", { who: this.describe(), pattern: String(pattern) })),
          );
        }
      };
      const timer = setTimeout(
        () =>
          finish(
            new Error(
              text("didNotPrint", {
                who: this.describe(),
                pattern: String(pattern),
                ms: timeoutMs,
              }),
            ),
          ),
        timeoutMs,
      );
      this.#waiters.add(check);
      signal?.addEventListener("abort", check);
      check();
    });
  }

  /** The last line, to name the process in errors. */
  describe(): string {
    const last = this.lines.at(-1);
    return last ? text("theProgramSaid", { last }) : text("theProgram");
  }

  /**
   * Wait for the program to end.
   *
   * @returns Its exit code.
   */
  async exit(): Promise<number> {
    const status = await this.child.status;
    await this.#pumps;
    return status.code;
  }

  /**
   * Ask it to stop with a signal, and kill it if it has not ended within `graceMs`.
   *
   * @param signal The first signal.
   * @param graceMs How long to wait before SIGKILL.
   * @returns Its exit code.
   */
  async stop(signal: Deno.Signal = "SIGTERM", graceMs = 3000): Promise<number> {
    const send = (s: Deno.Signal) => {
      try {
        this.child.kill(s);
      } catch {
        // Already exited.
      }
    };
    send(signal);
    const timer = setTimeout(() => send("SIGKILL"), graceMs);
    try {
      return await this.exit();
    } finally {
      clearTimeout(timer);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop("SIGKILL");
  }
}

/**
 * Keep only our own sockets: the listener on `listenAddr` and the two ends of each of our
 * connections. Other sockets may share the port: an ephemeral port the kernel hands to our
 * listener may still be the peer port of someone else's TIME-WAIT.
 *
 * @param rows Sockets from {@linkcode socketsOnPort}.
 * @param listenAddr The listener, `127.0.0.1:PORT`.
 * @param clientAddrs Our clients' local addresses.
 * @returns The rows that are ours.
 */
export function ownSockets(
  rows: SocketRow[],
  listenAddr: string,
  clientAddrs: string[],
): SocketRow[] {
  const ours = new Set(clientAddrs);
  return rows.filter((r) =>
    (r.state === "LISTEN" && r.local === listenAddr) ||
    (r.local === listenAddr && ours.has(r.peer)) ||
    (r.peer === listenAddr && ours.has(r.local))
  );
}

/**
 * Read `ss` for a listener on 127.0.0.1 and our clients of it, leaving out everyone else's
 * sockets on the port (see {@linkcode ownSockets}).
 *
 * @param port The listener's port.
 * @param clients Our connections to it, from the client side.
 * @returns The listener's row and both ends of each of our connections.
 * @throws {Error} When ss is missing or fails.
 */
export async function loopbackSockets(
  port: number,
  clients: Deno.TcpConn[],
): Promise<SocketRow[]> {
  return ownSockets(
    await socketsOnPort(port),
    `127.0.0.1:${port}`,
    clients.map((c) => `127.0.0.1:${c.localAddr.port}`),
  );
}

/** What an experiment's flags said, for its run. */
export interface ExperimentFlags {
  /** The value of its number flag, when one was given. */
  count?: number;
  /** Whether `--quick` was given: a shorter run, for the tests. */
  quick: boolean;
}

/** An experiment's command line, for {@linkcode runExperimentMain}. */
export interface ExperimentMain {
  /** The program's name, which starts every error line, such as `exp_backlog`. */
  name: string;
  /**
   * The text `--help` prints, without the `--lang` and `--help` lines (added for every
   * program); a function, so that it is worded once the language is known.
   */
  usage: string | (() => string);
  /** The arguments, usually `Deno.args`. */
  args: string[];
  /**
   * The experiment's one number flag, if it takes one: its name, largest value (from 1), and
   * whether its error names seconds ("expected 1 to 10 seconds").
   */
  count?: { flag: string; max: number; seconds?: boolean };
  /**
   * Whether Ctrl-C and SIGTERM abort the run (through the signal `run` gets) rather than end
   * the process, so the run can clean up; a run that fails once aborted exits 130.
   */
  interruptible?: boolean;
  /** Run the experiment, writing its report to `out`; `signal` is set when interruptible. */
  run: (flags: ExperimentFlags, out: Out, signal?: AbortSignal) => Promise<unknown>;
  /** Where `--help` and the report go, usually `console.log`. */
  log: Out;
  /** Where the one-line errors go, usually `console.error`. */
  error: Out;
}

/**
 * Run an experiment's command line: `--help`, `--lang`, `--quick`, its number flag, then the
 * run, every sentence in the language chosen.
 *
 * @param main The program's name, usage, arguments, number flag, run and output sinks.
 * @returns The exit code: 0 after the run or `--help`, 2 for a bad flag (said in one line with
 *   "see --help"), 1 when the run fails (said in one line), 130 when it fails after Ctrl-C.
 */
export async function runExperimentMain(main: ExperimentMain): Promise<number> {
  const count = main.count;
  const parsed = parseProgramFlags({
    name: main.name,
    usage: main.usage,
    args: main.args,
    options: {
      ...(count === undefined ? {} : { [count.flag]: { type: "string" as const } }),
      quick: { type: "boolean" as const },
    },
    read: (values): ExperimentFlags => {
      const flags: ExperimentFlags = { quick: values.quick === true };
      const value = count === undefined
        ? undefined
        : (values as Record<string, unknown>)[count.flag];
      if (count !== undefined && typeof value === "string") {
        const n = Number(value);
        if (!/^\d+$/.test(value) || n < 1 || n > count.max) {
          const key = count.seconds ? "badCountSeconds" : "badCount";
          throw new UsageError(text(key, { flag: count.flag, value, max: count.max }));
        }
        flags.count = n;
      }
      return flags;
    },
    log: main.log,
    error: main.error,
  });
  if ("exitCode" in parsed) return parsed.exitCode;
  const flags = parsed.flags;
  return main.interruptible ? await runInterruptibly(main, flags) : await runOnce(main, flags);
}

/** The run of {@linkcode runExperimentMain}: 0, or 1 with the error said in one line. */
async function runOnce(main: ExperimentMain, flags: ExperimentFlags, signal?: AbortSignal) {
  try {
    await main.run(flags, main.log, signal);
    return 0;
  } catch (err) {
    main.error(`${main.name}: ${errorMessage(err)}`);
    return signal?.aborted ? 130 : 1;
  }
}

/** {@linkcode runOnce} with Ctrl-C and SIGTERM aborting the run's signal until it ends. */
async function runInterruptibly(main: ExperimentMain, flags: ExperimentFlags) {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  for (const s of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(s, onSignal);
  try {
    return await runOnce(main, flags, stop.signal);
  } finally {
    for (const s of ["SIGINT", "SIGTERM"] as const) Deno.removeSignalListener(s, onSignal);
  }
}

/**
 * The command line the concurrent lab servers share: where to listen, how many at once, the
 * simulated work that `compare_servers` asks for, Ctrl-C, and the whole run of a line server
 * from its arguments to its exit code.
 *
 * @module
 */

import { errorMessage, interruptedAtTerminal, parseFlags, UsageError } from "./cli.ts";
import { formatHostPort, isLoopback, parsePort } from "../net/host_port.ts";
import type { Log, Work } from "../net/line_server.ts";

/** Loopback by default, so a first run is not reachable from the network by surprise. */
export const DEFAULT_HOST = "127.0.0.1";

/** Printed after the address when listening on loopback. */
export const LOOPBACK_HINT =
  "Only this machine can connect; to accept LAN clients use --host 0.0.0.0";

/**
 * Most clients served at once that `--workers` accepts. A pool is meant to be small; a typo
 * such as 50000 would otherwise turn the pool into no limit at all.
 */
export const MAX_WORKERS = 1024;

/** Longest simulated work per message: a minute would only make a comparison hang. */
export const MAX_WORK_MS = 10_000;

/** The flags after parsing and checking. */
export interface ServerFlags {
  help: boolean;
  host: string;
  port: number;
  /** Present only for servers that take `--workers`. */
  workers?: number;
  /** Absent when no work was asked for. */
  work?: Work;
}

/**
 * The help text for the shared flags, to put under a program's own usage line.
 *
 * @param defaults The program's default port; its default `--workers` if it takes one, and
 *   what the number means for it (default "clients served at once", as for a pool).
 * @returns The option lines.
 */
export function serverOptionsHelp(
  defaults: { port: number; workers?: number; workersMeaning?: string },
): string {
  const lines = [
    `  --host HOST     address to listen on (default ${DEFAULT_HOST}; 0.0.0.0 accepts LAN clients)`,
    `  --port PORT     port to listen on (default ${defaults.port}; 0 picks a free one)`,
  ];
  if (defaults.workers !== undefined) {
    const meaning = defaults.workersMeaning ?? "clients served at once";
    lines.push(`  --workers N     ${meaning} (default ${defaults.workers})`);
  }
  lines.push(
    `  --work-ms MS    simulated work before each reply, for compare-servers (default 0)`,
    `  --work KIND     cpu (busy loop) or io (timer) (default cpu)`,
    `  -h, --help      show this help`,
  );
  return lines.join("\n");
}

/**
 * Parse and check the shared flags.
 *
 * @param args The arguments, usually `Deno.args`.
 * @param defaults The program's default port, and its default `--workers` if it takes one.
 * @returns The flags.
 * @throws {UsageError} When a flag is unknown, lacks its value, or is `--workers` on a server
 *   without a pool.
 * @throws {RangeError} When a value is out of range.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * const flags = parseServerFlags(["--port", "0", "--work-ms", "5", "--work", "io"], { port: 1 });
 * deepStrictEqual(flags.work, { kind: "io", ms: 5 });
 * ```
 */
export function parseServerFlags(
  args: string[],
  defaults: { port: number; workers?: number },
): ServerFlags {
  const { values } = parseFlags(args, {
    host: { type: "string", default: DEFAULT_HOST },
    port: { type: "string", default: String(defaults.port) },
    workers: { type: "string" },
    "work-ms": { type: "string", default: "0" },
    work: { type: "string", default: "cpu" },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.workers !== undefined && defaults.workers === undefined) {
    throw new UsageError("Unknown option '--workers'");
  }
  const flags: ServerFlags = { help: values.help, host: values.host, port: parsePort(values.port) };
  if (defaults.workers !== undefined) {
    flags.workers = parseCount(
      values.workers ?? String(defaults.workers),
      "--workers",
      1,
      MAX_WORKERS,
    );
  }
  const ms = parseCount(values["work-ms"], "--work-ms", 0, MAX_WORK_MS);
  if (values.work !== "cpu" && values.work !== "io") {
    throw new RangeError(`Invalid --work "${values.work}": expected cpu or io`);
  }
  if (ms > 0) flags.work = { kind: values.work, ms };
  return flags;
}

function parseCount(text: string, flag: string, min: number, max: number): number {
  const n = /^\d{1,6}$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) {
    throw new RangeError(
      `Invalid ${flag} "${text}": expected a whole number from ${min} to ${max}`,
    );
  }
  return n;
}

/**
 * Call `stop` on Ctrl-C (and on SIGTERM where there is one) until disposed.
 *
 * @param stop What to do, usually aborting the server's controller; told which signal came.
 * @returns A handle whose disposal removes the signal listeners, so the process can exit.
 *
 * @example
 * ```ts ignore
 * const shutdown = new AbortController();
 * using _signals = onShutdownSignals(() => shutdown.abort());
 * ```
 */
export function onShutdownSignals(stop: (signal: Deno.Signal) => void): Disposable {
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  const listeners = signals.map((s) => [s, () => stop(s)] as const);
  for (const [s, listener] of listeners) Deno.addSignalListener(s, listener);
  return {
    [Symbol.dispose]() {
      for (const [s, listener] of listeners) Deno.removeSignalListener(s, listener);
    },
  };
}

/**
 * A shutdown signal that Ctrl-C or SIGTERM aborts, until disposed. Ctrl-C typed at a terminal
 * first ends the terminal's `^C` line, so the next log line starts on its own.
 *
 * @param log Where the program writes; given `""` to end the `^C` line.
 * @returns The signal, and disposal that removes the signal listeners so the process can exit.
 *
 * @example
 * ```ts ignore
 * using shutdown = abortOnShutdownSignals(console.log);
 * await serve(listener, { signal: shutdown.signal });
 * ```
 */
export function abortOnShutdownSignals(log: Log): { signal: AbortSignal } & Disposable {
  const controller = new AbortController();
  const listeners = onShutdownSignals((signal) => {
    if (interruptedAtTerminal(signal)) log(""); // end the terminal's "^C" line
    controller.abort();
  });
  return { signal: controller.signal, [Symbol.dispose]: () => listeners[Symbol.dispose]() };
}

/** A log whose lines wait for the end of the event loop's turn; see {@linkcode turnLog}. */
export interface TurnLog {
  /** Add a line. */
  (line: string): void;
  /** Write what waits now: before the program writes elsewhere, or exits. */
  flush(): void;
}

/**
 * A server's console log that writes the lines of one event-loop turn in one call.
 *
 * @remarks
 * A busy chat server logs a line per message, and one synchronous write each took an eighth of
 * its time when ten senders were flat out; a turn's lines joined cost one write. Lines keep
 * their order, and they are out before the loop next waits for the network.
 *
 * @param write Writes text followed by a newline, such as `console.log`.
 * @returns The log.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * const written: string[] = [];
 * const log = turnLog((text) => written.push(text));
 * log("a");
 * log("b");
 * log.flush();
 * deepStrictEqual(written, ["a\nb"]);
 * ```
 */
export function turnLog(write: (text: string) => void): TurnLog {
  let lines: string[] = [];
  const flush = () => {
    if (lines.length === 0) return;
    const text = lines.join("\n");
    lines = [];
    write(text);
  };
  const log = (line: string) => {
    if (lines.push(line) === 1) setImmediate(flush);
  };
  return Object.assign(log, { flush });
}

/** What a line server's serve function is given by {@linkcode runLineServerMain}. */
export interface MainServeOptions {
  /** Aborts on Ctrl-C or SIGTERM. */
  signal: AbortSignal;
  log: Log;
  work?: Work;
  /** Present only for servers that take `--workers`. */
  workers?: number;
}

/** A line server's command line, for {@linkcode runLineServerMain}. */
export interface LineServerMain {
  /** The program's name, which starts every error line, such as `tcp_server`. */
  name: string;
  /** The text `--help` prints. */
  usage: string;
  /** The arguments, usually `Deno.args`. */
  args: string[];
  /** The default port, and the default `--workers` for a server that takes it. */
  defaults: { port: number; workers?: number };
  /** Serves on the listener until the signal aborts; closes the listener. */
  serve: (listener: Deno.Listener, options: MainServeOptions) => Promise<void>;
  /** A line printed after the address to say how this model serves, if it has one. */
  describe?: (flags: ServerFlags) => string;
  /** Where the announcements and the server's log go, usually `console.log`. */
  log: Log;
  /** Where the one-line errors go, usually `console.error`. */
  error: Log;
}

/**
 * Run a line server's command line: parse the flags, listen, catch Ctrl-C and SIGTERM, say where
 * it listens, serve until a signal comes, and say that it stopped.
 *
 * @remarks
 * The signals are caught before the address is announced: a test (or a script) that sends one
 * as soon as the port is printed must get a clean shutdown, not a killed process.
 *
 * @param main The program's name, usage, arguments, defaults, serve function and output sinks.
 * @returns The exit code: 0 after a clean stop or `--help`, 2 for a bad flag (said in one line
 *   with "see --help"), 1 when it cannot listen or the server fails (said in one line).
 * @throws {Error} Only what parsing throws that is not a usage or range error: a bug.
 */
export async function runLineServerMain(main: LineServerMain): Promise<number> {
  const { log } = main;
  const fail = (message: string) => main.error(`${main.name}: ${message}`);
  let flags: ServerFlags;
  try {
    flags = parseServerFlags(main.args, main.defaults);
  } catch (err) {
    if (err instanceof UsageError || err instanceof RangeError) {
      fail(`${err.message} (see --help)`);
      return 2;
    }
    throw err;
  }
  if (flags.help) {
    log(main.usage);
    return 0;
  }
  const { host, port, work, workers } = flags;

  let listener: Deno.Listener;
  try {
    listener = Deno.listen({ hostname: host, port });
  } catch (err) {
    fail(errorMessage(err, `cannot listen on ${formatHostPort({ hostname: host, port })}`));
    return 1;
  }
  // Before announcing the port: a signal sent as soon as it is printed must be caught.
  using shutdown = abortOnShutdownSignals(log);
  log(`Listening on ${formatHostPort(listener.addr as Deno.NetAddr)}`);
  if (isLoopback(host)) log(LOOPBACK_HINT);
  if (main.describe) log(main.describe(flags));

  try {
    await main.serve(listener, { signal: shutdown.signal, log, work, workers });
    log("Server stopped");
  } catch (err) {
    fail(errorMessage(err, "server failed"));
    return 1;
  }
  return 0;
}

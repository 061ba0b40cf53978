/**
 * The command line the line servers share (where to listen, how many at once, the simulated
 * work that `compare_servers` asks for), and the turn-batched log of a busy server.
 *
 * @module
 */

import { type FlagValues, parseFlags, UsageError } from "./cli.ts";
import { cliText } from "./text.ts";
import { parsePort } from "../net/host_port.ts";
import type { Work } from "../net/line_server.ts";

export { loopbackHint } from "../net/server_main.ts";

/** Loopback by default, so a first run is not reachable from the network by surprise. */
export const DEFAULT_HOST = "127.0.0.1";

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
 *   what the number means for it (default "clients served at once", as for a pool); and the
 *   help lines of any options of its own, shown before `--help`.
 * @returns The option lines.
 */
export function serverOptionsHelp(
  defaults: { port: number; workers?: number; workersMeaning?: string; extra?: string[] },
): string {
  const lines = [
    cliText("hostFlag", { host: DEFAULT_HOST }),
    cliText("portFlag", { port: defaults.port }),
  ];
  if (defaults.workers !== undefined) {
    const meaning = defaults.workersMeaning ?? cliText("workersMeaning");
    lines.push(cliText("workersFlag", { meaning, workers: defaults.workers }));
  }
  lines.push(cliText("workMsFlag"), cliText("workFlag"), ...defaults.extra ?? []);
  return lines.join("\n");
}

/**
 * The shared flags of a line server, as {@linkcode runServerMain} takes them.
 *
 * @param defaults The program's default port, and its default `--workers` if it takes one (a
 *   server without a pool does not know `--workers`).
 * @returns The flags as `parseArgs` takes them, and how to read and check their values.
 * @throws {UsageError} From `read`, for `--workers` on a server without a pool.
 * @throws {RangeError} From `read`, when a value is out of range.
 *
 * @example
 * ```ts ignore
 * Deno.exit(await runServerMain({ ...lineServerFlags({ port: 15000 }), name, usage, ... }));
 * ```
 */
export function lineServerFlags(defaults: { port: number; workers?: number }) {
  const options = {
    host: { type: "string", default: DEFAULT_HOST },
    port: { type: "string", default: String(defaults.port) },
    workers: { type: "string" },
    "work-ms": { type: "string", default: "0" },
    work: { type: "string", default: "cpu" },
  } as const;
  const read = (values: FlagValues<typeof options>): ServerFlags => {
    if (values.workers !== undefined && defaults.workers === undefined) {
      throw new UsageError(cliText("unknownOption", { flag: "--workers" }));
    }
    const flags: ServerFlags = { help: false, host: values.host, port: parsePort(values.port) };
    if (defaults.workers !== undefined) {
      const workers = values.workers ?? String(defaults.workers);
      flags.workers = parseCount(workers, "--workers", 1, MAX_WORKERS);
    }
    const ms = parseCount(values["work-ms"], "--work-ms", 0, MAX_WORK_MS);
    if (values.work !== "cpu" && values.work !== "io") {
      throw new RangeError(cliText("badWork", { value: values.work }));
    }
    if (ms > 0) flags.work = { kind: values.work, ms };
    return flags;
  };
  return { options, read };
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
  const { options, read } = lineServerFlags(defaults);
  const { values } = parseFlags(args, {
    ...options,
    help: { type: "boolean", short: "h", default: false },
  });
  return { ...read(values), help: values.help };
}

function parseCount(text: string, flag: string, min: number, max: number): number {
  const n = /^\d{1,6}$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) {
    throw new RangeError(cliText("badWhole", { flag, text, min, max }));
  }
  return n;
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
 * A busy server logs a line per message; joining a turn's lines costs one write instead of one
 * each (measured in docs/PERFORMANCE.md). Lines keep their order, and they are out before the
 * loop next waits for the network.
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

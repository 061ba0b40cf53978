/**
 * Lab 2.3: concurrent servers — the models side by side, under the same load.
 *
 * Each model runs as its own process on loopback (so its memory is its own), started exactly as
 * its `deno task` starts it. Then C clients connect at once and each does R round trips (a line
 * out, the `ack:` back), for C = 1, 10, 100 by default. One table shows what each model makes
 * of it: round trips per second, median and 99th-percentile latency, clients turned away,
 * errors, and the server's peak memory (VmHWM from /proc, Linux only).
 * With `--work-ms 5 --work io` every message waits on a timer in the server, as for a database;
 * with `--work cpu` it spins, as a computation would, and one event loop can no longer hide it.
 *
 * Every run has a deadline (`--timeout`): a model that collapses is cut short and reported, and
 * its larger loads are skipped (noted in the table).
 *
 * Run it:   deno task compare-servers [--clients 1,10,100] [--rounds 10] [--work-ms 0]
 *
 * Permissions: `--allow-net=127.0.0.1` for the clients, and `--allow-run` to start the servers
 * with the running `deno` (its path is only known at run time, so the list cannot be narrowed,
 * and a program allowed to run anything is in effect unsandboxed). The peak memory is read by
 * running `cat /proc/PID/status`: Deno asks for `--allow-all` to read /proc/PID itself.
 * Compiled (`deno task compile:compare-servers`), there is no `deno` and no source to run, so
 * the servers are started from their compiled binaries next to this one (`dist/tcp-server-pool`
 * etc.: run their compile tasks first); a missing binary is reported in its row.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { errorMessage, parseFlags, UsageError } from "../../lib/cli/cli.ts";
import { readLines, writeLine } from "../../lib/net/lines.ts";
import { ROOT, taskParts } from "../../lib/cli/task_command.ts";
import type { Work } from "../../lib/net/line_server.ts";
import { isFullMessage } from "./tcp_server_pool_reject.ts";

/** A concurrency model: which task starts it (every model takes `--work-ms` and `--work`). */
export interface Model {
  name: string;
  /** The deno.json task, which gives its flags; also the name of its compiled binary in dist/. */
  task: string;
}

/** A task's flags and script, as `deno run` takes them. */
function taskCommandParts(task: string): string[] {
  const { flags, script } = taskParts(task);
  return [...flags, script];
}

/** The models, in the order of the lab. */
export const MODELS: readonly Model[] = [
  {
    name: "iterative",
    task: "tcp-server",
  },
  {
    name: "concurrent",
    task: "tcp-server-concurrent",
  },
  {
    name: "pool",
    task: "tcp-server-pool",
  },
  {
    name: "pool-reject",
    task: "tcp-server-pool-reject",
  },
  {
    name: "workers",
    task: "tcp-server-workers",
  },
];

/** Small enough for a 2-core laptop in well under a minute, large enough to show the shapes. */
export const DEFAULT_CLIENTS = [1, 10, 100];
export const DEFAULT_ROUNDS = 10;

/**
 * Longest one run (one model, one client count) may take. With no work, every model finishes
 * the default load in well under a second; 5 s means "collapsed", not "slow machine".
 */
export const DEFAULT_TIMEOUT_MS = 5000;

/** Most clients per run: each is a socket on both sides, and the file-descriptor limit is real. */
export const MAX_CLIENTS = 5000;

/** How long a server may take to print its port: deno starts in well under a second. */
const STARTUP_MS = 15_000;

/** How long a server may take to exit after Ctrl-C before it is killed (and reported). */
const STOP_MS = 5000;

const USAGE = `Usage: deno task compare-servers [options]

Starts each server model on loopback, drives it with concurrent clients, prints one table.

Options:
  --clients LIST   concurrent clients per run, comma-separated (default ${DEFAULT_CLIENTS})
  --rounds R       round trips per client (default ${DEFAULT_ROUNDS})
  --models LIST    which models (default ${MODELS.map((m) => m.name)})
  --work-ms MS     simulated work per message in the server (default 0)
  --work KIND      cpu (busy loop) or io (timer) (default cpu)
  --timeout S      longest one run may take before it is cut short (default ${
  DEFAULT_TIMEOUT_MS / 1000
})
  --json           print JSON instead of the table
  -h, --help       show this help`;

/** The load for every run. */
export interface Load {
  clients: number[];
  rounds: number;
  work?: Work;
  timeoutMs: number;
}

/** One line of the table. */
export interface Row {
  model: string;
  clients: number;
  /** Round trips completed. */
  roundTrips: number;
  roundTripsPerSec: number;
  p50Ms: number | null;
  p99Ms: number | null;
  /** Clients told the server is full. */
  rejected: number;
  /** Clients that failed: refused, reset, closed early, or cut short by the deadline. */
  errors: number;
  /** The server's peak resident memory, or null where /proc is missing. */
  peakMemoryMiB: number | null;
  timedOut: boolean;
  /** Why the row is unusual: timed out, skipped, the server misbehaved. */
  note: string;
}

/** What the clients of one run measured. */
export interface DriveResult {
  latenciesMs: number[];
  rejected: number;
  errors: number;
  elapsedMs: number;
  timedOut: boolean;
}

/**
 * Connect `clients` clients at once; each sends `rounds` lines, one at a time, waiting for each
 * reply. Stops everything at the deadline and counts who did not finish as errors.
 *
 * @param port The server's port on 127.0.0.1.
 * @param load How many clients, how many rounds, and the deadline.
 * @returns Every round trip's latency, the rejected and failed clients, the time taken.
 */
export async function driveClients(
  port: number,
  load: { clients: number; rounds: number; timeoutMs: number },
): Promise<DriveResult> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), load.timeoutMs);
  const latenciesMs: number[] = [];
  let rejected = 0, errors = 0;

  const oneClient = async (id: number) => {
    let conn: Deno.TcpConn | undefined;
    const hangUp = () => conn?.close();
    deadline.signal.addEventListener("abort", hangUp, { once: true });
    try {
      conn = await Deno.connect({ hostname: "127.0.0.1", port, signal: deadline.signal });
      const replies = readLines(conn);
      for (let round = 0; round < load.rounds; round++) {
        const sent = performance.now();
        await writeLine(conn, `client ${id} round ${round}`);
        const { value, done } = await replies.next();
        if (done) throw new Error("server closed the connection");
        if (isFullMessage(value)) {
          rejected++;
          return;
        }
        if (!value.startsWith("ack: ")) throw new Error(`unexpected reply "${value}"`);
        latenciesMs.push(performance.now() - sent);
      }
    } catch {
      errors++; // refused, reset, closed, or hung up by the deadline
    } finally {
      deadline.signal.removeEventListener("abort", hangUp);
      try {
        conn?.close();
      } catch {
        // Closed by the deadline already.
      }
    }
  };

  const start = performance.now();
  await Promise.all(Array.from({ length: load.clients }, (_, id) => oneClient(id)));
  clearTimeout(timer);
  return {
    latenciesMs,
    rejected,
    errors,
    elapsedMs: performance.now() - start,
    timedOut: deadline.signal.aborted,
  };
}

/** A server process started for one run. */
export interface RunningServer {
  port: number;
  pid: number;
  /** Ctrl-C, wait (then kill, after a deadline); resolves to a note when it misbehaved. */
  stop(): Promise<string>;
}

/**
 * Start a model's server on an ephemeral port, as its task does (or its compiled binary, when
 * this program is compiled), and wait for it to say where it listens.
 *
 * @param model The model.
 * @param work Simulated work to pass on, if any.
 * @returns The running server.
 * @throws {Error} When it cannot start or exits before printing its port.
 */
export async function startServer(model: Model, work?: Work): Promise<RunningServer> {
  const serverArgs = ["--port", "0"];
  if (work) serverArgs.push("--work-ms", String(work.ms), "--work", work.kind);
  const [command, args] = Deno.build.standalone
    ? [join(dirname(Deno.execPath()), model.task), serverArgs]
    : [Deno.execPath(), ["run", ...taskCommandParts(model.task), ...serverArgs]];
  const child = new Deno.Command(command, {
    args,
    cwd: ROOT, // the workers' --allow-read=programs,lib is relative to the repository
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();

  // Read stdout until the port line, then keep draining it: a server blocked on a full pipe
  // would look like a slow server.
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).values();
  const found = Promise.withResolvers<number>();
  const drained = (async () => {
    let partial = "";
    for await (const piece of lines) {
      partial += piece;
      const m = partial.match(/^Listening on .*:(\d+)$/m);
      if (m) found.resolve(Number(m[1]));
      if (partial.length > 4096 || m) partial = partial.slice(partial.lastIndexOf("\n") + 1);
    }
    found.reject(new Error(`exited before listening: ${(await stderr).trim() || "no message"}`));
  })();

  const startup = setTimeout(() => child.kill("SIGKILL"), STARTUP_MS);
  let port: number;
  try {
    port = await found.promise;
  } catch (err) {
    await Promise.all([child.status, drained]);
    throw err;
  } finally {
    clearTimeout(startup);
  }

  return {
    port,
    pid: child.pid,
    async stop() {
      child.kill("SIGINT");
      const killer = setTimeout(() => child.kill("SIGKILL"), STOP_MS);
      const status = await child.status;
      clearTimeout(killer);
      await Promise.all([drained, stderr]);
      if (status.signal === "SIGKILL") return "server ignored Ctrl-C and was killed";
      return status.code === 0 ? "" : `server exited ${status.code}`;
    },
  };
}

/**
 * The peak resident memory of a process, from VmHWM in /proc/PID/status.
 *
 * @param pid The process.
 * @returns MiB, or null where there is no /proc (not Linux) or it cannot be read.
 */
export async function peakMemoryMiB(pid: number): Promise<number | null> {
  if (Deno.build.os !== "linux") return null;
  try {
    // Through `cat`: Deno guards /proc/PID/* with --allow-all, and --allow-run already allows it.
    const { success, stdout } = await new Deno.Command("cat", {
      args: [`/proc/${pid}/status`],
      stderr: "null",
    }).output();
    const kib = new TextDecoder().decode(stdout).match(/^VmHWM:\s+(\d+) kB$/m)?.[1];
    return success && kib ? Number(kib) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Run one model under one client count: start it, drive it, read its peak memory, stop it.
 *
 * @param model The model.
 * @param clients Concurrent clients.
 * @param load The rounds, the work and the deadline.
 * @returns The row.
 */
export async function measure(model: Model, clients: number, load: Load): Promise<Row> {
  const row = emptyRow(model, clients, "");
  let server: RunningServer;
  try {
    server = await startServer(model, load.work);
  } catch (err) {
    return { ...row, errors: clients, note: errorMessage(err, "server did not start") };
  }
  const notes: string[] = [];
  try {
    const result = await driveClients(server.port, { ...load, clients });
    const sorted = result.latenciesMs.toSorted((a, b) => a - b);
    Object.assign(row, {
      roundTrips: sorted.length,
      roundTripsPerSec: sorted.length / (result.elapsedMs / 1000),
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      rejected: result.rejected,
      errors: result.errors,
      timedOut: result.timedOut,
    });
    if (result.timedOut) notes.push(`timed out after ${load.timeoutMs / 1000} s`);
    row.peakMemoryMiB = await peakMemoryMiB(server.pid);
  } finally {
    const stopNote = await server.stop();
    if (stopNote) notes.push(stopNote);
    row.note = notes.join("; ");
  }
  return row;
}

/**
 * Run every model under every client count, in order. A model that times out is not run with
 * more clients: it would only time out again.
 *
 * @param models The models.
 * @param load The client counts, rounds, work and deadline.
 * @param onRow Called with each row as soon as it is measured, for progress.
 * @returns The rows.
 */
export async function compareServers(
  models: readonly Model[],
  load: Load,
  onRow: (row: Row) => void = () => {},
): Promise<Row[]> {
  const rows: Row[] = [];
  const add = (row: Row) => {
    rows.push(row);
    onRow(row);
  };
  for (const model of models) {
    let collapsedAt: number | undefined;
    for (const clients of load.clients) {
      if (collapsedAt !== undefined) {
        add(emptyRow(model, clients, `skipped: timed out at ${plural(collapsedAt, "client")}`));
      } else {
        const row = await measure(model, clients, load);
        if (row.timedOut) collapsedAt = clients;
        add(row);
      }
    }
  }
  return rows;
}

/** A row with nothing measured yet: the start of a measurement, or a run that was skipped. */
function emptyRow(model: Model, clients: number, note: string): Row {
  return {
    model: model.name,
    clients,
    roundTrips: 0,
    roundTripsPerSec: 0,
    p50Ms: null,
    p99Ms: null,
    rejected: 0,
    errors: 0,
    peakMemoryMiB: null,
    timedOut: false,
    note,
  };
}

/** Nearest-rank percentile of sorted values; null when there are none. */
function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * Lay the rows out as a plain-text table, numbers right-aligned.
 *
 * @param rows The rows.
 * @returns The table, one line per row under a header.
 */
export function formatTable(rows: Row[]): string {
  const header = ["model", "clients", "round trips/s", "p50 ms", "p99 ms", "rejected", "errors"];
  header.push("peak MiB", "note");
  const ms = (v: number | null) => v === null ? "-" : v < 10 ? v.toFixed(2) : v.toFixed(0);
  const cells = rows.map((r) => [
    r.model,
    String(r.clients),
    r.note.startsWith("skipped") ? "-" : r.roundTripsPerSec.toFixed(0),
    ms(r.p50Ms),
    ms(r.p99Ms),
    String(r.rejected),
    String(r.errors),
    r.peakMemoryMiB === null ? "-" : r.peakMemoryMiB.toFixed(0),
    r.note,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) =>
    c.map((v, i) => i === 0 || i === c.length - 1 ? v.padEnd(widths[i]) : v.padStart(widths[i]))
      .join("  ").trimEnd();
  return [line(header), ...cells.map(line)].join("\n");
}

/**
 * Parse the command line.
 *
 * @param args The arguments, usually `Deno.args`.
 * @returns The models, the load, and the flags that shape the output.
 * @throws {UsageError} For an unknown flag or a missing value.
 * @throws {RangeError} For a value out of range or an unknown model.
 */
export function parseArgs(args: string[]) {
  const { values } = parseFlags(args, {
    clients: { type: "string", default: DEFAULT_CLIENTS.join(",") },
    rounds: { type: "string", default: String(DEFAULT_ROUNDS) },
    models: { type: "string", default: MODELS.map((m) => m.name).join(",") },
    "work-ms": { type: "string", default: "0" },
    work: { type: "string", default: "cpu" },
    timeout: { type: "string", default: String(DEFAULT_TIMEOUT_MS / 1000) },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  });
  const clients = values.clients.split(",").map((c) => count(c, "--clients", 1, MAX_CLIENTS));
  const models = values.models.split(",").map((name) => {
    const model = MODELS.find((m) => m.name === name.trim());
    if (!model) {
      throw new RangeError(`Unknown model "${name}": expected ${MODELS.map((m) => m.name)}`);
    }
    return model;
  });
  if (values.work !== "cpu" && values.work !== "io") {
    throw new RangeError(`Invalid --work "${values.work}": expected cpu or io`);
  }
  const ms = count(values["work-ms"], "--work-ms", 0, 10_000);
  const load: Load = {
    clients,
    rounds: count(values.rounds, "--rounds", 1, 100_000),
    timeoutMs: count(values.timeout, "--timeout", 1, 3600) * 1000,
    work: ms > 0 ? { kind: values.work, ms } : undefined,
  };
  return { models, load, json: values.json, help: values.help };
}

function count(text: string, flag: string, min: number, max: number): number {
  const n = /^\s*\d{1,7}\s*$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) {
    throw new RangeError(
      `Invalid ${flag} "${text}": expected a whole number from ${min} to ${max}`,
    );
  }
  return n;
}

function describe(load: Load): string {
  const work = load.work ? `${load.work.ms} ms of ${load.work.kind} work per message` : "no work";
  return `${load.rounds} round trips per client, ${work}, ${load.timeoutMs / 1000} s per run`;
}

/** "1 client", "3 clients". */
function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function fail(message: string, code = 1): never {
  console.error(`compare_servers: ${message}`);
  Deno.exit(code);
}

if (import.meta.main) {
  let parsed;
  try {
    parsed = parseArgs(Deno.args);
  } catch (err) {
    if (err instanceof UsageError || err instanceof RangeError) {
      fail(`${err.message} (see --help)`, 2);
    }
    throw err;
  }
  if (parsed.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const { models, load, json } = parsed;
  // Progress on stderr, so that stdout is only the table (or the JSON).
  const progress = (r: Row) =>
    console.error(`  ${r.model} with ${plural(r.clients, "client")}: done`);
  if (!json) console.error(`Comparing: ${describe(load)}`);
  try {
    const rows = await compareServers(models, load, json ? undefined : progress);
    if (json) console.log(JSON.stringify({ load, rows }, null, 2));
    else console.log(`${describe(load)}\n\n${formatTable(rows)}`);
  } catch (err) {
    fail(errorMessage(err, "comparison failed"));
  }
}

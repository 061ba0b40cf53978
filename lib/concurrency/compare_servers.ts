/**
 * The models of lab 2.3 side by side: run each under the same load, one process at a time, and
 * lay the results out as one table.
 *
 * @module
 */

import { errorMessage } from "../cli/cli.ts";
import { displayWidth, padEndToWidth, padStartToWidth } from "../cli/display_width.ts";
import { concurrencyText as text } from "./text.ts";
import type { Work } from "../net/line_server.ts";
import { driveClients } from "./drive_clients.ts";
import { type Model, peakMemoryMiB, type RunningServer, startServer } from "./start_server.ts";

export type { Model } from "./start_server.ts";

/** The models, in the order of the lab. */
export const MODELS: readonly Model[] = [
  { name: "iterative", task: "tcp-server", shares: () => text("sharesIterative") },
  { name: "concurrent", task: "tcp-server-concurrent", shares: () => text("sharesConcurrent") },
  { name: "pool", task: "tcp-server-pool", shares: () => text("sharesPool") },
  { name: "pool-reject", task: "tcp-server-pool-reject", shares: () => text("sharesPoolReject") },
  { name: "workers", task: "tcp-server-workers", shares: () => text("sharesWorkers") },
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
  /** Not run: the model had timed out with fewer clients. */
  skipped: boolean;
  /** Why the row is unusual: timed out, skipped, the server misbehaved (in the user's language). */
  note: string;
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
    return { ...row, errors: clients, note: errorMessage(err, text("noteNoStart")) };
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
    if (result.timedOut) notes.push(text("noteTimedOut", { seconds: load.timeoutMs / 1000 }));
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
        const note = text("noteSkipped", { clients: collapsedAt });
        add({ ...emptyRow(model, clients, note), skipped: true });
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
    skipped: false,
    note,
  };
}

/** Nearest-rank percentile of sorted values; null when there are none. */
function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The table's columns, in order. */
const COLUMNS = [
  "columnModel",
  "columnClients",
  "columnRate",
  "columnP50",
  "columnP99",
  "columnRejected",
  "columnErrors",
  "columnPeak",
  "columnNote",
] as const;

/**
 * Lay the rows out as a plain-text table, numbers right-aligned, headings in the user's
 * language. Columns are measured in terminal columns, not characters: a Chinese heading takes
 * two columns a character.
 *
 * @param rows The rows.
 * @returns The table, one line per row under a header.
 */
export function formatTable(rows: Row[]): string {
  const header = COLUMNS.map((key) => text(key));
  const ms = (v: number | null) => v === null ? "-" : v < 10 ? v.toFixed(2) : v.toFixed(0);
  const cells = rows.map((r) => [
    r.model,
    String(r.clients),
    r.skipped ? "-" : r.roundTripsPerSec.toFixed(0),
    ms(r.p50Ms),
    ms(r.p99Ms),
    String(r.rejected),
    String(r.errors),
    r.peakMemoryMiB === null ? "-" : r.peakMemoryMiB.toFixed(0),
    r.note,
  ]);
  const widths = header.map((h, i) =>
    Math.max(displayWidth(h), ...cells.map((c) => displayWidth(c[i])))
  );
  const line = (c: string[]) =>
    c.map((v, i) =>
      i === 0 || i === c.length - 1 ? padEndToWidth(v, widths[i]) : padStartToWidth(v, widths[i])
    ).join("  ").trimEnd();
  return [line(header), ...cells.map(line)].join("\n");
}

/**
 * The note under the table: which models share state between their clients' handlers, and how.
 *
 * @param models The models in the table.
 * @returns One line per model that says, under a heading.
 */
export function formatSharing(models: readonly Model[]): string {
  const said = models.filter((m) => m.shares);
  const width = Math.max(0, ...said.map((m) => displayWidth(m.name)));
  const lines = said.map((m) => `  ${padEndToWidth(m.name, width)}  ${m.shares!()}`);
  return [text("sharedState"), ...lines].join("\n");
}

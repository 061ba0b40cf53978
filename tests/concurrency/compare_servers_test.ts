/**
 * compare-servers through its task, with tiny loads: every model runs and is reported, a model
 * that cannot keep up is cut short and reported rather than hanging the comparison.
 */

import { deepStrictEqual, equal, match, notEqual, ok } from "node:assert/strict";
import { runTask } from "../_task.ts";
import {
  formatSharing,
  formatTable,
  MODELS,
  type Row,
} from "../../lib/concurrency/compare_servers.ts";

async function compare(args: string[]): Promise<Row[]> {
  const { code, stdout, stderr } = await runTask("compare-servers", [...args, "--json"]);
  equal(code, 0, stderr);
  return JSON.parse(stdout).rows;
}

Deno.test("compare-servers runs every model under a tiny load and reports each", async () => {
  const rows = await compare(["--clients", "1,3", "--rounds", "2"]);
  deepStrictEqual(
    rows.map((r) => `${r.model} ${r.clients}`),
    MODELS.flatMap((m) => [`${m.name} 1`, `${m.name} 3`]),
  );
  for (const row of rows) {
    equal(row.errors, 0, JSON.stringify(row));
    equal(row.rejected, 0, JSON.stringify(row)); // 3 clients fit in every pool
    equal(row.timedOut, false, JSON.stringify(row));
    ok(row.roundTripsPerSec > 0, JSON.stringify(row));
    ok(row.p50Ms !== null && row.p99Ms !== null && row.p50Ms <= row.p99Ms, JSON.stringify(row));
    if (Deno.build.os === "linux") ok(row.peakMemoryMiB! > 0, JSON.stringify(row));
    equal(row.note, "", JSON.stringify(row));
  }
});

Deno.test("compare-servers counts the clients a full pool-reject turns away", async () => {
  const [row] = await compare(["--models", "pool-reject", "--clients", "8", "--rounds", "1"]);
  // Eight clients at once, a pool of five: each is either served or turned away, none fail.
  // (How many are turned away depends on how fast the first ones finish.)
  equal(row.errors, 0, JSON.stringify(row));
  equal(row.roundTrips + row.rejected, 8, JSON.stringify(row));
  ok(row.rejected <= 3, JSON.stringify(row));
});

Deno.test("compare-servers cuts a run short at the deadline, reports it, and skips larger loads", async () => {
  // Pool of 5, 200 ms of waiting per message, 3 rounds: the sixth client cannot finish in 1 s.
  const rows = await compare([
    "--models",
    "pool",
    "--clients",
    "6,10",
    "--rounds",
    "3",
    "--work-ms",
    "200",
    "--work",
    "io",
    "--timeout",
    "1",
  ]);
  equal(rows.length, 2);
  equal(rows[0].timedOut, true, JSON.stringify(rows[0]));
  ok(rows[0].errors >= 1, JSON.stringify(rows[0]));
  match(rows[0].note, /timed out after 1 s/);
  match(rows[1].note, /skipped: timed out at 6 clients/);
});

Deno.test("compare-servers passes the work on to the iterative model too", async () => {
  const rows = await compare([
    "--models",
    "iterative",
    "--clients",
    "1",
    "--rounds",
    "2",
    "--work-ms",
    "50",
    "--work",
    "io",
  ]);
  equal(rows.length, 1);
  equal(rows[0].roundTrips, 2, JSON.stringify(rows[0]));
  equal(rows[0].note, "", JSON.stringify(rows[0]));
  // Each reply waited for 50 ms of work in the server, so no round trip was faster.
  ok(rows[0].p50Ms! >= 45, JSON.stringify(rows[0])); // a timer may round down a little
});

Deno.test("compare-servers prints a table by default", async () => {
  const { code, stdout, stderr } = await runTask("compare-servers", [
    "--models",
    "concurrent",
    "--clients",
    "2",
    "--rounds",
    "1",
  ]);
  equal(code, 0, stderr);
  match(stdout, /^model +clients +round trips\/s +p50 ms +p99 ms +rejected +errors +peak MiB/m);
  match(stdout, /^concurrent +2 +\d+/m);
  match(stdout, /^Shared state:\n {2}concurrent +a count, on one event loop: no lock$/m);
});

Deno.test("formatSharing() says for every model what its handlers share", () => {
  const note = formatSharing(MODELS).split("\n");
  equal(note[0], "Shared state:");
  equal(note.length, MODELS.length + 1);
  match(note.at(-1)!, /^ {2}workers +nothing between threads; with --max-clients, .*Atomics/);
});

Deno.test("compare-servers says 1 client, not 1 clients, in its progress", async () => {
  const { code, stderr } = await runTask("compare-servers", [
    ...["--models", "concurrent", "--clients", "1", "--rounds", "1"],
  ]);
  equal(code, 0, stderr);
  match(stderr, /concurrent with 1 client: done/);
  ok(!/1 clients/.test(stderr), stderr);
});

Deno.test("formatTable() right-aligns numbers and shows missing values as -", () => {
  const table = formatTable([{
    model: "pool",
    clients: 10,
    roundTrips: 12,
    roundTripsPerSec: 1234.4,
    p50Ms: 0.5,
    p99Ms: null,
    rejected: 0,
    errors: 1,
    peakMemoryMiB: null,
    timedOut: true,
    skipped: false,
    note: "timed out after 5 s",
  }]);
  deepStrictEqual(table.split("\n"), [
    "model  clients  round trips/s  p50 ms  p99 ms  rejected  errors  peak MiB  note",
    "pool        10           1234    0.50       -         0       1         -  timed out after 5 s",
  ]);
});

for (
  const [args, expected] of [
    [["--bogus"], /Unknown option '--bogus'/],
    [["--clients", "0"], /Invalid --clients "0"/],
    [["--models", "forked"], /Unknown model "forked"/],
  ] as const
) {
  Deno.test(`compare-servers ${args.join(" ")} fails in one line`, async () => {
    const { code, stderr } = await runTask("compare-servers", [...args]);
    notEqual(code, 0);
    const lines = stderr.split("\n").filter((l) => l !== "");
    equal(lines.length, 1, stderr);
    match(lines[0], expected);
  });
}

Deno.test("compare-servers --help prints usage and exits 0", async () => {
  const { code, stdout } = await runTask("compare-servers", ["--help"]);
  equal(code, 0);
  match(stdout, /^Usage: deno task compare-servers/);
});

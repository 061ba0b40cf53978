/**
 * Experiment: one thread per client against a thread pool.
 *
 * A pool of N workers serves at most N clients at once; client N+1 is connected (the kernel
 * accepted it) but waits, unanswered, for a free worker. One worker per client never makes a
 * client wait for another, but spends a thread (or here, a task) on each. Which wins depends on
 * what a request waits for: with waiting that costs no CPU (I/O), one task per client answers
 * everyone at once while the pool answers in waves; with CPU work, one event loop can only do
 * one thing at a time, and real threads (Web Workers) on several cores pull ahead.
 *
 * This runs the models of `compare-servers` (lib/concurrency/compare_servers.ts), each started
 * as its own `deno task` would, under those two kinds of work and prints its table for each.
 *
 * Run it:   deno task exp:models [--quick]
 *
 * Permissions: as `deno task compare-servers`, `--allow-run` without a list, because the
 * servers are started with the running deno, whose path is only known at run time.
 *
 * @module
 */

import { askQuestion, type Out, runExperimentMain } from "../../lib/experiments/experiment.ts";
import {
  compareServers,
  DEFAULT_TIMEOUT_MS,
  formatTable,
  type Load,
  MODELS,
  type Row,
} from "../../lib/concurrency/compare_servers.ts";

/** The pool's size in `tcp_server_pool.ts`: more clients than this must wait. */
export const POOL_SIZE = 5;

/**
 * A scenario: a load and the models it is run on. Small enough for a shared 2-core machine;
 * 10 clients are two waves for a pool of 5, which is all the I/O case needs to show.
 */
export interface Scenario {
  title: string;
  models: string[];
  load: Load;
}

/** The full run: I/O-bound work, then CPU-bound work. */
export const SCENARIOS: Scenario[] = [
  {
    title: "each message waits 20 ms on a timer in the server (I/O-bound, like a database call)",
    models: ["concurrent", "pool", "pool-reject", "workers"],
    load: {
      clients: [1, 10, 30],
      rounds: 3,
      work: { kind: "io", ms: 20 },
      timeoutMs: DEFAULT_TIMEOUT_MS,
    },
  },
  {
    title: "each message computes for 5 ms in the server (CPU-bound)",
    models: ["concurrent", "pool", "workers"],
    load: {
      clients: [1, 10],
      rounds: 3,
      work: { kind: "cpu", ms: 5 },
      timeoutMs: DEFAULT_TIMEOUT_MS,
    },
  },
];

/** The quick run for tests: the I/O case only, one round, two models. */
export const QUICK_SCENARIOS: Scenario[] = [{
  title: "each message waits 50 ms on a timer in the server (I/O-bound)",
  models: ["concurrent", "pool"],
  load: { clients: [10], rounds: 1, work: { kind: "io", ms: 50 }, timeoutMs: DEFAULT_TIMEOUT_MS },
}];

const USAGE = `Usage: deno task exp:models [--quick]

Runs the concurrent-server models under I/O-bound and CPU-bound work and prints a table each.

Options:
  --quick     one small I/O-bound run of the concurrent and pool models (for tests)
  -h, --help  show this help`;

/**
 * The conclusion one scenario's rows support, comparing the busiest runs.
 *
 * @param scenario The scenario.
 * @param rows Its rows.
 * @returns A sentence.
 */
export function conclude(scenario: Scenario, rows: Row[]): string {
  const most = Math.max(...scenario.load.clients);
  const at = (model: string) => rows.find((r) => r.model === model && r.clients === most);
  const ms = (v: number | null | undefined) => v == null ? "-" : `${v.toFixed(0)} ms`;
  const work = scenario.load.work!;
  const perClient = at("concurrent"), pool = at("pool"), workers = at("workers");
  if (work.kind === "io") {
    return `With ${most} clients and ${work.ms} ms of waiting per message, one task per client ` +
      `answered with p99 ${ms(perClient?.p99Ms)}; the pool of ${POOL_SIZE} served them in waves, ` +
      `p99 ${ms(pool?.p99Ms)}: a client beyond the ${POOL_SIZE}th waits for a free worker.`;
  }
  return `With ${most} clients and ${work.ms} ms of CPU per message, one event loop runs one ` +
    `handler at a time (concurrent: ${
      perClient?.roundTripsPerSec.toFixed(0) ?? "-"
    } round trips/s); ` +
    `real threads use the other cores (workers: ${workers?.roundTripsPerSec.toFixed(0) ?? "-"}/s).`;
}

/**
 * Run the scenarios and report them.
 *
 * @param out Where the report goes.
 * @param scenarios What to run.
 * @returns The rows of each scenario.
 */
export async function runModels(out: Out, scenarios = SCENARIOS): Promise<Row[][]> {
  askQuestion(out, "One thread per client, or a thread pool?");
  const all: Row[][] = [];
  for (const scenario of scenarios) {
    const models = MODELS.filter((m) => scenario.models.includes(m.name));
    const { clients, rounds } = scenario.load;
    out(`${scenario.title}; ${clients.join(", ")} clients, ${rounds} round trip(s) each:`);
    const rows = await compareServers(models, scenario.load);
    out(formatTable(rows));
    out(`=> ${conclude(scenario, rows)}`);
    out("");
    all.push(rows);
  }
  out(
    "Answer: for clients that mostly wait, one task (or thread) per client; a pool caps what " +
      "the server spends, at the price of queueing the clients beyond its size.",
  );
  return all;
}

if (import.meta.main) {
  Deno.exit(
    await runExperimentMain({
      name: "exp_models",
      usage: USAGE,
      args: Deno.args,
      run: ({ quick }, out) => runModels(out, quick ? QUICK_SCENARIOS : SCENARIOS),
      log: console.log,
      error: console.error,
    }),
  );
}

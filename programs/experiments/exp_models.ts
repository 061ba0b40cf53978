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
import { experimentsText as text } from "../../lib/experiments/text.ts";

/** The pool's size in `tcp_server_pool.ts`: more clients than this must wait. */
export const POOL_SIZE = 5;

/**
 * A scenario: a load and the models it is run on. Small enough for a shared 2-core machine;
 * 10 clients are two waves for a pool of 5, which is all the I/O case needs to show.
 */
export interface Scenario {
  /** What each message costs the server, worded in the program's language when it is shown. */
  title: () => string;
  models: string[];
  load: Load;
}

/** The full run: I/O-bound work, then CPU-bound work. */
export const SCENARIOS: Scenario[] = [
  {
    title: () => text("modelsIoTitle", { ms: 20 }),
    models: ["concurrent", "pool", "pool-reject", "workers"],
    load: {
      clients: [1, 10, 30],
      rounds: 3,
      work: { kind: "io", ms: 20 },
      timeoutMs: DEFAULT_TIMEOUT_MS,
    },
  },
  {
    title: () => text("modelsCpuTitle", { ms: 5 }),
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
  title: () => text("modelsIoShortTitle", { ms: 50 }),
  models: ["concurrent", "pool"],
  load: { clients: [10], rounds: 1, work: { kind: "io", ms: 50 }, timeoutMs: DEFAULT_TIMEOUT_MS },
}];

/** The `--help` text, in the program's language. */
const usage = () => text("modelsUsage");

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
    return text("modelsIoConclusion", {
      most,
      ms: work.ms,
      p99: ms(perClient?.p99Ms),
      pool: POOL_SIZE,
      poolP99: ms(pool?.p99Ms),
    });
  }
  return text("modelsCpuConclusion", {
    most,
    ms: work.ms,
    concurrent: perClient?.roundTripsPerSec.toFixed(0) ?? "-",
    workers: workers?.roundTripsPerSec.toFixed(0) ?? "-",
  });
}

/**
 * Run the scenarios and report them.
 *
 * @param out Where the report goes.
 * @param scenarios What to run.
 * @returns The rows of each scenario.
 */
export async function runModels(out: Out, scenarios = SCENARIOS): Promise<Row[][]> {
  askQuestion(out, text("modelsQuestion"));
  const all: Row[][] = [];
  for (const scenario of scenarios) {
    const models = MODELS.filter((m) => scenario.models.includes(m.name));
    const { clients, rounds } = scenario.load;
    const title = scenario.title();
    out(text("modelsScenario", { title, clients: clients.join(text("numberSep")), rounds }));
    const rows = await compareServers(models, scenario.load);
    out(formatTable(rows));
    out(`=> ${conclude(scenario, rows)}`);
    out("");
    all.push(rows);
  }
  out(text("answer", { answer: text("modelsAnswer") }));
  return all;
}

if (import.meta.main) {
  Deno.exit(
    await runExperimentMain({
      name: "exp_models",
      usage,
      args: Deno.args,
      run: ({ quick }, out) => runModels(out, quick ? QUICK_SCENARIOS : SCENARIOS),
      log: console.log,
      error: console.error,
    }),
  );
}

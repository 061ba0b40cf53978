/**
 * Experiment: when do threads need a lock, and why does an event loop not?
 *
 * Several worker threads add 1 to ONE counter in a `SharedArrayBuffer`, a million times each,
 * three ways. A plain `counter = counter + 1` is three steps (read, add, write); when two
 * threads interleave them, one thread's write overwrites the other's and an update is lost.
 * `Atomics.add` makes the three steps one, so the total is exact. A mutex (lib/concurrency/
 * mutex.ts, on `Atomics.wait`/`Atomics.notify`) lets only one thread at a time through any
 * section, however long: exact too, and slower, because every increment takes and gives back
 * the lock. How many updates the plain way loses depends on the run: on one core, or when the
 * threads happen not to overlap, it may lose none. That is what makes such a bug hard to find.
 *
 * One event loop needs neither: it runs one task at a time and switches only at an `await`, so
 * no other task can run between a read and a write that have no `await` between them.
 *
 * Run it:   deno task exp:race [--threads 4] [--increments 1000000] [--quick]
 *
 * Permissions: `--allow-read=programs,lib`, to load the worker's module and what it imports.
 *
 * @module
 */

import { errorMessage, parseProgramFlags, UsageError } from "../../lib/cli/cli.ts";
import { padEndToWidth, padStartToWidth } from "../../lib/cli/display_width.ts";
import { askQuestion, type Out } from "../../lib/experiments/experiment.ts";
import { experimentsText as text } from "../../lib/experiments/text.ts";
import { COUNTER, GO, type RaceMessage, type Way } from "./_race_worker.ts";

/** Threads by default: more than a 2-core machine runs at once, so they are sure to collide. */
export const DEFAULT_THREADS = 4;
/** Threads are not free (a stack each); a typo must not start a thousand of them. */
export const MAX_THREADS = 16;
/** The million per thread: long enough that the threads overlap. */
export const DEFAULT_INCREMENTS = 1_000_000;
/** The counter is an Int32: 16 threads times this stays below 2^31. */
export const MAX_INCREMENTS = 100_000_000;
/** The quick run, for tests. */
export const QUICK = { threads: 2, increments: 100_000 };
/** Longest one way may run: the mutex is the slow one, and this only ends a stuck run. */
export const RUN_DEADLINE_MS = 120_000;

const WORKER_URL = new URL("./_race_worker.ts", import.meta.url);

/** What each way is, for the report. */
const DESCRIBE: Record<Way, string> = {
  plain: "counter = counter + 1",
  atomic: "Atomics.add(counter, 1)",
  mutex: "lock; counter + 1; unlock",
};

/** The `--help` text, in the program's language. */
const usage = () =>
  text("raceUsage", {
    threads: DEFAULT_THREADS,
    maxThreads: MAX_THREADS,
    increments: DEFAULT_INCREMENTS,
    maxIncrements: MAX_INCREMENTS,
    quickThreads: QUICK.threads,
    quickIncrements: QUICK.increments,
  });

/** The outcome of one way. */
export interface RaceResult {
  way: Way;
  /** What the counter held at the end. */
  total: number;
  /** What it should hold: threads times increments. */
  expected: number;
  /** From "go" until the last thread finished. */
  ms: number;
}

/**
 * Start the threads, let them all go at once, and read the counter when the last is done.
 *
 * @param way How each thread adds.
 * @param threads How many threads.
 * @param increments How many times each adds 1.
 * @returns The total, the expected total and the time.
 * @throws {Error} When a thread fails, or the run takes longer than {@linkcode RUN_DEADLINE_MS}.
 */
export async function race(way: Way, threads: number, increments: number): Promise<RaceResult> {
  const cells = new Int32Array(new SharedArrayBuffer(3 * 4));
  const workers = Array.from(
    { length: threads },
    (_, i) => new Worker(WORKER_URL, { type: "module", name: `${way} ${i + 1}` }),
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const ready = workers.map((w, i) => nextMessage(w, i + 1));
    for (const w of workers) {
      w.postMessage({ way, cells: cells.buffer, increments } satisfies RaceMessage);
    }
    await Promise.all(ready);
    const done = Promise.all(workers.map((w, i) => nextMessage(w, i + 1)));
    const deadline = new Promise<never>((_, reject) => {
      const why = text("raceTooSlow", { way, s: RUN_DEADLINE_MS / 1000 });
      timer = setTimeout(() => reject(new Error(why)), RUN_DEADLINE_MS);
    });
    const start = performance.now();
    Atomics.store(cells, GO, 1);
    Atomics.notify(cells, GO); // the main thread may wake sleepers; only workers sleep here
    await Promise.race([done, deadline]);
    const ms = performance.now() - start;
    return { way, total: Atomics.load(cells, COUNTER), expected: threads * increments, ms };
  } finally {
    clearTimeout(timer);
    for (const w of workers) w.terminate();
  }
}

/** The worker's next message, or its error. */
function nextMessage(worker: Worker, id: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    worker.onmessage = ({ data }) => resolve(data);
    worker.onerror = (event) => {
      event.preventDefault(); // reported by our caller, in one line
      reject(new Error(text("raceThreadFailed", { id, message: event.message })));
    };
  });
}

/**
 * Run the three ways and report them.
 *
 * @param out Where the report goes.
 * @param threads How many threads.
 * @param increments How many increments per thread.
 * @returns One result per way: plain, atomic, mutex.
 */
export async function runRace(out: Out, threads: number, increments: number) {
  askQuestion(out, text("raceQuestion"));
  const expected = threads * increments;
  out(text("raceIntro", { threads, increments }));
  out(text("raceExpected", { expected }));
  const results: RaceResult[] = [];
  for (const way of ["plain", "atomic", "mutex"] as const) {
    const r = await race(way, threads, increments);
    results.push(r);
    const lost = r.expected - r.total;
    const verdict = lost === 0
      ? text("raceExact")
      : text("raceLost", { lost, percent: (100 * lost / r.expected).toFixed(1) });
    const total = text("raceTotal", { total: padStartToWidth(String(r.total), 10) });
    out(
      `  ${padEndToWidth(way, 7)}${padEndToWidth(DESCRIBE[way], 28)}${total}  ` +
        `${padStartToWidth(r.ms.toFixed(0), 6)} ms  ${verdict}`,
    );
  }
  const [plain, atomic, mutex] = results;
  out("");
  out(answer(plain, mutex.ms / Math.max(atomic.ms, 0.001)));
  return results;
}

function answer(plain: RaceResult, factor: number): string {
  const lost = plain.expected - plain.total;
  const seen = lost > 0
    ? text("raceSeenLost", { lost, expected: plain.expected })
    : text("raceSeenNone");
  return text("answer", { answer: text("raceAnswer", { seen, factor: factor.toFixed(1) }) });
}

if (import.meta.main) {
  const count = (value: string | undefined, flag: string, max: number) => {
    if (value === undefined) return undefined;
    const n = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
    if (!(n >= 1 && n <= max)) throw new UsageError(text("badCount", { flag, value, max }));
    return n;
  };
  const OPTIONS = {
    threads: { type: "string" },
    increments: { type: "string" },
    quick: { type: "boolean", default: false },
  } as const;
  const parsed = parseProgramFlags({
    name: "exp_race",
    usage,
    args: Deno.args,
    options: OPTIONS,
    read: (v) => ({
      threads: count(v.threads, "threads", MAX_THREADS) ??
        (v.quick ? QUICK.threads : DEFAULT_THREADS),
      increments: count(v.increments, "increments", MAX_INCREMENTS) ??
        (v.quick ? QUICK.increments : DEFAULT_INCREMENTS),
    }),
    log: console.log,
    error: console.error,
  });
  if ("exitCode" in parsed) Deno.exit(parsed.exitCode);
  try {
    await runRace(console.log, parsed.flags.threads, parsed.flags.increments);
  } catch (err) {
    console.error(`exp_race: ${errorMessage(err)}`);
    Deno.exit(1);
  }
}

/**
 * One thread of `exp_race`: a Web Worker that adds 1 to a shared counter many times, in the way
 * the main thread asks. Started only by `exp_race.ts`.
 *
 * @module
 */

import { Mutex } from "../../lib/concurrency/mutex.ts";

/** The three ways to add 1 to a number that other threads add to at the same time. */
export type Way = "plain" | "atomic" | "mutex";

/** Main thread to worker: the way, the shared cells and how many increments. */
export interface RaceMessage {
  way: Way;
  /** Int32 cells: {@linkcode COUNTER}, {@linkcode LOCK}, {@linkcode GO}. */
  cells: SharedArrayBuffer;
  increments: number;
}

/** The cell every thread adds to. */
export const COUNTER = 0;
/** The cell the mutex lives in. */
export const LOCK = 1;
/** The cell the main thread sets to 1 when every thread is ready, so they start together. */
export const GO = 2;

/** Add 1 to `cells[COUNTER]`, `n` times, each way. */
export const WAYS: Record<Way, (cells: Int32Array, n: number) => void> = {
  // Read, add, write: three steps. Another thread's write between our read and our write is
  // overwritten by ours, and its update is lost.
  plain(cells, n) {
    for (let i = 0; i < n; i++) cells[COUNTER] = cells[COUNTER] + 1;
  },
  // One indivisible step: the processor does the read, add and write with no other thread between.
  atomic(cells, n) {
    for (let i = 0; i < n; i++) Atomics.add(cells, COUNTER, 1);
  },
  // The same three steps as plain, but only one thread at a time may be between lock and unlock.
  mutex(cells, n) {
    const mutex = new Mutex(cells, LOCK);
    for (let i = 0; i < n; i++) {
      mutex.lock();
      cells[COUNTER] = cells[COUNTER] + 1;
      mutex.unlock();
    }
  },
};

/** The part of a worker's global scope this module uses. */
interface WorkerScope {
  postMessage(message: "ready" | "done"): void;
  onmessage: ((event: MessageEvent<RaceMessage>) => void) | null;
}

if ("WorkerGlobalScope" in globalThis) {
  const scope = globalThis as unknown as WorkerScope;
  scope.onmessage = ({ data }) => {
    const cells = new Int32Array(data.cells);
    scope.postMessage("ready");
    Atomics.wait(cells, GO, 0); // a worker may sleep; returns at once if GO is already 1
    WAYS[data.way](cells, data.increments);
    scope.postMessage("done");
  };
}

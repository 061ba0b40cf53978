/**
 * The mutex on one thread; several threads at once are tested through exp:race.
 */

import { equal, throws } from "node:assert/strict";
import { Mutex } from "../../lib/concurrency/mutex.ts";

Deno.test("Mutex takes a free lock, releases it, and refuses to unlock a free one", () => {
  const cells = new Int32Array(new SharedArrayBuffer(8));
  const mutex = new Mutex(cells, 1);
  mutex.lock();
  equal(Atomics.load(cells, 1), 1);
  mutex.unlock();
  equal(Atomics.load(cells, 1), 0);
  throws(() => mutex.unlock(), /not locked/);
  throws(() =>
    mutex.withLock(() => {
      throw new Error("inside");
    }), /inside/);
  equal(Atomics.load(cells, 1), 0, "withLock() released the lock after the throw");
  throws(() => new Mutex(new Int32Array(2), 0), TypeError);
});

/**
 * The lock-free limit on one thread; several threads at once are tested through
 * tcp-server-workers --max-clients.
 */

import { equal, throws } from "node:assert/strict";
import { SharedLimit } from "../../lib/concurrency/shared_limit.ts";

Deno.test("SharedLimit admits up to max, and again after a release", () => {
  const limit = new SharedLimit(2);
  equal(limit.tryAcquire(), 1);
  equal(limit.tryAcquire(), 2);
  equal(limit.tryAcquire(), undefined);
  equal(limit.count, 2);
  equal(limit.release(), 1);
  equal(limit.tryAcquire(), 2);
  throws(() => new SharedLimit(0), RangeError);
});

Deno.test("SharedLimit built on another's buffer shares its count", () => {
  const first = new SharedLimit(1);
  const second = new SharedLimit(1, first.buffer);
  equal(first.tryAcquire(), 1);
  equal(second.tryAcquire(), undefined);
  first.release();
  equal(second.tryAcquire(), 1);
});

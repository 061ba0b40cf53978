/**
 * lib/net/shutdown.ts: one signal for Ctrl-C, SIGTERM and a console's quit. The signals
 * themselves are tested end to end, on the servers' tasks (tests/sockets, tests/concurrency).
 */

import { equal } from "node:assert/strict";
import { Shutdown } from "../../lib/net/shutdown.ts";

Deno.test("Shutdown.stop() aborts the signal, and stopping twice is stopping once", () => {
  using shutdown = new Shutdown();
  equal(shutdown.signal.aborted, false);
  shutdown.stop();
  shutdown.stop();
  equal(shutdown.signal.aborted, true);
});

/**
 * The demo task: the TCP lab end to end: the real server and client as two processes.
 */

import { equal, match, ok } from "node:assert/strict";
import { runTask } from "../_task.ts";

Deno.test("demo runs server and client on loopback, prints a labelled transcript, exits 0", async () => {
  const { code, stdout, stderr } = await runTask("demo:tcp");
  equal(code, 0, stderr);
  equal(stderr, "");
  match(stdout, /^server \| Listening on 127\.0\.0\.1:\d+$/m);
  match(stdout, /^client \| > hello$/m);
  match(stdout, /^server \| .* 127\.0\.0\.1:\d+ says: hello$/m);
  match(stdout, /^client \| ack: hello$/m);
  match(stdout, /^server \| .* left$/m);
  match(stdout, /^server \| Server stopped$/m);
  // The server logs a line before it acknowledges it.
  ok(stdout.indexOf("says: hello") < stdout.indexOf("client | ack: hello"));
});

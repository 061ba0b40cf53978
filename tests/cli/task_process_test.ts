/**
 * lib/cli/task_process.ts: a task's program as a child process, driven line by line.
 */

import { equal, match, rejects } from "node:assert/strict";
import { TaskProcess } from "../../lib/cli/task_process.ts";

Deno.test("TaskProcess runs a task's program, types into it and reads its lines", async () => {
  const seen: string[] = [];
  await using server = new TaskProcess("tcp-server", {
    args: ["--host", "127.0.0.1", "--port", "0"],
    onLine: (line) => seen.push(line),
  });
  const listening = await server.waitFor(/^Listening on /);
  const port = listening.replace(/.*:/, "");
  await using client = new TaskProcess("tcp-client", { args: ["--port", port] });
  await client.type("hello");
  equal(await client.waitFor(/^ack: /), "ack: hello");
  await client.endInput();
  equal(await client.exit(), 0);
  match(await server.waitFor(/ left$/), /127\.0\.0\.1:\d+ left$/);
  server.kill("SIGINT");
  equal(await server.exit(), 0);
  equal(seen.at(-1), "Server stopped");
  equal(seen[0], listening);
});

Deno.test("TaskProcess.waitFor() rejects when the program ends without the line", async () => {
  await using p = new TaskProcess("tcp-client", { args: ["--port", "x"] });
  await rejects(p.waitFor(/never/), /tcp-client never printed a line matching \/never\//);
  equal(await p.exit(), 2);
});

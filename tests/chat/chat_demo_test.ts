/**
 * The demo task (the project's main job): the chat session end to end, the real server and two
 * scripted clients as three processes.
 */

import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { runTask } from "../_task.ts";
import { tempDir } from "../_chat.ts";

Deno.test("demo replays the session, prints the transcript, exits 0, leaves nothing", async () => {
  await using dir = await tempDir();
  const { code, stdout, stderr } = await runTask("demo", [], { cwd: dir.path });
  equal(code, 0, stderr);
  equal(stderr, "");
  match(stdout, /^server \| Listening on 127\.0\.0\.1:\d+$/m);
  match(stdout, /^bob {4}\| \d{4}-\d\d-\d\d \d\d:\d\d:\d\d alice: Hi bob/m);
  match(stdout, /^alice {2}\| No files on the server yet\.$/m);
  match(stdout, /^bob {4}\| \S+ \S+ \*\*\* alice uploaded notes\.txt \(50 B\)$/m);
  match(stdout, /^bob {4}\| {3}notes\.txt {2}50 B {2}by alice {2}/m);
  match(stdout, /^bob {4}\| Downloaded notes\.txt to /m);
  match(stdout, /^bob {4}\| error: cannot download "minutes\.txt": No file "minutes\.txt"/m);
  match(stdout, /^demo {3}\| clients ended: left, left$/m);
  match(stdout, /^demo {3}\| the downloaded file matches the upload$/m);
  match(stdout, /^server \| Server stopped$/m);
  ok(stdout.indexOf("alice uploaded") < stdout.indexOf("Downloaded notes.txt"));
  const left = [];
  for await (const entry of Deno.readDir(dir.path)) left.push(entry.name);
  deepStrictEqual(left, [], "the demo leaves nothing behind in its working folder");
});

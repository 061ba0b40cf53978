/**
 * The chat client's side facing the user (lib/chat/terminal_ui.ts): input events in the order
 * they happen, and background transfers reported as one line each.
 */

import { deepStrictEqual, equal, match } from "node:assert/strict";
import { ClientInput, plainUi, Transfers } from "../../lib/chat/terminal_ui.ts";

Deno.test("ClientInput gives typed lines in order, then the end of input as null", async () => {
  const input = new ClientInput(["alice", "hello"]);
  deepStrictEqual(await input.next(), { from: "user", line: "alice" });
  deepStrictEqual(await input.next(), { from: "user", line: "hello" });
  deepStrictEqual(await input.next(), { from: "user", line: null });
});

Deno.test("ClientInput reports the watched connection's close and the stop signal", async () => {
  const never: AsyncIterable<string> = {
    [Symbol.asyncIterator]: () => ({ next: () => new Promise(() => {}) }),
  };
  const stop = new AbortController();
  const input = new ClientInput(never, stop.signal);
  input.watch(Promise.resolve());
  deepStrictEqual(await input.next(), { from: "server" });
  input.watch(null); // that close is no news any more
  stop.abort();
  deepStrictEqual(await input.next(), { from: "stop" });
});

Deno.test("ClientInput keeps a line asked for while something else came first", async () => {
  const typed = Promise.withResolvers<IteratorResult<string>>();
  const lines: AsyncIterable<string> = {
    [Symbol.asyncIterator]: () => ({ next: () => typed.promise }),
  };
  const input = new ClientInput(lines);
  input.watch(Promise.resolve());
  deepStrictEqual(await input.next(), { from: "server" });
  input.watch(null);
  typed.resolve({ done: false, value: "late name" });
  deepStrictEqual(await input.next(), { from: "user", line: "late name" });
});

Deno.test("Transfers prints one line per transfer, and a failure as cancelled once leaving", async () => {
  const lines: string[] = [];
  const transfers = new Transfers(plainUi((line) => lines.push(line)));
  transfers.start(
    "upload a.txt",
    (onProgress) => {
      onProgress(5, 10); // no progress line without a terminal
      return Promise.resolve({ name: "a.txt", size: 10 });
    },
    (r, summary) => `Uploaded ${r.name}: ${summary}`,
    () => "not expected",
  );
  transfers.start(
    "download b.txt",
    () => Promise.reject(new Error("no such file")),
    () => "not expected",
    (err) => `error: ${(err as Error).message}`,
  );
  equal(transfers.size, 2);
  await transfers.settled();
  equal(transfers.size, 0);
  equal(lines.length, 2);
  match(lines[0], /^Uploaded a\.txt: 10 B/);
  equal(lines[1], "error: no such file");

  transfers.leaving = true;
  transfers.start("upload c.txt", () => Promise.reject(new Error("Cancelled")), () => "", () => "");
  await transfers.settled();
  equal(lines[2], "upload c.txt: cancelled");
});

Deno.test("Transfers draws live progress on a UI that has a status line, then clears it", async () => {
  const status: (string | null)[] = [];
  const ui = { ...plainUi(() => {}), progress: (text: string | null) => status.push(text) };
  const transfers = new Transfers(ui);
  transfers.start(
    "upload big.bin",
    (onProgress) => {
      onProgress(512, 1024);
      return Promise.resolve({ name: "big.bin", size: 1024 });
    },
    () => "done",
    () => "failed",
  );
  await transfers.settled();
  equal(status.length, 2);
  match(status[0]!, /^upload big\.bin 512 B\/1\.0 KiB 50%/);
  equal(status[1], null);
});

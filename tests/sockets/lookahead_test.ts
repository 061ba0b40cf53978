/**
 * Lookahead: one read in flight on a source, and the values still to come before a deadline.
 */

import { deepStrictEqual, rejects } from "node:assert/strict";
import { Lookahead } from "../../lib/sockets/lookahead.ts";

Deno.test("Lookahead keeps one read until advance() starts the next", async () => {
  let reads = 0;
  const source = {
    [Symbol.asyncIterator]: () => ({
      next: () => Promise.resolve({ done: false as const, value: ++reads }),
    }),
  };
  const ahead = new Lookahead(source);
  deepStrictEqual(await ahead.next, { done: false, value: 1 });
  deepStrictEqual(await ahead.next, { done: false, value: 1 });
  ahead.advance();
  deepStrictEqual(await ahead.next, { done: false, value: 2 });
  deepStrictEqual(reads, 2);
});

Deno.test("Lookahead.until() yields what is left of an array, then ends", async () => {
  const ahead = new Lookahead(["a", "b", "c"]);
  ahead.advance();
  const rest: string[] = [];
  for await (const value of ahead.until(1000)) rest.push(value);
  deepStrictEqual(rest, ["b", "c"]);
});

Deno.test("Lookahead.until() stops at the deadline when the source never ends", async () => {
  const ahead = new Lookahead({
    [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<string>>(() => {}) }),
  });
  const rest: string[] = [];
  for await (const value of ahead.until(10)) rest.push(value);
  deepStrictEqual(rest, []);
});

Deno.test("Lookahead passes a failed read to whoever awaits it", async () => {
  const ahead = new Lookahead({
    [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error("reset")) }),
  });
  await rejects(ahead.next, /reset/);
});

/**
 * The outgoing queue both framed servers use (lib/outbox.ts): one write per batch, a byte
 * limit for messages, a window for file chunks.
 */

import { deepStrictEqual, equal, ok, rejects } from "node:assert/strict";
import { Outbox } from "../lib/outbox.ts";

/** A fake connection whose writes complete only when the test says so. */
function gatedWriter() {
  const writes: Uint8Array[] = [];
  const gates: (() => void)[] = [];
  let started: (() => void) | null = null;
  return {
    writes,
    write(bytes: Uint8Array): Promise<void> {
      writes.push(bytes);
      started?.();
      return new Promise((resolve) => gates.push(resolve));
    },
    /** Wait until the writer has started its n-th write (counting from 1). */
    async started(n: number): Promise<void> {
      while (writes.length < n) await new Promise<void>((resolve) => started = resolve);
    },
    /** Let the oldest write in progress complete. */
    release() {
      gates.shift()?.();
    },
  };
}

Deno.test("Outbox coalesces everything queued during a write into the next single write", async () => {
  const conn = gatedWriter();
  const outbox = new Outbox((b) => conn.write(b), { maxQueuedBytes: 100, flowWindowBytes: 10 });
  ok(outbox.push(new Uint8Array([1])));
  await conn.started(1);
  ok(outbox.push(new Uint8Array([2])));
  ok(outbox.push(new Uint8Array([3, 4])));
  conn.release();
  await conn.started(2);
  conn.release();
  await outbox.drained();
  deepStrictEqual(conn.writes.map((w) => [...w]), [[1], [2, 3, 4]]);
  outbox.close();
  await outbox.finished;
});

Deno.test("Outbox refuses messages past its byte limit and holds chunks to the window", async () => {
  const conn = gatedWriter();
  const outbox = new Outbox((b) => conn.write(b), { maxQueuedBytes: 10, flowWindowBytes: 8 });
  ok(outbox.push(new Uint8Array(20)), "an empty queue takes even a large message");
  equal(outbox.push(new Uint8Array(1)), false, "then the queue is full");
  await conn.started(1);
  conn.release();
  await outbox.drained();

  await outbox.pushFlow(new Uint8Array(6));
  await conn.started(2);
  let second = false;
  const pushed = outbox.pushFlow(new Uint8Array(6)).then(() => second = true);
  ok(outbox.push(new Uint8Array(3)), "messages still go in meanwhile");
  await Promise.resolve();
  equal(second, false, "the window holds the second chunk until the first is written");
  conn.release();
  await pushed;
  await conn.started(3);
  conn.release();
  await conn.started(4);
  deepStrictEqual(conn.writes.map((w) => w.length), [20, 6, 3, 6], "the message goes first");
  conn.release();
  await outbox.drained();
  outbox.close();
  await rejects(outbox.pushFlow(new Uint8Array(1)), Deno.errors.BrokenPipe);
  await outbox.finished;
});

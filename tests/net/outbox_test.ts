/**
 * The outgoing queue both framed servers use (lib/net/outbox.ts): one write per batch, a byte
 * limit for messages, a window for file chunks; the broadcast arena; the chat server's
 * per-turn log.
 */

import { deepStrictEqual, equal, ok, rejects } from "node:assert/strict";
import { Outbox } from "../../lib/net/outbox.ts";
import { FrameArena } from "../../lib/wire/frame_arena.ts";
import { FrameDecoder, Kind, makeFrame } from "../../lib/wire/frame.ts";
import { turnLog } from "../../lib/cli/server_cli.ts";

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

Deno.test("Outbox.pushPieces() counts the pieces as one message and writes them back to back", async () => {
  const conn = gatedWriter();
  const outbox = new Outbox((b) => conn.write(b), { maxQueuedBytes: 10 });
  ok(outbox.pushPieces([new Uint8Array([1, 2]), new Uint8Array(20).fill(3), new Uint8Array([4])]));
  equal(outbox.messageBytes, 23, "an empty queue takes the whole message, however large");
  equal(outbox.pushPieces([new Uint8Array(1)]), false, "then the queue is full");
  await conn.started(1);
  conn.release();
  await outbox.drained();
  deepStrictEqual([...conn.writes[0]], [1, 2, ...new Array(20).fill(3), 4]);
  equal(outbox.messageBytes, 0);
  outbox.close();
  await outbox.finished;
});

Deno.test("broadcasts from a FrameArena reach each member whole and in order, with its own frames between", async () => {
  const arena = new FrameArena(16 * 1024); // small, so the broadcasts fill several buffers
  // Each member's first write waits for the gate; the rest complete at once.
  const gate = Promise.withResolvers<void>();
  const members = [0, 1].map(() => {
    const writes: Uint8Array[] = [];
    const firstWrite = Promise.withResolvers<void>();
    const outbox = new Outbox(async (bytes) => {
      writes.push(bytes);
      if (writes.length === 1) {
        firstWrite.resolve();
        await gate.promise;
      }
    }, { maxQueuedBytes: 1 << 20 });
    return { outbox, writes, firstWrite: firstWrite.promise, sent: [] as string[] };
  });
  // Enough broadcasts to fill several arena buffers, and a large one that gets its own buffer.
  for (let i = 0; i < 3000; i++) {
    // Midway the writers take what is queued; what follows, though adjacent, is a new batch.
    if (i === 1000) await Promise.all(members.map((m) => m.firstWrite));
    const text = i === 1500 ? "x".repeat(40_000) : `message ${i}`;
    const bytes = arena.encode(makeFrame(Kind.Indication, "C", { id: i % 65536, payload: text }));
    for (const m of members) {
      ok(m.outbox.push(bytes));
      m.sent.push(text);
    }
    if (i % 7 === 0) { // a reply to the first member alone, between broadcasts
      ok(members[0].outbox.push(arena.encode(makeFrame(Kind.Response, "C", { payload: i }))));
      members[0].sent.push(i as unknown as string);
    }
  }
  gate.resolve();
  for (const { outbox, writes, sent } of members) {
    await outbox.drained();
    ok(writes.length <= 4, `a few writes, not one per frame (${writes.length})`);
    const decoder = new FrameDecoder({ maxPayload: 1 << 20 });
    const got = writes.flatMap((bytes) => decoder.push(bytes)).map((f) =>
      JSON.parse(new TextDecoder().decode(f.payload))
    );
    deepStrictEqual(got, sent);
    outbox.close();
    await outbox.finished;
  }
});

Deno.test("Outbox joins adjacent views only when they view the same buffer", async () => {
  const a = new Uint8Array([1, 2, 3, 4, 5, 6]), b = new Uint8Array([7, 8, 9, 10, 11, 12]);
  const writes: Uint8Array[] = [];
  const outbox = new Outbox((bytes) => {
    writes.push(Uint8Array.from(bytes)); // joined pieces come back as a Buffer
    return Promise.resolve();
  }, { maxQueuedBytes: 1 << 20 });
  ok(outbox.push(a.subarray(0, 2), a.buffer));
  ok(outbox.push(a.subarray(2, 4), a.buffer)); // grows the first view
  ok(outbox.push(b.subarray(4, 6), b.buffer)); // starts where it ends, in another buffer
  ok(outbox.push(b.subarray(0, 1))); // the buffer looked up by the outbox itself
  await outbox.drained();
  deepStrictEqual(writes, [new Uint8Array([1, 2, 3, 4, 11, 12, 7])]);
  outbox.close();
  await outbox.finished;
});

Deno.test("a broadcast to 200 members starts their writers a few dozen per turn, and every one writes", async () => {
  // Writes started in one synchronous stretch, that is, by one turn's start of writers.
  let burst = 0, maxBurst = 0;
  const got: Uint8Array[][] = [];
  const outboxes = Array.from({ length: 200 }, (_, i) => {
    got.push([]);
    return new Outbox((bytes) => {
      if (burst++ === 0) {
        queueMicrotask(() => {
          maxBurst = Math.max(maxBurst, burst);
          burst = 0;
        });
      }
      got[i].push(bytes);
      return Promise.resolve();
    }, { maxQueuedBytes: 1 << 20 });
  });
  const message = new Uint8Array([1, 2, 3]);
  for (const outbox of outboxes) ok(outbox.push(message, message.buffer));
  await Promise.all(outboxes.map((outbox) => outbox.drained()));
  for (const writes of got) deepStrictEqual(writes, [message]);
  ok(maxBurst <= 64, `at most 64 writers started in one turn, saw ${maxBurst}`);
  for (const outbox of outboxes) {
    outbox.close();
    await outbox.finished;
  }
});

Deno.test("turnLog writes a turn's lines in one call, in order, and flush() writes them at once", async () => {
  const written: string[] = [];
  let wrote = Promise.withResolvers<void>();
  const log = turnLog((text) => {
    written.push(text);
    wrote.resolve();
  });
  log("one");
  log("two");
  deepStrictEqual(written, [], "nothing yet: the turn goes on");
  await wrote.promise;
  deepStrictEqual(written, ["one\ntwo"]);
  wrote = Promise.withResolvers<void>();
  log("three");
  log.flush();
  deepStrictEqual(written, ["one\ntwo", "three"]);
  // Immediates run in order: this one runs after the flush that log("three") scheduled.
  await new Promise((resolve) => setImmediate(resolve));
  deepStrictEqual(written, ["one\ntwo", "three"], "the scheduled flush finds nothing left");
});

Deno.test("Outbox.push(…, now) starts an idle writer at once; other pushes wait for the turn's end", async () => {
  const writes: string[] = [];
  const writer = (name: string) => (bytes: Uint8Array) => {
    writes.push(`${name}${[...bytes]}`);
    return Promise.resolve();
  };
  const now = new Outbox(writer("now:"), { maxQueuedBytes: 100 });
  const later = new Outbox(writer("later:"), { maxQueuedBytes: 100 });
  ok(later.push(new Uint8Array([1])));
  const two = new Uint8Array([2]);
  ok(now.push(two, two.buffer, true));
  deepStrictEqual(writes, ["now:2"], "written before this code even yields");
  const three = new Uint8Array([3]);
  ok(now.push(three, three.buffer, true)); // a write is in progress: [3] waits for it
  deepStrictEqual(writes, ["now:2"]);
  await Promise.all([now.drained(), later.drained()]);
  deepStrictEqual(writes.toSorted(), ["later:1", "now:2", "now:3"]);
  for (const outbox of [now, later]) {
    outbox.close();
    await outbox.finished;
  }
});

/**
 * The pieces the concurrent servers share: the semaphore behind the pool, the shared flags,
 * and closing a connection so the client still reads the last line.
 */

import { deepStrictEqual, equal, rejects, throws } from "node:assert/strict";
import { LineClient } from "../_line_client.ts";
import { UsageError } from "../../lib/cli/cli.ts";
import { GOODBYE, sendAndClose, serveLines } from "../../lib/net/line_server.ts";
import { Semaphore } from "../../lib/net/semaphore.ts";
import { parseServerFlags } from "../../lib/cli/server_cli.ts";

Deno.test("Semaphore hands slots out first come, first served", async () => {
  const slots = new Semaphore(2);
  await slots.acquire();
  await slots.acquire();
  const order: number[] = [];
  const third = slots.acquire().then(() => order.push(3));
  const fourth = slots.acquire().then(() => order.push(4));
  equal(slots.waiting, 2);
  slots.release();
  await third;
  slots.release();
  await fourth;
  deepStrictEqual(order, [3, 4]);
  equal(slots.available, 0);
});

Deno.test("Semaphore.acquire() gives up on abort without taking a slot", async () => {
  const slots = new Semaphore(1);
  await slots.acquire();
  const stop = new AbortController();
  const waiting = slots.acquire(stop.signal);
  stop.abort();
  await rejects(waiting);
  equal(slots.waiting, 0);
  slots.release();
  equal(slots.available, 1);
});

Deno.test("Semaphore rejects a slot count of 0", () => {
  throws(() => new Semaphore(0), RangeError);
});

Deno.test("parseServerFlags() reads the shared flags and checks them", () => {
  deepStrictEqual(parseServerFlags([], { port: 15004, workers: 5 }), {
    help: false,
    host: "127.0.0.1",
    port: 15004,
    workers: 5,
  });
  deepStrictEqual(
    parseServerFlags(["--work-ms", "3", "--work", "io", "--workers", "2"], { port: 1, workers: 5 })
      .work,
    { kind: "io", ms: 3 },
  );
  throws(() => parseServerFlags(["--workers", "2"], { port: 1 }), UsageError);
  throws(() => parseServerFlags(["--work-ms", "-1"], { port: 1 }), UsageError);
  throws(() => parseServerFlags(["--work-ms", "x"], { port: 1 }), RangeError);
  throws(() => parseServerFlags(["--work-ms", "20000"], { port: 1 }), RangeError);
  throws(() => parseServerFlags(["--workers", "0"], { port: 1, workers: 5 }), RangeError);
});

/** Accept one connection on an ephemeral port, with a client connected to it. */
async function pair(): Promise<{ server: Deno.Conn; client: LineClient }> {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const [server, client] = await Promise.all([
    listener.accept(),
    LineClient.connect(listener.addr.port),
  ]);
  return { server, client };
}

Deno.test("sendAndClose() delivers the line although the client sent unread bytes", async () => {
  const { server, client } = await pair();
  try {
    // Bytes the server never reads: a plain close() would answer them with a reset.
    await client.send("let me in");
    await client.send("please");
    const done = sendAndClose(server, "Server is full", { lingerMs: 5000 });
    equal(await client.next(), "Server is full");
    equal(await client.next(), null);
    client.close();
    await done;
  } finally {
    client.close();
  }
});

Deno.test("serveLines() answers each line, then says goodbye when aborted", async () => {
  const { server, client } = await pair();
  const stop = new AbortController();
  const log: string[] = [];
  const served = serveLines(server, { signal: stop.signal, log: (l) => log.push(l) });
  try {
    await client.send("one");
    equal(await client.next(), "ack: one");
    stop.abort();
    equal(await client.next(), GOODBYE);
    equal(await client.next(), null);
    client.close(); // the server waits for this (or a linger) before it closes its side
    await served;
    equal(log.at(-1)?.endsWith("disconnected: server shutting down"), true, log.join("\n"));
  } finally {
    client.close();
  }
});

/**
 * tcp-server-workers --max-clients through its task: a limit that holds across worker threads
 * because they share its count in memory, checked with real clients on an ephemeral port.
 */

import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { LineClient } from "../_line_client.ts";
import { expectOneLineError, listeningPort, Program } from "../_task.ts";
import { isFullMessage } from "../../lib/net/line_server.ts";

/** The limit in these tests; N + 3 clients come at once. */
const N = 6;

async function startLimited(): Promise<{ server: Program; port: number }> {
  const args = ["--port", "0", "--workers", "2", "--max-clients", String(N)];
  const server = new Program("tcp-server-workers", args);
  const port = await listeningPort(server);
  await server.waitFor(new RegExp(`2 worker threads share the port.*at most ${N} at once`));
  return { server, port };
}

/**
 * Connect `n` clients at once, each sends a line, and sort them by what they heard.
 *
 * @returns The served clients (still connected) by the worker that answered, and how many were
 *   told the server is full (already closed).
 */
async function crowd(port: number, n: number) {
  const clients = await Promise.all(Array.from({ length: n }, () => LineClient.connect(port)));
  const heard = await Promise.all(clients.map(async (c, i) => {
    await c.send(`hi ${i}`).catch(() => {}); // a turned-away client may find the server gone
    return c.next();
  }));
  const served: { client: LineClient; worker: string }[] = [];
  let full = 0;
  heard.forEach((line, i) => {
    const m = line?.match(new RegExp(`^ack: hi ${i} \\(worker (\\d+)\\)$`));
    if (m) served.push({ client: clients[i], worker: m[1] });
    else {
      ok(line !== null && isFullMessage(line), `client ${i} heard: ${line}`);
      full++;
      clients[i].close();
    }
  });
  return { served, full };
}

/** Every "served" line in the log: the count never over N, the list of addresses no longer. */
function checkServedLines(server: Program): void {
  for (const line of server.lines.filter((l) => / served \(/.test(l))) {
    const m = line.match(/served \((\d+)\/(\d+) clients across all workers\); connected: (.*)$/);
    ok(m, line);
    ok(Number(m[1]) <= N && Number(m[2]) === N, line);
    // Read later than the count, so other threads may have joined it since: but never over N.
    ok(m[3].split(", ").length <= N, line);
  }
}

Deno.test(`tcp-server-workers --max-clients ${N}: ${N} of ${N + 3} served, 3 told full, room again after leaving`, async () => {
  const { server, port } = await startLimited();
  await using _ = server;
  const first = await crowd(port, N + 3);
  try {
    equal(first.served.length, N);
    equal(first.full, 3);
    await server.waitForCount(/ rejected: server is full/, 3);

    // Two leave: two newcomers are served, the third is turned away again.
    for (const { client } of first.served.splice(0, 2)) client.close();
    await server.waitForCount(/ done \(/, 2);
    const second = await crowd(port, 3);
    first.served.push(...second.served);
    equal(second.served.length, 2);
    equal(second.full, 1);
  } finally {
    for (const { client } of first.served) client.close();
  }
  await server.waitFor(/ done \(0\/6 clients across all workers\); connected: none$/);
  checkServedLines(server);
});

Deno.test(`tcp-server-workers --max-clients ${N}: 20 racing crowds, never more than ${N} served`, async () => {
  const { server, port } = await startLimited();
  await using _ = server;
  const workers = new Set<string>();
  for (let round = 1; round <= 20; round++) {
    const { served, full } = await crowd(port, N + 3);
    for (const { client, worker } of served) {
      workers.add(worker);
      client.close();
    }
    // All N + 3 were connected at the same time, so exactly N fit.
    deepStrictEqual({ round, served: served.length, full }, { round, served: N, full: 3 });
    await server.waitForCount(/ done \(/, N * round); // every place is free for the next round
  }
  // The kernel spread 180 connections over both threads; the limit held across them.
  deepStrictEqual([...workers].sort(), ["1", "2"]);
  checkServedLines(server);
});

Deno.test("tcp-server-workers refuses --max-clients 0 in one line", async () => {
  await expectOneLineError(
    "tcp-server-workers",
    ["--max-clients", "0"],
    /^tcp_server_workers: Invalid --max-clients "0": expected a whole number from 1 to 1024/,
    2,
  );
});

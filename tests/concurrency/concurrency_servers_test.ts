/**
 * Lab 2.3's concurrent servers through their tasks, with real clients on ephemeral ports:
 * who is served at once, who waits, who is turned away, and a clean Ctrl-C for each.
 */

import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { LineClient, tooLongLineReplies } from "../_line_client.ts";
import { expectOneLineError, listeningPort, Program, runTask } from "../_task.ts";
import { HAS_TERMINAL, TerminalProgram } from "../_terminal.ts";
import { fullMessage, GOODBYE } from "../../lib/net/line_server.ts";

const SERVERS = [
  "tcp-server-concurrent",
  "tcp-server-pool",
  "tcp-server-pool-reject",
  "tcp-server-workers",
];

async function startServer(task: string, args: string[] = []) {
  const server = new Program(task, ["--port", "0", ...args]);
  return { server, port: await listeningPort(server) };
}

/** Connect `n` clients at once. */
function connectMany(port: number, n: number): Promise<LineClient[]> {
  return Promise.all(Array.from({ length: n }, () => LineClient.connect(port)));
}

function closeAll(clients: LineClient[]): void {
  for (const c of clients) c.close();
}

/** Send a line on every client at once and return the replies in order. */
function roundTripAll(clients: LineClient[], line: string): Promise<(string | null)[]> {
  return Promise.all(clients.map(async (c, i) => {
    await c.send(`${line} ${i}`);
    return c.next();
  }));
}

Deno.test("tcp-server-concurrent serves 100 clients at once", async () => {
  const { server, port } = await startServer("tcp-server-concurrent");
  await using _ = server;
  const clients = await connectMany(port, 100);
  try {
    // Every client is still connected while every one of them is answered.
    const replies = await roundTripAll(clients, "hello");
    deepStrictEqual(replies, clients.map((_, i) => `ack: hello ${i}`));
    await server.waitFor(/\(100 connected\)$/);
  } finally {
    closeAll(clients);
  }
  await server.waitForCount(/ left$/, 100);
});

Deno.test("tcp-server-pool(5) serves five at once; the sixth only after one leaves", async () => {
  const { server, port } = await startServer("tcp-server-pool", ["--workers", "5"]);
  await using _ = server;
  const five = await connectMany(port, 5);
  const sixth = await LineClient.connect(port);
  try {
    deepStrictEqual(await roundTripAll(five, "hi"), five.map((_, i) => `ack: hi ${i}`));
    await server.waitFor(/queued \(0 ahead, 5\/5 busy\)$/);

    await sixth.send("six");
    let sixthAnswered = false;
    const sixthReply = sixth.next().finally(() => sixthAnswered = true);
    // A round trip on a served client after "six" was sent: the server had every chance.
    await five[0].send("still here");
    equal(await five[0].next(), "ack: still here");
    equal(sixthAnswered, false);
    ok(!server.lines.some((l) => l.endsWith("says: six")), server.lines.join("\n"));

    five[0].close();
    equal(await sixthReply, "ack: six");
    await server.waitFor(/says: six$/);
    const log = server.lines.join("\n");
    // The leaver's slot went to the sixth: the log says so, not "done (5/5 busy)".
    ok(log.indexOf(" done; slot passed to the next in the queue (0 still waiting)") >= 0, log);
    ok(log.indexOf(" done; slot passed") < log.indexOf("says: six"), log);
    ok(!/ done \(5\/5 busy\)/.test(log), log);
    // Only the sixth waited, so only the sixth was logged as queued.
    equal(server.lines.filter((l) => / queued \(/.test(l)).length, 1, log);
  } finally {
    closeAll([...five, sixth]);
  }
  await server.waitForCount(/ done[ ;]/, 6);
});

Deno.test("tcp-server-pool does not log a client as queued when a slot is free", async () => {
  const { server, port } = await startServer("tcp-server-pool", ["--workers", "2"]);
  await using _ = server;
  for (let i = 0; i < 3; i++) {
    const client = await LineClient.connect(port);
    try {
      await client.send(`hi ${i}`);
      equal(await client.next(), `ack: hi ${i}`);
    } finally {
      client.close();
    }
    await server.waitForCount(/ done \(0\/2 busy\)$/, i + 1);
  }
  const log = server.lines.join("\n");
  ok(!/queued/.test(log), log);
  equal(server.lines.filter((l) => / served \(1\/2 busy\)$/.test(l)).length, 3, log);
});

Deno.test("tcp-server-pool-reject(5) tells the sixth it is full; a later client is served", async () => {
  const { server, port } = await startServer("tcp-server-pool-reject", ["--workers", "5"]);
  await using _ = server;
  const five = await connectMany(port, 5);
  try {
    deepStrictEqual(await roundTripAll(five, "hi"), five.map((_, i) => `ack: hi ${i}`));

    const sixth = await LineClient.connect(port);
    try {
      equal(await sixth.next(), "Server is full (5/5 clients). Please try again later.");
      equal(await sixth.next(), null);
    } finally {
      sixth.close();
    }
    await server.waitFor(/rejected: server is full/);

    five[0].close();
    await server.waitFor(/ done \(4\/5 busy\)$/);
    const seventh = await LineClient.connect(port);
    try {
      await seventh.send("seven");
      equal(await seventh.next(), "ack: seven");
    } finally {
      seventh.close();
    }
  } finally {
    closeAll(five);
  }
});

Deno.test("tcp-server-pool-reject keeps its count when many connect and leave at once", async () => {
  const { server, port } = await startServer("tcp-server-pool-reject", ["--workers", "5"]);
  await using _ = server;
  const crowd = 40;
  // Half send a line first, half leave without a word; all close at the same moment.
  const burst = await connectMany(port, crowd);
  await Promise.all(burst.map((c, i) => i % 2 ? c.send("hello").catch(() => {}) : undefined));
  closeAll(burst);
  const finished = await server.waitForCount(/ (done \(|rejected: )/, crowd);
  equal(finished.length, crowd);

  // Every slot is free again: exactly five are served, the sixth is turned away.
  const five = await connectMany(port, 5);
  try {
    deepStrictEqual(await roundTripAll(five, "again"), five.map((_, i) => `ack: again ${i}`));
    const sixth = await LineClient.connect(port);
    try {
      equal(await sixth.next(), fullMessage(5));
    } finally {
      sixth.close();
    }
  } finally {
    closeAll(five);
  }
});

Deno.test("tcp-server-workers: under concurrent load, replies come from more than one worker", async () => {
  const { server, port } = await startServer("tcp-server-workers", ["--workers", "2"]);
  await using _ = server;
  await server.waitFor(/2 worker threads share the port/);
  // The kernel picks a listener per connection by hashing its addresses: with 32 clients and
  // 2 workers, all landing on one worker has a chance of 2 in 2^32.
  const clients = await connectMany(port, 32);
  try {
    const replies = await roundTripAll(clients, "who");
    const workers = new Set<string>();
    replies.forEach((reply, i) => {
      const m = reply?.match(new RegExp(`^ack: who ${i} \\(worker (\\d+)\\)$`));
      ok(m, `reply ${i}: ${reply}`);
      workers.add(m[1]);
    });
    ok(workers.size > 1, `all replies from worker ${[...workers]}`);
  } finally {
    closeAll(clients);
  }
});

for (const task of SERVERS) {
  Deno.test(`${task} on SIGINT tells its connected client goodbye and exits 0`, async () => {
    const { server, port } = await startServer(task);
    await using _ = server;
    const client = await LineClient.connect(port);
    try {
      await client.send("hi");
      match(await client.next() ?? "", /^ack: hi( \(worker \d+\))?$/);
      server.kill("SIGINT");
      equal(await client.next(), GOODBYE);
      equal(await client.next(), null);
    } finally {
      client.close();
    }
    equal(await server.exit(), 0);
    equal(server.lines.at(-1), "Server stopped");
  });
}

for (const task of SERVERS) {
  Deno.test(`${task}'s error for a too-long line reaches the client every time`, async () => {
    const { server, port } = await startServer(task);
    await using _ = server;
    // Losing the line to a reset was a race that went wrong most of the time: ten tries catch it.
    for (let i = 0; i < 10; i++) {
      const [error, end] = await tooLongLineReplies(port);
      match(error ?? "", /^error: line longer than 65536 bytes; closing$/, `try ${i + 1}`);
      equal(end, null, `try ${i + 1}`);
    }
    await server.waitForCount(/sent a line over 65536 bytes/, 10);
  });
}

for (const task of SERVERS) {
  Deno.test({
    name: `${task} on a terminal starts its first log line after Ctrl-C on a new line`,
    ignore: !HAS_TERMINAL,
    async fn() {
      await using server = new TerminalProgram(task, ["--port", "0"]);
      const port = Number((await server.waitFor(/Listening on .*:(\d+)/))[1]);
      const client = await LineClient.connect(port);
      try {
        await client.send("hi");
        match(await client.next() ?? "", /^ack: hi/);
        await server.waitFor(/says: hi\r?\n/); // workers log through the main thread, later
        await server.type("\x03"); // Ctrl-C: the terminal echoes "^C" and sends SIGINT
        equal(await client.next(), GOODBYE);
      } finally {
        client.close();
      }
      equal(await server.exit(), 0);
      match(
        server.output,
        /\^C\r?\n(\[worker \d+\] )?\d{4}-\d\d-\d\d /,
        JSON.stringify(server.output),
      );
    },
  });
}

Deno.test("tcp-server-pool on SIGINT also tells the clients waiting in its queue", async () => {
  const { server, port } = await startServer("tcp-server-pool", ["--workers", "1"]);
  await using _ = server;
  const served = await LineClient.connect(port);
  const waiting = await LineClient.connect(port);
  try {
    await served.send("first");
    equal(await served.next(), "ack: first");
    await server.waitFor(/queued \(0 ahead, 1\/1 busy\)$/);
    server.kill("SIGINT");
    equal(await served.next(), GOODBYE);
    equal(await waiting.next(), GOODBYE);
    equal(await waiting.next(), null);
  } finally {
    closeAll([served, waiting]);
  }
  equal(await server.exit(), 0);
  await server.waitFor(/left the queue: server shutting down/);
});

// Command lines: help, and mistakes in one line with a non-zero exit, never a stack trace.

for (const task of SERVERS) {
  Deno.test(`${task} --help prints usage and exits 0`, async () => {
    const { code, stdout, stderr } = await runTask(task, ["--help"]);
    equal(code, 0, stderr);
    match(stdout, new RegExp(`^Usage: deno task ${task}`));
    match(stdout, /--work-ms/);
  });

  Deno.test(`${task} rejects bad flags in one line`, async () => {
    await expectOneLineError(task, ["--bogus"], /: Unknown option '--bogus'/);
    await expectOneLineError(task, ["--port", "70000"], /Invalid port "70000"/);
    await expectOneLineError(task, ["--work", "gpu"], /Invalid --work "gpu"/);
  });

  Deno.test(`${task} reports a port in use in one line`, async () => {
    using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = String(taken.addr.port);
    await expectOneLineError(task, ["--port", port], /cannot listen on .*address already in use/);
  });

  Deno.test(`${task} reports a host that does not resolve in one line`, async () => {
    await expectOneLineError(
      task,
      ["--host", "nosuch.invalid"],
      /nosuch\.invalid.*does not resolve/,
    );
  });
}

Deno.test("tcp-server-workers refuses a port another tcp-server-workers listens on", async () => {
  // Both would set SO_REUSEPORT, which lets a second group bind: the probe must refuse it.
  const { server, port } = await startServer("tcp-server-workers", ["--workers", "2"]);
  await using _ = server;
  // Not runTask: a second server that starts after all would never exit, and the wait must end.
  await using second = new Program("tcp-server-workers", ["--port", String(port)]);
  await second.waitForStderr(/./);
  equal(await second.exit(), 1);
  deepStrictEqual(second.errors.filter((l) => l !== ""), [
    `tcp_server_workers: cannot listen on 127.0.0.1:${port}: ` +
    "address already in use (is another server running on that port?)",
  ]);
  deepStrictEqual(second.lines, []);
});

Deno.test("--workers is described as what it counts: clients for a pool, threads for workers", async () => {
  for (const task of ["tcp-server-pool", "tcp-server-pool-reject"]) {
    match((await runTask(task, ["--help"])).stdout, /--workers N +clients served at once/);
  }
  match(
    (await runTask("tcp-server-workers", ["--help"])).stdout,
    /--workers N +worker threads, each serving many clients/,
  );
});

Deno.test("tcp-server-concurrent refuses --workers: it has no pool", async () => {
  await expectOneLineError(
    "tcp-server-concurrent",
    ["--workers", "3"],
    /Unknown option '--workers'/,
  );
});

Deno.test("tcp-server-pool refuses --workers 0", async () => {
  await expectOneLineError("tcp-server-pool", ["--workers", "0"], /Invalid --workers "0"/);
});

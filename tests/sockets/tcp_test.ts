/**
 * The TCP lab through its tasks: tcp-server and tcp-client as a user runs them.
 */

import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { LineClient, tooLongLineReplies } from "../_line_client.ts";
import { listeningPort, Program, runTask } from "../_task.ts";
import { DEFAULT_MAX_LINE } from "../../lib/net/lines.ts";

async function startServer(): Promise<{ server: Program; port: number }> {
  const server = new Program("tcp-server", ["--port", "0"]);
  return { server, port: await listeningPort(server) };
}

Deno.test("tcp-server says where it listens, and how to accept LAN clients", async () => {
  const { server } = await startServer();
  await using _ = server;
  match(server.lines[0], /^Listening on 127\.0\.0\.1:\d+$/);
  await server.waitFor(/--host 0\.0\.0\.0/);
});

Deno.test("tcp-client and tcp-server: a line round trip through both tasks", async () => {
  const { server, port } = await startServer();
  await using _ = server;
  await using client = new Program("tcp-client", ["--port", String(port)], { stdin: "piped" });
  await client.type("hello\n");
  await client.waitFor(/^ack: hello$/);
  await server.waitFor(/127\.0\.0\.1:\d+ says: hello$/);
  await client.type("exit\n");
  equal(await client.exit(), 0);
  await server.waitFor(/left$/);
});

Deno.test("tcp-client reads lines from a pipe, prints every reply, and exits 0", async () => {
  const { server, port } = await startServer();
  await using _ = server;
  const { code, stdout, stderr } = await runTask("tcp-client", ["--port", String(port)], {
    input: "a\nb\n",
  });
  equal(code, 0, stderr);
  match(stdout, /^ack: a$/m);
  match(stdout, /^ack: b$/m);
  ok(stdout.indexOf("ack: a") < stdout.indexOf("ack: b"));
});

Deno.test("tcp-server serves one client at a time: the next waits until the first leaves", async () => {
  const { server, port } = await startServer();
  await using _ = server;
  const first = await LineClient.connect(port);
  const second = await LineClient.connect(port); // the kernel completes it into the backlog
  try {
    await first.send("one");
    equal(await first.next(), "ack: one");

    await second.send("two");
    let secondAnswered = false;
    const secondReply = second.next().finally(() => secondAnswered = true);
    // The first client is still being served, although "two" was sent before "still me".
    await first.send("still me");
    equal(await first.next(), "ack: still me");
    equal(secondAnswered, false);
    ok(!server.lines.some((l) => l.endsWith("says: two")), server.lines.join("\n"));

    first.close();
    equal(await secondReply, "ack: two");
    await server.waitFor(/says: two$/);
  } finally {
    first.close();
    second.close();
  }
});

Deno.test("tcp-server keeps running after a client leaves", async () => {
  const { server, port } = await startServer();
  await using _ = server;
  for (const name of ["alice", "bob"]) {
    const client = await LineClient.connect(port);
    try {
      await client.send(`hi from ${name}`);
      equal(await client.next(), `ack: hi from ${name}`);
    } finally {
      client.close();
    }
  }
  await server.waitForCount(/ left$/, 2);
});

Deno.test("tcp-server refuses a line over the limit, closes that client, and goes on", async () => {
  const { server, port } = await startServer();
  await using _ = server;
  const greedy = await LineClient.connect(port);
  try {
    // Exactly one byte too many and no newline, so the server reads all of it before closing.
    await greedy.conn.write(new Uint8Array(DEFAULT_MAX_LINE + 1).fill(0x78));
    match(await greedy.next() ?? "", /^error: line longer than 65536 bytes/);
    equal(await greedy.next(), null);
  } finally {
    greedy.close();
  }
  const next = await LineClient.connect(port);
  try {
    await next.send("still there?");
    equal(await next.next(), "ack: still there?");
  } finally {
    next.close();
  }
});

Deno.test("tcp-server's error for a too-long line reaches the client every time", async () => {
  const { server, port } = await startServer();
  await using _ = server;
  // Losing the line was a race that went wrong most of the time: ten tries would catch it.
  for (let i = 0; i < 10; i++) {
    deepStrictEqual(await tooLongLineReplies(port), [
      `error: line longer than ${DEFAULT_MAX_LINE} bytes; closing`,
      null,
    ], `try ${i + 1}`);
  }
  await server.waitForCount(/sent a line over 65536 bytes/, 10);
});

Deno.test("tcp-server --work-ms makes each reply wait for the simulated work", async () => {
  const server = new Program("tcp-server", ["--port", "0", "--work-ms", "100", "--work", "io"]);
  await using _ = server;
  const client = await LineClient.connect(await listeningPort(server));
  try {
    const sent = performance.now();
    await client.send("slow");
    equal(await client.next(), "ack: slow");
    ok(performance.now() - sent >= 90, "the reply came before the work was done");
  } finally {
    client.close();
  }
});

Deno.test("tcp-server on SIGINT tells the client, which says so, and both exit 0", async () => {
  const { server, port } = await startServer();
  await using _ = server;
  await using client = new Program("tcp-client", ["--port", String(port)], { stdin: "piped" });
  await client.type("hi\n");
  await client.waitFor(/^ack: hi$/);

  server.kill("SIGINT");
  await client.waitFor(/shutting down/);
  await client.waitFor(/server closed the connection/);
  equal(await client.exit(), 0);
  equal(await server.exit(), 0);
  equal(server.lines.at(-1), "Server stopped");
});

Deno.test("tcp-server on SIGTERM with no client exits 0", async () => {
  const { server } = await startServer();
  await using _ = server;
  server.kill("SIGTERM");
  equal(await server.exit(), 0);
});

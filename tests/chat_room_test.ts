/**
 * The chat room through its tasks: chat-server and chat-client as users run them.
 */

import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { Program, runTask } from "./_task.ts";
import { chatLine, startClient, startServer, tempDir } from "./_chat.ts";

Deno.test("chat-server says where it listens, how to accept LAN clients, and stops on quit", async () => {
  await using dir = await tempDir();
  const { server } = await startServer(dir);
  await using _ = server;
  match(server.lines[0], /^Listening on 127\.0\.0\.1:\d+$/);
  await server.waitFor(/--host 0\.0\.0\.0/);
  await server.type("quit\n");
  equal(await server.exit(), 0);
  equal(server.lines.at(-1), "Server stopped");
  ok((await Deno.stat(`${dir.path}/storage/server`)).isDirectory);
});

Deno.test("chat programs answer --help, and bad flags with one line and exit 2", async () => {
  for (const task of ["chat-server", "chat-client"]) {
    const help = await runTask(task, ["--help"]);
    equal(help.code, 0);
    match(help.stdout, /^Usage: deno task /);
    const bad = await runTask(task, ["--port", "99999"]);
    equal(bad.code, 2);
    match(bad.stderr, /^chat_(server|client): Invalid port "99999".*\(see --help\)$/);
  }
  const heartbeat = await runTask("chat-server", ["--heartbeat", "0"]);
  equal(heartbeat.code, 2);
  match(heartbeat.stderr, /Invalid seconds "0"/);
});

Deno.test("chat-server in use and chat-client with no server fail in one line", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir);
  await using _ = server;
  const second = await runTask("chat-server", ["--port", String(port)], { cwd: dir.path });
  equal(second.code, 1);
  match(second.stderr, /^chat_server: cannot listen on 127\.0\.0\.1:\d+: address already in use/);
  equal(second.stderr.split("\n").length, 1);

  server.kill("SIGINT");
  equal(await server.exit(), 0);
  const client = await runTask("chat-client", ["--port", String(port), "--name", "a"], {
    cwd: dir.path,
  });
  equal(client.code, 1);
  match(client.stderr, /^chat_client: cannot connect to 127\.0\.0\.1:\d+: connection refused/);
});

Deno.test("two clients, then five, see each other's joins and messages in order", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir);
  await using _s = server;
  const names = ["alice", "bob", "carol", "dave", "erin"];
  const clients: Program[] = [];
  try {
    for (const name of names.slice(0, 2)) clients.push(await startClient(dir, port, name));
    await clients[0].waitFor(/\*\*\* bob joined$/);
    await clients[0].type("hello bob\n");
    await clients[1].waitFor(chatLine("alice", "hello bob"));
    await clients[1].type("hi alice\n");
    await clients[0].waitFor(chatLine("bob", "hi alice"));

    for (const name of names.slice(2)) clients.push(await startClient(dir, port, name));
    for (const [i, c] of clients.entries()) {
      await c.type(`one from ${names[i]}\n`);
      await c.type(`two from ${names[i]}\n`);
    }
    for (const c of clients) {
      for (const name of names) {
        const mine = await c.waitForCount(new RegExp(` ${name}: (one|two) from ${name}$`), 2);
        deepStrictEqual(mine.map((l) => l.split(": ")[1]), [
          `one from ${name}`,
          `two from ${name}`,
        ]);
      }
    }
    await clients[4].type("/who\n");
    await clients[4].waitFor(/^Online \(5\): alice, bob, carol, dave, erin$/);
    await server.waitFor(/ erin: two from erin$/);
  } finally {
    for (const c of clients) await c[Symbol.asyncDispose]();
  }
});

Deno.test("100 messages sent back to back arrive as 100 lines, none merged", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir);
  await using _s = server;
  await using reader = await startClient(dir, port, "reader");
  await using writer = await startClient(dir, port, "writer");
  const sent = Array.from({ length: 100 }, (_, i) => `message ${i} ${"x".repeat(i + 1)}`);
  await writer.type(sent.join("\n") + "\n"); // one write: the lines reach the client together
  const got = await reader.waitForCount(/ writer: message \d+/, 100);
  deepStrictEqual(got.map((l) => l.replace(/^.* writer: /, "")), sent);
});

Deno.test("a taken name, in any case, gets a clear error and the client asks again", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir);
  await using _s = server;
  await using first = await startClient(dir, port, "Alice");
  await using second = new Program("chat-client", ["--port", String(port), "--name", "aLiCe"], {
    cwd: dir.path,
    stdin: "piped",
  });
  await second.waitFor(/^error: The name "aLiCe" is taken/);
  await second.waitFor(/^Your name: $/);
  await second.type("  bad name \n");
  await second.waitFor(/^error: The name "bad name" has spaces/);
  await second.type(" alice2 \n");
  await second.waitFor(/\*\*\* You joined as alice2\. Online \(2\): Alice, alice2\./);
  await first.waitFor(/\*\*\* alice2 joined$/);
});

Deno.test("/msg reaches only its target; /help and unknown commands are local", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir);
  await using _s = server;
  await using alice = await startClient(dir, port, "alice");
  await using bob = await startClient(dir, port, "bob");
  await using carol = await startClient(dir, port, "carol");
  await alice.type("/msg BOB just for you\n");
  await bob.waitFor(/ alice -> bob \(private\): just for you$/);
  await alice.waitFor(/ alice -> bob \(private\): just for you$/);
  await alice.type("/msg nobody hi\n");
  await alice.waitFor(/^error: No user "nobody" is online$/);
  await alice.type("/help\n/nope\nafter\n");
  await alice.waitFor(/^ {2}\/file upload <path>/);
  await alice.waitFor(/^error: Unknown command \/nope/);
  await carol.waitFor(chatLine("alice", "after"));
  ok(!carol.lines.some((l) => l.includes("just for you")));
  ok(!server.lines.some((l) => l.includes("just for you")), "the log keeps private text out");
});

Deno.test("chat-client leaves with exit 0 on /exit, end of input and Ctrl-C; the room is told", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir);
  await using _s = server;
  await using watcher = await startClient(dir, port, "watcher");
  const ways: [string, (p: Program) => Promise<void>][] = [
    ["exiter", (p) => p.type("/exit\n")],
    ["ender", (p) => p.endInput()],
    ["interrupted", (p) => Promise.resolve(p.kill("SIGINT"))],
  ];
  for (const [name, leave] of ways) {
    await using client = await startClient(dir, port, name);
    await client.type("bye all\n");
    await watcher.waitFor(chatLine(name, "bye all"));
    await leave(client);
    equal(await client.exit(), 0, client.errors.join("\n"));
    equal(client.errors.join("\n"), "");
    await watcher.waitFor(new RegExp(`\\*\\*\\* ${name} left$`));
  }
});

Deno.test("the sixth client of five gets the server-full message and exits 1", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir, ["--max-clients", "5"]);
  await using _s = server;
  const clients: Program[] = [];
  try {
    for (let i = 0; i < 5; i++) clients.push(await startClient(dir, port, `user${i}`));
    const sixth = await runTask("chat-client", ["--port", String(port), "--name", "six"], {
      cwd: dir.path,
    });
    match(sixth.stdout, /\*\*\* Server is full \(5\/5 users\)\. Please try again later\.$/m);
    equal(sixth.code, 1);
    await server.waitFor(/refused: Server is full/);
  } finally {
    for (const c of clients) await c[Symbol.asyncDispose]();
  }
});

Deno.test("Ctrl-C at the server tells every client, closes, and all exit 0", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir);
  await using _s = server;
  await using alice = await startClient(dir, port, "alice");
  await using bob = await startClient(dir, port, "bob");
  server.kill("SIGINT");
  for (const c of [alice, bob]) {
    await c.waitFor(/\*\*\* Server is shutting down\. Goodbye!$/);
    equal(await c.exit(), 0);
  }
  equal(await server.exit(), 0);
  equal(server.lines.at(-1), "Server stopped");
});

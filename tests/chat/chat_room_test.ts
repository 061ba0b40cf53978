/**
 * The chat room through its tasks: chat-server and chat-client as users run them.
 */

import { deepStrictEqual, equal, match, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { runChatClient } from "../../programs/chat/chat_client.ts";
import { JoinError } from "../../lib/chat/join.ts";
import { plainUi } from "../../lib/chat/terminal_ui.ts";
import { Program, runTask } from "../_task.ts";
import { startLpServer } from "../_lp.ts";
import { HAS_TERMINAL, TerminalProgram } from "../_terminal.ts";
import { chatLine, startClient, startServer, tempDir } from "../_chat.ts";

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
  const join = await runTask("chat-server", ["--join-timeout", "soon"]);
  equal(join.code, 2);
  match(join.stderr, /^chat_server: Invalid --join-timeout "soon": expected a number over 0/);
  // Port 0 means "any free port" to a server; no server listens there for a client.
  const zero = await runTask("chat-client", ["--port", "0", "--name", "a"]);
  equal(zero.code, 2);
  match(zero.stderr, /^chat_client: Invalid port "0": expected a number from 1 to 65535/);
});

Deno.test("chat-server in use and chat-client with no server fail in one line", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir);
  await using _ = server;
  // Its own storage folder: on the same one, the database would be the first thing in use;
  // and no web page, whose port (15080) is bound first and may be taken on this machine.
  const second = await runTask("chat-server", [
    "--port",
    String(port),
    "--storage",
    "storage/server/other",
    "--no-web",
  ], {
    cwd: dir.path,
  });
  equal(second.code, 1);
  match(second.stderr, /^chat_server: cannot listen on 127\.0\.0\.1:\d+: address already in use/);
  equal(second.stderr.split("\n").length, 1);
  // The same folder: the database says it is in use, and the server stops before listening.
  const third = await runTask("chat-server", ["--port", "0"], { cwd: dir.path });
  equal(third.code, 1);
  equal(
    third.stderr,
    'chat_server: "storage/server/.chat.db" is in use by another chat server; stop it, or give this one another --storage',
  );

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
  await second.waitFor(/^error: the name "aLiCe" is taken/);
  await second.waitFor(/^Your name: $/);
  await second.type("  bad name \n");
  await second.waitFor(/^error: the name "bad name" has spaces/);
  await second.type(" alice2 \n");
  await second.waitFor(/\*\*\* You joined as alice2\. Online \(2\): Alice, alice2\./);
  await first.waitFor(/\*\*\* alice2 joined$/);
  // The operator sees every refused name, and why.
  await server.waitFor(/ 127\.0\.0\.1:\d+ cannot join as "aLiCe": The name "aLiCe" is taken/);
  await server.waitFor(/ 127\.0\.0\.1:\d+ cannot join as " {2}bad name ": The name "bad name" has/);
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
  await alice.waitFor(/^error: no user "nobody" is online$/);
  await alice.type("/help\n/nope\nafter\n");
  await alice.waitFor(/^ {2}\/file upload <path>/);
  await alice.waitFor(/^error: unknown command \/nope/);
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

Deno.test("the sixth client of five gets the server-full message on stderr and exits 1", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir, ["--max-clients", "5"]);
  await using _s = server;
  const clients: Program[] = [];
  try {
    for (let i = 0; i < 5; i++) clients.push(await startClient(dir, port, `user${i}`));
    const sixth = await runTask("chat-client", ["--port", String(port), "--name", "six"], {
      cwd: dir.path,
    });
    // One line on stderr, in tcp-server-pool-reject's words; nothing that looks like the room.
    equal(sixth.stderr, "chat_client: Server is full (5/5 clients). Please try again later.");
    ok(!sixth.stdout.includes("full"), sixth.stdout);
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
  match(server.lines.join("\n"), /^\S+ \S+ (alice|bob) left: server shutting down \(1 online\)$/m);
  match(server.lines.join("\n"), /^\S+ \S+ (alice|bob) left: server shutting down \(0 online\)$/m);
});

Deno.test("chat-client pointed at another kind of server fails in one line and exits 1", async () => {
  await using dir = await tempDir();
  // An LP server: the same frames, and it knows the heartbeat, but not the join.
  const { server: lp, port: lpPort } = await startLpServer();
  await using _lp = lp;
  const onLp = await runTask("chat-client", ["--port", String(lpPort), "--name", "a"], {
    cwd: dir.path,
  });
  equal(onLp.code, 1);
  equal(
    onLp.stderr,
    `chat_client: 127.0.0.1:${lpPort} is an LP server, not a chat server (try deno task lp-client)`,
  );
  // Its hello is recognised, not shown as a notice from the room.
  equal(onLp.stdout, `Connected to 127.0.0.1:${lpPort}`);

  // Something that answers with bytes that are not frames at all; found out before the name
  // is asked for.
  using other = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const answering = (async () => {
    using conn = await other.accept();
    await conn.write(new TextEncoder().encode("HTTP/1.1 400 Bad Request\r\n\r\n"));
    // Read until the client hangs up: closing with its bytes unread would reset the connection.
    const sink = new Uint8Array(1024);
    while ((await conn.read(sink).catch(() => null)) !== null) {
      // Nothing to do with them.
    }
  })();
  const onOther = await runTask("chat-client", ["--port", String(other.addr.port)], {
    cwd: dir.path,
  });
  await answering;
  equal(onOther.code, 1);
  equal(onOther.stdout, `Connected to 127.0.0.1:${other.addr.port}`);
  equal(
    onOther.stderr,
    `chat_client: 127.0.0.1:${other.addr.port} is not a chat server (Bad magic 0x4854)`,
  );
});

Deno.test("runChatClient() gives up on a server that never answers, in one line", async () => {
  using silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = silent.accept();
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: silent.addr.port });
  using _peer = await accepted;
  const lines: string[] = [];
  await rejects(
    runChatClient(conn, [], {
      ui: plainUi((line) => lines.push(line)),
      name: "alice",
      server: "127.0.0.1:1",
      answerTimeoutMs: 50,
    }),
    new JoinError("no answer from 127.0.0.1:1 within 0.05 s (is it a chat server?)"),
  );
  deepStrictEqual(lines, []);
});

Deno.test("chat-server refuses a storage folder outside the task's permissions in one line", async () => {
  await using dir = await tempDir();
  const elsewhere = join(dir.path, "elsewhere");
  const server = await runTask("chat-server", ["--port", "0", "--storage", elsewhere], {
    cwd: dir.path,
  });
  equal(server.code, 1);
  equal(
    server.stderr,
    "chat_server: the task may read and write only under storage/server; use --storage " +
      "inside it, or run with deno run --allow-read=DIR --allow-write=DIR",
  );
  // chat-client's task may write anywhere: its known-servers file (--tls) lives in the user's
  // config folder, which no fixed flag can name. Its downloads check still guards a narrower
  // deno run.
});

/** What a terminal shows on the output's last line, roughly: the text after its last erase. */
function lastLineShown(output: string): string {
  const line = output.slice(output.lastIndexOf("\n") + 1);
  // Erase the line, or erase from the start of the line to the end of the screen.
  const erased = Math.max(line.lastIndexOf("\x1b[2K"), line.lastIndexOf("\r\x1b[J"));
  // deno-lint-ignore no-control-regex -- terminal escapes are what this reads
  return line.slice(erased === -1 ? 0 : erased).replace(/\x1b\[[\d;]*[A-Za-z]|\r/g, "");
}

Deno.test({
  name: "chat-client on a terminal leaves no prompt behind when the server dies or shuts down",
  ignore: !HAS_TERMINAL,
  async fn() {
    await using dir = await tempDir();
    for (const signal of ["SIGKILL", "SIGINT"] as const) {
      const { server, port } = await startServer(dir);
      await using _s = server;
      await using client = new TerminalProgram("chat-client", [
        "--port",
        String(port),
        "--name",
        "t",
      ]);
      await client.waitFor(/You joined as t\..*\r?\n[^]*> /);
      server.kill(signal);
      await client.waitFor(
        signal === "SIGKILL" ? /The server closed the connection\./ : /Server is shutting down/,
      );
      equal(await client.exit(), signal === "SIGKILL" ? 1 : 0);
      equal(lastLineShown(client.output), "", JSON.stringify(client.output.slice(-200)));
    }
  },
});

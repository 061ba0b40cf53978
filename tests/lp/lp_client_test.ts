/**
 * The LP client through its task: the numbered menu driven from a pipe, the scripted modes
 * (--do, --repeat, --listen), and one-line errors. A second client run with --listen receives.
 */

import { deepStrictEqual, equal, match, ok, rejects, throws } from "node:assert/strict";
import { UsageError } from "../../lib/cli/cli.ts";
import { greet, LpSession } from "../../lib/lp/client_session.ts";
import { parseActions } from "../../lib/lp/client_actions.ts";
import { startLpServer } from "../_lp.ts";
import { Program, runTask } from "../_task.ts";
import { HAS_TERMINAL, TerminalProgram } from "../_terminal.ts";

/**
 * A server of another kind: it answers whatever arrives with an HTTP error, then waits for the
 * client to hang up (closing first, with the client's bytes unread, would reset the connection).
 */
function httpLikeServer(): { port: number; done: Promise<void> } & Disposable {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const done = (async () => {
    using conn = await listener.accept();
    await conn.write(new TextEncoder().encode("HTTP/1.1 400 Bad Request\r\n\r\n"));
    const sink = new Uint8Array(1024);
    while ((await conn.read(sink).catch(() => null)) !== null) {
      // Until the client hangs up.
    }
  })();
  return { port: listener.addr.port, done, [Symbol.dispose]: () => listener.close() };
}

/** Start a receiving client and return it with the id the server gave it. */
async function startListener(port: number): Promise<{ listener: Program; id: number }> {
  const listener = new Program("lp-client", ["--connect", `127.0.0.1:${port}`, "--listen"]);
  const m = await listener.waitFor(/you are client (\d+)/);
  // Printed once the first exchange is over: from here on the client only listens.
  await listener.waitFor(/^Waiting for messages/);
  return { listener, id: Number(m[1]) };
}

Deno.test("parseActions() reads --do lists and rejects unknown actions", () => {
  deepStrictEqual(parseActions("time,name,list,msg:2:hello: you"), [
    { op: "time" },
    { op: "name" },
    { op: "list" },
    { op: "msg", to: 2, text: "hello: you" },
  ]);
  throws(() => parseActions("time,dance"), UsageError);
  throws(() => parseActions("msg:x:hi"), UsageError);
});

Deno.test("lp-client menu from a pipe: every function, and a message another client receives", async () => {
  const { server, port } = await startLpServer();
  await using _ = server;
  const { listener, id: listenerId } = await startListener(port);
  await using _l = listener;
  const listenerPort = Number(
    (await server.waitFor(new RegExp(`client ${listenerId} 127\\.0\\.0\\.1:(\\d+) connected`)))[1],
  );

  await using menu = new Program("lp-client", [], { stdin: "piped" });
  let from = 0;
  const step = async (input: string, expect: RegExp) => {
    await menu.type(input);
    await menu.waitFor(expect, from);
    from = menu.lines.length;
  };
  await menu.waitFor(/7\) Exit/);
  // Before connecting, only 1 and 7 work; the others say why.
  await step("3\n", /^Not connected: choose 1 to connect first\.$/);
  await step(`1\n127.0.0.1\n${port}\n`, new RegExp(`^Connected to 127\\.0\\.0\\.1:${port}$`));
  const myId = Number((await menu.waitFor(/you are client (\d+)/))[1]);
  await step("3\n", /^Server time: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  await step("4\n", /^Server name: LP lab server$/);
  await menu.type("5\n");
  await menu.waitFor(
    new RegExp(`^\\s+${listenerId}\\s+127\\.0\\.0\\.1\\s+${listenerPort}\\s`),
    from,
  );
  await menu.waitFor(new RegExp(`^\\s+${myId}\\s+127\\.0\\.0\\.1\\s+\\d+\\s.*\\(you\\)$`), from);
  from = menu.lines.length;
  await step(`6\n${listenerId}\nhello from the menu\n`, /^Message delivered to client \d+$/);
  await listener.waitFor(
    new RegExp(`^Message from client ${myId} \\(127\\.0\\.0\\.1:\\d+\\): hello from the menu$`),
  );
  await step("6\n999\nanyone?\n", /^Message to client 999 not sent: .*\(NotFound\)$/);
  // A bad id is caught before the message is asked for; Enter alone just asks again.
  await step("6\nabc\n", /^Invalid client id "abc": expected a number/);
  await step("\n4\n", /^Server name: /);
  ok(!menu.lines.some((l) => l.startsWith("Unknown choice")), menu.lines.join("\n"));
  equal(menu.lines.filter((l) => l === "Choose 1-7: 6").length, 3);
  equal(menu.lines.filter((l) => l.startsWith("Message: ")).length, 2, menu.lines.join("\n"));
  await step("2\n", /^Disconnected from 127\.0\.0\.1:\d+$/);
  await step("5\n", /^Not connected/);
  await menu.type("7\n");
  equal(await menu.exit(), 0);
  match(menu.lines.at(-1)!, /^Bye$/);
  equal(menu.errors.join(""), "");
});

Deno.test("lp-client shows a message that arrives while the menu waits for a choice", async () => {
  const { server, port } = await startLpServer();
  await using _ = server;
  await using menu = new Program("lp-client", ["--connect", `127.0.0.1:${port}`], {
    stdin: "piped",
  });
  const menuId = Number((await menu.waitFor(/you are client (\d+)/))[1]);
  await menu.waitFor(/7\) Exit/); // now it waits for a choice
  const { code, stdout, stderr } = await runTask("lp-client", [
    "--connect",
    `127.0.0.1:${port}`,
    "--do",
    `msg:${menuId}:ping`,
  ]);
  equal(code, 0, stderr);
  match(stdout, new RegExp(`^Message delivered to client ${menuId}$`, "m"));
  await menu.waitFor(/^Message from client \d+ \(127\.0\.0\.1:\d+\): ping$/);
  await menu.endInput(); // end of input exits like 7
  equal(await menu.exit(), 0);
});

Deno.test("lp-client --do runs the actions, prints the results and exits 0", async () => {
  const { server, port } = await startLpServer(["--name", "scripted"]);
  await using _ = server;
  const { listener, id } = await startListener(port);
  await using _l = listener;
  const { code, stdout, stderr } = await runTask("lp-client", [
    "--connect",
    `127.0.0.1:${port}`,
    "--do",
    `time,name,list,msg:${id}:hi there`,
  ]);
  equal(code, 0, stderr);
  match(stdout, /^Server time: \d{4}-/m);
  match(stdout, /^Server name: scripted$/m);
  match(stdout, /^Connected clients \(2\):$/m);
  match(stdout, new RegExp(`^Message delivered to client ${id}$`, "m"));
  await listener.waitFor(/^Message from client \d+ \(127\.0\.0\.1:\d+\): hi there$/);
});

Deno.test("lp-client --do exits 1 with one line when a message cannot be delivered", async () => {
  const { server, port } = await startLpServer();
  await using _ = server;
  const { code, stderr } = await runTask("lp-client", [
    "--connect",
    `127.0.0.1:${port}`,
    "--do",
    "msg:42:hello",
  ]);
  equal(code, 1);
  deepStrictEqual(stderr.split("\n").length, 1, stderr);
  match(stderr, /^lp_client: Message to client 42 not sent: No client with id 42 \(NotFound\)$/);
});

Deno.test("lp-client --repeat 100 gets exactly 100 responses with matching ids", async () => {
  const { server, port } = await startLpServer();
  await using _ = server;
  const { code, stdout, stderr } = await runTask("lp-client", [
    "--connect",
    `127.0.0.1:${port}`,
    "--repeat",
    "100",
  ]);
  equal(code, 0, stderr);
  match(
    stdout,
    /^100 time requests written back-to-back: 100 responses, every id matched, 0 failed, in [\d.]+ ms$/m,
  );
});

Deno.test("lp-client --listen prints the server's shutdown notice and exits 0", async () => {
  const { server, port } = await startLpServer([], "piped");
  await using _ = server;
  const { listener } = await startListener(port);
  await using _l = listener;
  await server.type("quit\n");
  await listener.waitFor(/^Server: shutting down$/);
  // Worded as the TCP and chat clients word it.
  await listener.waitFor(/^The server closed the connection\.$/);
  equal(await listener.exit(), 0);
  equal(await server.exit(), 0);
});

Deno.test("lp-client fails in one line: refused, unresolvable, bad flags", async () => {
  // A port that was free a moment ago: nobody listens there now.
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closedPort = probe.addr.port;
  probe.close();
  const refused = await runTask("lp-client", [
    "--connect",
    `127.0.0.1:${closedPort}`,
    "--do",
    "time",
  ]);
  equal(refused.code, 1);
  match(refused.stderr, /^lp_client: cannot connect to 127\.0\.0\.1:\d+: connection refused/);
  equal(refused.stderr.split("\n").length, 1);

  const unresolvable = await runTask("lp-client", [
    "--connect",
    "no-such-host.invalid:4579",
    "--do",
    "time",
  ]);
  equal(unresolvable.code, 1);
  match(unresolvable.stderr, /^lp_client: cannot connect to no-such-host\.invalid:4579: /);
  equal(unresolvable.stderr.split("\n").length, 1);

  const bad = await runTask("lp-client", ["--do", "time"]);
  equal(bad.code, 2);
  match(bad.stderr, /^lp_client: --do, --repeat and --listen need --connect/);
  const portZero = await runTask("lp-client", ["--connect", "127.0.0.1:0", "--do", "time"]);
  equal(portZero.code, 2);
  match(portZero.stderr, /^lp_client: Invalid port "0": expected a number from 1 to 65535/);
  equal(portZero.stderr.split("\n").length, 1);
  const badRepeat = await runTask("lp-client", ["--connect", "127.0.0.1:1", "--repeat", "0"]);
  equal(badRepeat.code, 2);
  ok(!badRepeat.stderr.includes("    at "), badRepeat.stderr);
});

Deno.test("lp-client --listen leaves politely on Ctrl-C and exits 0", async () => {
  const { server, port } = await startLpServer();
  await using _ = server;
  const { listener, id } = await startListener(port);
  await using _l = listener;
  listener.kill("SIGINT");
  equal(await listener.exit(), 0);
  await server.waitFor(new RegExp(`client ${id} .* quits$`));
});

Deno.test("lp-client menu from a pipe reads as the README shows: the hello before the next prompt", async () => {
  const { server, port } = await startLpServer();
  await using _ = server;
  const { code, stdout, stderr } = await runTask("lp-client", [], {
    input: `3\n1\n\n${port}\n4\n2\n7\n`,
  });
  equal(code, 0, stderr);
  const lines = stdout.split("\n").filter((l) => !/^ {2}\d\) |^$/.test(l)); // less the menu
  deepStrictEqual(lines, [
    "Choose 1-7: 3",
    "Not connected: choose 1 to connect first.",
    "Choose 1-7: 1",
    "Server IP [127.0.0.1]: ",
    `Port [4579]: ${port}`,
    `Connected to 127.0.0.1:${port}`,
    "Server: Welcome to LP lab server, you are client 1",
    "Choose 1-7: 4",
    "Server name: LP lab server",
    "Choose 1-7: 2",
    `Disconnected from 127.0.0.1:${port}`,
    "Choose 1-7: 7",
    "Bye",
  ]);
});

Deno.test("greet() gives up on a server that never answers, naming it", async () => {
  using silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = silent.accept();
  const session = await LpSession.connect("127.0.0.1", silent.addr.port);
  using _peer = await accepted;
  try {
    await rejects(greet(session, 50), {
      message: `no answer from 127.0.0.1:${silent.addr.port} within 0.05 s (is it an LP server?)`,
    });
  } finally {
    session.close();
    await session.closed;
  }
});

Deno.test("lp-client pointed at a server of another kind says so in one line and exits 1", async () => {
  using other = httpLikeServer();
  const { code, stdout, stderr } = await runTask("lp-client", [
    "--connect",
    `127.0.0.1:${other.port}`,
    "--do",
    "time",
  ]);
  await other.done;
  equal(code, 1);
  equal(stdout, `Connected to 127.0.0.1:${other.port}`);
  equal(stderr, `lp_client: 127.0.0.1:${other.port} is not an LP server (Bad magic 0x4854)`);
});

Deno.test({
  name: "lp-client on a terminal ends the prompt's line before Bye on Ctrl-D and Ctrl-C",
  ignore: !HAS_TERMINAL,
  async fn() {
    for (const key of ["\x04", "\x03"]) {
      await using menu = new TerminalProgram("lp-client");
      await menu.waitFor(/Choose 1-7: /);
      await menu.type(key);
      equal(await menu.exit(), 0);
      match(
        menu.output,
        // deno-lint-ignore no-control-regex -- terminal escapes are what this reads
        /Choose 1-7: (?:\x1b\[[\d;]*[A-Za-z])*\r?\nBye/,
        JSON.stringify(menu.output),
      );
    }
  },
});

/**
 * The sockets-basics programs' command lines: `--help`, and user mistakes that must end in one
 * readable line on stderr and a non-zero exit, never a stack trace.
 */

import { equal, match, ok } from "node:assert/strict";
import { createSocket } from "node:dgram";
import { LineClient } from "../_line_client.ts";
import { expectOneLineError, listeningPort, Program, runTask } from "../_task.ts";
import { HAS_TERMINAL, TerminalProgram } from "../_terminal.ts";

const PROGRAMS = ["get-ip", "tcp-server", "tcp-client", "udp-server", "udp-client", "demo:tcp"];

for (const task of PROGRAMS) {
  Deno.test(`${task} --help prints usage and exits 0`, async () => {
    const { code, stdout, stderr } = await runTask(task, ["--help"]);
    equal(code, 0, stderr);
    match(stdout, new RegExp(`^Usage: deno task ${task}`));
  });
}

for (const task of PROGRAMS) {
  Deno.test(`${task} rejects an unknown flag in one line`, async () => {
    await expectOneLineError(task, ["--bogus"], /: Unknown option '--bogus'/);
  });
}

for (const task of ["tcp-server", "tcp-client", "udp-server", "udp-client"]) {
  Deno.test(`${task} rejects --port 70000 in one line`, async () => {
    await expectOneLineError(task, ["--port", "70000"], /Invalid port "70000"/);
  });

  Deno.test(`${task} reports a host that does not resolve in one line`, async () => {
    await expectOneLineError(
      task,
      ["--host", "nosuch.invalid"],
      /nosuch\.invalid.*does not resolve/,
    );
  });
}

// Port 0 means "any free port" to a server, and it rightly listens there (the tests rely on it);
// a client can reach nothing on it.
for (const task of ["tcp-client", "udp-client"]) {
  Deno.test(`${task} rejects --port 0, where no server can be, as a usage error`, async () => {
    await expectOneLineError(
      task,
      ["--port", "0"],
      /^\w+_client: Invalid port "0": expected a number from 1 to 65535 \(see --help\)$/,
      2,
    );
  });
}

Deno.test("udp-client rejects a timeout that is not a number", async () => {
  await expectOneLineError("udp-client", ["--timeout", "soon"], /Invalid timeout "soon"/);
});

Deno.test("tcp-server reports a port already in use in one line", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (taken.addr as Deno.NetAddr).port;
  await expectOneLineError(
    "tcp-server",
    ["--port", String(port)],
    new RegExp(`^tcp_server: cannot listen on 127\\.0\\.0\\.1:${port}: address already in use`),
  );
});

Deno.test("udp-server reports a port already in use in one line", async () => {
  const taken = createSocket("udp4");
  await new Promise<void>((resolve) => taken.bind(0, "127.0.0.1", () => resolve()));
  try {
    const port = taken.address().port;
    await expectOneLineError(
      "udp-server",
      ["--port", String(port)],
      new RegExp(
        `^udp_server: cannot listen on 127\\.0\\.0\\.1:${port} \\(udp\\): address already in use`,
      ),
    );
  } finally {
    await new Promise<void>((resolve) => taken.close(() => resolve()));
  }
});

Deno.test("tcp-client reports a server that is not running in one line", async () => {
  // A port that was free a moment ago and that nothing listens on now.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  await expectOneLineError(
    "tcp-client",
    ["--port", String(port)],
    /^tcp_client: cannot connect to 127\.0\.0\.1:\d+: connection refused \(is the server running\?\)$/,
  );
});

Deno.test("udp-client --timeout -5 says how to write a value starting with a dash, in one line", async () => {
  await expectOneLineError(
    "udp-client",
    ["--timeout", "-5"],
    /^udp_client: Option '--timeout' needs a value \(write --timeout=-5 for a value starting with "-"\) \(see --help\)$/,
  );
});

// On a terminal: Ctrl-C is echoed as "^C" with no newline, and Ctrl-D leaves the cursor after
// the prompt; the programs must end those lines themselves.

/** The output after the terminal's `^C` echo starts on a line of its own. */
function assertNewlineAfterCtrlC(output: string): void {
  const at = output.indexOf("^C");
  ok(at >= 0, JSON.stringify(output));
  match(output.slice(at + 2), /^\r?\n/, JSON.stringify(output));
}

Deno.test({
  name: "tcp-server on a terminal starts its first log line after Ctrl-C on a new line",
  ignore: !HAS_TERMINAL,
  async fn() {
    await using server = new TerminalProgram("tcp-server", ["--port", "0"]);
    const port = Number((await server.waitFor(/Listening on .*:(\d+)/))[1]);
    const client = await LineClient.connect(port);
    try {
      await client.send("hi");
      equal(await client.next(), "ack: hi");
      await server.type("\x03");
      equal(await client.next(), "server: shutting down, goodbye");
    } finally {
      client.close();
    }
    equal(await server.exit(), 0);
    assertNewlineAfterCtrlC(server.output);
    match(server.output, /\^C\r?\n\d{4}-\d\d-\d\d .* disconnected: server shutting down/);
  },
});

Deno.test({
  name: "udp-server on a terminal says it stopped on a new line after Ctrl-C",
  ignore: !HAS_TERMINAL,
  async fn() {
    await using server = new TerminalProgram("udp-server", ["--port", "0"]);
    // The last startup line: a Ctrl-C echoed before it would land in the middle of the output.
    await server.waitFor(/Only this machine can reach it/);
    await server.type("\x03");
    equal(await server.exit(), 0);
    assertNewlineAfterCtrlC(server.output);
    match(server.output, /\^C\r?\nServer stopped/);
  },
});

for (const task of ["tcp-client", "udp-client"]) {
  Deno.test({
    name: `${task} on a terminal ends the prompt's line when Ctrl-D ends the input`,
    ignore: !HAS_TERMINAL,
    async fn() {
      await using server = new Program(task === "tcp-client" ? "tcp-server" : "udp-server", [
        "--port",
        "0",
      ]);
      const port = await listeningPort(server);
      await using client = new TerminalProgram(task, ["--port", String(port)]);
      await client.waitFor(/Ctrl-D quits\.\r?\n[^]*> /);
      await client.type("\x04");
      equal(await client.exit(), 0);
      // Whatever readline wrote after the prompt, the output ends with a newline, so the
      // shell's prompt starts on a line of its own.
      const output = client.output;
      ok(output.slice(output.lastIndexOf("> ")).includes("\n"), JSON.stringify(output));
    },
  });
}

Deno.test({
  name: "tcp-client on a terminal takes an 8 KiB paste as one line, at once",
  ignore: !HAS_TERMINAL,
  async fn() {
    await using server = new Program("tcp-server", ["--port", "0"]);
    const port = await listeningPort(server);
    await using client = new TerminalProgram("tcp-client", ["--port", String(port)]);
    await client.waitFor(/Ctrl-D quits\.\r?\n[^]*> /);
    // node:readline measured the whole line again for every pasted character: 8 KiB took
    // tens of seconds. Pasted now, it reaches the server as one line and is acknowledged.
    const pasted = "p".repeat(8 * 1024);
    const started = Date.now();
    await client.type(`${pasted}\r`);
    await server.waitFor(new RegExp(`says: p{${pasted.length}}$`));
    await client.waitFor(/ack: p+/);
    ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
    await client.type("\x04");
    equal(await client.exit(), 0);
  },
});

/**
 * The sockets-basics programs' command lines: `--help`, and user mistakes that must end in one
 * readable line on stderr and a non-zero exit, never a stack trace.
 */

import { equal, match, notEqual, ok } from "node:assert/strict";
import { createSocket } from "node:dgram";
import { runTask } from "./_task.ts";

const PROGRAMS = ["get-ip", "tcp-server", "tcp-client", "udp-server", "udp-client", "demo:tcp"];

for (const task of PROGRAMS) {
  Deno.test(`${task} --help prints usage and exits 0`, async () => {
    const { code, stdout, stderr } = await runTask(task, ["--help"]);
    equal(code, 0, stderr);
    match(stdout, new RegExp(`^Usage: deno task ${task}`));
  });
}

/** Run a task that must fail, and check it failed the way a user should see. */
async function expectOneLineError(task: string, args: string[], expected: RegExp): Promise<void> {
  const { code, stdout, stderr } = await runTask(task, args);
  notEqual(code, 0, `exit code\n${stdout}`);
  const lines = stderr.split("\n").filter((l) => l !== "");
  equal(lines.length, 1, `expected one line on stderr, got:\n${stderr}`);
  ok(!/^\s+at /m.test(stderr), `stack trace on stderr:\n${stderr}`);
  match(lines[0], expected);
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

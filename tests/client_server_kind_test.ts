/**
 * Each client pointed at the other kind of server: both speak LP frames, so nothing fails at
 * the frame level; each client recognises the other protocol at connect and says so in one
 * line. The chat server sends nothing until asked; the LP server greets with an `S` hello that
 * carries the client's id, unless started with --no-hello.
 */

import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { startServer, tempDir } from "./_chat.ts";
import { startLpServer } from "./_lp.ts";
import { runTask } from "./_task.ts";

Deno.test("chat-client on an LP server says so in one line, without showing its hello", async () => {
  await using dir = await tempDir();
  const { server, port } = await startLpServer();
  await using _s = server;
  const { code, stdout, stderr } = await runTask("chat-client", ["--port", String(port)], {
    cwd: dir.path,
  });
  equal(code, 1);
  equal(stdout, `Connected to 127.0.0.1:${port}`); // no "*** Welcome to LP lab server"
  equal(
    stderr,
    `chat_client: 127.0.0.1:${port} is an LP server, not a chat server (try deno task lp-client)`,
  );
});

Deno.test("chat-client on an LP server without a hello finds out from the join", async () => {
  await using dir = await tempDir();
  const { server, port } = await startLpServer(["--no-hello"]);
  await using _s = server;
  const { code, stdout, stderr } = await runTask(
    "chat-client",
    ["--port", String(port), "--name", "ann"],
    { cwd: dir.path },
  );
  equal(code, 1);
  equal(stdout, `Connected to 127.0.0.1:${port}`);
  equal(
    stderr,
    `chat_client: 127.0.0.1:${port} does not speak the chat protocol (is it an LP server?)`,
  );
});

Deno.test("lp-client --do on a chat server says so in one line and exits 1", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir);
  await using _s = server;
  const { code, stdout, stderr } = await runTask("lp-client", [
    "--connect",
    `127.0.0.1:${port}`,
    "--do",
    "time",
  ]);
  equal(code, 1);
  equal(stdout, `Connected to 127.0.0.1:${port}`);
  equal(
    stderr,
    `lp_client: 127.0.0.1:${port} is a chat server, not an LP server (try deno task chat-client)`,
  );
  ok(!stdout.includes("Unknown request type"));
});

Deno.test("lp-client's menu on a chat server says so and stays unconnected", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir);
  await using _s = server;
  const chat = `127.0.0.1:${port} is a chat server, not an LP server (try deno task chat-client)`;
  // Choice 1 to the chat server, then 3: no session to ask.
  const menu = await runTask("lp-client", [], { input: `1\n\n${port}\n3\n7\n` });
  equal(menu.code, 0, menu.stderr);
  const lines = menu.stdout.split("\n").filter((l) => !/^ {2}\d\) |^$/.test(l));
  deepStrictEqual(lines, [
    "Choose 1-7: 1",
    "Server IP [127.0.0.1]: ",
    `Port [4579]: ${port}`,
    `Connected to 127.0.0.1:${port}`,
    chat,
    "Choose 1-7: 3",
    "Not connected: choose 1 to connect first.",
    "Choose 1-7: 7",
    "Bye",
  ]);
  // Opened with --connect: the same line, then the menu, unconnected.
  const connected = await runTask("lp-client", ["--connect", `127.0.0.1:${port}`], {
    input: "3\n7\n",
  });
  equal(connected.code, 0, connected.stderr);
  const shown = connected.stdout.split("\n").filter((l) => !/^ {2}\d\) |^$/.test(l));
  deepStrictEqual(shown, [
    `Connected to 127.0.0.1:${port}`,
    chat,
    "Choose 1-7: 3",
    "Not connected: choose 1 to connect first.",
    "Choose 1-7: 7",
    "Bye",
  ]);
});

Deno.test("lp-client still works with an LP server that sends no hello", async () => {
  const { server, port } = await startLpServer(["--no-hello", "--name", "quiet"]);
  await using _s = server;
  const { code, stdout, stderr } = await runTask("lp-client", [
    "--connect",
    `127.0.0.1:${port}`,
    "--do",
    "name",
  ]);
  equal(code, 0, stderr);
  deepStrictEqual(stdout.split("\n"), [`Connected to 127.0.0.1:${port}`, "Server name: quiet"]);
});

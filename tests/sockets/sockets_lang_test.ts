/**
 * Lab 1 in Chinese and English: every program's `--help` in the language asked for, and the
 * clients showing the servers' English wire lines in their user's language.
 */

import { deepStrictEqual, equal, match } from "node:assert/strict";
import { createSocket } from "node:dgram";
import { setLang } from "../../lib/cli/i18n.ts";
import { ackLine, fullMessage, GOODBYE } from "../../lib/net/line_server.ts";
import { serverLine } from "../../lib/sockets/server_lines.ts";
import { socketsText } from "../../lib/sockets/text.ts";
import { listeningPort, Program, runTask } from "../_task.ts";
import { checkHelpInBothLanguages, CHINESE, listeningPortIn } from "./_lang.ts";

const PROGRAMS = ["get-ip", "tcp-server", "tcp-client", "udp-server", "udp-client", "demo:tcp"];

for (const task of PROGRAMS) {
  Deno.test(`${task} --help speaks Chinese for LANG=zh_CN.UTF-8 or --lang zh, English for LANG=C`, async () => {
    await checkHelpInBothLanguages(task);
  });
}

Deno.test("serverLine() words the servers' English lines in Chinese and leaves others alone", () => {
  setLang("zh");
  try {
    equal(serverLine(ackLine("你好")), "服务器已收到：你好");
    equal(serverLine("ack: hi (worker 2)"), "服务器已收到：hi（工作线程 2）");
    equal(
      serverLine("ack: 70000 bytes (too long to echo back)"),
      "服务器已收到：70000 字节（太长，不回显）",
    );
    equal(serverLine(GOODBYE), "服务器：正在关闭，再见");
    equal(
      serverLine("error: line longer than 65536 bytes; closing"),
      socketsText("lineTooLong", {
        max: 65536,
      }),
    );
    equal(serverLine(fullMessage(5)), "服务器连接已满（5/5 个客户端），拒绝连接，请稍后再试。");
    equal(serverLine("welcome to some other server"), "welcome to some other server");
    setLang("en");
    equal(serverLine(fullMessage(1)), "Server is full (1/1 client). Please try again later.");
    equal(serverLine("ack: hi"), "ack: hi");
  } finally {
    setLang("en");
  }
});

Deno.test("the line servers' wire lines stay the English that nc users and other clients read", () => {
  equal(ackLine("x"), "ack: x");
  equal(GOODBYE, "server: shutting down, goodbye");
  equal(
    socketsText.in("en", "lineTooLong", { max: 5 }),
    "error: line longer than 5 bytes; closing",
  );
});

Deno.test("tcp-client in Chinese against tcp-server: the server's lines in Chinese", async () => {
  // The server speaks English: what crosses the wire does not depend on either side's language.
  await using server = new Program("tcp-server", ["--port", "0"]);
  const port = await listeningPort(server);
  await using client = new Program("tcp-client", ["--port", String(port)], {
    env: CHINESE,
    stdin: "piped",
  });
  await client.waitFor(new RegExp(`^已连接到 127\\.0\\.0\\.1:${port}$`));
  await client.type("你好\n");
  await client.waitFor(/^服务器已收到：你好$/);
  await server.waitFor(/says: 你好$/);

  server.kill("SIGINT");
  await client.waitFor(/^服务器：正在关闭，再见$/);
  await client.waitFor(/^服务器关闭了连接。$/);
  equal(await client.exit(), 0);
  deepStrictEqual(client.lines, [
    `已连接到 127.0.0.1:${port}`,
    "> 你好",
    "服务器已收到：你好",
    "服务器：正在关闭，再见",
    "服务器关闭了连接。",
  ]);
});

Deno.test("tcp-server in Chinese logs in Chinese; a too-long line's error reaches a Chinese client in Chinese", async () => {
  await using server = new Program("tcp-server", ["--port", "0"], { env: CHINESE });
  const port = await listeningPortIn(server);
  equal(server.lines[0], `正在监听 127.0.0.1:${port}`);
  const { code, stdout, stderr } = await runTask("tcp-client", ["--port", String(port)], {
    env: CHINESE,
    input: `${"x".repeat(70_000)}\n`,
  });
  equal(code, 0, stderr);
  match(stdout, /^错误：这一行超过 65536 字节，连接已关闭$/m);
  await server.waitFor(/ 已连接$/);
  await server.waitFor(/ 发来的一行超过 65536 字节，关闭其连接$/);
});

Deno.test("udp-client in Chinese: acks, a datagram too big, and a timeout in Chinese", async () => {
  await using server = new Program("udp-server", ["--port", "0"], { env: CHINESE });
  const port = await listeningPortIn(server);
  await server.waitFor(/^只有本机可以访问；要接受局域网客户端，请用 --host 0\.0\.0\.0$/);
  const { code, stdout, stderr } = await runTask("udp-client", ["--port", String(port)], {
    env: CHINESE,
    input: `你好\n${"x".repeat(65508)}\n`,
  });
  equal(code, 0, stderr);
  match(stdout, new RegExp(`^发送到 127\\.0\\.0\\.1:${port}（UDP）$`, "m"));
  match(stdout, /^服务器已收到：你好$/m);
  match(stdout, /^错误：消息有 65508 字节，一个 UDP 数据报最多携带 65507 字节。未发送。$/m);
  await server.waitFor(/ 发来：你好$/);

  // A socket that never answers (node:dgram: the tests have no --unstable-net).
  const quiet = createSocket("udp4");
  await new Promise<void>((resolve) => quiet.bind(0, "127.0.0.1", () => resolve()));
  try {
    const silent = await runTask(
      "udp-client",
      ["--port", String(quiet.address().port), "--timeout", "100"],
      { env: CHINESE, input: "有人吗\n" },
    );
    equal(silent.code, 0, silent.stderr);
    match(silent.stdout, /^100 ms 内没有收到回复，放弃这一条：UDP 不会重传/m);
  } finally {
    await new Promise<void>((resolve) => quiet.close(() => resolve()));
  }
});

Deno.test("get-ip in Chinese says loopback is only for this machine", async () => {
  const { code, stdout, stderr } = await runTask("get-ip", [], { env: CHINESE });
  equal(code, 0, stderr);
  match(stdout, /^lo（回环接口：只有本机可以访问）$/m);
  match(stdout, /^ {2}IPv4 {2}127\.0\.0\.1\/8/m);
});

Deno.test("demo:tcp in Chinese: both programs speak Chinese, labelled in Chinese", async () => {
  const { code, stdout, stderr } = await runTask("demo:tcp", [], { env: CHINESE });
  equal(code, 0, stderr);
  equal(stderr, "");
  match(stdout, /^服务器 \| 正在监听 127\.0\.0\.1:\d+$/m);
  match(stdout, /^客户端 \| > 你好$/m);
  match(stdout, /^服务器 \| .* 127\.0\.0\.1:\d+ 发来：你好$/m);
  match(stdout, /^客户端 \| 服务器已收到：你好$/m);
  match(stdout, /^服务器 \| .* 已离开$/m);
  match(stdout, /^服务器 \| 服务器已停止$/m);
});

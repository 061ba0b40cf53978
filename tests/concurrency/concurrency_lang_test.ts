/**
 * Lab 2.3 in Chinese and English: each server's `--help`, their logs and the "server is full"
 * notice in the user's language, and compare-servers' table lined up by display width.
 */

import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { setLang } from "../../lib/cli/i18n.ts";
import { displayWidth } from "../../lib/cli/display_width.ts";
import { formatTable, type Row } from "../../lib/concurrency/compare_servers.ts";
import { concurrencyText } from "../../lib/concurrency/text.ts";
import { LineClient } from "../_line_client.ts";
import { Program, runTask } from "../_task.ts";
import { checkHelpInBothLanguages, CHINESE, listeningPortIn } from "../sockets/_lang.ts";

const PROGRAMS = [
  "tcp-server-concurrent",
  "tcp-server-pool",
  "tcp-server-pool-reject",
  "tcp-server-workers",
  "compare-servers",
];

for (const task of PROGRAMS) {
  Deno.test(`${task} --help speaks Chinese for LANG=zh_CN.UTF-8 or --lang zh, English for LANG=C`, async () => {
    await checkHelpInBothLanguages(task);
  });
}

Deno.test("tcp-client in Chinese is told in Chinese that tcp-server-pool-reject is full", async () => {
  await using server = new Program("tcp-server-pool-reject", ["--port", "0", "--workers", "1"], {
    env: CHINESE,
  });
  const port = await listeningPortIn(server);
  await server.waitFor(/^最多同时服务 1 个客户端；其余的会被拒绝$/);
  const first = await LineClient.connect(port);
  try {
    await first.send("hi");
    equal(await first.next(), "ack: hi"); // the wire stays English
    await server.waitFor(/ 开始服务（占用 1\/1）$/);
    // Input left open: the client hears the server out, as a user who has not typed yet.
    await using client = new Program("tcp-client", ["--port", String(port)], {
      env: CHINESE,
      stdin: "piped",
    });
    await client.waitFor(/^服务器关闭了连接。$/);
    equal(await client.exit(), 0);
    deepStrictEqual(client.lines, [
      `已连接到 127.0.0.1:${port}`,
      "服务器连接已满（1/1 个客户端），拒绝连接，请稍后再试。",
      "服务器关闭了连接。",
    ]);
    await server.waitFor(/ 已拒绝：服务器连接已满（占用 1\/1）$/);
  } finally {
    first.close();
  }
  await server.waitFor(/ 服务结束（占用 0\/1）$/);
});

Deno.test("tcp-server-workers in Chinese: its threads log in Chinese, our client shows the worker", async () => {
  await using server = new Program(
    "tcp-server-workers",
    ["--port", "0", "--workers", "1", "--max-clients", "2"],
    { env: CHINESE },
  );
  const port = await listeningPortIn(server);
  await server.waitFor(/所有线程合计最多同时服务 2 个$/);
  const { code, stdout, stderr } = await runTask("tcp-client", ["--port", String(port)], {
    env: CHINESE,
    input: "你好\n",
  });
  equal(code, 0, stderr);
  match(stdout, /^服务器已收到：你好（工作线程 1）$/m);
  // Worded on the worker's own thread, in the main thread's language.
  await server.waitFor(/^\[工作线程 1\] .* 开始服务（所有线程合计 1\/2 个客户端）；已连接：127/);
  await server.waitFor(/^\[工作线程 1\] .* 发来：你好$/);
  await server.waitFor(/^\[工作线程 1\] .* 服务结束（所有线程合计 0\/2 个客户端）；已连接：无$/);
});

/**
 * Check that a table's columns line up on a terminal: the first and last columns start in one
 * display column on every line, the numbers between them end in one. A cell is a run of text
 * with single spaces inside; cells are two or more spaces apart.
 */
function checkColumns(table: string): void {
  const lines = table.split("\n");
  const spans = lines.map((line) =>
    [...line.matchAll(/\S+(?: \S+)*/g)].map((m) => {
      const start = displayWidth(line.slice(0, m.index));
      return { start, end: start + displayWidth(m[0]) };
    })
  );
  const columns = spans[0].length;
  for (const [i, row] of spans.entries()) {
    ok(row.length === columns || row.length === columns - 1, `line ${i}: ${lines[i]}`);
  }
  const same = (values: number[], what: string) =>
    equal(new Set(values).size, 1, `${what} differ:\n${table}`);
  same(spans.map((row) => row[0].start), "starts of column 1");
  for (let c = 1; c < columns - 1; c++) {
    same(spans.map((row) => row[c].end), `ends of column ${c + 1}`);
  }
  same(spans.filter((row) => row.length === columns).map((row) => row.at(-1)!.start), "notes");
}

function row(model: string, clients: number, note: string): Row {
  return {
    model,
    clients,
    roundTrips: 3,
    roundTripsPerSec: 1234.4,
    p50Ms: 0.5,
    p99Ms: 12,
    rejected: 0,
    errors: 1,
    peakMemoryMiB: 41.2,
    timedOut: false,
    skipped: false,
    note,
  };
}

Deno.test("formatTable() in Chinese lines its columns up by display width", () => {
  setLang("zh");
  try {
    const table = formatTable([
      row("pool", 6, concurrencyText("noteTimedOut", { seconds: 1 })),
      { ...row("pool", 10, concurrencyText("noteSkipped", { clients: 6 })), skipped: true },
      row("pool-reject", 100, ""),
    ]);
    match(
      table,
      /^模型 +客户端数 +往返次数\/秒 +p50 毫秒 +p99 毫秒 +被拒绝 +出错 +峰值 MiB +备注$/m,
    );
    checkColumns(table);
  } finally {
    setLang("en");
  }
});

Deno.test("compare-servers in Chinese prints its table in Chinese, lined up by display width", async () => {
  const { code, stdout, stderr } = await runTask("compare-servers", [
    ...["--models", "concurrent,pool-reject", "--clients", "1,2", "--rounds", "1"],
  ], { env: CHINESE });
  equal(code, 0, stderr);
  match(stderr, /^正在比较：每个客户端往返 1 次，没有模拟工作，每轮最多 5 秒$/m);
  match(stderr, /^ {2}concurrent，2 个客户端：完成$/m);
  const [load, table, sharing] = stdout.split("\n\n");
  equal(load, "每个客户端往返 1 次，没有模拟工作，每轮最多 5 秒");
  match(table, /^模型 +客户端数 +往返次数\/秒/);
  equal(table.split("\n").length, 5, table);
  checkColumns(table);
  match(sharing, /^共享状态：\n {2}concurrent {3}一个计数，在同一个事件循环上：无需加锁$/m);
});

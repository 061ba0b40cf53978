/**
 * The LP lab in English and Chinese: `--help` in both, the menu walked in Chinese on a terminal
 * (its texts, and its columns lined up by display width), the wire's codes, and an English and a
 * Chinese client each reading the same server's refusals and notices in their own language.
 */

import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { displayWidth } from "../../lib/cli/display_width.ts";
import { type Lang, setLang } from "../../lib/cli/i18n.ts";
import { encodeFrames, Kind, makeFrame, payloadJson, Status } from "../../lib/wire/frame.ts";
import {
  errorText,
  formatClientTable,
  LpType,
  MAX_TEXT_LENGTH,
  parseNotice,
  refusal,
  request,
} from "../../lib/lp/protocol.ts";
import { describeEvent } from "../../lib/lp/client_actions.ts";
import { reason, sentence } from "../../lib/lp/reason.ts";
import { lpText } from "../../lib/lp/text.ts";
import { menuLines } from "../../programs/lp/lp_client.ts";
import { rawHeader, RawLp, startLpServer } from "../_lp.ts";
import { Program, runTask } from "../_task.ts";
import { HAS_TERMINAL, TerminalProgram } from "../_terminal.ts";

const CHINESE = { LANG: "zh_CN.UTF-8" };

/** Run a check in a language, then go back to English for the other tests. */
function inLang(lang: Lang, check: () => void): void {
  setLang(lang);
  try {
    check();
  } finally {
    setLang("en");
  }
}

/**
 * The display column where each option's description starts, in a `--help` text: the option
 * lines and the lines that continue a description.
 */
function descriptionColumns(help: string): number[] {
  const lines = help.split("\n");
  const options = lines.slice(lines.findIndex((l) => /^(?:Options:|选项：)$/.test(l)) + 1);
  ok(options.length >= 5, help);
  return options.filter((l) => l.trim() !== "").map((line) => {
    const flag = /^( {2}-.*? {2,})\S/.exec(line);
    const prefix = flag ? flag[1] : /^( +)/.exec(line)![1];
    return displayWidth(prefix);
  });
}

/** A `--help` text: in which language, with `--lang` and `--help` once each, lined up. */
function checkHelp(help: string, task: string, lang: Lang): void {
  const [usage, langLine, helpLine] = lang === "zh"
    ? ["用法：", "输出语言", "显示本帮助"]
    : ["Usage: ", "output language", "show this help"];
  ok(help.startsWith(`${usage}deno task ${task} `), help);
  equal(help.split("\n").filter((l) => /^ {2}-h, --help /.test(l)).length, 1, help);
  match(help, new RegExp(`^ {2}-h, --help +${helpLine}$`, "m"));
  match(help, new RegExp(`^ {2}--lang LANG +${langLine}`, "m"));
  if (lang === "en") ok(!/\p{Script=Han}/u.test(help), help);
  const columns = descriptionColumns(help);
  ok(columns.every((c) => c === columns[0]), `${task} --help (${lang}) misaligned:\n${help}`);
}

Deno.test("lp-server and lp-client --help speak English or Chinese, lined up by display width", async () => {
  for (const task of ["lp-server", "lp-client"]) {
    const english = await runTask(task, ["--help"], { env: { LANG: "C" } });
    equal(english.code, 0, english.stderr);
    checkHelp(english.stdout, task, "en");
    const byLocale = await runTask(task, ["--help"], { env: CHINESE });
    equal(byLocale.code, 0, byLocale.stderr);
    checkHelp(byLocale.stdout, task, "zh");
    const byFlag = await runTask(task, ["--lang", "zh", "--help"]);
    equal(byFlag.stdout, byLocale.stdout);
    const flagWins = await runTask(task, ["--lang", "en", "--help"], { env: CHINESE });
    equal(flagWins.stdout, english.stdout);
  }
});

Deno.test("lp-server and lp-client say a bad flag in the user's language, in one line", async () => {
  const server = await runTask("lp-server", ["--heartbeat", "soon"], { env: CHINESE });
  equal(server.code, 2);
  equal(server.stderr, "lp_server: 无效的 --heartbeat“soon”：应为大于 0 的秒数（见 --help）");
  const client = await runTask("lp-client", ["--do", "time"], { env: CHINESE });
  equal(client.code, 2);
  equal(
    client.stderr,
    "lp_client: --do、--repeat 和 --listen 需要 --connect HOST:PORT（见 --help）",
  );
  const repeat = await runTask("lp-client", ["--connect", "127.0.0.1:1", "--repeat", "0"], {
    env: CHINESE,
  });
  equal(repeat.stderr, "lp_client: 无效的 --repeat“0”：应为 1 到 65535（见 --help）");
});

/**
 * What a terminal shows, row by row: each row as it was left after its last carriage return
 * and erase, escape sequences taken out. The line editor redraws its prompt that way.
 */
function screenRows(output: string): string[] {
  return output.split("\r\n").map((row) => {
    const last = row.lastIndexOf("\r");
    // deno-lint-ignore no-control-regex -- terminal escapes are what this reads
    return row.slice(last + 1).replace(/\x1b\[[\d;]*[A-Za-z]/g, "");
  });
}

/** Each word of a row (words are separated by two spaces or more), with its display columns. */
function cells(row: string): { text: string; start: number; end: number }[] {
  return [...row.matchAll(/\S+(?: \S+)*/g)].map((m) => {
    const start = displayWidth(row.slice(0, m.index));
    return { text: m[0], start, end: start + displayWidth(m[0]) };
  });
}

/** The display column where a menu line's label starts, after `  1) `. */
function labelColumn(line: string): number {
  const key = /^ *\d+\) +/.exec(line);
  ok(key, line);
  return displayWidth(key[0]);
}

/**
 * Check a client table's columns line up on the screen: the id and port columns by their right
 * edge, the address and the time by their left edge, each as its heading.
 */
function checkTableColumns(heading: string, rows: string[]): void {
  const [id, address, port, since] = cells(heading);
  for (const row of rows) {
    const c = cells(row);
    const where = `\n${heading}\n${rows.join("\n")}`;
    equal(c[0].end, id.end, `id column${where}`);
    equal(c[1].start, address.start, `address column${where}`);
    equal(c[2].end, port.end, `port column${where}`);
    equal(c[3].start, since.start, `time column${where}`);
  }
}

Deno.test({
  name:
    "lp-client's menu in Chinese on a terminal: every text in Chinese, columns by display width",
  ignore: !HAS_TERMINAL,
  async fn() {
    const { server, port } = await startLpServer();
    await using _ = server;
    // An English client that receives: the languages of the two ends do not matter to the wire.
    await using listener = new Program("lp-client", [
      "--connect",
      `127.0.0.1:${port}`,
      "--listen",
    ]);
    const listenerId = Number((await listener.waitFor(/you are client (\d+)/))[1]);
    await listener.waitFor(/^Waiting for messages/);

    await using menu = new TerminalProgram("lp-client", [], { env: CHINESE });
    /** Wait for a pattern in what the terminal shows after `from`, then go on from there. */
    let from = 0;
    const expect = async (pattern: RegExp) => {
      const m = await menu.waitFor(new RegExp(`^[\\s\\S]{${from}}[\\s\\S]*?(?:${pattern.source})`));
      from = m[0].length;
      return m;
    };
    const prompt = /请选择 1-7：/;
    const choose = async (keys: string, pattern: RegExp) => {
      await expect(prompt);
      await menu.type(keys);
      return await expect(pattern);
    };

    await choose("3\r", /尚未连接：请先选择 1 连接服务器。/);
    await choose("1\r", /服务器 IP \[127\.0\.0\.1\]：/);
    await menu.type("\r");
    await expect(/端口 \[4579\]：/);
    await menu.type(`${port}\r`);
    await expect(new RegExp(`已连接到 127\\.0\\.0\\.1:${port}\\r\\n`));
    const myId = Number((await expect(/服务器：欢迎使用 LP lab server，您是 (\d+) 号客户端/))[1]);
    await choose("3\r", /服务器时间：\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    await choose("4\r", /服务器名称：LP lab server/);
    await choose("5\r", /已连接的客户端（2 个）：[\s\S]*（您）/);
    await choose("6\r", /客户端编号：/);
    await menu.type(`${listenerId}\r`);
    await expect(/消息：/);
    await menu.type("你好，世界\r");
    await expect(new RegExp(`消息已送达客户端 ${listenerId}`));
    await listener.waitFor(
      new RegExp(`^Message from client ${myId} \\(127\\.0\\.0\\.1:\\d+\\): 你好，世界$`),
    );
    await choose("6\r", /客户端编号：/);
    await menu.type("99\r");
    await expect(/消息：/);
    await menu.type("在吗\r");
    await expect(/发给客户端 99 的消息未发出：没有编号为 99 的客户端（NotFound）/);
    await choose("6\r", /客户端编号：/);
    await menu.type("abc\r");
    await expect(/无效的客户端编号“abc”：应为数字，例如 1（选择 5 可以列出所有客户端）/);
    await choose("9\r", /无效的选项“9”，请输入 1 到 7 之间的数字。/);
    await choose("2\r", new RegExp(`已断开与 127\\.0\\.0\\.1:${port} 的连接`));
    await choose("7\r", /再见/);
    equal(await menu.exit(), 0);

    const rows = screenRows(menu.output);
    // The menu, twice (at the start and after the unknown choice), each label in one column.
    const menuRows = ["  1) 连接服务器", "  2) 断开连接", "  3) 服务器时间", "  4) 服务器名称"]
      .concat(["  5) 客户端列表", "  6) 发送消息", "  7) 退出"]);
    const starts = rows.flatMap((row, i) => row === menuRows[0] ? [i] : []);
    equal(starts.length, 2, rows.join("\n"));
    for (const i of starts) deepStrictEqual(rows.slice(i, i + 7), menuRows);
    const labelColumns = menuRows.map(labelColumn);
    ok(labelColumns.every((c) => c === labelColumns[0]), menuRows.join("\n"));
    // The client list: a heading in Chinese, two rows, columns lined up as the terminal shows them.
    const at = rows.findIndex((row) => /^编号 +地址 +端口 +连接时间$/.test(row.trim()));
    ok(at > 0, rows.join("\n"));
    equal(rows[at - 1], "已连接的客户端（2 个）：");
    const table = rows.slice(at + 1, at + 3);
    match(
      table.find((row) => row.endsWith("（您）")) ?? "",
      new RegExp(`^ +${myId}  127\\.0\\.0\\.1 `),
    );
    checkTableColumns(rows[at], table);
    // Nothing English that the user reads, but the server's name and the status name.
    const english = rows.filter((row) =>
      /\b(?:Choose|Connect|Server|Client|Message|Bye|Unknown)\b/.test(
        row.replace("LP lab server", ""),
      )
    );
    deepStrictEqual(english, []);
  },
});

Deno.test("formatClientTable() lines up Chinese headings and long addresses by display width", () => {
  const t = "2026-01-01T00:00:00.000Z";
  const clients = [
    { id: 1, address: "127.0.0.1", port: 50886, connectedAt: t, lastSeen: t },
    { id: 12, address: "fd00::1234:5678:9abc:def0", port: 80, connectedAt: t, lastSeen: t },
  ];
  inLang("zh", () => {
    const [heading, ...rows] = formatClientTable(clients, 12);
    match(heading, /^编号 {2}地址 +端口 {2}连接时间$/);
    ok(rows[1].endsWith("  （您）"), rows[1]);
    checkTableColumns(heading, rows);
  });
  const [heading, ...rows] = formatClientTable(clients, 12);
  checkTableColumns(heading, rows);
});

Deno.test("lp-client's menu lines: seven items in either language, labels in one column", () => {
  for (const lang of ["en", "zh"] as const) {
    inLang(lang, () => {
      const lines = menuLines();
      equal(lines[0], "");
      equal(lines.length, 8);
      const columns = lines.slice(1).map(labelColumn);
      ok(columns.every((c) => c === 5), lines.join("\n"));
    });
  }
  inLang("zh", () => equal(menuLines()[7], "  7) 退出"));
  equal(menuLines()[1], "  1) Connect");
});

Deno.test("every LP code has its sentence in both languages, with the same placeholders", () => {
  const holes = (s: string) =>
    [...s.matchAll(/\{([^{}|]+)(?:\|[^{}]*)?\}/g)].map((m) => m[1]).sort();
  const codes = Object.keys(lpText.tables.en).filter((key) => key.includes("-"));
  ok(codes.length >= 20, codes.join(" "));
  for (const code of codes) {
    const en = lpText.tables.en[code as keyof typeof lpText.tables.en];
    const zh = lpText.tables.zh[code as keyof typeof lpText.tables.zh];
    ok(typeof zh === "string" && zh !== "" && zh !== en, code);
    deepStrictEqual(holes(zh), holes(en), code);
    // A reason with every value words in both languages; one with a value missing, in neither.
    const params = Object.fromEntries(holes(en).map((name) => [name, 7]));
    ok(sentence({ code, params }, "en"), code);
    ok(sentence({ code, params }, "zh"), code);
    if (holes(en).length > 0) equal(sentence({ code, params: {} }, "zh"), null, code);
  }
});

Deno.test("lp-client words a code in its language and falls back to the English for an unknown one", () => {
  const notFound = refusal(
    makeFrame(Kind.Request, "M", { id: 3 }),
    Status.NotFound,
    "No client with id 9",
    reason("no-such-client", { id: 9 }),
  );
  const future = refusal(makeFrame(Kind.Request, "M", { id: 4 }), Status.NotFound, "Gone fishing", {
    code: "gone-fishing",
    params: { id: 9 },
  });
  const kicked = { text: "kicked by the server", code: "kicked-out", params: {} };
  const strange = { text: "Maintenance at noon", code: "maintenance", params: { at: "12:00" } };
  const broken = { text: "No client with id 9", code: "no-such-client", params: { who: 9 } };
  equal(errorText(notFound), "No client with id 9");
  equal(describeEvent({ kind: "notice", notice: kicked }), "Server: kicked by the server");
  inLang("zh", () => {
    equal(errorText(notFound), "没有编号为 9 的客户端");
    equal(errorText(future), "Gone fishing");
    equal(describeEvent({ kind: "notice", notice: kicked }), "服务器：您已被管理员踢出");
    equal(describeEvent({ kind: "notice", notice: strange }), "服务器：Maintenance at noon");
    equal(describeEvent({ kind: "notice", notice: broken }), "服务器：No client with id 9");
    equal(describeEvent({ kind: "notice", notice: { text: "hello" } }), "服务器：hello");
    equal(
      describeEvent({
        kind: "message",
        message: { from: 2, address: "127.0.0.1", port: 5000, text: "你好" },
      }),
      "来自客户端 2（127.0.0.1:5000）的消息：你好",
    );
  });
  // A notice's code is optional, and a malformed one is left out rather than refused.
  deepStrictEqual(parseNotice({ text: "x", code: 5, params: {} }), { text: "x" });
  deepStrictEqual(parseNotice({ text: "x", code: "kicked-out" }), {
    text: "x",
    code: "kicked-out",
  });
});

Deno.test("lp-server puts a code and its values beside every English sentence it sends", async () => {
  const { server, port } = await startLpServer(["--name", "实验服务器"], "null", CHINESE);
  await using _ = server;
  using raw = await RawLp.connect(port);
  const hello = await raw.next();
  const id = (payloadJson(hello!) as { clientId: number }).clientId;
  deepStrictEqual(payloadJson(hello!), {
    text: `Welcome to 实验服务器, you are client ${id}`,
    clientId: id,
    heartbeat: 10,
    code: "welcome-client",
    params: { name: "实验服务器", id },
  });

  const answer = async (bytes: Uint8Array) => {
    await raw.send(bytes);
    const frame = (await raw.next())!;
    return [frame.status, payloadJson(frame)];
  };
  const frames = (...f: Parameters<typeof request>[]) => encodeFrames(f.map((a) => request(...a)));
  deepStrictEqual(await answer(frames([LpType.Message, 1, { to: 99, text: "hi" }])), [
    Status.NotFound,
    { error: "No client with id 99", code: "no-such-client", params: { id: 99 } },
  ]);
  deepStrictEqual(await answer(frames(["Z", 2])), [
    Status.UnknownType,
    { error: 'Unknown request type "Z"', code: "unknown-type", params: { type: "Z" } },
  ]);
  const indication = encodeFrames([makeFrame(Kind.Indication, "T", { id: 3 })]);
  deepStrictEqual(await answer(indication), [
    Status.UnknownType,
    { error: 'Unknown indication type "T"', code: "unknown-indication", params: { type: "T" } },
  ]);
  const body = new TextEncoder().encode("{not json");
  deepStrictEqual(
    await answer(
      new Uint8Array([...rawHeader({ type: "M", id: 4, length: body.length }), ...body]),
    ),
    [
      Status.BadPayload,
      {
        error: 'Payload of "M" is not valid UTF-8 JSON',
        code: "payload-not-json",
        params: { type: "M" },
      },
    ],
  );
  deepStrictEqual(await answer(frames([LpType.Message, 5, [1, 2]])), [
    Status.BadPayload,
    {
      error: 'Payload of "M" must be a JSON object',
      code: "payload-not-object",
      params: { type: "M" },
    },
  ]);
  deepStrictEqual(await answer(frames([LpType.Message, 6, { text: "to whom?" }])), [
    Status.BadPayload,
    {
      error: 'Field "to" must be a client id (a whole number from 1)',
      code: "field-not-id",
      params: { field: "to" },
    },
  ]);
  deepStrictEqual(await answer(frames([LpType.Message, 7, { to: 1, text: 5 }])), [
    Status.BadPayload,
    { error: 'Field "text" must be a string', code: "field-not-string", params: { field: "text" } },
  ]);
  deepStrictEqual(await answer(frames([LpType.Message, 8, { to: 1, text: "" }])), [
    Status.TooLarge,
    { error: "The message text is empty", code: "text-empty", params: {} },
  ]);
  const long = "x".repeat(MAX_TEXT_LENGTH + 1);
  deepStrictEqual(await answer(frames([LpType.Message, 9, { to: 1, text: long }])), [
    Status.TooLarge,
    {
      error: `The message text is over ${MAX_TEXT_LENGTH} characters`,
      code: "text-too-long",
      params: { max: MAX_TEXT_LENGTH },
    },
  ]);
  deepStrictEqual(await answer(rawHeader({ magic: 0x4845 })), [
    Status.BadFrame,
    {
      error: "Malformed frame: Bad magic 0x4845",
      code: "malformed-frame",
      params: { why: "Bad magic 0x4845" },
    },
  ]);
  equal(await raw.next(), null);
  // The server's own log is in its own language.
  await server.waitFor(
    new RegExp(
      `^\\S+ \\S+ 客户端 ${id} 127\\.0\\.0\\.1:\\d+ 发来格式错误的帧（Bad magic 0x4845），关闭连接$`,
    ),
  );
});

Deno.test("an English and a Chinese lp-client each read the same server's refusals and notices in their own language", async () => {
  // The server speaks Chinese in its log; the wire speaks codes.
  const { server, port } = await startLpServer([], "piped", CHINESE);
  await using _ = server;
  const connect = ["--connect", `127.0.0.1:${port}`];
  await using en = new Program("lp-client", [...connect, "--listen"]);
  const enId = Number(
    (await en.waitFor(/^Server: Welcome to LP lab server, you are client (\d+)$/))[1],
  );
  await en.waitFor(/^Waiting for messages \(Ctrl-C to stop\)$/);
  await using zh = new Program("lp-client", [...connect, "--listen"], { env: CHINESE });
  const zhId = Number(
    (await zh.waitFor(/^服务器：欢迎使用 LP lab server，您是 (\d+) 号客户端$/))[1],
  );
  await zh.waitFor(/^正在等待消息（按 Ctrl-C 停止）$/);
  await server.waitFor(new RegExp(`客户端 ${zhId} 127\\.0\\.0\\.1:\\d+ 已连接$`));

  // The same refusal, each in its own words.
  const enRefused = await runTask("lp-client", [...connect, "--do", "msg:99:hi"]);
  equal(enRefused.code, 1);
  equal(
    enRefused.stderr,
    "lp_client: Message to client 99 not sent: No client with id 99 (NotFound)",
  );
  const zhRefused = await runTask("lp-client", [...connect, "--do", "msg:99:hi"], { env: CHINESE });
  equal(zhRefused.code, 1);
  equal(
    zhRefused.stderr,
    "lp_client: 发给客户端 99 的消息未发出：没有编号为 99 的客户端（NotFound）",
  );
  match(zhRefused.stdout, /^服务器：欢迎使用 LP lab server，您是 \d+ 号客户端$/m);

  // Messages cross between the languages untouched.
  const sent = await runTask("lp-client", [
    ...connect,
    "--do",
    `msg:${zhId}:hello,msg:${enId}:你好`,
  ], {
    env: CHINESE,
  });
  equal(sent.code, 0, sent.stderr);
  match(sent.stdout, new RegExp(`^消息已送达客户端 ${zhId}$`, "m"));
  match(sent.stdout, new RegExp(`^消息已送达客户端 ${enId}$`, "m"));
  await zh.waitFor(/^来自客户端 \d+（127\.0\.0\.1:\d+）的消息：hello$/);
  await en.waitFor(/^Message from client \d+ \(127\.0\.0\.1:\d+\): 你好$/);

  // The console's quit: one notice, two languages; then each says the server closed.
  await server.type("quit\n");
  await en.waitFor(/^Server: shutting down$/);
  await en.waitFor(/^The server closed the connection\.$/);
  await zh.waitFor(/^服务器：正在关闭，再见$/);
  await zh.waitFor(/^服务器关闭了连接。$/);
  equal(await en.exit(), 0);
  equal(await zh.exit(), 0);
  equal(await server.exit(), 0);
  ok(server.lines.includes("正在关闭服务器"), server.lines.join("\n"));
  ok(server.lines.includes("服务器已停止"), server.lines.join("\n"));
});

Deno.test("a Chinese lp-client is told in Chinese that it was kicked", async () => {
  const { server, port } = await startLpServer([], "piped");
  await using _ = server;
  await using zh = new Program("lp-client", ["--connect", `127.0.0.1:${port}`, "--listen"], {
    env: CHINESE,
  });
  const id = Number((await zh.waitFor(/您是 (\d+) 号客户端/))[1]);
  await zh.waitFor(/^正在等待消息/);
  await server.type(`kick ${id}\n`);
  await server.waitFor(new RegExp(`^Kicked client ${id}$`));
  await zh.waitFor(/^服务器：您已被管理员踢出$/);
  await zh.waitFor(/^服务器关闭了连接。$/);
  equal(await zh.exit(), 0);
});

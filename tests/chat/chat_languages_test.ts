/**
 * The chat programs in English and Chinese: `--help`, the server's refusals and notices worded by
 * each client in its own user's language (the wire carries codes, and English for other
 * people's clients), a Chinese session on a terminal with its columns lined up by display width,
 * and the demo in Chinese.
 */

import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { displayWidth } from "../../lib/cli/display_width.ts";
import { setLang } from "../../lib/cli/i18n.ts";
import { cliText } from "../../lib/cli/text.ts";
import { Kind, Status } from "../../lib/wire/frame.ts";
import { ChatType, payloadObject } from "../../lib/chat/protocol.ts";
import { sentence } from "../../lib/chat/reason.ts";
import { chatText } from "../../lib/chat/text.ts";
import { filesText } from "../../lib/files/text.ts";
import { helpLines } from "../../lib/chat/commands.ts";
import { formatFiles, progressLine, serverSays, transferLabel } from "../../lib/chat/format.ts";
import { Program, ROOT, runTask } from "../_task.ts";
import { HAS_TERMINAL, TerminalProgram } from "../_terminal.ts";
import { RawChat } from "../_chat_frames.ts";
import { CHINESE, startClient, startServer, tempDir } from "../_chat.ts";

/** Each line of a --help that starts with an option: where its description begins, in columns. */
function descriptionColumns(help: string): number[] {
  return help.split("\n")
    .filter((line) => /^ {2}--\S+( \S+)? {2,}\S/.test(line))
    .map((line) => displayWidth(line.slice(0, line.search(/(?<= {2,})\S(?=[^]*$)/))));
}

Deno.test("chat-server, chat-client and the demo print --help in Chinese or English", async () => {
  for (const task of ["chat-server", "chat-client", "demo"]) {
    const zh = await runTask(task, ["--help"], { env: CHINESE });
    equal(zh.code, 0, zh.stderr);
    match(zh.stdout, new RegExp(`^用法：deno task ${task}`));
    match(zh.stdout, /^ {2}--lang LANG +输出语言/m);
    const flag = await runTask(task, ["--help", "--lang", "zh"], { env: { LANG: "C" } });
    equal(flag.stdout, zh.stdout);
    const en = await runTask(task, ["--help"], { env: { LANG: "C" } });
    match(en.stdout, new RegExp(`^Usage: deno task ${task}`));
    ok(!/\p{Script=Han}/u.test(en.stdout), en.stdout);
    // The program's own help lists no --help of its own: the shared lines add it, once.
    equal(zh.stdout.match(/--help/g)?.length, 1, zh.stdout);
    equal(en.stdout.match(/--help/g)?.length, 1, en.stdout);
  }
  // Each program's options line up: every description starts in the same column (the shared
  // --lang and --help lines have theirs).
  for (const task of ["chat-server", "chat-client"]) {
    const help = (await runTask(task, ["--help"], { env: CHINESE })).stdout;
    const own = help.slice(0, help.indexOf("  --lang"));
    const columns = descriptionColumns(own);
    ok(columns.length >= 4, own);
    equal(new Set(columns).size, 1, `${task}: ${columns}\n${own}`);
  }
  // A bad flag is said in the user's language too.
  const bad = await runTask("chat-server", ["--max-clients", "0"], { env: CHINESE });
  equal(bad.code, 2);
  equal(bad.stderr, "chat_server: 无效的 --max-clients“0”：应为 1 或更大的数（见 --help）");
});

Deno.test("an English and a Chinese client in one room each see the server's refusals in their own language", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir, ["--max-clients", "3"]);
  await using _s = server;
  await using alice = await startClient(dir, port, "alice");
  // The Chinese user asks for a name that is taken, then one with a space, then one that fits.
  await using ming = new Program("chat-client", ["--port", String(port), "--name", "ALICE"], {
    cwd: dir.path,
    stdin: "piped",
    env: CHINESE,
  });
  await ming.waitFor(/^错误：用户名“ALICE”已被“alice”占用；请换一个$/);
  await ming.waitFor(/^请输入您的用户名：$/);
  await ming.type("小 明\n");
  await ming.waitFor(/^错误：用户名“小 明”含有空格或控制字符$/);
  await ming.type("小明\n");
  await ming.waitFor(
    / \*\*\* 您已作为 小明 加入聊天室。在线（2 人）：alice、小明。输入 \/help 查看命令。$/,
  );
  await alice.waitFor(/ \*\*\* 小明 joined$/);
  // The English user asks for the Chinese name.
  await using bob = new Program("chat-client", ["--port", String(port), "--name", "小明"], {
    cwd: dir.path,
    stdin: "piped",
  });
  await bob.waitFor(/^error: the name "小明" is taken \(as "小明"\); choose another$/);
  await bob.type("bob\n");
  await bob.waitFor(/\*\*\* You joined as bob\. Online \(3\): alice, 小明, bob\./);
  await ming.waitFor(/ \*\*\* bob 加入了聊天室$/);

  // A private message to nobody, and a command the server refuses before joining would not be
  // possible here: each sees the refusal worded for them.
  await ming.type("/msg nobody 你好\n");
  await ming.waitFor(/^错误：用户“nobody”不在线$/);
  await alice.type("/msg nobody hi\n");
  await alice.waitFor(/^error: no user "nobody" is online$/);

  // The room is full: the notice is worded by each client.
  const fullZh = await runTask("chat-client", ["--port", String(port), "--name", "x"], {
    cwd: dir.path,
    env: CHINESE,
  });
  equal(fullZh.code, 1);
  equal(fullZh.stderr, "chat_client: 服务器连接已满（3/3 个客户端），拒绝连接，请稍后再试。");
  const fullEn = await runTask("chat-client", ["--port", String(port), "--name", "y"], {
    cwd: dir.path,
  });
  equal(fullEn.stderr, "chat_client: Server is full (3/3 clients). Please try again later.");

  // Someone leaves: the reason in the room's B indication, worded by each.
  await bob.type("/exit\n");
  equal(await bob.exit(), 0);
  await ming.waitFor(/ \*\*\* bob 离开了聊天室$/);
  await alice.waitFor(/ \*\*\* bob left$/);

  // The server shuts down: its notice, worded by each; both leave cleanly.
  server.kill("SIGINT");
  await ming.waitFor(/ \*\*\* 服务器正在关闭，再见！$/);
  await alice.waitFor(/ \*\*\* Server is shutting down\. Goodbye!$/);
  equal(await ming.exit(), 0);
  equal(await alice.exit(), 0);
  equal(ming.errors.join("\n"), "");
  // Nothing the Chinese user saw was in English.
  const english = /\b(joined|left|error|Server|Online|choose|online|Connected)\b/;
  ok(!ming.lines.some((l) => english.test(l)), ming.lines.join("\n"));
});

Deno.test("a Chinese chat-server still sends English beside each code and its values", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir, ["--max-clients", "2"], CHINESE);
  await using _s = server;
  await using raw = await RawChat.connect(port);
  const early = await raw.request(ChatType.Who);
  deepStrictEqual(payloadObject(early), {
    error: "Join the room first",
    code: "not-joined",
    params: {},
  });
  const unknown = await raw.request("Z");
  deepStrictEqual(payloadObject(unknown), {
    error: 'Unknown request type "Z"',
    code: "unknown-type",
    params: { type: "Z" },
  });
  await raw.join("alice");
  await using other = await RawChat.connect(port);
  const taken = await other.request(ChatType.Join, { name: "Alice" });
  equal(taken.status, Status.Taken);
  deepStrictEqual(payloadObject(taken), {
    error: 'The name "Alice" is taken (as "alice"); choose another',
    code: "name-taken",
    params: { name: "Alice", other: "alice" },
  });
  await other.join("bob");
  const nobody = await raw.request(ChatType.Private, { to: "carol", text: "hi" });
  deepStrictEqual(payloadObject(nobody), {
    error: 'No user "carol" is online',
    code: "no-such-user",
    params: { name: "carol" },
  });
  const big = await raw.request(ChatType.Upload, { name: "big.bin", size: 2 * 1024 ** 3 });
  deepStrictEqual(payloadObject(big), {
    error: '"big.bin" is 2.0 GiB; the server accepts files up to 1.0 GiB',
    code: "file-too-large",
    params: { name: "big.bin", size: "2.0 GiB", limit: "1.0 GiB" },
  });
  // The server full notice.
  await using third = await RawChat.connect(port);
  const full = await third.waitFor((f) => f.status === Status.Full, "the full notice");
  const fullNotice = payloadObject(full);
  equal(fullNotice.text, "Server is full (2/2 clients). Please try again later.");
  equal(fullNotice.code, "server-full");
  deepStrictEqual(fullNotice.params, { limit: 2 });
  // A member leaves: the B indication's reason.
  await other.request(ChatType.Leave);
  const left = await raw.waitFor(
    (f) => f.kind === Kind.Indication && f.type === ChatType.Leave,
    "the room being told",
  );
  const leave = payloadObject(left);
  deepStrictEqual([leave.name, leave.reason, leave.code, leave.params], [
    "bob",
    "left",
    "left-room",
    {},
  ]);
  // The server's own log is in Chinese.
  await server.waitFor(/ bob 离开了聊天室（在线 1 人）$/);
  await server.waitFor(/ 拒绝 127\.0\.0\.1:\d+：服务器连接已满（2\/2 个客户端）/);
});

/** The lines a terminal shows, roughly: each row's text after its last erase, escapes removed. */
function shownLines(output: string): string[] {
  return output.split("\n").map((row) => {
    const erased = Math.max(row.lastIndexOf("\x1b[2K"), row.lastIndexOf("\x1b[J"));
    // deno-lint-ignore no-control-regex -- terminal escapes are what this reads
    return row.slice(erased === -1 ? 0 : erased).replace(/\x1b\[[\d;]*[A-Za-z]|\r/g, "");
  });
}

Deno.test({
  name: "a chat session in Chinese on a terminal: prompts, help, and a file list lined up by width",
  ignore: !HAS_TERMINAL,
  async fn() {
    await using dir = await tempDir();
    const { server, port } = await startServer(dir, [], CHINESE);
    await using _s = server;
    const report = join(dir.path, "实验报告.txt");
    const notes = join(dir.path, "a.txt");
    await Deno.writeTextFile(report, "网络实验\n");
    await Deno.writeTextFile(notes, "notes\n");
    await using client = new TerminalProgram("chat-client", ["--port", String(port)], {
      env: CHINESE,
    });
    await client.waitFor(/请输入您的用户名：/);
    await client.type("小红\r");
    await client.waitFor(
      /\*\*\* 您已作为 小红 加入聊天室。在线（1 人）：小红。输入 \/help 查看命令。/,
    );
    await server.waitFor(/ 小红 从 127\.0\.0\.1:\d+ 加入了聊天室（在线 1 人）$/);

    await client.type("/help\r");
    await client.waitFor(/离开聊天室（按 Ctrl-D 或 Ctrl-C 也可以）/);
    const help = shownLines(client.output);
    const title = help.indexOf("命令：");
    ok(title >= 0, JSON.stringify(client.output));
    const rows = help.slice(title + 1, title + 9);
    match(rows[1], /^ {2}\/msg <用户名> <文字> +只发给一个用户（私聊）$/);
    // Every meaning starts in the same terminal column, whatever the width of its command.
    const starts = rows.map((row) => displayWidth(row.slice(0, row.search(/ {3}\S/) + 3)));
    equal(new Set(starts).size, 1, rows.join("\n"));

    await client.type(`/file upload ${report}\r`);
    await client.waitFor(/已上传 \S+实验报告\.txt，在服务器上保存为 实验报告\.txt：/);
    await client.type(`/file upload ${notes}\r`);
    await client.waitFor(/在服务器上保存为 a\.txt：/);
    await client.type("/file list\r");
    // Both rows: the list is printed a line at a time, and 实验报告.txt sorts last.
    await client.waitFor(
      /服务器上的文件（2 个）：[^]*\n[^\n]*a\.txt[^\n]*\n[^\n]*实验报告\.txt[^\n]*\n/,
    );
    const shown = shownLines(client.output);
    const listed = shown.filter((l) => /^ {2}(实验报告|a)\.txt /.test(l));
    equal(listed.length, 2, shown.join("\n"));
    match(listed[0], /^ {2}a\.txt {9}6 B {3}小红 上传 {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    match(listed[1], /^ {2}实验报告\.txt {2}13 B {2}小红 上传 {2}\d{4}-/);
    // The size, the uploader and the time each start in one terminal column for both rows.
    for (const column of [/\d+ B/, /小红/, /\d{4}-/]) {
      const at = listed.map((l) => displayWidth(l.slice(0, l.search(column))));
      equal(at[0], at[1], `${column}: ${at}\n${listed.join("\n")}`);
    }

    await client.type("/msg 无名氏 你好\r");
    await client.waitFor(/错误：用户“无名氏”不在线/);
    await client.type("/exit\r");
    equal(await client.exit(), 0);
    await server.waitFor(/ 小红 离开了聊天室（在线 0 人）$/);
  },
});

Deno.test("deno task demo runs to the end in Chinese", async () => {
  await using dir = await tempDir();
  const { code, stdout, stderr } = await runTask("demo", [], { cwd: dir.path, env: CHINESE });
  equal(code, 0, `${stdout}\n${stderr}`);
  equal(stderr, "");
  match(stdout, /^server \| 正在监听 127\.0\.0\.1:\d+$/m);
  match(stdout, /^bob {4}\| \S+ \S+ alice：bob 你好，我有今天的笔记。$/m);
  match(stdout, /^bob {4}\| {3}笔记\.txt {2}\d+ B {2}alice 上传 {2}/m);
  match(stdout, /^bob {4}\| 错误：无法下载“会议纪要\.txt”：服务器上没有文件“会议纪要\.txt”$/m);
  match(stdout, /^demo {3}\| 客户端的结束情况：已离开、已离开$/m);
  match(stdout, /^demo {3}\| 下载的文件与上传的文件一致$/m);
  match(stdout, /^server \| 服务器已停止$/m);
  const left = [];
  for await (const entry of Deno.readDir(dir.path)) left.push(entry.name);
  deepStrictEqual(left, []);
});

Deno.test("every code on the wire has its sentence in both languages and in docs/PROTOCOL.md", async () => {
  const protocol = await Deno.readTextFile(join(ROOT, "docs", "PROTOCOL.md"));
  const codes = [chatText, filesText].flatMap((t) => Object.keys(t.tables.en))
    .filter((key) => key.includes("-"));
  codes.push("server-full");
  ok(codes.length > 40);
  for (const code of codes) {
    ok(protocol.includes(`\`${code}\``), `docs/PROTOCOL.md does not list ${code}`);
    // Every placeholder filled (with a number, which a plural needs): a sentence in both.
    const template = code === "server-full"
      ? cliText.tables.en.serverFull
      : (chatText.tables.en as Record<string, string>)[code] ??
        (filesText.tables.en as Record<string, string>)[code];
    const params = Object.fromEntries(
      [...template.matchAll(/\{([^{}|]+)/g)].map(([, name]) => [name, 7]),
    );
    for (const lang of ["en", "zh"] as const) {
      const made = sentence(lang, { code, params });
      ok(made !== null && !made.includes("{"), `${code} in ${lang}: ${made}`);
    }
  }
  // A code this client does not know, or values that do not fill its sentence: the English.
  setLang("zh");
  try {
    equal(serverSays({ code: "from-the-future" }, "Something new"), "Something new");
    equal(
      serverSays({ code: "no-such-user", params: {} }, 'No user "x" is online'),
      'No user "x" is online',
    );
    equal(serverSays({ code: "no-such-user", params: { name: "x" } }, "?"), "用户“x”不在线");
    equal(serverSays({ code: "helpTitle" }, "not a code"), "not a code");
    equal(
      serverSays({ code: "server-full", params: { limit: 1 } }, "?"),
      "服务器连接已满（1/1 个客户端），拒绝连接，请稍后再试。",
    );
    // A name from the wire cannot hide characters in the sentence.
    equal(
      serverSays({ code: "no-such-user", params: { name: "a\u202eb" } }, "?"),
      "用户“a\\u202Eb”不在线",
    );
  } finally {
    setLang("en");
  }
});

Deno.test("the Chinese /help, file list and progress line up by display width", () => {
  setLang("zh");
  try {
    const help = helpLines();
    equal(help[0], "命令：");
    const starts = help.slice(1).map((l) => displayWidth(l.slice(0, l.search(/ {3}\S/) + 3)));
    equal(new Set(starts).size, 1, help.join("\n"));
    deepStrictEqual(
      formatFiles([
        { name: "报告.pdf", size: 2048, uploader: "小明", time: "2026-01-01 10:00:00" },
        { name: "a.txt", size: 6, uploader: null, time: "2026-01-01 09:00:00" },
      ]),
      [
        "服务器上的文件（2 个）：",
        "  报告.pdf  2.0 KiB  小明 上传       2026-01-01 10:00:00",
        "  a.txt     6 B      （上传者未知）  2026-01-01 09:00:00",
      ],
    );
    // A long Chinese name is cut to the label's columns, not its characters.
    const label = transferLabel("upload", "计算机网络实验报告第三章最终版本.docx");
    equal(label, "上传 计算机网络实验报告第三…");
    equal(displayWidth(label.slice(3)), 24 - 1);
    equal(
      progressLine(label, { done: 1024 ** 2, total: 4 * 1024 ** 2, elapsedMs: 1000 }),
      "上传 计算机网络实验报告第三… 1.0 MiB/4.0 MiB 25% 1.0 MiB/s 剩余 3.0 s",
    );
  } finally {
    setLang("en");
  }
  equal(
    progressLine(transferLabel("upload", "a"), { done: 3000, total: 6000, elapsedMs: 7000 }),
    "upload a 2.9 KiB/5.9 KiB 50% 429 B/s 7.0 s left",
  );
});

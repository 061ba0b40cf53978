/**
 * The experiments in Chinese and English: every `exp:*` task's `--help` in both languages, a
 * whole run in Chinese, and the `ss` tables lined up by display width when their headings and
 * notes are Chinese.
 */

import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { displayWidth } from "../../lib/cli/display_width.ts";
import { setLang } from "../../lib/cli/i18n.ts";
import { formatSockets, type SocketRow } from "../../lib/experiments/experiment.ts";
import { hasCommand, runTask } from "../_task.ts";
import { expectHelpInBothLanguages } from "../tools/_help.ts";

const CHINESE = { LANG: "zh_CN.UTF-8" };

const EXPERIMENTS = [
  "exp:ports",
  "exp:backlog",
  "exp:coalesce",
  "exp:four-tuple",
  "exp:time-wait",
  "exp:pulled-cable",
  "exp:models",
  "exp:race",
];

for (const task of EXPERIMENTS) {
  Deno.test(`${task} --help speaks Chinese under LANG=zh_CN.UTF-8 and English under LANG=C`, async () => {
    await expectHelpInBothLanguages(task);
  });
}

Deno.test("exp:ports --quick in Chinese asks, shows and answers in Chinese", async () => {
  const dir = await Deno.makeTempDir({ prefix: "exp_test_" });
  try {
    const { code, stdout, stderr } = await runTask("exp:ports", ["--quick"], {
      cwd: dir,
      env: CHINESE,
    });
    equal(code, 0, stderr);
    const lines = stdout.split("\n");
    equal(lines[0], "问题：客户端需要调用 bind() 吗？每次 connect() 的源端口都会变吗？");
    match(stdout, /^服务器：已绑定并监听 127\.0\.0\.1:\d+（客户端要连接的端口）$/m);
    const ports = [
      ...stdout.matchAll(/^第 (\d) 次 connect：没有 bind\(\)；内核分配了 127\.0\.0\.1:(\d+)/gm),
    ];
    deepStrictEqual(ports.map((m) => m[1]), ["1", "2", "3"], stdout);
    match(stdout, /^答案：3 次连接，3 个不同的源端口，没有一个是我们自己选的。$/m);
    ok(!/Question|Answer|connect #/.test(stdout), `English left in:\n${stdout}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--lang zh wins over LANG=C, and --lang en over a Chinese LANG", async () => {
  const zh = await runTask("exp:race", ["--quick", "--lang", "zh"], { env: { LANG: "C.UTF-8" } });
  equal(zh.code, 0, zh.stderr);
  match(zh.stdout, /^问题：线程什么时候需要锁？/);
  match(zh.stdout, /^ {2}atomic Atomics\.add\(counter, 1\) {5}总数 +200000 +\d+ ms {2}准确$/m);
  match(zh.stdout, /^答案：.*互斥锁也准确，但比 Atomics\.add 慢 \d+\.\d 倍/m);
  const en = await runTask("exp:race", ["--quick", "--lang", "en"], { env: CHINESE });
  match(en.stdout, /^Question: When do threads need a lock/);
});

Deno.test("an experiment's usage error is one Chinese line", async () => {
  const { code, stderr } = await runTask("exp:ports", ["--count", "0"], { env: CHINESE });
  equal(code, 2);
  equal(stderr, "exp_ports: 无效的 --count“0”：应为 1 到 100（见 --help）");
});

/** Where each cell starts, in columns, for the cells given. */
function columnsOf(line: string, cells: string[]): number[] {
  let from = 0;
  return cells.map((cell) => {
    const at = line.indexOf(cell, from);
    ok(at >= 0, `"${cell}" not in "${line}"`);
    from = at + cell.length;
    return displayWidth(line.slice(0, at));
  });
}

Deno.test("formatSockets() lines up Chinese headings and notes by display width", () => {
  setLang("zh");
  try {
    const rows: SocketRow[] = [
      { state: "LISTEN", recvQ: 3, sendQ: 511, local: "127.0.0.1:4", peer: "0.0.0.0:*", timer: "" },
      {
        state: "TIME-WAIT",
        recvQ: 0,
        sendQ: 0,
        local: "127.0.0.1:40897",
        peer: "127.0.0.1:33734",
        timer: "timer:(timewait,59sec,0)",
      },
    ];
    const note = (r: SocketRow) => r.state === "LISTEN" ? "监听套接字" : "客户端（先关闭）";
    const [header, ...lines] = formatSockets(rows, note);
    const want = columnsOf(header, ["状态", "recv-q", "send-q", "本端", "对端", "计时器"]);
    deepStrictEqual(
      columnsOf(lines[0], ["LISTEN", "3", "511", "127.0.0.1:4", "0.0.0.0:*"]),
      want.slice(0, 5),
    );
    const second = columnsOf(lines[1], [
      "TIME-WAIT",
      "0",
      "0",
      "127.0.0.1:40897",
      "127.0.0.1:33734",
      "(timewait,59sec,0)",
      "客户端（先关闭）",
    ]);
    deepStrictEqual(second.slice(0, 6), want);
    equal(columnsOf(lines[0], ["监听套接字"])[0], second[6], "the notes start in one column");
  } finally {
    setLang("en");
  }
});

Deno.test({
  name: "exp:backlog in Chinese: the ss table's Chinese headings sit over their columns",
  ignore: !hasCommand("ss"),
  async fn() {
    const { code, stdout, stderr } = await runTask("exp:backlog", [], { env: CHINESE });
    equal(code, 0, stderr);
    const lines = stdout.split("\n");
    const at = lines.findIndex((l) => l.startsWith("  状态"));
    ok(at > 0, stdout);
    const want = columnsOf(lines[at], ["状态", "recv-q", "send-q", "本端", "对端"]);
    const listener = lines.slice(at + 1).find((l) => l.startsWith("  LISTEN"))!;
    const [state, queued, limit, local, peer] = listener.trim().split(/\s+/);
    deepStrictEqual(columnsOf(listener, [state, queued, limit, local, peer]), want);
    match(listener, /recv-q = 全连接队列中的 3 个连接，send-q = backlog \d+$/);
    match(stdout, /^答案：能。全部 3 次 connect 都成功了/m);
  },
});

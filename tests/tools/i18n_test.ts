/**
 * The tools in Chinese and English: every tool's `--help` in both languages, their one-line
 * errors in Chinese, and the benchmark's table lined up by display width when its headings and
 * notes are Chinese, while its JSON keeps English.
 */

import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { displayWidth } from "../../lib/cli/display_width.ts";
import { setLang } from "../../lib/cli/i18n.ts";
import { same, words } from "../../lib/tools/text.ts";
import { formatTable, type Row, rowIn } from "../../programs/tools/bench.ts";
import { runTask } from "../_task.ts";
import { expectHelpInBothLanguages } from "./_help.ts";

const CHINESE = { LANG: "zh_CN.UTF-8" };

for (const task of ["bench", "bench:echo", "capture", "decode", "compile"]) {
  Deno.test(`${task} --help speaks Chinese under LANG=zh_CN.UTF-8 and English under LANG=C`, async () => {
    await expectHelpInBothLanguages(task);
  });
}

Deno.test("the tools' usage errors are one Chinese line under a Chinese locale", async () => {
  const cases: [string, string[], string][] = [
    ["bench", ["--only", "9"], "bench: 无效的 --only“9”：应为 1 到 5 之间的部分编号（见 --help）"],
    ["capture", ["--duration", "0"], "capture: 无效的时长“0”：应为大于 0 的秒数（见 --help）"],
    ["decode", [], "decode_capture: 需要一个抓包文件（见 --help）"],
    ["compile", [], "compile: 需要一个任务名（见 --help）"],
  ];
  for (const [task, args, line] of cases) {
    const { code, stderr } = await runTask(task, args, { env: CHINESE });
    equal(code, 2, `${task}: ${stderr}`);
    equal(stderr, line);
  }
});

/** A benchmark row with Chinese words where the table shows them. */
function benchRow(over: Partial<Row>): Row {
  return {
    section: 2,
    measure: words("measureSeqP50"),
    unit: "ms",
    ours: 0.07,
    peer: words("peerEcho", { size: 47 }),
    peerValue: 0.04,
    ratio: 1.75,
    higherIsBetter: false,
    target: { on: "ratio", op: "<=", value: 1.25, text: words("targetEcho") },
    met: false,
    note: same(""),
    ...over,
  };
}

/** The column (display width before it) where each cell starts, searched left to right. */
function columnsOf(line: string, cells: string[]): number[] {
  let from = 0;
  return cells.map((cell) => {
    const at = line.indexOf(cell, from);
    ok(at >= 0, `"${cell}" not in "${line}"`);
    from = at + cell.length;
    return displayWidth(line.slice(0, at));
  });
}

Deno.test("bench's formatTable() lines up Chinese headings and cells by display width", () => {
  const rows = [
    benchRow({}),
    benchRow({
      section: 4,
      measure: words("measureRssFull", { clients: 100 }),
      ours: 55.8,
      peer: words("peerEchoServer"),
      peerValue: 40.9,
      ratio: 1.36,
      target: null,
      met: null,
      note: words("noteMissing", { tool: "ncat" }),
    }),
  ];
  setLang("zh");
  let table: string;
  try {
    table = formatTable(rows);
  } finally {
    setLang("en");
  }
  const [header, rule, first, second] = table.split("\n");
  // Left-aligned columns start where their heading starts.
  const [measure, peer, target] = columnsOf(header, ["测量项", "对照程序", "目标"]);
  deepStrictEqual(columnsOf(first, ["逐个发送，p50 延迟 ms", "Deno 回显，47 B", "<= 1.25x 回显"]), [
    measure,
    peer,
    target,
  ]);
  deepStrictEqual(columnsOf(second, ["服务器 RSS，100 个空闲客户端，MiB", "Deno 回显服务器"]), [
    measure,
    peer,
  ]);
  // Right-aligned figures end where their heading ends.
  const end = (line: string, cell: string) => columnsOf(line, [cell])[0] + displayWidth(cell);
  equal(end(first, "0.070"), end(header, "我们的"));
  equal(end(second, "55.8"), end(header, "我们的"));
  equal(end(first, "1.75x"), end(header, "比值"));
  // Each run of dashes under a heading starts where it does (ends, for the figures' headings).
  const headings = ["#", "测量项", "我们的", "对照程序", "对照值", "比值", "目标", "达标", "备注"];
  const starts = columnsOf(header, headings);
  const runs = [...rule.matchAll(/-+/g)].map((m) => [m.index, m.index + m[0].length]);
  equal(runs.length, headings.length, rule);
  headings.forEach((h, i) => {
    const right = [2, 4, 5].includes(i);
    equal(right ? starts[i] + displayWidth(h) : starts[i], runs[i][right ? 1 : 0], h);
  });
  // The verdict and the note are in Chinese.
  ok(first.includes("  否"), first);
  ok(second.endsWith("缺少：没有安装 ncat"), second);
});

Deno.test("bench's JSON rows keep English words whatever the table's language", () => {
  setLang("zh");
  try {
    const json = rowIn(benchRow({ note: words("noteMissing", { tool: "nc" }) }), "en");
    equal(json.measure, "sequential p50 latency ms");
    equal(json.peer, "Deno echo, 47 B");
    equal(json.target?.text, "<= 1.25x echo");
    equal(json.note, "missing: nc is not installed");
  } finally {
    setLang("en");
  }
});

/**
 * What every program's `--help` must do in both languages: Chinese under a Chinese locale,
 * English under `LANG=C`, the shared `--lang` and `--help` lines at the end, and every option's
 * description starting in one column.
 *
 * @module
 */

import { equal, match, ok } from "node:assert/strict";
import { runTask } from "../_task.ts";

/** The column each option line's description starts in (flags are ASCII: one column each). */
function descriptionColumns(help: string): number[] {
  return help.split("\n").map((line) => /^( {2}-\S.*?\S {2,})\S/.exec(line)?.[1].length)
    .filter((n) => n !== undefined);
}

/**
 * Run a task's `--help` under `LANG=zh_CN.UTF-8` and under `LANG=C`, and check each.
 *
 * @param task The task, such as `exp:ports`.
 */
export async function expectHelpInBothLanguages(task: string): Promise<void> {
  const zh = await runTask(task, ["--help"], { env: { LANG: "zh_CN.UTF-8" } });
  equal(zh.code, 0, zh.stderr);
  match(zh.stdout, new RegExp(`^用法：(sudo )?deno task ${RegExp.escape(task)}\\b`));
  match(zh.stdout, /^选项：$/m);
  match(zh.stdout, /^ {2}--lang LANG +输出语言：en 或 zh/m);
  match(zh.stdout, /^ {2}-h, --help +显示本帮助$/m);
  ok(!/Usage|Options|show this help/.test(zh.stdout), `English in:\n${zh.stdout}`);

  const en = await runTask(task, ["--help"], { env: { LANG: "C" } });
  equal(en.code, 0, en.stderr);
  match(en.stdout, new RegExp(`^Usage: (sudo )?deno task ${RegExp.escape(task)}\\b`));
  match(en.stdout, /^ {2}-h, --help +show this help$/m);
  ok(!/[\u4e00-\u9fff]/.test(en.stdout.replace(/中文/g, "")), `Chinese in:\n${en.stdout}`);

  for (const [language, help] of [["zh", zh.stdout], ["en", en.stdout]]) {
    const columns = new Set(descriptionColumns(help));
    equal(columns.size, 1, `${task} ${language}: descriptions in columns ${[...columns]}\n${help}`);
  }
}

/**
 * What the tests of the Chinese texts share: the locale of a Chinese user, a server's port in
 * either language, and a check of a `--help` text's columns.
 *
 * @module
 */

import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { cliText } from "../../lib/cli/text.ts";
import { displayWidth } from "../../lib/cli/display_width.ts";
import { type Program, runTask } from "../_task.ts";

/** The locale of a Chinese user. */
export const CHINESE = { LANG: "zh_CN.UTF-8" };

/**
 * The port a server says it listens on, in either language.
 *
 * @param server The server.
 * @returns The port.
 */
export async function listeningPortIn(server: Program): Promise<number> {
  const m = await server.waitFor(new RegExp(`^${cliText.pattern("listening").source}$`));
  return Number(m.groups!.address.replace(/.*:/, ""));
}

/**
 * Check a `--help` text: every option's description starts in one column (by display width),
 * as `--lang` and `--help`, which every program shares, have it.
 *
 * @param help What `--help` printed.
 */
export function checkHelpColumns(help: string): void {
  const options = help.split("\n").filter((l) => /^ {2}-/.test(l));
  ok(options.length >= 2, help);
  const column = (line: string) => {
    const m = line.match(/^( {2}-.*? {2,})\S/);
    return m ? displayWidth(m[1]) : undefined;
  };
  const columns = new Set(options.map(column).filter((c) => c !== undefined));
  deepStrictEqual([...columns], [18], help);
}

/**
 * A task's `--help` in Chinese (by `LANG` and by `--lang zh`) and in English (`LANG=C`), each
 * with its descriptions in one column.
 *
 * @param task The task name.
 */
export async function checkHelpInBothLanguages(task: string): Promise<void> {
  for (const [args, env] of [[["--help"], CHINESE], [["--help", "--lang", "zh"], {}]] as const) {
    const { code, stdout, stderr } = await runTask(task, [...args], { env });
    equal(code, 0, stderr);
    match(stdout, new RegExp(`^用法：deno task ${task}`));
    match(stdout, /^选项：$/m);
    ok(stdout.includes(cliText.in("zh", "helpFlag")), stdout);
    ok(!/Usage|Options|show this help/.test(stdout), stdout);
    checkHelpColumns(stdout);
  }
  const { stdout } = await runTask(task, ["--help"], { env: { LANG: "C" } });
  match(stdout, new RegExp(`^Usage: deno task ${task}`));
  ok(!/用法/.test(stdout), stdout);
  checkHelpColumns(stdout);
}

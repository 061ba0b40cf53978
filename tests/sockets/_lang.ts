/**
 * What the tests of the Chinese texts share: the locale of a Chinese user, a server's port in
 * either language, and a check of a `--help` text's columns.
 *
 * @module
 */

import { deepStrictEqual, ok } from "node:assert/strict";
import { cliText } from "../../lib/cli/text.ts";
import { displayWidth } from "../../lib/cli/display_width.ts";
import type { Program } from "../_task.ts";

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

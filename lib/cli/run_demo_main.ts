/**
 * The command line of a demo: a program that takes no options, runs the real programs of a lab
 * as processes and prints their transcript.
 *
 * @module
 */

import { errorMessage, parseProgramFlags } from "./cli.ts";

/** A demo's command line, for {@linkcode runDemoMain}. */
export interface DemoMain {
  /** The program's name, which starts every error line, such as `tcp_demo`. */
  name: string;
  /** The text `--help` prints, worded once the language is known. */
  usage: string | (() => string);
  /** The arguments, usually `Deno.args`. */
  args: string[];
  /** Run the demo: whether every program in it ended as it should. */
  run: () => Promise<boolean>;
  /** Where `--help` goes, usually `console.log`. */
  log: (line: string) => void;
  /** Where the one-line errors go, usually `console.error`. */
  error: (line: string) => void;
}

/**
 * Run a demo's command line: `--help`, or the demo itself.
 *
 * @param main The program's name, usage, arguments, run and output sinks.
 * @returns The exit code: 0 after `--help` or a demo that went as it should, 1 when it did
 *   not or failed (said in one line), 2 for any option (said in one line with "see --help").
 *
 * @example
 * ```ts
 * import { deepStrictEqual, equal } from "node:assert/strict";
 * const errors: string[] = [];
 * const main = { name: "demo", usage: "Usage: demo", log: () => {}, error: (l: string) => errors.push(l) };
 * equal(await runDemoMain({ ...main, args: [], run: () => Promise.resolve(true) }), 0);
 * equal(await runDemoMain({ ...main, args: ["-x"], run: () => Promise.resolve(true) }), 2);
 * deepStrictEqual(errors, ["demo: Unknown option '-x' (see --help)"]);
 * ```
 */
export async function runDemoMain(main: DemoMain): Promise<number> {
  const parsed = parseProgramFlags({ ...main, options: {}, read: () => undefined });
  if ("exitCode" in parsed) return parsed.exitCode;
  try {
    return await main.run() ? 0 : 1;
  } catch (err) {
    main.error(`${main.name}: ${errorMessage(err)}`);
    return 1;
  }
}

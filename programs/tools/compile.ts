/**
 * Build a program's standalone executable: `deno compile` with exactly the permission flags of
 * the program's task in deno.json, into `dist/`. Every `compile:NAME` task runs this.
 *
 * `deno compile` joins the program to Deno's runtime, `denort`, which it downloads from
 * dl.deno.land on first use, or takes from the file `DENORT_BIN` names. Offline, Deno answers
 * with a chain of causes (and a backtrace when RUST_BACKTRACE is set), and leaves an empty
 * `dist/` behind; this says what to do in one line and removes what the attempt left. Any other
 * failure, such as a type error, is shown as Deno printed it, less the backtrace.
 *
 * Run it:   deno task compile NAME [deno compile flags]     (deno task compile:NAME is the same)
 *
 * Permissions: `--allow-run=deno` to run the compiler, `--allow-read=dist` and
 * `--allow-write=dist` to clean up after a failed build. The task's flags come from deno.json
 * as an imported module, which needs no read permission.
 *
 * @module
 */

import { errorMessage } from "../../lib/cli/cli.ts";
import { chooseLang, isLang, setLang } from "../../lib/cli/i18n.ts";
import { taskParts } from "../../lib/cli/task_command.ts";
import { cliText } from "../../lib/cli/text.ts";
import { toolsText as text } from "../../lib/tools/text.ts";

/** Where executables go, relative to the folder the task runs in (the project's). */
export const DIST = "dist";

/** The `--help` text, in the program's language, with the lines every program has. */
const usage = () =>
  [
    text("compileUsage"),
    `  --lang LANG     ${cliText("langFlag")}`,
    `  -h, --help      ${cliText("helpFlag")}`,
  ].join("\n");

/** The one line for a runtime that could not be downloaded, in English (the tests' language). */
export const DOWNLOAD_FAILED = text.in("en", "compileDownloadFailed");

/**
 * The executable's path for a task: `dist/` and the task's name, with `:` (which Windows does
 * not allow in a file name) as `-`.
 *
 * @param task A task name, such as `exp:ports`.
 * @returns The path, such as `dist/exp-ports`.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(outputPath("demo:tcp"), "dist/demo-tcp");
 * ```
 */
export function outputPath(task: string): string {
  return `${DIST}/${task.replaceAll(":", "-")}`;
}

/**
 * Say in one line why `deno compile` could not get its runtime, from what it printed.
 *
 * @param stderr What `deno compile` printed on stderr, without colours.
 * @returns The line, in the program's language, or undefined when the failure was something
 *   else (such as a type error), which Deno's own words explain better.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * const printed = "error: Writing deno compile executable to temporary file 'dist/x.tmp-1'\n\n" +
 *   "Caused by:\n    0: Setting up base binary.\n    1: error sending request for url " +
 *   "(https://dl.deno.land/release/v2.9.6/denort.zip): client error (Connect)";
 * equal(runtimeFailure(printed), DOWNLOAD_FAILED);
 * equal(runtimeFailure("error: Type checking failed."), undefined);
 * ```
 */
export function runtimeFailure(stderr: string): string | undefined {
  const at = stderr.search(/^error: /m);
  if (at < 0) return undefined;
  // The error and its causes, without the backtrace that follows them.
  const error = stderr.slice(at).split(/^Stack backtrace:/m)[0];
  // Deno's context for fetching (or unpacking) the runtime it downloads.
  if (/Setting up base binary/.test(error)) return text("compileDownloadFailed");
  // DENORT_BIN names a file that is not there: Deno's deepest cause says why.
  const missing = /Could not find denort at '([^']*)'/.exec(error);
  if (missing) {
    const causes = [...error.matchAll(/^\s+\d+: (.*)$/gm)].map((m) => m[1]);
    return text("compileMissingRuntime", {
      path: missing[1],
      why: causes.at(-1) ?? text("compileNotFound"),
    });
  }
  return undefined;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Remove what a failed build left: Deno's temporary file for this output, and `dist/` itself
 * when this build created it and it is empty.
 */
function cleanUp(output: string, distExisted: boolean): void {
  const temporary = `${output.slice(DIST.length + 1)}.tmp-`;
  try {
    for (const entry of Deno.readDirSync(DIST)) {
      if (entry.name.startsWith(temporary)) Deno.removeSync(`${DIST}/${entry.name}`);
    }
    if (!distExisted) Deno.removeSync(DIST); // fails, as it should, when not empty
  } catch {
    // Nothing there, or not empty: nothing more of ours to remove.
  }
}

/**
 * The arguments without `--lang` and its value, which are this program's, not deno compile's.
 *
 * @param args The arguments.
 * @returns The rest, and the value of `--lang` if given.
 */
export function withoutLang(args: readonly string[]): { rest: string[]; lang?: string } {
  const rest: string[] = [];
  let lang: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--") {
      rest.push(...args.slice(i));
      break;
    }
    if (args[i] === "--lang") lang = args[++i] ?? "";
    else if (args[i].startsWith("--lang=")) lang = args[i].slice("--lang=".length);
    else rest.push(args[i]);
  }
  return { rest, lang };
}

/** Say what was wrong with the command line, in one line, and exit 2. */
function usageError(message: string): never {
  console.error(`compile: ${cliText("seeHelp", { message })}`);
  Deno.exit(2);
}

if (import.meta.main) {
  // The flags after NAME go to deno compile, so only --lang and --help are read here.
  setLang(chooseLang(Deno.args));
  const { rest, lang } = withoutLang(Deno.args);
  const [task, ...extra] = rest;
  if (lang !== undefined && !isLang(lang)) usageError(cliText("badLang", { value: lang }));
  if (task === "-h" || task === "--help") {
    console.log(usage());
    Deno.exit(0);
  }
  let parts: { flags: string[]; script: string };
  try {
    if (task === undefined || task.startsWith("-")) throw new Error(text("compileNeedsTask"));
    parts = taskParts(task);
  } catch (err) {
    usageError(errorMessage(err));
  }

  const output = outputPath(task);
  const distExisted = exists(DIST);
  // Ctrl-C reaches deno compile too; this waits for it to stop, then cleans up after it.
  const stay = () => {};
  Deno.addSignalListener("SIGINT", stay);
  let result: Deno.CommandOutput;
  try {
    result = await new Deno.Command("deno", {
      args: ["compile", ...parts.flags, ...extra, "--output", output, parts.script],
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "inherit",
      // Deno's progress lines are held back with its errors, so that a failure we can explain
      // is one line; after a success, or another failure, they are shown as Deno printed them.
      stderr: "piped",
    }).output();
  } catch (err) {
    console.error(`compile: ${errorMessage(err, text("compileCannotRun"))}`);
    Deno.exit(1);
  } finally {
    Deno.removeSignalListener("SIGINT", stay);
  }
  const printed = new TextDecoder().decode(result.stderr).trimEnd();
  if (result.success) {
    if (printed) console.error(printed);
    Deno.exit(0);
  }
  cleanUp(output, distExisted);
  const line = runtimeFailure(printed);
  if (line) console.error(`compile: ${line}`);
  // Deno's backtrace is of its own Rust code: nothing in it helps a user.
  else if (printed) console.error(printed.split(/^Stack backtrace:/m)[0].trimEnd());
  Deno.exit(result.code || 1);
}

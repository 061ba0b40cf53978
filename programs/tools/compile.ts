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
import { taskParts } from "../../lib/cli/task_command.ts";

/** Where executables go, relative to the folder the task runs in (the project's). */
export const DIST = "dist";

const USAGE = `Usage: deno task compile NAME [deno compile flags]

Builds dist/NAME, a standalone executable of the program that "deno task NAME" runs, with the
same permission flags. The first build downloads Deno's runtime (denort) from dl.deno.land;
offline, set DENORT_BIN to a denort binary. Each program also has its own task,
"deno task compile:NAME".

Options:
  -h, --help   show this help`;

/** The one line for a runtime that could not be downloaded. */
export const DOWNLOAD_FAILED = "cannot download Deno's runtime (denort) from dl.deno.land: " +
  "set DENORT_BIN to a denort binary, or run where that site is reachable";

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
 * @returns The line, or undefined when the failure was something else (such as a type error),
 *   which Deno's own words explain better.
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
  if (/Setting up base binary/.test(error)) return DOWNLOAD_FAILED;
  // DENORT_BIN names a file that is not there: Deno's deepest cause says why.
  const missing = /Could not find denort at '([^']*)'/.exec(error);
  if (missing) {
    const causes = [...error.matchAll(/^\s+\d+: (.*)$/gm)].map((m) => m[1]);
    return `DENORT_BIN is "${missing[1]}": ${causes.at(-1) ?? "not found"}`;
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

if (import.meta.main) {
  const [task, ...extra] = Deno.args;
  if (task === "-h" || task === "--help") {
    console.log(USAGE);
    Deno.exit(0);
  }
  let parts: { flags: string[]; script: string };
  try {
    if (task === undefined || task.startsWith("-")) throw new Error("expected a task name");
    parts = taskParts(task);
  } catch (err) {
    console.error(`compile: ${errorMessage(err)} (see --help)`);
    Deno.exit(2);
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
    console.error(`compile: ${errorMessage(err, "cannot run deno (it must be on PATH)")}`);
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

/**
 * `deno task compile:NAME`: each builds its program with the program task's own flags, and when
 * Deno's runtime (denort) cannot be downloaded it says so in one line that names DENORT_BIN,
 * and leaves nothing behind in `dist/`.
 */

import { deepStrictEqual, equal, match, notEqual, ok } from "node:assert/strict";
import config from "../../deno.json" with { type: "json" };
import { DOWNLOAD_FAILED, outputPath, runtimeFailure } from "../../programs/tools/compile.ts";
import { taskParts, WAIT_MS } from "../_task.ts";

/** What `deno compile` downloads on first use, for this Deno and this machine. */
const DENORT_URL =
  `https://dl.deno.land/release/v${Deno.version.deno}/denort-${Deno.build.target}.zip`;

async function reachable(url: string): Promise<boolean> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), 10_000);
  try {
    const response = await fetch(url, { method: "HEAD", signal: timeout.signal });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

const DENORT_REACHABLE = await reachable(DENORT_URL);
if (DENORT_REACHABLE) {
  console.warn(
    `skipping the offline compile test: ${DENORT_URL} is reachable from here, ` +
      "so deno compile would download it and succeed",
  );
}

/**
 * Run the compile task's program as `deno task compile:NAME` does, in a folder of the test's
 * own (where its `dist/` goes), with an empty Deno cache and no DENORT_BIN.
 */
async function compileWithoutRuntime(
  cwd: string,
  denoDir: string,
  task: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { flags, script } = taskParts("compile");
  const env = Deno.env.toObject();
  delete env.DENORT_BIN;
  // A failsafe for a network that drops packets instead of refusing them, not a wait.
  const failsafe = new AbortController();
  const timer = setTimeout(() => failsafe.abort(), 6 * WAIT_MS);
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", ...flags, script, task],
      cwd,
      clearEnv: true,
      // In English, whatever the machine's locale: the test compares the English line.
      env: { ...env, DENO_DIR: denoDir, NO_COLOR: "1", LC_ALL: "C.UTF-8" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: failsafe.signal,
    }).output();
    const text = new TextDecoder();
    return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
  } finally {
    clearTimeout(timer);
  }
}

async function entries(path: string): Promise<string[]> {
  const names = [];
  for await (const entry of Deno.readDir(path)) names.push(entry.name);
  return names.sort();
}

Deno.test({
  name: "compile without Deno's runtime names DENORT_BIN in one line and leaves no dist/",
  ignore: DENORT_REACHABLE,
  async fn() {
    const cwd = await Deno.makeTempDir({ prefix: "compile_test_" });
    const denoDir = await Deno.makeTempDir({ prefix: "compile_test_deno_dir_" });
    try {
      const first = await compileWithoutRuntime(cwd, denoDir, "get-ip");
      notEqual(first.code, 0, first.stdout);
      equal(first.stderr, `compile: ${DOWNLOAD_FAILED}\n`);
      match(first.stderr, /DENORT_BIN/);
      deepStrictEqual(await entries(cwd), [], "no dist/ is left behind");

      // A dist/ that was there before stays, with only what it held.
      await Deno.mkdir(`${cwd}/dist`);
      await Deno.writeTextFile(`${cwd}/dist/keep`, "");
      const second = await compileWithoutRuntime(cwd, denoDir, "get-ip");
      notEqual(second.code, 0);
      equal(second.stderr, `compile: ${DOWNLOAD_FAILED}\n`);
      deepStrictEqual(await entries(`${cwd}/dist`), ["keep"]);
    } finally {
      await Deno.remove(cwd, { recursive: true });
      await Deno.remove(denoDir, { recursive: true });
    }
  },
});

Deno.test("every program task has a compile:NAME task, and it runs the compile task", () => {
  const tasks = config.tasks as Record<string, { command: string }>;
  const programs = Object.keys(tasks).filter((name) => {
    if (name.startsWith("compile")) return false;
    try {
      taskParts(name);
      return true;
    } catch {
      return false; // test, check: not a program
    }
  });
  ok(programs.length > 20, programs.join(" "));
  for (const name of programs) {
    match(tasks[`compile:${name}`]?.command ?? "", new RegExp(`^deno task compile ${name}( |$)`));
  }
  const compiles = Object.keys(tasks).filter((name) => name.startsWith("compile:"));
  equal(compiles.length, programs.length, "a compile task for a program that has no task");
});

Deno.test("runtimeFailure() explains a missing runtime in one line, and nothing else", () => {
  const download = [
    "Check programs/sockets/get_ip.ts",
    "Compile programs/sockets/get_ip.ts to dist/get-ip",
    "Download https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip",
    "error: Writing deno compile executable to temporary file 'dist/get-ip.tmp-e7437a39c6e04227'",
    "",
    "Caused by:",
    "    0: Setting up base binary.",
    "    1: error sending request for url (https://dl.deno.land/release/v2.9.6/denort.zip)",
    "    2: dns error",
    "",
    "Stack backtrace:",
    "   0: <unknown>",
  ].join("\n");
  equal(runtimeFailure(download), DOWNLOAD_FAILED);
  const missing = [
    "error: Writing deno compile executable to temporary file 'dist/h.tmp-544e2ef537aa349c'",
    "",
    "Caused by:",
    "    0: Could not find denort at '/nonexistent'",
    "    1: No such file or directory (os error 2)",
    "",
    "Stack backtrace:",
    "   0: <unknown>",
  ].join("\n");
  equal(
    runtimeFailure(missing),
    'DENORT_BIN is "/nonexistent": No such file or directory (os error 2)',
  );
  equal(runtimeFailure("error: Type checking failed.\n"), undefined);
  equal(runtimeFailure("Check programs/sockets/get_ip.ts\n"), undefined);
  equal(outputPath("exp:time-wait"), "dist/exp-time-wait");
});

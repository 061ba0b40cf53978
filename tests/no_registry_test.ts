/**
 * Running a program needs no package registry; only the tests use one. `deno task` installs
 * every npm package that deno.json's `imports` or its lockfile lists before it runs any task, so
 * a test-only package listed there made every task fail on a fresh machine that could not reach
 * the registry. Each task runs here through `deno task` itself, with an empty Deno cache and
 * every registry and proxy on a closed port.
 */

import { equal, match } from "node:assert/strict";
import config from "../deno.json" with { type: "json" };
import { Semaphore } from "../lib/net/semaphore.ts";
import { ROOT, taskParts } from "./_task.ts";

/** A port nothing listens on: a download fails at once, as it does offline. */
const NOWHERE = "http://127.0.0.1:9/";

/** Every task that runs a program (not test, check, or the compile:NAME builds). */
const PROGRAM_TASKS = Object.keys(config.tasks).filter((name) => {
  try {
    taskParts(name);
    return true;
  } catch {
    return false;
  }
});

/** Run `deno task NAME ARGS` from the project, as a user does, with nothing to download from. */
async function offlineTask(
  denoDir: string,
  name: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", name, ...args],
    cwd: ROOT,
    env: {
      DENO_DIR: denoDir,
      NPM_CONFIG_REGISTRY: NOWHERE,
      JSR_URL: NOWHERE,
      HTTPS_PROXY: NOWHERE,
      https_proxy: NOWHERE,
      HTTP_PROXY: NOWHERE,
      http_proxy: NOWHERE,
      NO_PROXY: "",
      no_proxy: "",
      DENO_NO_UPDATE_CHECK: "1",
      NO_COLOR: "1",
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

Deno.test("every program's task and the demo run with an empty Deno cache and no registry", async () => {
  // One fresh cache for the whole test, shared by the programs, as on a new machine.
  const denoDir = await Deno.makeTempDir({ prefix: "no_registry_test_" });
  try {
    // A few at a time: each is a short `deno` process.
    const slots = new Semaphore(4);
    await Promise.all(PROGRAM_TASKS.map(async (name) => {
      await slots.acquire();
      try {
        const { code, stdout, stderr } = await offlineTask(denoDir, name, ["--help"]);
        equal(stderr, "", `deno task ${name} --help printed on stderr:\n${stderr}`);
        equal(code, 0, `deno task ${name} --help`);
        match(stdout, /^Usage: /, `deno task ${name} --help`);
      } finally {
        slots.release();
      }
    }));

    const demo = await offlineTask(denoDir, "demo", []);
    equal(demo.stderr, "", `deno task demo printed on stderr:\n${demo.stderr}`);
    equal(demo.code, 0, demo.stdout);
    match(demo.stdout, /^demo {3}\| the downloaded file matches the upload$/m);
  } finally {
    await Deno.remove(denoDir, { recursive: true });
  }
});

/**
 * runDemoMain(): a demo's `--help`, its one-line errors and its exit codes.
 */

import { deepStrictEqual, equal } from "node:assert/strict";
import { type DemoMain, runDemoMain } from "../../lib/cli/run_demo_main.ts";

function demo(args: string[], run: DemoMain["run"]) {
  const logged: string[] = [], errors: string[] = [];
  const main: DemoMain = {
    name: "some_demo",
    usage: "Usage: deno task some-demo",
    args,
    run,
    log: (line) => logged.push(line),
    error: (line) => errors.push(line),
  };
  return { main, logged, errors };
}

Deno.test("runDemoMain() prints the usage for --help and exits 0 without running", async () => {
  let ran = false;
  const { main, logged, errors } = demo(["--help"], () => Promise.resolve(ran = true));
  equal(await runDemoMain(main), 0);
  deepStrictEqual(logged, [[
    "Usage: deno task some-demo",
    "  --lang LANG     output language: en or zh (default: from LC_ALL, LC_MESSAGES or LANG)",
    "  -h, --help      show this help",
  ].join("\n")]);
  deepStrictEqual(errors, []);
  equal(ran, false);
});

Deno.test("runDemoMain() rejects any option in one line with exit code 2", async () => {
  const { main, errors } = demo(["--bogus"], () => Promise.resolve(true));
  equal(await runDemoMain(main), 2);
  deepStrictEqual(errors, ["some_demo: Unknown option '--bogus' (see --help)"]);
});

Deno.test("runDemoMain() exits 0 when the demo went well and 1 when it did not", async () => {
  equal(await runDemoMain(demo([], () => Promise.resolve(true)).main), 0);
  equal(await runDemoMain(demo([], () => Promise.resolve(false)).main), 1);
});

Deno.test("runDemoMain() says in one line why a demo failed, and exits 1", async () => {
  const { main, errors } = demo([], () => Promise.reject(new Error("deno not found\nat ...")));
  equal(await runDemoMain(main), 1);
  deepStrictEqual(errors, ["some_demo: deno not found"]);
});

/**
 * exp:race through its task: worker threads add to one shared counter, and the atomic and
 * mutex ways come out exact. The plain way is not checked for lost updates: on a given run
 * (one core, threads that happen not to overlap) it may lose none.
 */

import { equal, match, ok } from "node:assert/strict";
import { expectOneLineError, runTask } from "../_task.ts";

Deno.test("exp:race --quick: Atomics.add and the mutex are exact, the plain total is no more", async () => {
  const { code, stdout, stderr } = await runTask("exp:race", ["--quick"]);
  equal(code, 0, `${stdout}\n${stderr}`);
  match(stdout, /^Question: When do threads need a lock/);
  const expected = Number(stdout.match(/^Expected total: (\d+)$/m)?.[1]);
  equal(expected, 2 * 100_000, stdout);
  const total = (way: string) => {
    const m = stdout.match(new RegExp(`^  ${way} .*total +(\\d+) +\\d+ ms  (.*)$`, "m"));
    ok(m, `no ${way} line in:\n${stdout}`);
    return { total: Number(m[1]), verdict: m[2] };
  };
  equal(total("atomic").total, expected, stdout);
  equal(total("atomic").verdict, "exact", stdout);
  equal(total("mutex").total, expected, stdout);
  equal(total("mutex").verdict, "exact", stdout);
  ok(total("plain").total <= expected, stdout); // lost updates, or none: never extra ones
  match(stdout, /^Answer: .*the mutex, \d+\.\dx slower than Atomics\.add/m);
});

Deno.test("exp:race --threads 3 --increments 1000 runs three threads", async () => {
  const { code, stdout } = await runTask("exp:race", ["--threads", "3", "--increments", "1000"]);
  equal(code, 0, stdout);
  match(stdout, /^3 threads each add 1 to one shared counter 1000 times\.$/m);
  match(stdout, /^Expected total: 3000$/m);
});

Deno.test("exp:race refuses too many threads in one line", async () => {
  await expectOneLineError(
    "exp:race",
    ["--threads", "17"],
    /^exp_race: Invalid --threads "17": expected 1 to 16 \(see --help\)$/,
    2,
  );
});

Deno.test("exp:race --help prints usage and exits 0", async () => {
  const { code, stdout } = await runTask("exp:race", ["--help"]);
  equal(code, 0);
  match(stdout, /^Usage: deno task exp:race/);
});

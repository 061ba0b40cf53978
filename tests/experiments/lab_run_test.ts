/** LabRun's report stamps; starting programs in namespaces needs root (exp_pulled_cable_test). */

import { deepStrictEqual, match } from "node:assert/strict";
import { LabRun } from "../../lib/experiments/lab_run.ts";

Deno.test("LabRun.say() stamps [setup] before t0 and the seconds since t0 after", async () => {
  const lines: string[] = [];
  const run = new LabRun((l) => lines.push(l));
  run.say("built");
  run.t0 = Date.now() - 1500;
  run.say("pulled");
  deepStrictEqual(lines[0], "[setup] built");
  match(lines[1], /^\[\+1\.[5-9] s\] pulled$/);
  await run.stopAll(); // nothing started: returns at once
});

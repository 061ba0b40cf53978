/** The namespace lab's names and `ip` commands; building one needs root (exp_pulled_cable_test). */

import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { labFor, setupCommands } from "../../lib/experiments/netns_lab.ts";

Deno.test("labFor() names fit Linux's 15-character interface limit", () => {
  const lab = labFor(4_194_304); // the largest pid Linux allows
  ok(lab.serverIf.length <= 15 && lab.clientIf.length <= 15, JSON.stringify(lab));
  equal(lab.serverNs, "lpsrv-4194304");
  // Only the two private addresses, each inside its own namespace.
  const addrs = setupCommands(lab).filter((c) => c.includes("addr"));
  deepStrictEqual(addrs.map((c) => [c[1], c[4]]), [
    [lab.serverNs, "10.77.0.1/24"],
    [lab.clientNs, "10.77.0.2/24"],
  ]);
});

Deno.test("setupCommands() creates both namespaces before the veth pair that joins them", () => {
  const cmds = setupCommands(labFor(7)).map((c) => c.join(" "));
  deepStrictEqual(cmds.slice(0, 3), [
    "netns add lpsrv-7",
    "netns add lpcli-7",
    "link add lps7 netns lpsrv-7 type veth peer name lpc7 netns lpcli-7",
  ]);
});

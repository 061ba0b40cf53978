/**
 * get-ip through its task, and its route-table reading on made-up input.
 */

import { equal, match, ok } from "node:assert/strict";
import { defaultRouteInterface } from "../../programs/sockets/get_ip.ts";
import type { IpReport } from "../../lib/sockets/describe_addresses.ts";
import { runTask } from "../_task.ts";

Deno.test("get-ip prints the loopback interface and its address", async () => {
  const { code, stdout, stderr } = await runTask("get-ip");
  equal(code, 0, stderr);
  match(stdout, /loopback: reachable only from this machine/);
  match(stdout, /^ {2}IPv4 {2}127\.0\.0\.1\/8/m);
});

Deno.test("get-ip --json lists loopback and names the LAN address it marks", async () => {
  const { code, stdout, stderr } = await runTask("get-ip", ["--json"]);
  equal(code, 0, stderr);
  const report: IpReport = JSON.parse(stdout);
  const all = report.interfaces.flatMap((i) => i.addresses);
  ok(all.some((a) => a.address === "127.0.0.1" && a.kind === "loopback"), stdout);
  if (report.lan) {
    ok(all.some((a) => a.address === report.lan!.address), "the LAN address is one of ours");
    ok(report.lan.reason.length > 0);
  }
});

Deno.test("defaultRouteInterface() picks the default route with the lowest metric", () => {
  const routes = JSON.stringify([
    { dst: "default", gateway: "192.168.1.1", dev: "wlan0", metric: 600 },
    { dst: "default", gateway: "10.0.0.1", dev: "eth0", metric: 100 },
    { dst: "10.0.0.0/24", dev: "eth1" },
  ]);
  equal(defaultRouteInterface(routes), "eth0");
});

Deno.test("defaultRouteInterface() finds nothing without a default route or valid JSON", () => {
  equal(defaultRouteInterface('[{"dst":"192.0.2.0/24","dev":"eth0"}]'), undefined);
  equal(defaultRouteInterface("[]"), undefined);
  equal(defaultRouteInterface("not json"), undefined);
});

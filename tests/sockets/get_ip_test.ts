/**
 * get-ip through its task, and its route-table and address logic on made-up input.
 */

import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import {
  addressKind,
  defaultRouteInterface,
  describeAddresses,
  type IpReport,
} from "../../programs/sockets/get_ip.ts";
import { runTask } from "../_task.ts";

function info(name: string, address: string, prefix: number): Deno.NetworkInterfaceInfo {
  const family = address.includes(":") ? "IPv6" : "IPv4";
  return {
    family,
    name,
    address,
    netmask: "",
    scopeid: null,
    cidr: `${address}/${prefix}`,
    mac: "",
  };
}

const MACHINE = [
  info("lo", "127.0.0.1", 8),
  info("docker0", "172.17.0.1", 16),
  info("wlan0", "192.168.1.20", 24),
  info("wlan0", "fe80::1", 64),
  info("lo", "::1", 128),
];

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

Deno.test("describeAddresses() marks the default route's IPv4 address", () => {
  const report = describeAddresses(MACHINE, { defaultRoute: "wlan0" });
  deepStrictEqual(report.interfaces.map((i) => i.name), ["lo", "docker0", "wlan0"]);
  equal(report.lan?.address, "192.168.1.20");
  equal(report.lan?.basis, "default route");
});

Deno.test("describeAddresses() guesses a private IPv4, not Docker's, when the route is unknown", () => {
  const report = describeAddresses(MACHINE, { unknownBecause: "no route table" });
  equal(report.lan?.address, "192.168.1.20");
  equal(report.lan?.basis, "guess");
  match(report.lan?.reason ?? "", /no route table/);
});

Deno.test("describeAddresses() has no LAN address when only loopback exists", () => {
  equal(describeAddresses([info("lo", "127.0.0.1", 8)]).lan, null);
});

Deno.test("addressKind() tells loopback, link-local and private addresses apart", () => {
  equal(addressKind("IPv4", "127.0.0.53"), "loopback");
  equal(addressKind("IPv4", "169.254.3.4"), "link-local");
  equal(addressKind("IPv4", "10.1.2.3"), "private");
  equal(addressKind("IPv4", "172.31.0.1"), "private");
  equal(addressKind("IPv4", "172.32.0.1"), "other");
  equal(addressKind("IPv6", "::1"), "loopback");
  equal(addressKind("IPv6", "fe80::1"), "link-local");
  equal(addressKind("IPv6", "fd00::2"), "private");
  equal(addressKind("IPv6", "2001:db8::1"), "other");
});

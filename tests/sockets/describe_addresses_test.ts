/**
 * describeAddresses(), addressKind() and formatReport(): get-ip's address logic on made-up
 * interfaces.
 */

import { deepStrictEqual, equal, match } from "node:assert/strict";
import {
  addressKind,
  describeAddresses,
  formatReport,
} from "../../lib/sockets/describe_addresses.ts";

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

Deno.test("formatReport() marks the LAN address and says loopback is only for this machine", () => {
  const lines = formatReport(describeAddresses(MACHINE, { defaultRoute: "wlan0" }));
  equal(lines[0], "lo (loopback: reachable only from this machine)");
  match(lines.join("\n"), /^ {2}IPv4 {2}192\.168\.1\.20\/24 +<- a LAN peer would use this$/m);
  match(lines.join("\n"), /^ {2}IPv6 {2}fe80::1\/64 +link-local$/m);
  equal(lines.at(-3), "A LAN peer would reach this machine at 192.168.1.20.");
});

Deno.test("formatReport() says when only loopback is configured", () => {
  const lines = formatReport(describeAddresses([info("lo", "127.0.0.1", 8)]));
  deepStrictEqual(lines.slice(-2), [
    "",
    "No address a LAN peer could use: only loopback is configured.",
  ]);
});

/**
 * Lab: sockets basics — which address is mine?
 *
 * A machine has an address on every network interface, and which one a peer can use depends on
 * where the peer is: loopback (127.0.0.1, ::1) is reachable only from this machine, and a LAN
 * peer uses the address on the interface that faces the network, the one the default route
 * goes out of. This program asks the kernel's route table which interface that is (through
 * `ip route`, since Deno opens /proc/net/route only under --allow-all), guesses when it
 * cannot, and sends no traffic.
 *
 * Run it:   deno task get-ip        (or with --json for scripts)
 *
 * @module
 */

import { errorMessage, parseFlags, UsageError } from "../../lib/cli/cli.ts";

/** Asks iproute2 for the default routes, as JSON, so no output format has to be guessed. */
export const ROUTE_COMMAND = ["ip", "-j", "route", "show", "default"];

/** Bridges and tunnels of Docker, libvirt, VMware, VirtualBox: they face guests, not the LAN. */
const VIRTUAL_INTERFACE = /^(docker|br-|veth|virbr|vmnet|vboxnet|tun|tap)/;

const USAGE = `Usage: deno task get-ip [--json]

Prints this machine's IPv4 and IPv6 addresses by interface, and marks the one a LAN peer
would use to reach it. Sends no traffic.

Options:
  --json       print the same facts as JSON
  -h, --help   show this help`;

/** One address on an interface. */
export interface AddressReport {
  family: "IPv4" | "IPv6";
  address: string;
  /** Address and prefix length, such as `192.168.1.20/24`. */
  cidr: string;
  /** What kind of address it is, when that matters to a peer. */
  kind: "loopback" | "link-local" | "private" | "other";
}

/** One interface and its addresses. */
export interface InterfaceReport {
  name: string;
  addresses: AddressReport[];
}

/** The address a LAN peer would use, and why we think so. */
export interface LanChoice {
  interface: string;
  address: string;
  /** Whether the route table said so, or we guessed. */
  basis: "default route" | "guess";
  reason: string;
}

/** Everything the program prints. */
export interface IpReport {
  interfaces: InterfaceReport[];
  lan: LanChoice | null;
}

/**
 * Find the interface of the default route in the output of `ip -j route show default`.
 *
 * @param json The command's output.
 * @returns The interface name, or `undefined` when there is no default route.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(defaultRouteInterface('[{"dst":"default","gateway":"192.0.2.1","dev":"eth0"}]'), "eth0");
 * ```
 */
export function defaultRouteInterface(json: string): string | undefined {
  let routes: unknown;
  try {
    routes = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!Array.isArray(routes)) return undefined;
  let best: { iface: string; metric: number } | undefined;
  for (const route of routes) {
    if (route?.dst !== "default" || typeof route.dev !== "string") continue;
    const metric = typeof route.metric === "number" ? route.metric : 0;
    // Several default routes can exist (wired and Wi-Fi); the kernel prefers the lowest metric.
    if (!best || metric < best.metric) best = { iface: route.dev, metric };
  }
  return best?.iface;
}

/**
 * Classify an address by who can reach it.
 *
 * @param family `IPv4` or `IPv6`.
 * @param address The address.
 * @returns Its kind.
 */
export function addressKind(family: "IPv4" | "IPv6", address: string): AddressReport["kind"] {
  if (family === "IPv4") {
    const [a, b] = address.split(".").map(Number);
    if (a === 127) return "loopback";
    if (a === 169 && b === 254) return "link-local";
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return "private";
    return "other";
  }
  const lower = address.toLowerCase();
  if (lower === "::1") return "loopback";
  if (/^fe[89ab]/.test(lower)) return "link-local";
  if (/^f[cd]/.test(lower)) return "private"; // unique local, fc00::/7
  return "other";
}

/**
 * Group addresses by interface and choose the one a LAN peer would use.
 *
 * @param infos What `Deno.networkInterfaces()` returns.
 * @param route The default route's interface, or why it is unknown.
 * @returns The report.
 */
export function describeAddresses(
  infos: Deno.NetworkInterfaceInfo[],
  route: { defaultRoute?: string; unknownBecause?: string } = {},
): IpReport {
  const byName = new Map<string, InterfaceReport>();
  for (const info of infos) {
    const entry = byName.get(info.name) ?? { name: info.name, addresses: [] };
    entry.addresses.push({
      family: info.family,
      address: info.address,
      cidr: info.cidr ?? info.address,
      kind: addressKind(info.family, info.address),
    });
    byName.set(info.name, entry);
  }
  const interfaces = [...byName.values()];
  return { interfaces, lan: chooseLan(interfaces, route) };
}

function chooseLan(
  interfaces: InterfaceReport[],
  { defaultRoute, unknownBecause = "no default route" }: {
    defaultRoute?: string;
    unknownBecause?: string;
  },
): LanChoice | null {
  const ipv4 = interfaces.flatMap((i) =>
    i.addresses
      .filter((a) => a.family === "IPv4" && a.kind !== "loopback")
      .map((a) => ({ interface: i.name, address: a.address, kind: a.kind }))
  );
  const routed = ipv4.find((a) => a.interface === defaultRoute);
  if (routed) {
    return {
      interface: routed.interface,
      address: routed.address,
      basis: "default route",
      reason: `${routed.interface} carries the default route`,
    };
  }
  // Without the route table, a private address is most likely the one facing the LAN, unless
  // it belongs to a bridge that containers or virtual machines use.
  const real = ipv4.filter((a) => !VIRTUAL_INTERFACE.test(a.interface));
  const guess = [real, ipv4]
    .map((list) => list.find((a) => a.kind === "private") ?? list.find((a) => a.kind === "other"))
    .find((a) => a !== undefined);
  if (!guess) return null;
  return {
    interface: guess.interface,
    address: guess.address,
    basis: "guess",
    reason: `first ${guess.kind === "private" ? "private" : "non-loopback"} IPv4 address, ` +
      `since the default route is unknown: ${unknownBecause}`,
  };
}

/**
 * Lay the report out for a person.
 *
 * @param report What {@linkcode describeAddresses} returned.
 * @returns The lines to print.
 */
export function formatReport(report: IpReport): string[] {
  const width = Math.max(
    0,
    ...report.interfaces.flatMap((i) => i.addresses.map((a) => a.cidr.length)),
  );
  const lines: string[] = [];
  for (const iface of report.interfaces) {
    const loopbackOnly = iface.addresses.every((a) => a.kind === "loopback");
    lines.push(
      loopbackOnly ? `${iface.name} (loopback: reachable only from this machine)` : iface.name,
    );
    for (const a of iface.addresses) {
      const isLan = report.lan?.interface === iface.name && report.lan.address === a.address;
      const note = isLan
        ? "<- a LAN peer would use this"
        : a.kind === "other" || a.kind === "loopback"
        ? ""
        : a.kind;
      lines.push(`  ${a.family}  ${a.cidr.padEnd(width)}  ${note}`.trimEnd());
    }
  }
  lines.push("");
  if (report.lan) {
    const { address, basis, reason } = report.lan;
    lines.push(
      `A LAN peer would reach this machine at ${address}${basis === "guess" ? " (a guess)" : ""}.`,
      `Why: ${reason}.`,
      "Servers listening on 127.0.0.1 are not reachable from it: start them with --host 0.0.0.0.",
    );
  } else {
    lines.push("No address a LAN peer could use: only loopback is configured.");
  }
  return lines;
}

/** The default route's interface from the route table, or why it cannot be known. */
function findDefaultRoute(): { defaultRoute?: string; unknownBecause?: string } {
  let output: Deno.CommandOutput;
  try {
    const [cmd, ...args] = ROUTE_COMMAND;
    output = new Deno.Command(cmd, { args, stdin: "null", stderr: "null" }).outputSync();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      return { unknownBecause: "the ip command (iproute2) is not installed" };
    }
    return { unknownBecause: errorMessage(err, "cannot run ip route") };
  }
  if (!output.success) return { unknownBecause: "ip route failed" };
  const defaultRoute = defaultRouteInterface(new TextDecoder().decode(output.stdout));
  return defaultRoute
    ? { defaultRoute }
    : { unknownBecause: "the route table has no default route" };
}

function fail(message: string, code = 1): never {
  console.error(`get_ip: ${message}`);
  Deno.exit(code);
}

if (import.meta.main) {
  let json = false;
  try {
    const { values } = parseFlags(Deno.args, {
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    });
    if (values.help) {
      console.log(USAGE);
      Deno.exit(0);
    }
    json = values.json ?? false;
  } catch (err) {
    if (err instanceof UsageError) fail(`${err.message} (see --help)`, 2);
    throw err;
  }

  let infos: Deno.NetworkInterfaceInfo[];
  try {
    infos = Deno.networkInterfaces();
  } catch (err) {
    fail(errorMessage(err, "cannot list network interfaces"));
  }
  const report = describeAddresses(infos, findDefaultRoute());
  console.log(json ? JSON.stringify(report, null, 2) : formatReport(report).join("\n"));
}

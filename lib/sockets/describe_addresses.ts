/**
 * Which of this machine's addresses a peer can use: each address classified by who can reach
 * it, grouped by interface, and the one a LAN peer would use chosen (from the default route
 * when it is known, by a guess when not). No I/O: the caller lists the interfaces and reads the
 * route table.
 *
 * The report is facts for a program (`kind` and `basis` are codes) plus one sentence, `reason`,
 * for a person, worded in the user's language like everything get-ip prints.
 *
 * @module
 */

import { displayWidth, padEndToWidth } from "../cli/display_width.ts";
import { socketsText as text } from "./text.ts";

/** Bridges and tunnels of Docker, libvirt, VMware, VirtualBox: they face guests, not the LAN. */
const VIRTUAL_INTERFACE = /^(docker|br-|veth|virbr|vmnet|vboxnet|tun|tap)/;

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
  /** Why, in a sentence in the user's language. */
  reason: string;
}

/** Everything get-ip prints. */
export interface IpReport {
  interfaces: InterfaceReport[];
  lan: LanChoice | null;
}

/** The default route's interface, or why it is unknown. */
export interface DefaultRoute {
  defaultRoute?: string;
  unknownBecause?: string;
}

/**
 * Classify an address by who can reach it.
 *
 * @param family `IPv4` or `IPv6`.
 * @param address The address.
 * @returns Its kind.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(addressKind("IPv4", "192.168.1.20"), "private");
 * equal(addressKind("IPv6", "::1"), "loopback");
 * ```
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
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * const lo = { family: "IPv4", name: "lo", address: "127.0.0.1", netmask: "255.0.0.0",
 *   scopeid: null, cidr: "127.0.0.1/8", mac: "" } as const;
 * equal(describeAddresses([lo]).lan, null);
 * ```
 */
export function describeAddresses(
  infos: Deno.NetworkInterfaceInfo[],
  route: DefaultRoute = {},
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
  { defaultRoute, unknownBecause = text("noRouteKnown") }: DefaultRoute,
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
      reason: text("reasonDefaultRoute", { iface: routed.interface }),
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
    reason: text(guess.kind === "private" ? "reasonGuessPrivate" : "reasonGuessOther", {
      why: unknownBecause,
    }),
  };
}

/**
 * Lay the report out for a person: each interface with its addresses, then the LAN address
 * and why.
 *
 * @param report What {@linkcode describeAddresses} returned.
 * @returns The lines to print.
 */
export function formatReport(report: IpReport): string[] {
  const width = Math.max(
    0,
    ...report.interfaces.flatMap((i) => i.addresses.map((a) => displayWidth(a.cidr))),
  );
  const lines: string[] = [];
  for (const iface of report.interfaces) {
    const loopbackOnly = iface.addresses.every((a) => a.kind === "loopback");
    lines.push(loopbackOnly ? text("loopbackInterface", { name: iface.name }) : iface.name);
    for (const a of iface.addresses) {
      const isLan = report.lan?.interface === iface.name && report.lan.address === a.address;
      const note = isLan ? text("lanMark") : KIND_NOTES[a.kind]?.() ?? "";
      lines.push(`  ${a.family}  ${padEndToWidth(a.cidr, width)}  ${note}`.trimEnd());
    }
  }
  lines.push("");
  if (report.lan) {
    const { address, basis, reason } = report.lan;
    lines.push(
      text(basis === "guess" ? "lanAtGuess" : "lanAt", { address }),
      text("lanWhy", { reason }),
      text("lanHint"),
    );
  } else {
    lines.push(text("noLan"));
  }
  return lines;
}

/** The kinds of address worth a note beside it; loopback is said once, by the interface. */
const KIND_NOTES: Partial<Record<AddressReport["kind"], () => string>> = {
  private: () => text("kindPrivate"),
  "link-local": () => text("kindLinkLocal"),
};

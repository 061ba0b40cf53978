/**
 * Lab: sockets basics — which address is mine?
 *
 * A machine has an address on every network interface, and which one a peer can use depends on
 * where the peer is: loopback (127.0.0.1, ::1) is reachable only from this machine, and a LAN
 * peer uses the address on the interface that faces the network, the one the default route
 * goes out of. This program asks the kernel's route table which interface that is (through
 * `ip route`, since Deno opens /proc/net/route only under --allow-all), guesses when it
 * cannot, and sends no traffic. How an address is classified and the LAN one chosen is in
 * `lib/sockets/describe_addresses.ts`.
 *
 * Run it:   deno task get-ip        (or with --json for scripts)
 *
 * @module
 */

import { errorMessage, parseProgramFlags } from "../../lib/cli/cli.ts";
import {
  type DefaultRoute,
  describeAddresses,
  formatReport,
} from "../../lib/sockets/describe_addresses.ts";
import { socketsText as text } from "../../lib/sockets/text.ts";

/** Asks iproute2 for the default routes, as JSON, so no output format has to be guessed. */
export const ROUTE_COMMAND = ["ip", "-j", "route", "show", "default"];

/** The default route's interface from the route table, or why it cannot be known. */
function findDefaultRoute(): DefaultRoute {
  let output: Deno.CommandOutput;
  try {
    const [cmd, ...args] = ROUTE_COMMAND;
    output = new Deno.Command(cmd, { args, stdin: "null", stderr: "null" }).outputSync();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      return { unknownBecause: text("noIpCommand") };
    }
    return { unknownBecause: errorMessage(err, text("cannotRunIp")) };
  }
  if (!output.success) return { unknownBecause: text("ipRouteFailed") };
  const defaultRoute = defaultRouteInterface(new TextDecoder().decode(output.stdout));
  return defaultRoute ? { defaultRoute } : { unknownBecause: text("noDefaultRoute") };
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

if (import.meta.main) {
  const parsed = parseProgramFlags({
    name: "get_ip",
    usage: () => text("getIpUsage"),
    args: Deno.args,
    options: { json: { type: "boolean", default: false } },
    read: (values) => ({ json: values.json }),
    log: console.log,
    error: console.error,
  });
  if ("exitCode" in parsed) Deno.exit(parsed.exitCode);

  let infos: Deno.NetworkInterfaceInfo[];
  try {
    infos = Deno.networkInterfaces();
  } catch (err) {
    console.error(`get_ip: ${errorMessage(err, text("cannotListInterfaces"))}`);
    Deno.exit(1);
  }
  const report = describeAddresses(infos, findDefaultRoute());
  console.log(
    parsed.flags.json ? JSON.stringify(report, null, 2) : formatReport(report).join("\n"),
  );
}

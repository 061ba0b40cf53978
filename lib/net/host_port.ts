/**
 * Reading ports and `host:port` pairs typed by a user.
 *
 * @module
 */

import { cliText } from "../cli/text.ts";

/** A host name or address with a port. */
export interface HostPort {
  hostname: string;
  port: number;
}

/**
 * Parse a TCP or UDP port to listen on.
 *
 * @param text The text the user typed.
 * @returns The port, 0 to 65535 (0 asks the kernel for any free port).
 * @throws {RangeError} When the text is not a whole number in that range.
 *
 * @example
 * ```ts
 * import { deepStrictEqual, throws } from "node:assert/strict";
 * deepStrictEqual(parsePort("15000"), 15000);
 * deepStrictEqual(parsePort("0"), 0);
 * throws(() => parsePort("70000"), RangeError);
 * ```
 */
export function parsePort(text: string): number {
  return portFrom(text, 0);
}

/**
 * Parse the TCP or UDP port of a server to connect or send to. Port 0 means "any free port"
 * only to a program that listens; no server can be reached on it, and Deno would refuse it
 * later with a raw "Invalid port", so it is a mistake to report now, like port 70000.
 *
 * @param text The text the user typed.
 * @returns The port, 1 to 65535.
 * @throws {RangeError} When the text is not a whole number in that range.
 *
 * @example
 * ```ts
 * import { deepStrictEqual, throws } from "node:assert/strict";
 * deepStrictEqual(parseRemotePort("15000"), 15000);
 * throws(() => parseRemotePort("0"), RangeError);
 * ```
 */
export function parseRemotePort(text: string): number {
  return portFrom(text, 1);
}

function portFrom(text: string, lowest: 0 | 1): number {
  const port = /^\d{1,5}$/.test(text.trim()) ? Number(text) : NaN;
  if (!(port >= lowest && port <= 65535)) {
    throw new RangeError(cliText("badPort", { text, lowest }));
  }
  return port;
}

/**
 * Parse the address of a server to connect to: `host:port`, `[v6addr]:port`, or a bare `host`
 * when a default port is given. The port is read by {@linkcode parseRemotePort}, so it is 1 to
 * 65535.
 *
 * @param text The text the user typed.
 * @param defaultPort Used when the text has no port.
 * @returns The host and port.
 * @throws {RangeError} When the port is missing (and no default is given) or invalid.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(parseHostPort("[::1]:4579"), { hostname: "::1", port: 4579 });
 * deepStrictEqual(parseHostPort("example.org", 80), { hostname: "example.org", port: 80 });
 * ```
 */
export function parseHostPort(text: string, defaultPort?: number): HostPort {
  const trimmed = text.trim();
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(trimmed);
  let hostname: string;
  let portText: string | undefined;
  if (bracketed) {
    [, hostname, portText] = bracketed;
  } else if (trimmed.split(":").length === 2) {
    [hostname, portText] = trimmed.split(":");
  } else {
    hostname = trimmed; // a bare name, or a bare IPv6 address with no port
  }
  if (hostname === "") throw new RangeError(cliText("emptyHost", { text }));
  if (portText === undefined || portText === "") {
    if (defaultPort === undefined) {
      throw new RangeError(cliText("badAddress", { text }));
    }
    return { hostname, port: defaultPort };
  }
  return { hostname, port: parseRemotePort(portText) };
}

/**
 * Show an address the way a user would type it back.
 *
 * @param addr A host and port.
 * @returns `host:port`, with brackets around an IPv6 address.
 */
export function formatHostPort(addr: HostPort): string {
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
}

/**
 * Tell whether a host is reachable only from this machine.
 *
 * @param hostname A name or address.
 * @returns True for `localhost`, `127.x.x.x` and `::1`.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(isLoopback("127.0.0.1"), true);
 * equal(isLoopback("0.0.0.0"), false);
 * ```
 */
export function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "::1" || hostname.startsWith("127.");
}

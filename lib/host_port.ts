/**
 * Reading ports and `host:port` pairs typed by a user.
 *
 * @module
 */

/** A host name or address with a port. */
export interface HostPort {
  hostname: string;
  port: number;
}

/**
 * Parse a TCP or UDP port number.
 *
 * @param text The text the user typed.
 * @returns The port, 0 to 65535 (0 asks the kernel for any free port).
 * @throws {RangeError} When the text is not a whole number in that range.
 *
 * @example
 * ```ts
 * import { deepStrictEqual, throws } from "node:assert/strict";
 * deepStrictEqual(parsePort("15000"), 15000);
 * throws(() => parsePort("70000"), RangeError);
 * ```
 */
export function parsePort(text: string): number {
  const port = /^\d{1,5}$/.test(text.trim()) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new RangeError(`Invalid port "${text}": expected a number from 0 to 65535`);
  }
  return port;
}

/**
 * Parse `host:port`, `[v6addr]:port`, or a bare `host` when a default port is given.
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
  if (hostname === "") throw new RangeError(`Invalid address "${text}": the host is empty`);
  if (portText === undefined || portText === "") {
    if (defaultPort === undefined) {
      throw new RangeError(`Invalid address "${text}": expected host:port`);
    }
    return { hostname, port: defaultPort };
  }
  return { hostname, port: parsePort(portText) };
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

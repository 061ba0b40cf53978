/**
 * Turning the host a user typed into the one address a UDP client sends every datagram to.
 *
 * @module
 */

import { lookup } from "node:dns/promises";

/**
 * Resolve a server's host name once, up front, so that a typo is reported before the first
 * line rather than after it, and every datagram goes to the same address. An IPv4 address is
 * preferred when the name has both, since the lab's servers listen on 127.0.0.1 by default.
 *
 * @param host A name or address, such as `localhost` or `::1`.
 * @param port The server's port.
 * @returns The server's UDP address.
 * @throws {Error} When the name does not resolve.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(await resolveServer("127.0.0.1", 15001),
 *   { transport: "udp", hostname: "127.0.0.1", port: 15001 });
 * ```
 */
export async function resolveServer(host: string, port: number): Promise<Deno.NetAddr> {
  const found = await lookup(host, { all: true });
  const address = found.find((a) => a.family === 4) ?? found[0];
  return { transport: "udp", hostname: address.address, port };
}

/**
 * The command line the lab clients share: where the server is, and how long to wait for it.
 *
 * @module
 */

import { socketsText } from "./text.ts";

/**
 * The `--host` and `--port` flags of a client, as `parseArgs` takes them. Read the port with
 * `parseRemotePort` from `lib/net/host_port.ts`: no server can be reached on port 0.
 *
 * @param defaultPort The port its server listens on by default.
 * @returns The flags, with the loopback address as the default host.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(clientFlags(15000).port.default, "15000");
 * ```
 */
export function clientFlags(defaultPort: number) {
  return {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: String(defaultPort) },
  } as const;
}

/**
 * Parse a timeout typed in milliseconds.
 *
 * @param text The text the user typed.
 * @returns The timeout, 1 ms or more.
 * @throws {RangeError} When the text is not a whole number of 1 or more.
 *
 * @example
 * ```ts
 * import { equal, throws } from "node:assert/strict";
 * equal(parseTimeoutMs("2000"), 2000);
 * throws(() => parseTimeoutMs("soon"), RangeError);
 * ```
 */
export function parseTimeoutMs(text: string): number {
  const ms = Number(text);
  if (!/^\d+$/.test(text) || ms < 1) {
    throw new RangeError(socketsText("badTimeout", { text }));
  }
  return ms;
}

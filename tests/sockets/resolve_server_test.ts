/**
 * resolveServer(): the one address a UDP client sends to.
 */

import { deepStrictEqual, rejects } from "node:assert/strict";
import { resolveServer } from "../../lib/sockets/resolve_server.ts";

Deno.test("resolveServer() keeps an address as it is", async () => {
  deepStrictEqual(await resolveServer("::1", 15001), {
    transport: "udp",
    hostname: "::1",
    port: 15001,
  });
});

Deno.test("resolveServer() prefers IPv4 for localhost", async () => {
  deepStrictEqual((await resolveServer("localhost", 1)).hostname, "127.0.0.1");
});

Deno.test("resolveServer() rejects a name that does not resolve", async () => {
  await rejects(resolveServer("nosuch.invalid", 1));
});

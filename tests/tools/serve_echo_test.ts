/**
 * lib/tools/serve_echo.ts: the benchmark's plain echo.
 */

import { deepStrictEqual } from "node:assert/strict";
import { serveEcho } from "../../lib/tools/serve_echo.ts";

Deno.test("serveEcho() returns every byte a client writes, and ends when the listener closes", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = serveEcho(listener).catch(() => {});
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const sent = new Uint8Array(100_000).map((_, i) => i % 251);
  const writing = conn.write(sent).then(async (n) => {
    for (let at = n; at < sent.length;) at += await conn.write(sent.subarray(at));
    await conn.closeWrite();
  });
  const got: number[] = [];
  const buf = new Uint8Array(16 * 1024);
  for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
    got.push(...buf.subarray(0, n));
  }
  await writing;
  conn.close();
  listener.close();
  await serving;
  deepStrictEqual(new Uint8Array(got), sent);
});

/**
 * The benchmark's yardstick: the plainest TCP echo Deno can run. Whatever a client writes
 * comes back as it is, with no framing, no parsing, no queue.
 *
 * @module
 */

/**
 * Bytes per read. 16 KiB holds many pipelined frames per read, and stays small enough that a
 * thousand idle connections cost what Deno's connections cost, not what our buffers cost.
 */
const READ_SIZE = 16 * 1024;

/**
 * Echo every connection until the listener is closed.
 *
 * @param listener A bound listener; every connection accepted from it is echoed.
 * @returns When the listener is closed and every connection has ended.
 * @throws {Error} When accepting fails for a reason other than the listener being closed.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const serving = serveEcho(listener).catch(() => {});
 * const conn = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
 * await conn.write(new TextEncoder().encode("hi"));
 * const buf = new Uint8Array(2);
 * equal(await conn.read(buf), 2);
 * conn.close();
 * listener.close();
 * await serving;
 * ```
 */
export async function serveEcho(listener: Deno.TcpListener): Promise<void> {
  const connections = new Set<Promise<void>>();
  for await (const conn of listener) {
    const task: Promise<void> = echo(conn).finally(() => connections.delete(task));
    connections.add(task);
  }
  await Promise.all(connections);
}

async function echo(conn: Deno.TcpConn): Promise<void> {
  conn.setNoDelay(true);
  const buf = new Uint8Array(READ_SIZE);
  try {
    for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
      for (let at = 0; at < n;) at += await conn.write(buf.subarray(at, n));
    }
  } catch {
    // A reset ends this connection only.
  } finally {
    try {
      conn.close();
    } catch {
      // Already closed.
    }
  }
}

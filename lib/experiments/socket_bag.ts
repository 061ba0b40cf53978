/**
 * The sockets an experiment opens on loopback, closed together when it ends, however it ends.
 *
 * @module
 */

import { closeQuietly } from "./experiment.ts";

/**
 * Holds the client ends an experiment connected and the server ends it accepted, and closes
 * them all when disposed. The experiment still makes every connect() and accept() itself; the
 * bag only spares it the `finally` that closes them.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * {
 *   using sockets = new SocketBag();
 *   const [client, server] = await Promise.all([
 *     Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
 *     listener.accept(),
 *   ]);
 *   sockets.clients.push(client);
 *   sockets.served.push(server);
 *   equal(sockets.clients.length, 1);
 * } // both ends are closed here
 * ```
 */
export class SocketBag implements Disposable {
  /** The client ends, in the order they connected. */
  readonly clients: Deno.TcpConn[] = [];
  /** The server ends, in the order they were accepted. */
  readonly served: Deno.TcpConn[] = [];

  /** Close every socket in the bag; one already closed is passed over. */
  [Symbol.dispose](): void {
    for (const conn of [...this.clients, ...this.served]) closeQuietly(conn);
  }
}

/**
 * A test's own TCP client for the line-based servers: send a line, await the next line, with a
 * failsafe so a missing reply fails the test instead of hanging it.
 *
 * @module
 */

import { readLines, writeLine } from "../lib/lines.ts";
import { WAIT_MS } from "./_task.ts";

/** A connection that reads and writes lines. */
export class LineClient {
  readonly conn: Deno.TcpConn;
  readonly #lines: AsyncGenerator<string>;
  #pending: Promise<IteratorResult<string>> | undefined;

  private constructor(conn: Deno.TcpConn) {
    this.conn = conn;
    this.#lines = readLines(conn, { maxLineBytes: 1 << 20 });
  }

  /**
   * Connect to a server on loopback.
   *
   * @param port The server's port.
   * @returns The client.
   */
  static async connect(port: number): Promise<LineClient> {
    return new LineClient(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  /** Send a line. */
  send(line: string): Promise<void> {
    return writeLine(this.conn, line);
  }

  /**
   * The next line from the server.
   *
   * @returns The line, or `null` when the server closed the connection.
   * @throws {Error} When nothing arrives within {@linkcode WAIT_MS}.
   */
  async next(): Promise<string | null> {
    // One read in flight: a timed-out wait leaves it pending for the next call.
    this.#pending ??= this.#lines.next();
    this.#pending.catch(() => {}); // closing the connection ends a read nobody waits for
    let timer: ReturnType<typeof setTimeout> | undefined;
    const failsafe = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("Timed out waiting for a line")), WAIT_MS);
    });
    try {
      const r = await Promise.race([this.#pending, failsafe]);
      this.#pending = undefined;
      return r.done ? null : r.value;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Close the connection (safe to call twice). */
  close(): void {
    try {
      this.conn.close();
    } catch {
      // Already closed.
    }
  }
}

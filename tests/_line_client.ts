/**
 * A test's own TCP client for the line-based servers: send a line, await the next line, with a
 * failsafe so a missing reply fails the test instead of hanging it.
 *
 * @module
 */

import { readLines, writeLine } from "../lib/net/lines.ts";
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

/**
 * Send a line too long for a server's limit, then another line, and read what comes back.
 *
 * @remarks
 * The server answers before it has read the rest of our bytes, so a server that simply closes
 * makes the kernel send a reset, which destroys the error line before we read it.
 *
 * @param port The server's port.
 * @returns The next two lines: the error, then `null` when the server closes properly.
 */
export async function tooLongLineReplies(port: number): Promise<(string | null)[]> {
  const client = await LineClient.connect(port);
  try {
    await client.send("x".repeat(70_000));
    await client.send("and more after it");
    return [await client.next(), await client.next()];
  } finally {
    client.close();
  }
}

/**
 * Test helpers for the LP lab: start the real `lp-server` task on a free port, and a raw
 * frame-level client that can send well-formed and malformed bytes alike.
 *
 * @module
 */

import { type Frame, HEADER_SIZE, MAGIC, VERSION } from "../lib/wire/frame.ts";
import { writeAll } from "../lib/wire/bytes.ts";
import { FrameConnection } from "../lib/wire/frame_connection.ts";
import { LP_MAX_PAYLOAD } from "../lib/lp/protocol.ts";
import { listeningPort, Program, WAIT_MS } from "./_task.ts";

/**
 * Start `lp-server` on port 0 and wait until it says where it listens.
 *
 * @param args Extra flags, such as `["--heartbeat", "1"]`.
 * @param stdin Whether the test will type console commands.
 * @param env Extra environment, such as `{ LANG: "zh_CN.UTF-8" }` for a server in Chinese.
 * @returns The program and its port.
 */
export async function startLpServer(
  args: string[] = [],
  stdin: "piped" | "null" = "null",
  env: Record<string, string> = {},
): Promise<{ server: Program; port: number }> {
  const server = new Program("lp-server", ["--port", "0", ...args], { stdin, env });
  try {
    return { server, port: await listeningPort(server) };
  } catch (err) {
    await server[Symbol.asyncDispose]();
    throw err;
  }
}

/**
 * Reject after {@linkcode WAIT_MS}: a failsafe so a missing frame fails the test instead of
 * hanging it, never a way to let time pass.
 */
export async function withFailsafe<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const failsafe = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out waiting for ${what}`)), WAIT_MS);
  });
  try {
    return await Promise.race([promise, failsafe]);
  } finally {
    clearTimeout(timer);
  }
}

/** A raw LP client: writes any bytes, reads whole frames. */
export class RawLp implements Disposable {
  readonly conn: Deno.TcpConn;
  readonly fc: FrameConnection;

  private constructor(conn: Deno.TcpConn) {
    this.conn = conn;
    this.fc = new FrameConnection(conn, { maxPayload: LP_MAX_PAYLOAD });
  }

  /**
   * Connect on loopback.
   *
   * @param port The server's port.
   * @returns The client.
   */
  static async connect(port: number): Promise<RawLp> {
    return new RawLp(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  /** Send frames, or raw bytes. */
  send(data: Frame | Frame[] | Uint8Array): Promise<void> {
    return data instanceof Uint8Array ? writeAll(this.conn, data) : this.fc.write(data);
  }

  /**
   * The next frame from the server.
   *
   * @returns The frame, or `null` once the server has closed the connection.
   */
  next(): Promise<Frame | null> {
    return withFailsafe(this.fc.read(), "a frame from the server");
  }

  /** Close the connection. */
  close(): void {
    this.fc.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * A header with any field values, valid or not, for malformed-frame tests.
 *
 * @param fields The fields to set; the rest are those of a valid `T` request with id 1.
 * @returns 12 bytes.
 */
export function rawHeader(
  fields: {
    magic?: number;
    version?: number;
    kind?: number;
    type?: string;
    status?: number;
    id?: number;
    length?: number;
  } = {},
): Uint8Array {
  const bytes = new Uint8Array(HEADER_SIZE);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, fields.magic ?? MAGIC);
  view.setUint8(2, fields.version ?? VERSION);
  view.setUint8(3, fields.kind ?? 1);
  view.setUint8(4, (fields.type ?? "T").charCodeAt(0));
  view.setUint8(5, fields.status ?? 0);
  view.setUint16(6, fields.id ?? 1);
  view.setUint32(8, fields.length ?? 0);
  return bytes;
}

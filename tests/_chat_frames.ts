/**
 * A test's own chat client that speaks raw frames: it can send what the real client never
 * would (unsafe file names, half an upload), or stop reading altogether.
 *
 * @module
 */

import { type Frame, Kind, Status } from "../lib/wire/frame.ts";
import { FrameConnection } from "../lib/wire/frame_connection.ts";
import { ChatType, indication, payloadObject, request } from "../lib/chat/protocol.ts";
import { WAIT_MS } from "./_task.ts";

/** A raw chat connection that records every frame it receives. */
export class RawChat {
  readonly conn: Deno.TcpConn;
  readonly fc: FrameConnection;
  /** Every frame received so far. */
  readonly frames: Frame[] = [];
  readonly #waiters = new Set<() => void>();
  #nextId = 1;
  #ended = false;
  #paused: Promise<void> | null = null;
  #resume: (() => void) | null = null;
  readonly #reading: Promise<void>;

  private constructor(conn: Deno.TcpConn) {
    this.conn = conn;
    this.fc = new FrameConnection(conn);
    this.#reading = this.#read();
  }

  /**
   * Connect to a chat server on loopback.
   *
   * @param port The server's port.
   * @returns The client, reading.
   */
  static async connect(port: number): Promise<RawChat> {
    return new RawChat(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  /** Whether the server has closed the connection. */
  get ended(): boolean {
    return this.#ended;
  }

  async #read(): Promise<void> {
    try {
      while (true) {
        if (this.#paused) await this.#paused;
        const frame = await this.fc.read();
        if (frame === null) break;
        this.frames.push(frame);
        this.#wake();
      }
    } catch {
      // Reset or closed by the test: the end of the stream either way.
    } finally {
      this.fc.close(); // as a real client does when the server hangs up
      this.#ended = true;
      this.#wake();
    }
  }

  #wake(): void {
    for (const w of this.#waiters) w();
  }

  /** Stop reading: the server's frames pile up in the kernel, then in its queue for us. */
  pause(): void {
    this.#paused ??= new Promise((resolve) => this.#resume = resolve);
  }

  /** Read again after {@linkcode RawChat.pause}. */
  resume(): void {
    this.#resume?.();
    this.#paused = null;
    this.#resume = null;
  }

  /**
   * Wait for a frame that matches.
   *
   * @param match The test.
   * @param what What is awaited, for the failure message.
   * @param from Only look at frames from this index on.
   * @returns The first match.
   */
  waitFor(match: (f: Frame) => boolean, what: string, from = 0): Promise<Frame> {
    return this.#until(() => this.frames.slice(from).find(match), what);
  }

  /**
   * Wait until `count` frames match, looking at each frame once.
   *
   * @param match The test.
   * @param count How many.
   * @param what What is awaited, for the failure message.
   */
  waitForCount(match: (f: Frame) => boolean, count: number, what: string): Promise<true> {
    let seen = 0, matched = 0;
    return this.#until(() => {
      for (; seen < this.frames.length; seen++) if (match(this.frames[seen])) matched++;
      return matched >= count || undefined;
    }, `${count} ${what}`);
  }

  /** Wait until the server closes the connection. */
  waitForEnd(): Promise<true> {
    return this.#until(() => this.#ended || undefined, "the end of the connection");
  }

  #until<T>(check: () => T | undefined, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`Timed out waiting for ${what}`)), WAIT_MS);
      const done = (err?: Error, value?: T) => {
        clearTimeout(timer);
        this.#waiters.delete(poll);
        if (err) reject(err);
        else resolve(value as T);
      };
      const poll = () => {
        const value = check();
        if (value !== undefined) done(undefined, value);
        else if (this.#ended) done(new Error(`Connection ended before ${what}`));
      };
      this.#waiters.add(poll);
      poll();
    });
  }

  /**
   * Send a request and wait for its response.
   *
   * @param type The type letter.
   * @param payload JSON payload, if any.
   * @param id A fixed id, such as a transfer's.
   * @returns The response, whatever its status.
   */
  async request(type: string, payload?: unknown, id?: number): Promise<Frame> {
    const rid = id ?? this.#nextId++;
    const from = this.frames.length;
    await this.fc.write(request(type, rid, payload));
    return await this.waitFor(
      (f) => f.kind === Kind.Response && f.id === rid && f.type === type,
      `the response to "${type}" ${rid}`,
      from,
    );
  }

  /**
   * Join, failing the test if refused.
   *
   * @param name The user name.
   */
  async join(name: string): Promise<void> {
    const res = await this.request(ChatType.Join, { name });
    if (res.status !== Status.Ok) {
      throw new Error(`Join as "${name}" refused: ${JSON.stringify(payloadObject(res))}`);
    }
  }

  /**
   * Send an indication, such as a data chunk.
   *
   * @param type The type letter.
   * @param payload Bytes or JSON.
   * @param id The transfer id.
   */
  async indicate(type: string, payload: unknown, id: number): Promise<void> {
    await this.fc.write(indication(type, payload, { id }));
  }

  /** The chat texts received so far, in order. */
  texts(): string[] {
    return this.frames
      .filter((f) => f.kind === Kind.Indication && f.type === ChatType.Chat)
      .map((f) => String(payloadObject(f).text));
  }

  /** Close, and wait for the reader to stop. */
  async close(): Promise<void> {
    this.fc.close();
    this.#resume?.();
    await this.#reading;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * A scripted server on loopback, for a client run in this process: the test reads the client's
 * frames with `next()` and writes the server's answers itself.
 *
 * @returns The client's end, the server's end, and the client's next frame.
 */
export async function scripted(): Promise<{
  conn: Deno.TcpConn;
  server: FrameConnection;
  next: () => Promise<Frame>;
}> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const server = new FrameConnection(await accepted);
  listener.close();
  /** The client's next frame; a failsafe ends a wait that would otherwise hang the test. */
  const next = async (): Promise<Frame> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("No frame from the client")), WAIT_MS);
    });
    try {
      const frame = await Promise.race([server.read(), late]);
      if (frame === null) throw new Error("the client closed");
      return frame;
    } finally {
      clearTimeout(timer);
    }
  };
  return { conn, server, next };
}

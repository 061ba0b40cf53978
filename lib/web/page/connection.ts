/**
 * One WebSocket to the chat server, speaking the project's own frames: one binary message is
 * exactly one LP frame (lib/wire/frame.ts), with the same types, statuses and payloads as over
 * TCP (docs/PROTOCOL.md). This module matches responses to requests by id, hands indications on,
 * and keeps the connection alive with `H` requests as the terminal client does. It does not
 * reconnect: lib/web/page/session.ts opens a new one.
 *
 * @module
 */

import { encodeFrame, type Frame, FrameDecoder, Kind } from "../../wire/frame.ts";
import { ChatType, DEFAULT_HEARTBEAT_SECONDS, request } from "../../chat/protocol.ts";

/** The connection closed (or never opened) before a request was answered. */
export class ConnectionLost extends Error {
  constructor() {
    super("Connection lost");
    this.name = "ConnectionLost";
  }
}

/** What the owner of a connection hears from it. */
export interface ConnectionEvents {
  /** News from the server (kind 3), in the order it came. */
  indication(frame: Frame): void;
  /** The socket closed, for whatever reason; called once. */
  closed(): void;
}

/** How long opening the WebSocket may take before the attempt counts as failed. */
const OPEN_TIMEOUT_MS = 10_000;

/** Ids are 16 bits; 0 answers nothing. */
const MAX_ID = 0xffff;

/**
 * An open WebSocket carrying frames.
 *
 * @remarks
 * The server answers one member's requests in order, each before it reads the next frame, so a
 * response also tells the page that everything sent before its request has been read: the
 * upload (lib/web/page/upload.ts) uses that for flow control.
 */
export class Connection {
  readonly #ws: WebSocket;
  readonly #events: ConnectionEvents;
  readonly #decoder = new FrameDecoder();
  readonly #waiting = new Map<
    number,
    { resolve(f: Frame): void; reject(e: Error): void }
  >();
  readonly #transfers = new Map<number, (frame: Frame | null) => void>();
  #nextId = 1;
  #lastSent = Date.now();
  #lastReceived = Date.now();
  #heartbeatMs = DEFAULT_HEARTBEAT_SECONDS * 1000;
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  private constructor(ws: WebSocket, events: ConnectionEvents) {
    this.#ws = ws;
    this.#events = events;
    ws.addEventListener("message", (e) => this.#receive(e.data));
    ws.addEventListener("close", () => this.#finish());
  }

  /**
   * Open a connection to the page's own server.
   *
   * @param url The WebSocket URL, `ws://HOST/ws`.
   * @param events Who hears indications and the close.
   * @returns The connection, once open.
   * @throws {ConnectionLost} When it cannot be opened.
   */
  static open(url: string, events: ConnectionEvents): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.binaryType = "arraybuffer";
      const failed = () => {
        clearTimeout(late);
        ws.removeEventListener("open", opened);
        reject(new ConnectionLost());
      };
      const opened = () => {
        clearTimeout(late);
        ws.removeEventListener("error", failed);
        ws.removeEventListener("close", failed);
        resolve(new Connection(ws, events));
      };
      // A server that takes the connection but never answers the handshake is as good as gone.
      const late = setTimeout(() => {
        ws.close();
        failed();
      }, OPEN_TIMEOUT_MS);
      ws.addEventListener("error", failed, { once: true });
      ws.addEventListener("close", failed, { once: true });
      ws.addEventListener("open", opened, { once: true });
    });
  }

  /** Whether the socket has closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes handed to the socket and not yet sent: the page's side of back-pressure. */
  get bufferedAmount(): number {
    return this.#ws.bufferedAmount;
  }

  /**
   * Send an `H` request whenever nothing else was sent for half an interval, and give up on a
   * server that has sent nothing for two intervals while a request waits for its answer (a
   * network that went away without a word): the socket is then closed, and the session
   * reconnects.
   *
   * @param seconds The server's heartbeat interval, from its `J` response.
   */
  keepAlive(seconds: number): void {
    this.#heartbeatMs = seconds * 1000;
    clearInterval(this.#timer);
    this.#timer = setInterval(() => {
      const now = Date.now();
      if (
        this.#waiting.size > 0 &&
        now - this.#lastReceived > 2 * this.#heartbeatMs
      ) {
        return this.close();
      }
      if (now - this.#lastSent >= this.#heartbeatMs / 2) {
        this.request(ChatType.Heartbeat).catch(() => {}); // a lost connection is seen by close
      }
    }, Math.max(250, this.#heartbeatMs / 4));
  }

  /**
   * A request id not in use by a request in flight or a transfer, for a transfer to keep
   * until {@linkcode Connection.releaseId}.
   *
   * @param onFrame Hears the transfer's indications (an `X` from the server), and `null` if
   *   the socket closes first.
   * @returns The id.
   */
  reserveId(onFrame: (frame: Frame | null) => void): number {
    const id = this.#freeId();
    this.#transfers.set(id, onFrame);
    return id;
  }

  /** @param id A transfer id from {@linkcode Connection.reserveId}, now free again. */
  releaseId(id: number): void {
    this.#transfers.delete(id);
  }

  #freeId(): number {
    for (let tries = 0; tries < MAX_ID; tries++) {
      const id = this.#nextId;
      this.#nextId = id === MAX_ID ? 1 : id + 1;
      if (!this.#waiting.has(id) && !this.#transfers.has(id)) return id;
    }
    throw new RangeError("Every request id is in use");
  }

  /**
   * Send a request and wait for its response.
   *
   * @param type The type letter.
   * @param payload JSON payload, if any.
   * @param id A transfer's id; a fresh one when omitted.
   * @returns The response, whatever its status.
   * @throws {ConnectionLost} When the socket closes first.
   */
  request(type: string, payload?: unknown, id?: number): Promise<Frame> {
    if (this.#closed) return Promise.reject(new ConnectionLost());
    const rid = id ?? this.#freeId();
    const answer = new Promise<Frame>((resolve, reject) => {
      this.#waiting.set(rid, { resolve, reject });
    });
    this.send(request(type, rid, payload));
    return answer;
  }

  /**
   * Send a frame as one binary message.
   *
   * @param frame The frame, such as a file chunk.
   */
  send(frame: Frame): void {
    if (this.#closed) return;
    // encodeFrame allocates a plain ArrayBuffer, never a shared one.
    this.#ws.send(encodeFrame(frame) as Uint8Array<ArrayBuffer>);
    this.#lastSent = Date.now();
  }

  /** Close the socket; pending requests fail with {@linkcode ConnectionLost}. */
  close(): void {
    this.#ws.close();
    this.#finish();
  }

  #receive(data: unknown): void {
    this.#lastReceived = Date.now();
    if (!(data instanceof ArrayBuffer)) return this.close(); // the server sends only binary
    let frames: Frame[];
    try {
      frames = this.#decoder.push(new Uint8Array(data));
    } catch {
      return this.close();
    }
    for (const frame of frames) {
      if (frame.kind === Kind.Response) {
        const waiter = this.#waiting.get(frame.id);
        this.#waiting.delete(frame.id);
        waiter?.resolve(frame);
      } else if (frame.kind === Kind.Indication) {
        const transfer = frame.id === 0 ? undefined : this.#transfers.get(frame.id);
        if (transfer) transfer(frame);
        else this.#events.indication(frame);
      }
    }
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    for (const waiter of this.#waiting.values()) {
      waiter.reject(new ConnectionLost());
    }
    this.#waiting.clear();
    for (const transfer of this.#transfers.values()) transfer(null);
    this.#transfers.clear();
    this.#events.closed();
  }
}

/**
 * A client's side of one framed connection: requests matched to their responses by id, a
 * background reader, heartbeats while nothing else is sent, and a time limit on answers. The
 * chat client and the LP client are both built on it; what an indication means stays with them.
 *
 * @module
 */

import { FAREWELL_MS } from "./deadline.ts";
import { errorMessage } from "../cli/cli.ts";
import { cliText } from "../cli/text.ts";
import { type Frame, Kind, makeFrame, Status } from "../wire/frame.ts";
import { type ByteStream, FrameConnection } from "../wire/frame_connection.ts";
import { withDeadline } from "./deadline.ts";

/** What {@linkcode RequestSession.closed} resolves with when the server closed cleanly. */
export const SERVER_CLOSED = "the server closed the connection";

/** Request ids run 1 to 65535 and wrap around; 0 is left for frames that answer nothing. */
const MAX_ID = 0xffff;

/** A request failed: the server said no, did not answer in time, or the connection ended. */
export class RequestError extends Error {
  /** The response's status; `Timeout` when none came, `Gone` when the connection ended. */
  readonly status: number;

  /**
   * @param status The status.
   * @param message Why, for the user.
   */
  constructor(status: number, message: string) {
    super(message);
    this.name = "RequestError";
    this.status = status;
  }
}

/** How a {@linkcode RequestSession} behaves; every duration is in milliseconds. */
export interface RequestSessionOptions {
  /** The heartbeat request's type letter (`H` in both of the lab's protocols). */
  heartbeatType: string;
  /** Heartbeat interval while nothing else is sent; see {@linkcode RequestSession.heartbeatEvery}. */
  heartbeatMs: number;
  /** Longest wait for a response. Absent: a request waits until the connection ends. */
  requestTimeoutMs?: number;
  /** Largest payload accepted from the server (default: the frame's own limit). */
  maxPayload?: number;
  /** The message of a refusal, from a response whose status is not `Ok`. */
  refusalText?: (response: Frame) => string;
}

/** What one request may add to its type and payload. */
export interface RequestOptions {
  /** The id to use, from {@linkcode RequestSession.reserveId}: a transfer's frames carry it. */
  id?: number;
  /**
   * Runs in the reader on the successful response, before the next frame is read: a download
   * opens its file here, so the file is ready when the first chunk arrives.
   */
  inReader?: (response: Frame) => Promise<void>;
}

interface Pending {
  resolve(response: Frame): void;
  reject(err: Error): void;
  type: string;
  /** The `performance.now()` after which the request has timed out. */
  deadline: number;
  inReader?: (response: Frame) => Promise<void>;
}

/**
 * The line to show when a session ended, worded as in the TCP client.
 *
 * @param reason What {@linkcode RequestSession.closed} resolved with.
 * @returns The line.
 */
export function endLine(reason: string): string {
  if (reason === SERVER_CLOSED) return cliText("serverClosed");
  const lost = /^connection lost: (.*)$/s.exec(reason);
  if (lost) return cliText("connectionLost", { why: lost[1] });
  return cliText("disconnected", { reason: reason === "closed" ? cliText("closedByUs") : reason });
}

/**
 * Requests and responses over one connection. Subclasses give indications their meaning by
 * overriding {@linkcode RequestSession.onIndication}, and clean up in
 * {@linkcode RequestSession.onEnd}.
 *
 * @example
 * ```ts ignore
 * const session = new RequestSession(await Deno.connect({ port: 4579 }), {
 *   heartbeatType: "H",
 *   heartbeatMs: 5000,
 * });
 * const response = await session.request("T");
 * await session.goodbye("Q");
 * ```
 */
export class RequestSession {
  /**
   * Resolves once the connection has ended and everything is cleaned up, with the reason:
   * {@linkcode SERVER_CLOSED}, `closed` (by us), or `connection lost: …`. Never rejects.
   */
  readonly closed: Promise<string>;
  /** Why reading failed, such as a `ProtocolError` from a server of another kind. */
  failure: unknown;
  /** Responses whose id matched no pending request (always 0 against a correct server). */
  unexpected = 0;
  readonly #fc: FrameConnection;
  readonly #options: RequestSessionOptions;
  readonly #pending = new Map<number, Pending>();
  /** Ids held for transfers in progress: no request may take them meanwhile. */
  readonly #reserved = new Set<number>();
  #lastId = 0;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #sentSinceTick = false;
  /** The one timer for request timeouts, armed for the oldest pending request. */
  #timeout: ReturnType<typeof setTimeout> | undefined;
  #ended = false;
  #closing = false;

  /**
   * Start reading, and heartbeats.
   *
   * @param conn A connected stream; the session owns it from now on.
   * @param options Heartbeats, time limits, and how to word a refusal.
   */
  constructor(conn: ByteStream, options: RequestSessionOptions) {
    this.#fc = new FrameConnection(conn, { maxPayload: options.maxPayload });
    this.#options = options;
    this.heartbeatEvery(options.heartbeatMs);
    this.closed = this.#readLoop();
  }

  /** Whether the connection has ended: requests now fail at once. */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * Send a request and wait for the response with its id.
   *
   * @param type The type letter.
   * @param payload JSON payload, if any.
   * @param options A fixed id, and a step to run in the reader.
   * @returns The response, whose status is `Ok`.
   * @throws {RequestError} When the server refuses, no answer comes in time, or the
   *   connection ends first.
   */
  request(type: string, payload?: unknown, options: RequestOptions = {}): Promise<Frame> {
    if (this.#ended) return Promise.reject(notConnected());
    let id: number;
    let frame: Frame;
    try {
      id = options.id ?? this.#freeId();
      frame = makeFrame(Kind.Request, type, { id, payload });
    } catch (err) {
      return Promise.reject(err);
    }
    const timeoutMs = this.#options.requestTimeoutMs ?? Infinity;
    const answered = new Promise<Frame>((resolve, reject) => {
      const deadline = performance.now() + timeoutMs;
      this.#pending.set(id, { resolve, reject, type, deadline, inReader: options.inReader });
    });
    this.#armTimeout();
    this.send(frame).catch((err) => {
      const error = err instanceof RequestError ? err : new RequestError(
        Status.Gone,
        errorMessage(err, cliText("cannotSend")),
      );
      this.#settle(id, (p) => p.reject(error));
    });
    return answered.then((response) => {
      if (response.status === Status.Ok) return response;
      const text = this.#options.refusalText?.(response) ??
        cliText("refused", { status: response.status });
      throw new RequestError(response.status, text);
    });
  }

  /**
   * Send a frame that expects no answer: a chunk, an acknowledgement, a cancel.
   *
   * @param frame The frame.
   * @returns Resolves once the kernel has it.
   * @throws {RequestError} With `Gone` when the connection has ended.
   */
  send(frame: Frame): Promise<void> {
    if (this.#ended) return Promise.reject(notConnected());
    this.#sentSinceTick = true;
    return this.#fc.write(frame);
  }

  /**
   * An id no request will take until {@linkcode RequestSession.releaseId}: a transfer's
   * chunks and end carry the id of the request that started it.
   */
  reserveId(): number {
    const id = this.#freeId();
    this.#reserved.add(id);
    return id;
  }

  /** Give back an id from {@linkcode RequestSession.reserveId}. */
  releaseId(id: number): void {
    this.#reserved.delete(id);
  }

  /**
   * Send a heartbeat at every tick of `ms` for which nothing else was sent: any frame tells the
   * server we are alive, so a busy connection sends none, and an idle one is never silent for
   * longer than two intervals.
   *
   * @param ms The interval.
   */
  heartbeatEvery(ms: number): void {
    clearInterval(this.#heartbeat);
    if (this.#ended) return;
    this.#heartbeat = setInterval(() => {
      if (!this.#sentSinceTick) {
        this.request(this.#options.heartbeatType).catch(() => {
          // A missed heartbeat shows up as the server closing; nothing to tell the user here.
        });
      }
      this.#sentSinceTick = false;
    }, ms);
  }

  /**
   * Say goodbye (the chat's leave, the LP quit), wait a little for the answer, then close.
   *
   * @param type The goodbye's type letter.
   * @param graceMs Longest wait for the answer.
   */
  async goodbye(type: string, graceMs = FAREWELL_MS): Promise<void> {
    if (!this.#ended) await withDeadline(this.request(type), graceMs);
    this.close();
    await this.closed;
  }

  /** Close the connection at once; pending requests fail with `Gone`. */
  close(): void {
    this.#closing = true;
    this.#stop(); // the reader fails every pending request once it sees the close
  }

  /**
   * What an indication means; awaited before the next frame is read, so a slow step (writing a
   * chunk to disk) holds the reader back rather than piling frames up in memory.
   *
   * @param _frame The indication.
   */
  protected onIndication(_frame: Frame): void | Promise<void> {}

  /**
   * Clean-up once the reader has stopped and every pending request has failed; awaited before
   * {@linkcode RequestSession.closed} resolves.
   *
   * @param _reason Why the connection ended.
   */
  protected onEnd(_reason: string): void | Promise<void> {}

  #stop(): void {
    clearInterval(this.#heartbeat);
    clearTimeout(this.#timeout);
    this.#timeout = undefined;
    this.#fc.close();
  }

  #freeId(): number {
    for (let tries = 0; tries < MAX_ID; tries++) {
      this.#lastId = this.#lastId >= MAX_ID ? 1 : this.#lastId + 1;
      const id = this.#lastId;
      if (!this.#pending.has(id) && !this.#reserved.has(id)) return id;
    }
    throw new RangeError(`All ${MAX_ID} request ids are waiting for an answer`);
  }

  #settle(id: number, action: (p: Pending) => void): boolean {
    const p = this.#pending.get(id);
    if (p === undefined) return false;
    this.#pending.delete(id);
    action(p);
    return true;
  }

  /**
   * Keep one timer armed for the oldest pending request, instead of a timer per request:
   * creating and clearing a timer for every request took a fifth of a pipelining client's time.
   * Every request waits the same time and the map keeps insertion order (a reused id is
   * inserted again at the end), so the first entry always has the earliest deadline.
   */
  #armTimeout(): void {
    const limitMs = this.#options.requestTimeoutMs;
    if (limitMs === undefined || this.#timeout !== undefined || this.#ended) return;
    const oldest = this.#pending.values().next();
    if (oldest.done) return;
    this.#timeout = setTimeout(() => {
      this.#timeout = undefined;
      const now = performance.now();
      for (const [id, p] of this.#pending) {
        if (p.deadline > now) break;
        const text = cliText("noAnswer", { type: p.type, seconds: limitMs / 1000 });
        this.#settle(id, () => p.reject(new RequestError(Status.Timeout, text)));
      }
      this.#armTimeout();
    }, Math.max(0, oldest.value.deadline - performance.now()));
  }

  async #readLoop(): Promise<string> {
    let reason = SERVER_CLOSED;
    try {
      for (let frame = await this.#fc.read(); frame !== null; frame = await this.#fc.read()) {
        // Awaited only when there is something to wait for: a burst of responses is matched
        // without a pause between them.
        const step = frame.kind === Kind.Response
          ? this.#answer(frame)
          : frame.kind === Kind.Indication
          ? this.onIndication(frame)
          : undefined; // the server asks nothing of a client in either protocol
        if (step !== undefined) await step;
      }
    } catch (err) {
      // A reset or a malformed stream ends the session as a close does.
      if (!this.#closing) this.failure = err;
      reason = this.#closing ? "closed" : `connection lost: ${errorMessage(err)}`;
    }
    this.#ended = true;
    this.#stop();
    for (const id of [...this.#pending.keys()]) {
      this.#settle(id, (p) => p.reject(new RequestError(Status.Gone, endLine(reason))));
    }
    try {
      await this.onEnd(reason);
    } catch {
      // Clean-up is best effort; the connection is over either way.
    }
    return reason;
  }

  #answer(response: Frame): Promise<void> | undefined {
    const p = this.#pending.get(response.id);
    if (p === undefined) {
      this.unexpected++;
      return;
    }
    this.#pending.delete(response.id);
    if (p.inReader === undefined || response.status !== Status.Ok) {
      p.resolve(response);
      return;
    }
    return p.inReader(response).then(() => p.resolve(response), (err) => p.reject(err));
  }
}

function notConnected(): RequestError {
  return new RequestError(Status.Gone, cliText("notConnected"));
}

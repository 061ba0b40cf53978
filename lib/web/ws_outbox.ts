/**
 * A WebSocket member's outgoing queue: what `Outbox` (lib/net/outbox.ts) is for a TCP member,
 * with the same bounds, over a socket that takes one frame per message and says only how many
 * bytes it still holds.
 *
 * @module
 */

import { HEADER_SIZE } from "../wire/frame.ts";
import type { OutboxLimits } from "../net/outbox.ts";

/**
 * Bytes handed to the socket and not yet sent, beyond which the rest wait in the queue. Deno
 * copies what it is handed, so this is memory per member; and what waits in the queue can
 * still be dropped by a farewell, so a slow reader's last notice goes out soon.
 */
export const SOCKET_BYTES = 256 * 1024;
/** How soon the socket is looked at again while something waits for it: at first, at most. */
const FIRST_CHECK_MS = 1;
const LAST_CHECK_MS = 64;

/** What waits for the socket: one whole frame, a message or a file chunk. */
interface Pending {
  bytes: Uint8Array;
  flow: boolean;
}

/** Bytes handed to the socket: where they end in the count of all bytes handed, and what. */
interface Handed {
  end: number;
  size: number;
  flow: boolean;
}

/**
 * Frames waiting to go to one browser.
 *
 * @remarks
 * The bounds are `Outbox`'s: messages count against `maxQueuedBytes` until they have left the
 * socket ({@linkcode WsOutbox.push} says `false` past it: the member is too slow), file chunks
 * wait for room in `flowWindowBytes`, and a farewell drops what has not gone yet.
 *
 * A WebSocket says how many bytes it still holds (`bufferedAmount`), never when they went. So
 * the queue hands it frames while it holds less than {@linkcode SOCKET_BYTES}, counts what it
 * has sent only when asked (or when about to hand it more), and looks again on a timer only
 * while something waits: a queue blocked on the socket, or someone waiting for room. An idle
 * member, or one that keeps up, costs no timer at all.
 *
 * @example
 * ```ts ignore
 * const outbox = new WsOutbox(socket, { maxQueuedBytes: 1 << 20, flowWindowBytes: 1 << 20 });
 * if (!outbox.push(encodeFrame(frame))) dropSlowMember();
 * ```
 */
export class WsOutbox {
  readonly #socket: WebSocket;
  readonly #limits: OutboxLimits;
  #queue: Pending[] = [];
  #handed: Handed[] = [];
  /** Bytes ever handed to the socket, and how many of them it has sent as far as we know. */
  #handedTotal = 0;
  #sentTotal = 0;
  #messageBytes = 0;
  #flowBytes = 0;
  #lastProgress = Date.now();
  #waiters: (() => void)[] = [];
  #sealed = false;
  #closed = false;

  /**
   * @param socket The socket, open or about to open (frames wait for its `open` event).
   * @param limits How far the member may fall behind, and its file-chunk window.
   */
  constructor(socket: WebSocket, limits: OutboxLimits) {
    this.#socket = socket;
    this.#limits = limits;
    socket.addEventListener("open", () => {
      this.#pump();
      this.#wake(); // a hang-up waiting for the socket to open
    });
  }

  /** Bytes queued or not yet sent by the socket, file chunks included. */
  get queuedBytes(): number {
    this.#settle();
    return this.#messageBytes + this.#flowBytes;
  }

  /** Bytes of messages (not file chunks) queued or not yet sent by the socket. */
  get messageBytes(): number {
    this.#settle();
    return this.#messageBytes;
  }

  /** `Date.now()` when the socket was last seen to have sent something. */
  get lastProgress(): number {
    this.#settle();
    return this.#lastProgress;
  }

  /**
   * Queue a message: one or more encoded frames, each sent as one WebSocket message.
   *
   * @param bytes The frames.
   * @returns `false` when the queue is full (the member is too slow), `true` when queued, or
   *   dropped because the outbox is closed.
   */
  push(bytes: Uint8Array): boolean {
    if (this.#closed || this.#sealed) return true;
    const max = this.#limits.maxQueuedBytes;
    if (this.#messageBytes > 0 && this.#messageBytes + bytes.length > max) {
      this.#settle(); // what the socket has sent meanwhile no longer counts
      if (this.#messageBytes > 0 && this.#messageBytes + bytes.length > max) return false;
    }
    this.#messageBytes += bytes.length;
    for (const frame of splitFrames(bytes)) this.#queue.push({ bytes: frame, flow: false });
    this.#pump();
    return true;
  }

  /**
   * Queue a file chunk once the window has room; the header and the chunk go as one message.
   *
   * @param header The chunk frame's header.
   * @param payload The chunk.
   * @throws {Deno.errors.BrokenPipe} When the outbox is closed before or while waiting.
   */
  async pushFlow(header: Uint8Array, payload: Uint8Array): Promise<void> {
    const size = header.length + payload.length;
    const window = this.#limits.flowWindowBytes ?? 0;
    while (
      !this.#closed && !this.#sealed && this.#flowBytes > 0 && this.#flowBytes + size > window
    ) {
      await this.#waitForProgress();
    }
    if (this.#closed || this.#sealed) {
      throw new Deno.errors.BrokenPipe("The connection is closed");
    }
    const bytes = new Uint8Array(size);
    bytes.set(header);
    bytes.set(payload, header.length);
    this.#flowBytes += size;
    this.#queue.push({ bytes, flow: true });
    this.#pump();
  }

  /**
   * Wait until at most `bytes` of messages are queued, or the outbox is closed or has said its
   * farewell.
   *
   * @param bytes The low-water mark.
   */
  async messagesBelow(bytes: number): Promise<void> {
    while (!this.#closed && !this.#sealed && this.messageBytes > bytes) {
      await this.#waitForProgress();
    }
  }

  /**
   * Say goodbye: drop what has not reached the socket, queue `last`, take nothing more.
   *
   * @param last One encoded frame.
   */
  farewell(last: Uint8Array): void {
    if (this.#closed || this.#sealed) return;
    for (const { bytes, flow } of this.#queue) {
      if (flow) this.#flowBytes -= bytes.length;
      else this.#messageBytes -= bytes.length;
    }
    this.#queue = [{ bytes: last, flow: false }];
    this.#messageBytes += last.length;
    this.#sealed = true;
    this.#wake(); // a download waiting for window room gives up
    this.#pump();
  }

  /** Wait until everything queued so far has left the socket, or never will. */
  async drained(): Promise<void> {
    while (!this.#closed) {
      this.#settle();
      if (this.#queue.length === 0 && this.#handed.length === 0) return;
      const state = this.#socket.readyState;
      if (state !== WebSocket.OPEN && state !== WebSocket.CONNECTING) return;
      await this.#waitForProgress();
    }
  }

  /** Stop: drop what is queued, wake every waiter. Safe to call more than once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#handed = [];
    this.#messageBytes = 0;
    this.#flowBytes = 0;
    WsOutbox.#unwatch(this);
    this.#wake();
  }

  /** Hand the socket what fits, in order; look again later for the rest. */
  #pump(): void {
    if (this.#closed || this.#socket.readyState !== WebSocket.OPEN) return; // "open" pumps
    const queue = this.#queue;
    let taken = 0;
    for (; taken < queue.length; taken++) {
      const { bytes, flow } = queue[taken];
      if (this.#held() > 0 && this.#held() + bytes.length > SOCKET_BYTES) {
        this.#settle();
        if (this.#held() > 0 && this.#held() + bytes.length > SOCKET_BYTES) break;
      }
      this.#socket.send(bytes);
      this.#handedTotal += bytes.length;
      this.#handed.push({ end: this.#handedTotal, size: bytes.length, flow });
    }
    if (taken > 0) queue.splice(0, taken);
    if (queue.length > 0) WsOutbox.#watch(this);
  }

  /** Bytes handed to the socket that it has not sent, as far as we know. */
  #held(): number {
    return this.#handedTotal - this.#sentTotal;
  }

  /**
   * Count what the socket has sent as no longer queued, and wake whoever waits for that.
   *
   * @returns Whether anything was sent since the last look.
   */
  #settle(): boolean {
    const handed = this.#handed;
    if (handed.length === 0) return false;
    // A socket that is closing or closed says 0: nothing more of it will be sent either way.
    const sent = this.#handedTotal - this.#socket.bufferedAmount;
    let done = 0;
    for (; done < handed.length && handed[done].end <= sent; done++) {
      if (handed[done].flow) this.#flowBytes -= handed[done].size;
      else this.#messageBytes -= handed[done].size;
    }
    this.#sentTotal = Math.max(this.#sentTotal, sent);
    if (done === 0) return false;
    handed.splice(0, done);
    this.#lastProgress = Date.now();
    this.#wake();
    return true;
  }

  /**
   * Wait until the socket has sent something, opens, or the outbox closes: whatever may let the
   * caller go on. Only bytes handed to the socket can be watched; the rest move on its events.
   */
  #waitForProgress(): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#waiters.push(resolve);
    if (this.#handed.length > 0) WsOutbox.#watch(this);
    return promise;
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /** Outboxes whose socket is looked at again on the shared timer. */
  static #checking = new Set<WsOutbox>();
  static #timer: ReturnType<typeof setTimeout> | undefined;
  static #delay = FIRST_CHECK_MS;

  /**
   * Look at this outbox's socket again soon. One timer for every outbox, backing off while no
   * socket sends anything (a stalled reader costs a look every {@linkcode LAST_CHECK_MS}).
   */
  static #watch(outbox: WsOutbox): void {
    WsOutbox.#checking.add(outbox);
    WsOutbox.#delay = FIRST_CHECK_MS;
    WsOutbox.#timer ??= setTimeout(WsOutbox.#check, WsOutbox.#delay);
  }

  /** Stop looking at an outbox's socket; the timer stops when no socket is left to look at. */
  static #unwatch(outbox: WsOutbox): void {
    WsOutbox.#checking.delete(outbox);
    if (WsOutbox.#checking.size > 0 || WsOutbox.#timer === undefined) return;
    clearTimeout(WsOutbox.#timer);
    WsOutbox.#timer = undefined;
  }

  static #check(): void {
    WsOutbox.#timer = undefined;
    let progress = false;
    for (const outbox of WsOutbox.#checking) {
      if (outbox.#settle()) progress = true;
      outbox.#pump();
      const waiting = outbox.#waiters.length > 0 || outbox.#queue.length > 0;
      if (outbox.#closed || !waiting || outbox.#handed.length === 0) {
        WsOutbox.#checking.delete(outbox);
      }
    }
    if (WsOutbox.#checking.size === 0) return;
    WsOutbox.#delay = progress ? FIRST_CHECK_MS : Math.min(WsOutbox.#delay * 2, LAST_CHECK_MS);
    WsOutbox.#timer = setTimeout(WsOutbox.#check, WsOutbox.#delay);
  }
}

/**
 * Cut encoded frames apart, each to be one message.
 *
 * @param bytes One or more whole frames, back to back.
 * @returns Each frame's bytes (views, not copies).
 */
function splitFrames(bytes: Uint8Array): Uint8Array[] {
  const frames: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    const length = HEADER_SIZE +
      ((bytes[at + 8] << 24) >>> 0) + (bytes[at + 9] << 16) + (bytes[at + 10] << 8) +
      bytes[at + 11];
    frames.push(bytes.subarray(at, at + length));
    at += length;
  }
  return frames;
}

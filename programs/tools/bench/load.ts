/**
 * The benchmark's load generators: clients that time round trips, pipeline requests, and fan
 * chat messages out to hundreds of receivers. Each is written once and aimed at our program
 * and at its peer alike, so the two get exactly the same load from the same process.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { errorMessage } from "../../../lib/cli/cli.ts";
import { randomBytes } from "node:crypto";
import { writeAll } from "../../../lib/wire/bytes.ts";
import { FrameConnection } from "../../../lib/wire/frame_connection.ts";
import {
  encodeFrame,
  type Frame,
  FrameDecoder,
  Kind,
  makeFrame,
  Status,
} from "../../../lib/wire/frame.ts";
import { ChatType, refusalText, request } from "../../../lib/chat/protocol.ts";
import { LpType } from "../../../lib/lp/protocol.ts";
import { LpSession } from "../../../lib/lp/client_session.ts";
import { WordedError, type Words, words } from "../../../lib/tools/text.ts";
import { COOKIE_NAME } from "../../../lib/web/web_server.ts";

/** Every benchmark runs on loopback. */
export const HOST = "127.0.0.1";

/** Clients connected at once while a crowd is being built: a burst the backlog absorbs. */
const CONNECT_BATCH = 50;

/** Longest wait for a crowd to connect and join, or for a message to reach everyone. */
const CROWD_MS = 30_000;

/** Longest wait for the last deliveries after the sender stops. */
const DRAIN_MS = 5_000;

/** Bytes per receiver read: a few hundred chat lines, however the server coalesces them. */
const RECEIVE_SIZE = 32 * 1024;

/**
 * Extra time to join each member of a large crowd: 10,000 members joined in 19 s on our 2-core
 * VM (each join tells everyone else), well past {@linkcode CROWD_MS} alone.
 */
const JOIN_EACH_MS = 5;

/**
 * Nearest-rank percentile.
 *
 * @param sorted Values in ascending order.
 * @param p The percentile, 0 to 100.
 * @returns The value, or null when there are none.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Round trips timed one after another. */
export interface RoundTrips {
  count: number;
  perSec: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

function summarise(latencies: Float64Array, elapsedMs: number): RoundTrips {
  latencies.sort();
  return {
    count: latencies.length,
    perSec: latencies.length / (elapsedMs / 1000),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

/** Run `task` but give up after `ms`, rejecting with a message that says what was waited for. */
export async function deadline<T>(task: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WordedError(words("noResult", { what, ms }))), ms);
  });
  try {
    return await Promise.race([task, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function connect(port: number): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: HOST, port });
  conn.setNoDelay(true);
  return conn;
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}

/** Read exactly `count` bytes and drop them. */
async function readExactly(conn: Deno.Conn, buf: Uint8Array, count: number): Promise<void> {
  for (let got = 0; got < count;) {
    const n = await conn.read(buf);
    if (n === null) throw new WordedError(words("serverClosed"));
    got += n;
  }
}

/**
 * Sequential round trips to an echo server: write `size` bytes, wait for them to come back.
 *
 * @param port The echo server.
 * @param size Bytes per round trip.
 * @param count Round trips timed, after `warmup` untimed ones.
 * @param warmup Round trips first, to warm the JIT and the connection.
 * @returns Rate and latency.
 */
export async function echoSequential(
  port: number,
  size: number,
  count: number,
  warmup: number,
): Promise<RoundTrips> {
  const conn = await connect(port);
  const out = new Uint8Array(size).fill(0x61);
  const buf = new Uint8Array(64 * 1024);
  const latencies = new Float64Array(count);
  try {
    for (let i = 0; i < warmup; i++) {
      await writeAll(conn, out);
      await readExactly(conn, buf, size);
    }
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      await writeAll(conn, out);
      await readExactly(conn, buf, size);
      latencies[i] = performance.now() - t;
    }
    return summarise(latencies, performance.now() - start);
  } finally {
    closeQuietly(conn);
  }
}

/**
 * Sequential time requests through the LP client's own session class.
 *
 * @param port The LP server.
 * @param count Requests timed, after `warmup` untimed ones.
 * @param warmup Requests first.
 * @param tls Over TLS, trusting the server's certificate file (PEM).
 * @returns Rate and latency.
 */
export async function lpSequential(
  port: number,
  count: number,
  warmup: number,
  tls?: { caFile: string },
): Promise<RoundTrips> {
  const session = await LpSession.connect(HOST, port, tls ? { tls } : {});
  const latencies = new Float64Array(count);
  try {
    for (let i = 0; i < warmup; i++) await session.request(LpType.Time);
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      await session.request(LpType.Time);
      latencies[i] = performance.now() - t;
    }
    return summarise(latencies, performance.now() - start);
  } finally {
    session.close();
    await session.closed;
  }
}

/** Many requests in flight. */
export interface Pipelined {
  total: number;
  perSec: number;
  elapsedMs: number;
}

/**
 * Pipelined echo: each client writes `perClient` frames of `size` bytes, one write per frame,
 * without waiting, while it reads the echoes back. Timed from the first write to the last byte.
 *
 * @param port The echo server.
 * @param size Bytes per frame.
 * @param clients Clients at once.
 * @param perClient Frames per client.
 * @returns The rate over every client.
 */
export async function echoPipelined(
  port: number,
  size: number,
  clients: number,
  perClient: number,
): Promise<Pipelined> {
  const conns = await Promise.all(Array.from({ length: clients }, () => connect(port)));
  const one = async (conn: Deno.TcpConn) => {
    const frame = new Uint8Array(size).fill(0x62);
    const reader = readExactly(conn, new Uint8Array(64 * 1024), size * perClient);
    for (let i = 0; i < perClient; i++) await writeAll(conn, frame);
    await reader;
  };
  try {
    const start = performance.now();
    await Promise.all(conns.map(one));
    const elapsedMs = performance.now() - start;
    const total = clients * perClient;
    return { total, perSec: total / (elapsedMs / 1000), elapsedMs };
  } finally {
    conns.forEach(closeQuietly);
  }
}

/**
 * Pipelined LP time requests through the LP client's session: each client keeps `window`
 * requests in flight (ids are 16 bits, so 100,000 cannot all be out at once).
 *
 * @param port The LP server.
 * @param clients Clients at once.
 * @param perClient Requests per client.
 * @param window Requests in flight per client.
 * @returns The rate over every client.
 */
export async function lpPipelined(
  port: number,
  clients: number,
  perClient: number,
  window: number,
): Promise<Pipelined> {
  const sessions = await Promise.all(
    Array.from({ length: clients }, () => LpSession.connect(HOST, port)),
  );
  const one = async (session: LpSession) => {
    let issued = 0;
    const lane = async () => {
      while (issued < perClient) {
        issued++;
        await session.request(LpType.Time);
      }
    };
    await Promise.all(Array.from({ length: Math.min(window, perClient) }, lane));
  };
  try {
    const start = performance.now();
    await Promise.all(sessions.map(one));
    const elapsedMs = performance.now() - start;
    const total = clients * perClient;
    return { total, perSec: total / (elapsedMs / 1000), elapsedMs };
  } finally {
    for (const s of sessions) s.close();
    await Promise.all(sessions.map((s) => s.closed));
  }
}

// ---------------------------------------------------------------------------------------------
// Chat fan-out: one load generator for our chat server, over TCP and over its WebSocket, and
// for its peers, `ncat --broker --chat` and a Node.js broadcast server on the `ws` package.

const encoder = new TextEncoder();

/** What a receiver does with each marker it finds: who sent it, which one, when it came. */
type OnMarker = (sender: number, seq: number, at: number) => void;

/**
 * One member's connection, whatever carries it: a TCP stream, where messages run together and
 * a read brings whatever has come; or a WebSocket, where each message arrives whole, as one
 * event. The fan-out sends and listens through this alone, so every server gets the same load.
 */
export interface Link {
  /**
   * Send messages, in order: over TCP in one write, over a WebSocket one message each.
   *
   * @param messages Each message's bytes.
   */
  send(messages: readonly Uint8Array[]): Promise<void>;
  /**
   * Listen until the link closes, calling `onMarker` for every marker, with the time the read
   * or message that completed it came in.
   *
   * @param onMarker Called for each marker.
   * @param pauseMs Over TCP, wait this long after each read, so that one read takes many
   *   messages: a member whose latency is not timed costs the load generator little. A
   *   WebSocket delivers each message as an event, and ignores it.
   * @returns Once the link is closed, by either side.
   */
  receive(onMarker: OnMarker, pauseMs?: number): Promise<void>;
  /** Close it; what {@linkcode Link.receive} returned then settles. */
  close(): void;
}

/** A member over TCP. */
class TcpLink implements Link {
  readonly conn: Deno.TcpConn;

  constructor(conn: Deno.TcpConn) {
    this.conn = conn;
  }

  send(messages: readonly Uint8Array[]): Promise<void> {
    return writeAll(this.conn, messages.length === 1 ? messages[0] : Buffer.concat(messages));
  }

  receive(onMarker: OnMarker, pauseMs = 0): Promise<void> {
    return receive(this.conn, onMarker, pauseMs);
  }

  close(): void {
    closeQuietly(this.conn);
  }
}

/**
 * Longest wait for the other side's half of a WebSocket's closing handshake: a server that
 * never answers must not hold up the benchmark.
 */
const WS_CLOSE_MS = 2_000;

/** A message's bytes, whichever kind of message it was. */
function bytesOf(data: unknown): Uint8Array {
  return typeof data === "string"
    ? encoder.encode(data)
    : new Uint8Array(data instanceof ArrayBuffer ? data : new ArrayBuffer(0));
}

/**
 * A member over a WebSocket, Deno's own client. Each message is scanned as it comes: a marker
 * never spans two messages.
 */
class WsLink implements Link {
  readonly #ws: WebSocket;
  readonly #closed: Promise<void>;
  #ended: () => void = () => {};
  #late: ReturnType<typeof setTimeout> | undefined;

  constructor(ws: WebSocket) {
    this.#ws = ws;
    this.#closed = new Promise((resolve) => this.#ended = resolve);
    ws.addEventListener("close", () => {
      clearTimeout(this.#late);
      this.#ended();
    });
    if (ws.readyState === WebSocket.CLOSED) this.#ended();
  }

  /**
   * Hand each message to the socket, which copies it and sends it in the background: what waits
   * there stays small, as the paced sender's rate and the flat-out senders' window bound it.
   */
  send(messages: readonly Uint8Array[]): Promise<void> {
    for (const m of messages) this.#ws.send(m);
    return Promise.resolve();
  }

  receive(onMarker: OnMarker): Promise<void> {
    this.#ws.onmessage = (event) => scanMarkers(bytesOf(event.data), performance.now(), onMarker);
    return this.#closed;
  }

  close(): void {
    if (this.#ws.readyState === WebSocket.CLOSED || this.#late !== undefined) return;
    this.#ws.close();
    this.#late = setTimeout(() => this.#ended(), WS_CLOSE_MS);
  }
}

/**
 * Open a WebSocket with Deno's client (binary messages as ArrayBuffers).
 *
 * @param url Where, such as `ws://127.0.0.1:8080/`.
 * @param headers Extra headers for the opening handshake (a Deno extension of the standard).
 * @returns The open socket.
 * @throws {WordedError} When the handshake fails: refused, or answered without an upgrade.
 */
function openWebSocket(url: string, headers?: Record<string, string>): Promise<WebSocket> {
  // An options object is Deno's extension: the DOM's typing of this constructor, which a type
  // check that includes the web page uses, knows only protocols there.
  const ws = new WebSocket(url, { headers } as never);
  ws.binaryType = "arraybuffer";
  return new Promise((resolve, reject) => {
    ws.onopen = () => {
      ws.onopen = ws.onerror = null;
      resolve(ws);
    };
    ws.onerror = (event) => {
      ws.onopen = ws.onerror = null;
      const why = event instanceof ErrorEvent ? event.message : String(event.type);
      reject(new WordedError(words("wsNotOpened", { url, why })));
    };
  });
}

/**
 * How a crowd speaks to one server: how a client becomes a member, and the bytes of one
 * message. Every message carries a marker, `#` then a 2-digit sender and a 7-digit sequence
 * number then `#`, which receivers find in the raw bytes whatever wraps it (an LP frame with
 * JSON, ncat's `<userN> ` prefix, or nothing at all), so every server is measured by the
 * same code.
 */
export interface Dialect {
  name: string;
  /** Connect and become a member (join the room); resolves once the server says so. */
  join(port: number, index: number): Promise<Link>;
  /** The bytes that send one message carrying `marker`. */
  message(marker: string, seq: number): Uint8Array;
  /** Clients connecting at once while the crowd is built. */
  batch: number;
}

/**
 * Whether the answer to a join request is among these frames.
 *
 * @throws {Error} When it is a refusal, with the server's reason.
 */
function joinAnswer(frames: Iterable<Frame>): boolean {
  for (const f of frames) {
    if (f.kind !== Kind.Response || f.type !== ChatType.Join) continue;
    if (f.status !== Status.Ok) throw new Error(refusalText(f));
    return true;
  }
  return false;
}

/** Members joined by this process so far: every name is new, even while an earlier crowd leaves. */
let joined = 0;

/**
 * A member's name, never used before in this run: a crowd that follows another may join before
 * the server has seen all of the last one leave, and a name still online would be refused.
 */
function memberName(index: number): string {
  return `bench${index}-${++joined}`;
}

/** Our chat server: a `J` request, its answer, then `C` requests whose text is the marker. */
export const chatDialect: Dialect = {
  name: "chat-server",
  async join(port, index) {
    const conn = await connect(port);
    try {
      const fc = new FrameConnection(conn);
      await fc.write(request(ChatType.Join, 1, { name: memberName(index) }));
      for (let f = await fc.read();; f = await fc.read()) {
        if (f === null) throw new WordedError(words("closedWhileJoining"));
        if (joinAnswer([f])) break;
      }
      // From here on the raw connection is read: what the decoder still holds is join news,
      // which carries no markers.
      return new TcpLink(conn);
    } catch (err) {
      closeQuietly(conn);
      throw err;
    }
  },
  message(marker, seq) {
    return encodeFrame(request(ChatType.Chat, (seq % 0xffff) + 1, { text: marker }));
  },
  batch: CONNECT_BATCH,
};

/**
 * Our chat server's browser door, `/ws` on its web port: the same frames as over TCP, one per
 * binary message. The handshake carries what a browser's would: the page's origin, which the
 * server checks against its own address, and the cookie the page set (any well-formed value is
 * a browser the server has not seen before: one per member, as from separate browsers).
 */
export const wsChatDialect: Dialect = {
  name: "chat-server /ws",
  async join(port, index) {
    const ws = await openWebSocket(`ws://${HOST}:${port}/ws`, {
      Origin: `http://${HOST}:${port}`,
      Cookie: `${COOKIE_NAME}=${randomBytes(16).toString("base64url")}`,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const decoder = new FrameDecoder();
        ws.onmessage = (event) => {
          try {
            if (joinAnswer(decoder.push(bytesOf(event.data)))) resolve();
          } catch (err) {
            reject(err);
          }
        };
        ws.onclose = () => reject(new WordedError(words("closedWhileJoining")));
        ws.send(encodeFrame(request(ChatType.Join, 1, { name: memberName(index) })));
      });
    } catch (err) {
      ws.close();
      throw err;
    } finally {
      // Join news that comes before the crowd listens is dropped: it carries no markers.
      ws.onmessage = ws.onclose = null;
    }
    return new WsLink(ws);
  },
  message: chatDialect.message,
  batch: CONNECT_BATCH,
};

/**
 * `ncat --broker --chat`: a message is a line. A client has joined once ncat greets it with
 * "already connected: ...": joining one at a time, each after the greeting, keeps to ncat's
 * pace. Faster, its small listen backlog overflows and connections stall for a second; and
 * ncat quits altogether when a connection is gone before it has looked at it, so it is never
 * probed (the first client retries while ncat is starting).
 */
export const ncatDialect: Dialect = {
  name: "ncat",
  async join(port) {
    let conn: Deno.TcpConn;
    for (let tries = 1;; tries++) {
      try {
        conn = await connect(port);
        break;
      } catch (err) {
        if (!(err instanceof Deno.errors.ConnectionRefused) || tries >= 100) throw err;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    try {
      const buf = new Uint8Array(64 * 1024);
      const decoder = new TextDecoder();
      let text = "";
      while (!/already connected:[^\n]*\n/.test(text)) {
        const n = await conn.read(buf);
        if (n === null) throw new WordedError(words("closedWhileGreeting"));
        text = (text + decoder.decode(buf.subarray(0, n), { stream: true })).slice(-256 * 1024);
      }
      return new TcpLink(conn);
    } catch (err) {
      closeQuietly(conn);
      throw err;
    }
  },
  message: (marker) => encoder.encode(`${marker}\n`),
  batch: 1,
};

/**
 * A plain WebSocket broadcast server (programs/tools/bench/ws_broadcast.mjs, on Node.js and the
 * `ws` package): a client is a member once its socket is open, and every message goes to every
 * other client as it is. A message is the same line as ncat's.
 */
export const wsBroadcastDialect: Dialect = {
  name: "ws broadcast",
  join: async (port) => new WsLink(await openWebSocket(`ws://${HOST}:${port}/`)),
  message: ncatDialect.message,
  batch: CONNECT_BATCH,
};

/** Bytes in a marker: `#`, 2 digits of sender, 7 of sequence, `#`. */
const MARKER_LEN = 11;
const HASH = 0x23;

/**
 * The marker for one message.
 *
 * @param sender 0 to 99.
 * @param seq 0 to 9,999,999.
 * @returns Such as `#030000042#`.
 */
export function marker(sender: number, seq: number): string {
  return `#${String(sender).padStart(2, "0")}${String(seq).padStart(7, "0")}#`;
}

function digits(buf: Uint8Array, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const d = buf[i] - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * Call `onMarker` for every whole marker in `view`.
 *
 * @returns Where a marker cut short by the end of `view` begins, or -1.
 */
function scanMarkers(view: Uint8Array, now: number, onMarker: OnMarker): number {
  for (let at = 0;;) {
    const i = view.indexOf(HASH, at);
    if (i < 0) return -1;
    if (i + MARKER_LEN > view.length) return i;
    const sender = view[i + MARKER_LEN - 1] === HASH ? digits(view, i + 1, 2) : -1;
    const seq = sender < 0 ? -1 : digits(view, i + 3, 7);
    if (seq < 0) {
      at = i + 1;
      continue;
    }
    onMarker(sender, seq, now);
    at = i + MARKER_LEN;
  }
}

/**
 * Read a connection until it closes, calling `onMarker` for every marker in the bytes, with
 * the time the read that completed it returned; with `pauseMs`, waiting that long after each.
 */
async function receive(conn: Deno.Conn, onMarker: OnMarker, pauseMs = 0): Promise<void> {
  const buf = new Uint8Array(RECEIVE_SIZE);
  let keep = 0; // bytes of a marker split across reads, kept at the start of buf
  try {
    while (true) {
      const n = await conn.read(keep === 0 ? buf : buf.subarray(keep));
      if (n === null) return;
      const view = buf.subarray(0, keep + n);
      const cut = scanMarkers(view, performance.now(), onMarker);
      keep = cut < 0 ? 0 : view.length - cut;
      if (cut >= 0) buf.copyWithin(0, cut, view.length);
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  } catch {
    // Closed by us at the end, or reset: the counts say what arrived.
  }
}

/**
 * Connect `count` members, a batch at a time.
 *
 * @param dialect How to join.
 * @param port The server.
 * @param count How many.
 * @param first Index of the first, for unique names.
 * @returns The connections, once every one has joined.
 */
export async function joinMany(
  dialect: Dialect,
  port: number,
  count: number,
  first = 0,
): Promise<Link[]> {
  const conns: Link[] = [];
  try {
    await deadline(
      (async () => {
        for (let at = 0; at < count; at += dialect.batch) {
          const batch = Array.from(
            { length: Math.min(dialect.batch, count - at) },
            (_, i) => dialect.join(port, first + at + i),
          );
          conns.push(...await Promise.all(batch));
        }
      })(),
      CROWD_MS + count * JOIN_EACH_MS,
      `${count} clients joining ${dialect.name}`,
    );
    return conns;
  } catch (err) {
    for (const c of conns) c.close();
    throw err;
  }
}

/** A crowd of members whose every read is scanned for markers. */
class Crowd {
  readonly receivers: Link[];
  readonly senders: Link[];
  readonly #loops: Promise<void>[] = [];

  /**
   * @param receivers Members whose markers are reported.
   * @param senders Members that send; what they are sent is read and dropped.
   * @param onMarker Called for every marker a receiver reads.
   * @param pauseMs How long receiver `r` waits after each read (see {@linkcode Link.receive}).
   */
  constructor(
    receivers: Link[],
    senders: Link[],
    onMarker: (receiver: number, sender: number, seq: number, at: number) => void,
    pauseMs: (receiver: number) => number = () => 0,
  ) {
    this.receivers = receivers;
    this.senders = senders;
    receivers.forEach((link, r) => {
      this.#loops.push(link.receive((s, q, t) => onMarker(r, s, q, t), pauseMs(r)));
    });
    // Senders are members too: what they are sent must be read, or the server stalls on them.
    for (const link of senders) this.#loops.push(link.receive(() => {}));
  }

  async close(): Promise<void> {
    for (const link of [...this.receivers, ...this.senders]) link.close();
    await Promise.all(this.#loops);
  }
}

/** Sender index of the message every member must see before the measurement starts. */
const BARRIER_SENDER = 99;

/** Sender index of the warm-up messages, which are sent but not timed. */
const WARMUP_SENDER = 98;

/**
 * How long a paced sender runs before its messages are timed. Both programs then meet the
 * measured messages warm: without it, whichever ran first paid for the load generator's own
 * compiler warming up (its first second had a p99 two to four times the rest).
 */
const WARMUP_MS = 500;

/**
 * Build a crowd and wait until every receiver has seen one message: then every member has
 * joined, the join news is drained, and the server relays to all of them.
 */
async function gather(
  dialect: Dialect,
  port: number,
  receivers: number,
  senders: number,
  onMarker: (receiver: number, sender: number, seq: number, at: number) => void,
  pauseMs?: (receiver: number) => number,
): Promise<Crowd> {
  const rx = await joinMany(dialect, port, receivers);
  let tx: Link[];
  try {
    tx = await joinMany(dialect, port, senders, receivers);
  } catch (err) {
    for (const link of rx) link.close();
    throw err;
  }
  let reached = 0;
  let everyone: () => void = () => {};
  const all = new Promise<void>((resolve) => everyone = resolve);
  const crowd = new Crowd(rx, tx, (r, s, q, t) => {
    if (s === BARRIER_SENDER) {
      if (++reached === receivers) everyone();
    } else onMarker(r, s, q, t);
  }, pauseMs);
  try {
    await tx[0].send([dialect.message(marker(BARRIER_SENDER, 0), 0)]);
    await deadline(all, CROWD_MS, `a first message reaching ${receivers} clients`);
    return crowd;
  } catch (err) {
    await crowd.close();
    throw err;
  }
}

/**
 * How long a receiver whose latency is not timed waits after each read: at 200 msg/s one read
 * then takes about 20 messages, where a prompt reader makes one read per message.
 */
const UNTIMED_PAUSE_MS = 100;

/** What one paced sender's messages took to reach everyone. */
export interface FanoutLatency {
  receivers: number;
  /** Receivers whose deliveries are timed: every one, or every `sampleEvery`th. */
  timed: number;
  messages: number;
  /** Deliveries seen: messages × receivers when nothing was lost. */
  deliveries: number;
  expected: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

/**
 * One sender at a steady rate, after half a second of warm-up that is not timed; every timed
 * receiver times each message from its send to its read.
 *
 * @remarks
 * With `sampleEvery` above 1, only every `sampleEvery`th receiver (spread evenly over the
 * order the server writes in) reads promptly and is timed; the others read every
 * {@linkcode UNTIMED_PAUSE_MS} over TCP. The server's work is the same, one write per member
 * per message; the load generator's drops from one read per delivery (400,000 a second at 2,000
 * members and 200 msg/s, more than one process can make) to about one per twenty.
 *
 * @param dialect Our chat server (over TCP or WebSocket), or a peer.
 * @param port The server.
 * @param receivers Members that only listen.
 * @param rate Messages per second.
 * @param durationMs How long to send.
 * @param sampleEvery Time every receiver (1), or every so many.
 * @returns Delivery latencies over every message and timed receiver.
 */
export async function fanoutLatency(
  dialect: Dialect,
  port: number,
  receivers: number,
  rate: number,
  durationMs: number,
  sampleEvery = 1,
): Promise<FanoutLatency> {
  const messages = Math.max(1, Math.round((rate * durationMs) / 1000));
  const timed = Math.ceil(receivers / sampleEvery);
  const sentAt = new Float64Array(messages);
  const latencies = new Float64Array(messages * timed);
  const expected = messages * timed;
  let deliveries = 0;
  let allIn: () => void = () => {};
  const done = new Promise<void>((resolve) => allIn = resolve);
  const isTimed = (r: number) => r % sampleEvery === 0;
  const crowd = await gather(dialect, port, receivers, 1, (r, s, seq, at) => {
    if (s !== 0 || seq >= messages || deliveries >= expected || !isTimed(r)) return;
    latencies[deliveries++] = at - sentAt[seq];
    if (deliveries === expected) allIn();
  }, (r) => isTimed(r) ? 0 : UNTIMED_PAUSE_MS);
  try {
    const sender = crowd.senders[0];
    const start = performance.now();
    const intervalMs = 1000 / rate;
    const warmup = Math.round((rate * Math.min(WARMUP_MS, durationMs)) / 1000);
    for (let i = 0; i < warmup + messages; i++) {
      const due = start + i * intervalMs;
      const wait = due - performance.now();
      if (wait >= 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const seq = i - warmup;
      if (seq < 0) {
        await sender.send([dialect.message(marker(WARMUP_SENDER, i), i)]);
        continue;
      }
      const bytes = dialect.message(marker(0, seq), seq);
      sentAt[seq] = performance.now();
      await sender.send([bytes]);
    }
    await deadline(done, DRAIN_MS, "the last deliveries").catch(() => {});
  } finally {
    await crowd.close();
  }
  const measured = latencies.subarray(0, deliveries).sort();
  return {
    receivers,
    timed,
    messages,
    deliveries,
    expected,
    p50Ms: percentile(measured, 50),
    p99Ms: percentile(measured, 99),
  };
}

/** What several senders flat out got through. */
export interface FanoutRate {
  receivers: number;
  senders: number;
  deliveries: number;
  perSec: number;
}

/**
 * Several senders as fast as the server relays: each keeps at most `window` messages that
 * the first receiver has not seen yet, so the measure is the server's pace, not how much it
 * can buffer. Deliveries are counted over every receiver.
 *
 * @param dialect Our chat server (over TCP or WebSocket), or a peer.
 * @param port The server.
 * @param receivers Members that only listen.
 * @param senders Members that send flat out.
 * @param durationMs How long.
 * @param window Messages in flight per sender.
 * @returns Deliveries per second.
 */
export async function fanoutRate(
  dialect: Dialect,
  port: number,
  receivers: number,
  senders: number,
  durationMs: number,
  window = 32,
): Promise<FanoutRate> {
  const seen = new Float64Array(senders).fill(-1); // the last seq the first receiver saw
  const wakers: ((() => void) | null)[] = new Array(senders).fill(null);
  let deliveries = 0;
  let end = Infinity;
  const crowd = await gather(dialect, port, receivers, senders, (r, s, seq, at) => {
    if (s >= senders) return;
    if (at < end) deliveries++;
    if (r === 0) {
      seen[s] = seq;
      const wake = wakers[s];
      wakers[s] = null;
      wake?.();
    }
  });
  // A safety net: a sender never waits long for a wake-up that was missed.
  const nudge = setInterval(() => {
    for (let s = 0; s < senders; s++) {
      const wake = wakers[s];
      wakers[s] = null;
      wake?.();
    }
  }, 100);
  try {
    const start = performance.now();
    end = start + durationMs;
    const send = async (s: number) => {
      const link = crowd.senders[s];
      for (let seq = 0; performance.now() < end;) {
        const room = window - (seq - 1 - seen[s]);
        if (room <= 0) {
          await new Promise<void>((resolve) => wakers[s] = resolve);
          continue;
        }
        const parts: Uint8Array[] = [];
        for (let i = 0; i < Math.min(room, 16); i++, seq++) {
          parts.push(dialect.message(marker(s, seq), seq));
        }
        await link.send(parts);
      }
    };
    await Promise.all(Array.from({ length: senders }, (_, s) => send(s)));
    const elapsed = Math.max(durationMs, performance.now() - start);
    return { receivers, senders, deliveries, perSec: deliveries / (elapsed / 1000) };
  } finally {
    clearInterval(nudge);
    await crowd.close();
  }
}

/**
 * The bytes of a chat heartbeat request, as chat-client sends one while it has nothing else to
 * send: an `H` request with no payload. The echo server is sent the same bytes.
 *
 * @param id The request id.
 * @returns The encoded frame.
 */
export function heartbeatBytes(id: number): Uint8Array {
  return encodeFrame(makeFrame(Kind.Request, ChatType.Heartbeat, { id }));
}

/**
 * How often the heartbeats of a crowd go out, in rounds: each tick sends the next members'
 * share, so that each member sends one per interval, as the real client does, from one timer
 * instead of one per member. Ten milliseconds keeps each round small (10 members at 10,000
 * members and 10 s), so the load generator's own bursts stay short.
 */
const HEARTBEAT_TICK_MS = 10;

/** Idle members, and their heartbeats while they last. */
export interface IdleCrowd {
  /** Members the server has closed so far (a member dropped for silence, say). */
  dropped(): number;
  /** Stop the heartbeats, close every member, and wait for their readers to end. */
  close(): Promise<void>;
}

/**
 * Idle members: connected (and joined), reading whatever they are sent, saying nothing but,
 * with `heartbeatMs`, a heartbeat each per interval. Each member's reader and heartbeats start
 * as soon as it has joined: building a crowd of 10,000 takes longer than the three intervals
 * after which the server drops a silent member.
 *
 * @param dialect How to join; `null` for a bare connection (the echo server).
 * @param port The server.
 * @param count How many.
 * @param heartbeatMs Each member's heartbeat interval; 0 for none.
 * @returns A handle that closes them all.
 */
export async function idleCrowd(
  dialect: Dialect | null,
  port: number,
  count: number,
  heartbeatMs = 0,
): Promise<IdleCrowd> {
  const links: Link[] = [];
  const loops: Promise<void>[] = [];
  let closing = false, dropped = 0;
  const base: Dialect = dialect ?? {
    ...ncatDialect,
    name: "echo",
    join: async (port) => new TcpLink(await connect(port)),
    batch: CONNECT_BATCH,
  };
  const watched: Dialect = {
    ...base,
    async join(port, index) {
      const link = await base.join(port, index);
      links.push(link);
      loops.push(
        link.receive(() => {}).then(() => {
          if (!closing) dropped++;
        }),
      );
      return link;
    },
  };
  let next = 0, id = 0;
  const perTick = Math.ceil(count * HEARTBEAT_TICK_MS / Math.max(1, heartbeatMs));
  const ticker = heartbeatMs <= 0 ? undefined : setInterval(() => {
    for (let i = 0; i < perTick && links.length > 0; i++) {
      next %= links.length;
      links[next++].send([heartbeatBytes((id++ % 0xffff) + 1)]).catch(() => {});
    }
  }, HEARTBEAT_TICK_MS);
  const close = async () => {
    closing = true;
    clearInterval(ticker);
    for (const link of links) link.close();
    await Promise.all(loops);
  };
  try {
    await joinMany(watched, port, count);
  } catch (err) {
    await close();
    throw err;
  }
  return { close, dropped: () => dropped };
}

/** Probes sent before the timed ones. */
const PROBE_WARMUP = 20;

/** A probe's round trips. */
export interface Probe {
  count: number;
  p99Ms: number | null;
  maxMs: number | null;
}

/** A probe's arguments, as the benchmark passes them to a process of its own. */
export interface ProbeRequest {
  chat: boolean;
  port: number;
  durationMs: number;
  periodMs: number;
  /** The probe's name in the chat room, from the benchmark's own count, so that it is new. */
  name: string;
}

/** A probe's result, or why it failed (in every language when the benchmark said it). */
export type ProbeReply = { probe: Probe } | { said: Words } | { message: string };

/**
 * A name for a probe that joins the chat room, new in this run.
 *
 * @returns The name.
 */
export function probeName(): string {
  return memberName(0);
}

/**
 * {@linkcode probeRoundTrips} for a request from another process: the figures, or why not.
 *
 * @param request The probe's arguments.
 * @returns What to send back.
 */
export async function probeReply(request: ProbeRequest): Promise<ProbeReply> {
  const { chat, port, durationMs, periodMs, name } = request;
  try {
    return { probe: await probeRoundTrips(chat, port, durationMs, periodMs, name) };
  } catch (err) {
    return err instanceof WordedError ? { said: err.said } : { message: errorMessage(err) };
  }
}

/**
 * How long a server takes to answer while it is otherwise idle or busy: one client sends a
 * heartbeat request every `periodMs` and times its answer. Against our chat server the probe
 * joins first and waits for its `H` response; against the echo server it waits for the same
 * bytes to come back.
 *
 * @param chat Whether the server is our chat server (else the echo server).
 * @param port The server.
 * @param durationMs How long to probe.
 * @param periodMs Time from one probe's start to the next.
 * @param name The probe's name in the chat room.
 * @returns p99 and largest round trip.
 */
export async function probeRoundTrips(
  chat: boolean,
  port: number,
  durationMs: number,
  periodMs: number,
  name: string,
): Promise<Probe> {
  const conn = await connect(port);
  const fc = new FrameConnection(conn);
  const buf = new Uint8Array(64);
  try {
    if (chat) {
      await fc.write(request(ChatType.Join, 1, { name }));
      for (let f = await fc.read();; f = await fc.read()) {
        if (f === null) throw new WordedError(words("closedWhileJoining"));
        if (joinAnswer([f])) break;
      }
    }
    const once = async (id: number) => {
      const bytes = heartbeatBytes(id);
      if (!chat) {
        await writeAll(conn, bytes);
        return readExactly(conn, buf, bytes.length);
      }
      await fc.write(makeFrame(Kind.Request, ChatType.Heartbeat, { id }));
      for (let f = await fc.read();; f = await fc.read()) {
        if (f === null) throw new WordedError(words("serverClosed"));
        if (f.kind === Kind.Response && f.type === ChatType.Heartbeat && f.id === id) return;
      }
    };
    // Untimed first: the first answers pay for both sides' compilers warming up.
    for (let i = 0; i < PROBE_WARMUP; i++) await once(i + 1);
    const times: number[] = [];
    const start = performance.now();
    for (let i = 0; performance.now() - start < durationMs; i++) {
      const wait = start + i * periodMs - performance.now();
      if (wait >= 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const t = performance.now();
      await once((i % 0xffff) + 1);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return { count: times.length, p99Ms: percentile(times, 99), maxMs: times.at(-1) ?? null };
  } finally {
    fc.close();
  }
}

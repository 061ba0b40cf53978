/**
 * Lab: a custom protocol — the LP server.
 *
 * Every message is an LP frame: a 12-byte header (magic, version, kind, type, status, id,
 * length) and a JSON payload, so the server never has to guess where one message ends. A
 * response echoes its request's id, which lets a client keep many requests in flight; the
 * server also sends indications nobody asked for: messages from other clients, notices.
 * Clients prove they are alive with heartbeats, and a message counts as sent only when its
 * target has acknowledged it. The protocol is in docs/PROTOCOL.md.
 *
 * Run it:   deno task lp-server [--host 127.0.0.1] [--port 4579] [--heartbeat 10]
 * Then:     deno task lp-client      (console commands here: list, kick <id>, quit)
 *
 * @module
 */

import { errorMessage, parseProgramFlags } from "../../lib/cli/cli.ts";
import { writeAll } from "../../lib/wire/bytes.ts";
import {
  encodeFrame,
  type Frame,
  Kind,
  makeFrame,
  ProtocolError,
  Status,
} from "../../lib/wire/frame.ts";
import { FrameConnection } from "../../lib/wire/frame_connection.ts";
import { formatHostPort, isLoopback, parsePort } from "../../lib/net/host_port.ts";
import { readLines } from "../../lib/net/lines.ts";
import { Outbox } from "../../lib/net/outbox.ts";
import { withDeadline } from "../../lib/net/deadline.ts";
import { LOOPBACK_HINT } from "../../lib/cli/server_cli.ts";
import {
  type ClientInfo,
  DEFAULT_LP_PORT,
  errorResponse,
  formatClientTable,
  type ListReply,
  LP_MAX_PAYLOAD,
  lpPayload,
  LpType,
  type MessageIndication,
  type MessageReply,
  nextId,
  noticeIndication,
  okResponse,
  parseMessageRequest,
  REQUEST_TYPES,
  statusName,
  type TimeReply,
} from "../../lib/lp/protocol.ts";
import { formatTimestamp } from "../../lib/cli/timestamp.ts";

/** Loopback by default, so a first run is not reachable from the network by surprise. */
export const DEFAULT_HOST = "127.0.0.1";

/**
 * Seconds between a client's heartbeats. A client silent for three intervals is evicted: one
 * lost heartbeat is bad luck, three in a row is a pulled cable or a frozen program.
 */
export const DEFAULT_HEARTBEAT_S = 10;

/** Heartbeat intervals of silence after which a client is evicted. */
export const EVICT_AFTER_INTERVALS = 3;

/**
 * How long a forwarded message waits for its target's acknowledgement. A live client acks at
 * once; five seconds covers a slow link without keeping the sender waiting long.
 */
export const DEFAULT_ACK_TIMEOUT_S = 5;

/**
 * How long a goodbye frame (a notice, an error response) may take to leave before the
 * connection is closed anyway. A peer that stopped reading must not hold up a shutdown for
 * long; two seconds, as on the chat server, lets one that was only slow read why it goes.
 */
const CLOSE_GRACE_MS = 2000;

/**
 * Bytes of frames queued to one client or being written. A client that sends requests but
 * never reads the answers is dropped at this point instead of growing the server's memory
 * without end. 1 MiB, as on the chat server: over 20,000 time replies (47 bytes each), twice
 * the 10,000 frames the old frame-count limit allowed, and still 16 frames of the largest
 * payload (64 KiB), where a frame count put no bound on bytes at all.
 */
const MAX_QUEUED_BYTES = 1024 * 1024;

/** The server's answer to `N`, unless `--name` says otherwise. */
export const DEFAULT_NAME = "LP lab server";

const USAGE = `Usage: deno task lp-server [--host HOST] [--port PORT] [options]

The LP protocol server: time, name, client list, message forwarding with acknowledgement,
heartbeats. Console commands on stdin: list, kick <id>, quit.

Options:
  --host HOST         address to listen on (default ${DEFAULT_HOST}; 0.0.0.0 accepts LAN clients)
  --port PORT         port to listen on (default ${DEFAULT_LP_PORT}; 0 picks a free one)
  --name NAME         the name the server answers with (default "${DEFAULT_NAME}")
  --heartbeat SECS    heartbeat interval; silent clients go after 3 (default ${DEFAULT_HEARTBEAT_S})
  --ack-timeout SECS  how long a message waits for its target's ack (default ${DEFAULT_ACK_TIMEOUT_S})
  --no-hello          do not greet new clients with their id
  -h, --help          show this help`;

/** What {@linkcode LpServer} needs to know. */
export interface LpServerOptions {
  /** Aborting it tells every client "shutting down", closes them and ends `serve`. */
  signal?: AbortSignal;
  /** Where each log line goes (default `console.log`). */
  log?: (line: string) => void;
  /** The answer to `N` (default {@linkcode DEFAULT_NAME}). */
  name?: string;
  /** Heartbeat interval in milliseconds (default {@linkcode DEFAULT_HEARTBEAT_S} seconds). */
  heartbeatMs?: number;
  /** Acknowledgement timeout in milliseconds (default {@linkcode DEFAULT_ACK_TIMEOUT_S} s). */
  ackTimeoutMs?: number;
  /** Greet each new client with an `S` notice carrying its id (default true). */
  hello?: boolean;
}

/** One connected client, as the server keeps it. */
interface Client {
  readonly id: number;
  readonly address: string;
  readonly port: number;
  readonly connectedAt: Date;
  /** `Date.now()` when the last frame arrived from it. */
  lastSeen: number;
  readonly fc: FrameConnection;
  readonly outbox: Outbox;
  /** Messages forwarded to it and not yet acknowledged: delivery id → how to settle it. */
  readonly deliveries: Map<number, (status: number) => void>;
  lastDeliveryId: number;
  evictTimer?: ReturnType<typeof setTimeout>;
  /** Its requests are not being read, because it has not read our replies (back-pressure). */
  paused: boolean;
  closing: boolean;
}

/**
 * The LP server: a table of clients and the rules for answering them.
 *
 * @remarks
 * Each connection has its own read loop; a malformed frame or a vanished peer ends only that
 * loop, never the accept loop. Requests are answered in arrival order, except `M`, which waits
 * for its target's acknowledgement without holding up the sender's other requests.
 */
export class LpServer {
  readonly #clients = new Map<number, Client>();
  readonly #log: (line: string) => void;
  readonly #name: string;
  readonly #heartbeatMs: number;
  readonly #ackTimeoutMs: number;
  readonly #hello: boolean;
  readonly #tasks = new Set<Promise<void>>();
  #lastClientId = 0;
  #stopping = false;
  /** The last `T` reply payload, and the `Date.now()` it was made at (see #timePayload). */
  #timeBytes = new Uint8Array(0);
  #timeAt = -1;

  /** @param options Name, timings, log; the signal is given to {@linkcode LpServer.serve}. */
  constructor(options: LpServerOptions = {}) {
    this.#log = options.log ?? console.log;
    this.#name = options.name ?? DEFAULT_NAME;
    this.#heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_S * 1000;
    this.#ackTimeoutMs = options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_S * 1000;
    this.#hello = options.hello ?? true;
  }

  /**
   * Accept and serve clients until the signal aborts, then say goodbye to each and return.
   *
   * @param listener A bound TCP listener; closed before this returns.
   * @param signal Ends the server.
   * @throws {Error} When accepting fails for a reason other than shutdown.
   */
  async serve(listener: Deno.TcpListener, signal?: AbortSignal): Promise<void> {
    // Closing the listener is what wakes a pending accept() when we are told to stop.
    const stop = () => {
      this.#stopping = true;
      closeQuietly(listener);
    };
    signal?.addEventListener("abort", stop, { once: true });
    try {
      while (!signal?.aborted) {
        let conn: Deno.TcpConn;
        try {
          conn = await listener.accept();
        } catch (err) {
          if (signal?.aborted) break;
          throw err;
        }
        this.#track(this.#serveConnection(conn));
      }
    } finally {
      signal?.removeEventListener("abort", stop);
      this.#stopping = true;
      closeQuietly(listener);
      for (const client of this.#clients.values()) {
        this.#closeAfter(client, noticeIndication({ text: "shutting down" }));
      }
      // Every connection loop ends once its socket is closed; forwards end once settled.
      while (this.#tasks.size > 0) await Promise.all(this.#tasks);
    }
  }

  /**
   * The connected clients, by id.
   *
   * @returns A snapshot for a list response or the console.
   */
  list(): ClientInfo[] {
    return [...this.#clients.values()].map((c) => ({
      id: c.id,
      address: c.address,
      port: c.port,
      connectedAt: c.connectedAt.toISOString(),
      lastSeen: new Date(c.lastSeen).toISOString(),
    }));
  }

  /**
   * Disconnect a client, telling it why.
   *
   * @param id The client's id.
   * @returns Whether there was such a client.
   */
  kick(id: number): boolean {
    const client = this.#clients.get(id);
    if (!client) return false;
    this.#say(client, "kicked from the console");
    this.#closeAfter(client, noticeIndication({ text: "kicked by the server" }));
    return true;
  }

  #track(task: Promise<void>): void {
    const tracked = task.catch((err) => this.#log(`${formatTimestamp()} ${errorMessage(err)}`))
      .finally(() => this.#tasks.delete(tracked));
    this.#tasks.add(tracked);
  }

  #say(client: Client, text: string): void {
    const peer = formatHostPort({ hostname: client.address, port: client.port });
    this.#log(`${formatTimestamp()} client ${client.id} ${peer} ${text}`);
  }

  /** Register a connection, read its frames until it ends, then forget it. */
  async #serveConnection(conn: Deno.TcpConn): Promise<void> {
    // Small frames, one at a time: do not let Nagle's algorithm hold them back.
    conn.setNoDelay(true);
    const fc = new FrameConnection(conn, { maxPayload: LP_MAX_PAYLOAD });
    if (this.#stopping) return fc.close();
    const remote = conn.remoteAddr as Deno.NetAddr;
    const client: Client = {
      id: this.#lastClientId = this.#lastClientId + 1,
      address: remote.hostname,
      port: remote.port,
      connectedAt: new Date(),
      lastSeen: Date.now(),
      fc,
      // Frames go out through the outbox alone, written straight to the socket; fc only reads.
      outbox: new Outbox(
        (bytes) => writeAll(conn, bytes),
        { maxQueuedBytes: MAX_QUEUED_BYTES },
        (err) => this.#drop(client, errorMessage(err)),
      ),
      deliveries: new Map(),
      lastDeliveryId: 0,
      paused: false,
      closing: false,
    };
    this.#clients.set(client.id, client);
    this.#say(client, "connected");
    this.#armEviction(client, this.#evictAfterMs());
    if (this.#hello) {
      this.#send(
        client,
        noticeIndication({
          text: `Welcome to ${this.#name}, you are client ${client.id}`,
          clientId: client.id,
          heartbeat: this.#heartbeatMs / 1000,
        }),
      );
    }

    try {
      while (!client.closing) {
        // Back-pressure: a client that sends faster than it reads its answers is not read from
        // until it has caught up, so it is slowed down rather than dropped. One that stops
        // reading altogether is dropped when its queue is full, or evicted as silent.
        if (client.outbox.messageBytes > MAX_QUEUED_BYTES / 2) {
          client.paused = true;
          await client.outbox.messagesBelow(MAX_QUEUED_BYTES / 4);
          client.paused = false;
          continue;
        }
        let frame: Frame | null;
        try {
          frame = await fc.read();
        } catch (err) {
          if (client.closing) break;
          if (err instanceof ProtocolError) {
            // The stream has lost its frame boundaries: say why, then hang up.
            this.#say(client, `sent a malformed frame (${err.message}); closing`);
            const request = makeFrame(Kind.Request, "?");
            this.#closeAfter(client, errorResponse(request, Status.BadFrame, err.message));
            break;
          }
          this.#say(client, `dropped: ${errorMessage(err)}`);
          return;
        }
        if (frame === null) return;
        if (client.closing) break; // being hung up: the frame is dropped
        client.lastSeen = Date.now();
        this.#onFrame(client, frame);
      }
      // We are hanging up: drop what the client still sends until it closes, or the hang-up's
      // deadline closes the connection (see #hangUp).
      await fc.discardInput();
    } finally {
      this.#clients.delete(client.id);
      clearTimeout(client.evictTimer);
      for (const settle of client.deliveries.values()) settle(Status.Gone);
      this.#close(client);
      this.#say(client, "left");
      await client.outbox.finished; // no write left running on the closed socket
    }
  }

  /** Answer one frame from a client. */
  #onFrame(client: Client, frame: Frame): void {
    if (frame.kind === Kind.Response) {
      // The only response a client sends: the acknowledgement of a forwarded message.
      if (frame.type === LpType.Message) client.deliveries.get(frame.id)?.(frame.status);
      return;
    }
    if (frame.kind === Kind.Indication || !REQUEST_TYPES.has(frame.type)) {
      const what = frame.kind === Kind.Indication ? "indication" : "request";
      this.#send(
        client,
        errorResponse(frame, Status.UnknownType, `Unknown ${what} type "${frame.type}"`),
      );
      return;
    }
    let payload: unknown;
    try {
      payload = lpPayload(frame);
    } catch (err) {
      this.#send(client, errorResponse(frame, Status.BadPayload, (err as Error).message));
      return;
    }
    switch (frame.type) {
      case LpType.Time:
        return this.#send(client, okResponse(frame, this.#timePayload()));
      case LpType.Name:
        return this.#send(client, okResponse(frame, { name: this.#name }));
      case LpType.List: {
        const reply: ListReply = { you: client.id, clients: this.list() };
        return this.#send(client, okResponse(frame, reply));
      }
      case LpType.Heartbeat:
        return this.#send(client, okResponse(frame));
      case LpType.Quit:
        this.#say(client, "quits");
        return this.#closeAfter(client, okResponse(frame));
      case LpType.Message:
        return this.#track(this.#forward(client, frame, payload));
    }
  }

  /**
   * The `T` reply's payload, `{ time }` as JSON bytes. Under load a hundred requests arrive in
   * the same millisecond; they share one payload instead of each building a Date, its ISO text
   * and the JSON (the bytes are only ever copied, never changed).
   */
  #timePayload(): Uint8Array {
    const now = Date.now();
    if (now !== this.#timeAt) {
      const reply: TimeReply = { time: new Date(now).toISOString() };
      this.#timeBytes = new TextEncoder().encode(JSON.stringify(reply));
      this.#timeAt = now;
    }
    return this.#timeBytes;
  }

  /** Forward an `M` request and answer the sender once the target has acked, or failed to. */
  async #forward(sender: Client, request: Frame, payload: unknown): Promise<void> {
    let to: number, text: string;
    try {
      ({ to, text } = parseMessageRequest(payload));
    } catch (err) {
      const status = err instanceof RangeError ? Status.TooLarge : Status.BadPayload;
      return this.#send(sender, errorResponse(request, status, (err as Error).message));
    }
    const target = this.#clients.get(to);
    if (!target || target.closing) {
      this.#say(sender, `message to client ${to}: no such client`);
      return this.#send(sender, errorResponse(request, Status.NotFound, `No client with id ${to}`));
    }
    const message: MessageIndication = {
      from: sender.id,
      address: sender.address,
      port: sender.port,
      text,
    };
    const status = await this.#deliver(target, message);
    this.#say(
      sender,
      `message to client ${to}: ${status === Status.Ok ? "delivered" : statusName(status)}`,
    );
    if (sender.closing) return;
    if (status === Status.Ok) {
      const reply: MessageReply = { to };
      this.#send(sender, okResponse(request, reply));
    } else {
      const reason = status === Status.Timeout
        ? `Client ${to} did not acknowledge within ${this.#ackTimeoutMs / 1000} s`
        : status === Status.Gone
        ? `Client ${to} disconnected before acknowledging`
        : `Client ${to} refused the message (${statusName(status)})`;
      this.#send(sender, errorResponse(request, status, reason));
    }
  }

  /**
   * Send a message to a client as an indication whose id is a fresh delivery id, and wait
   * for the client's response echoing that id.
   *
   * @returns `Ok` on acknowledgement, `Timeout`, `Gone` if the target left first, or the
   *   status of a refusing acknowledgement.
   */
  #deliver(target: Client, message: MessageIndication): Promise<number> {
    const id = nextId(target.lastDeliveryId, (n) => target.deliveries.has(n));
    target.lastDeliveryId = id;
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle(Status.Timeout), this.#ackTimeoutMs);
      const settle = (status: number) => {
        clearTimeout(timer);
        target.deliveries.delete(id);
        resolve(status);
      };
      target.deliveries.set(id, settle);
      this.#send(target, makeFrame(Kind.Indication, LpType.Message, { id, payload: message }));
    });
  }

  #evictAfterMs(): number {
    return EVICT_AFTER_INTERVALS * this.#heartbeatMs;
  }

  /**
   * Check the client's silence when its deadline comes; if it was heard from meanwhile,
   * look again when its new deadline comes. One timer per client, not one per frame.
   */
  #armEviction(client: Client, delayMs: number): void {
    client.evictTimer = setTimeout(() => {
      // A client held back by back-pressure is alive as long as it reads our answers.
      const heard = client.paused
        ? Math.max(client.lastSeen, client.outbox.lastProgress)
        : client.lastSeen;
      const silentMs = Date.now() - heard;
      if (silentMs < this.#evictAfterMs()) {
        return this.#armEviction(client, this.#evictAfterMs() - silentMs);
      }
      const seconds = Math.round(silentMs / 100) / 10;
      const what = client.paused ? "read nothing" : "silent";
      this.#dismiss(
        client,
        Status.Timeout,
        `evicted: ${what} for ${EVICT_AFTER_INTERVALS} heartbeat intervals (${seconds} s)`,
      );
    }, delayMs);
  }

  /**
   * Queue a frame for a client; never waits. A client with more than
   * {@linkcode MAX_QUEUED_BYTES} unread is dropped, as a failed write drops it.
   */
  #send(client: Client, frame: Frame): void {
    if (!client.outbox.push(encodeFrame(frame))) {
      this.#dismiss(
        client,
        Status.Slow,
        `dropped: more than ${MAX_QUEUED_BYTES / 1024} KiB unread`,
      );
    }
  }

  /**
   * Drop a client, telling it why in a last `S` notice that replaces whatever it has not read
   * yet (see {@linkcode Outbox.farewell}); the log says the same.
   */
  #dismiss(client: Client, status: number, text: string): void {
    if (client.closing) return;
    this.#say(client, text);
    this.#closeAfter(client, noticeIndication({ text }, status), { farewell: true });
  }

  /** Log why a client goes (unless it is already going), then close it. */
  #drop(client: Client, reason: string): void {
    if (!client.closing) this.#say(client, `dropped: ${reason}`);
    this.#close(client);
  }

  /**
   * Send one last frame, give it a moment to leave, then close. With `farewell`, the frame
   * replaces what is queued rather than waiting behind it.
   */
  #closeAfter(client: Client, frame: Frame, { farewell = false } = {}): void {
    if (client.closing) return;
    if (farewell) client.outbox.farewell(encodeFrame(frame));
    else this.#send(client, frame);
    client.closing = true;
    this.#track(this.#hangUp(client));
  }

  /**
   * Once what is queued is written, half-close, and close when the client has closed too, all
   * within {@linkcode CLOSE_GRACE_MS}. Meanwhile the reader drops what the client still sends,
   * so the last frame is not destroyed by a reset (see `FrameConnection.discardInput`).
   */
  async #hangUp(client: Client): Promise<void> {
    const deadline = Date.now() + CLOSE_GRACE_MS;
    if (await withDeadline(client.outbox.drained(), CLOSE_GRACE_MS)) {
      await client.fc.closeWrite();
      await withDeadline(client.outbox.finished, deadline - Date.now()); // closed by the reader
    }
    this.#close(client);
  }

  /** Close at once, dropping what is queued; the read loop then ends and forgets the client. */
  #close(client: Client): void {
    client.closing = true;
    clearTimeout(client.evictTimer);
    client.outbox.close();
    client.fc.close();
  }
}

/**
 * Run an LP server until the signal aborts.
 *
 * @param listener A bound TCP listener; closed before this returns.
 * @param options The signal, the log, the name and the timings.
 * @returns The server, once it has stopped.
 */
export async function runLpServer(
  listener: Deno.TcpListener,
  options: LpServerOptions = {},
): Promise<LpServer> {
  const server = new LpServer(options);
  await server.serve(listener, options.signal);
  return server;
}

/**
 * Carry out one console command.
 *
 * @param line What the operator typed.
 * @param server The running server.
 * @returns The lines to show, and whether the operator asked to quit.
 */
export function consoleCommand(line: string, server: LpServer): { lines: string[]; quit: boolean } {
  const [command = "", arg, ...rest] = line.trim().split(/\s+/);
  const done = (...lines: string[]) => ({ lines, quit: false });
  switch (command) {
    case "":
      return done();
    case "list": {
      const clients = server.list();
      if (clients.length === 0) return done("No clients connected");
      // The lp-client's heading, so both programs show the table alike.
      const heading = `Connected clients (${clients.length}):`;
      return done(heading, ...formatClientTable(clients, undefined, local));
    }
    case "kick": {
      const id = Number(arg);
      if (!arg || rest.length > 0 || !Number.isInteger(id)) return done("Usage: kick <id>");
      return done(server.kick(id) ? `Kicked client ${id}` : `No client with id ${id}`);
    }
    case "quit":
      return { lines: ["Shutting down"], quit: true };
    case "help":
      return done("Commands: list, kick <id>, quit");
    default:
      return done(`Unknown command "${command}"; commands: list, kick <id>, quit`);
  }
}

function local(iso: string): string {
  return formatTimestamp(new Date(iso));
}

/**
 * Read console commands until the input ends or `quit`. The end of the input (a pipe closed,
 * /dev/null) stops the console only, never the server.
 *
 * @param lines The operator's lines, such as stdin's.
 * @param server The running server.
 * @param options Where output goes, and what to do on `quit`.
 */
export async function runConsole(
  lines: AsyncIterable<string>,
  server: LpServer,
  options: { log: (line: string) => void; quit: () => void },
): Promise<void> {
  for await (const line of lines) {
    const { lines: out, quit } = consoleCommand(line, server);
    for (const l of out) options.log(l);
    if (quit) return options.quit();
  }
}

function closeQuietly(resource: { close(): void }): void {
  try {
    resource.close();
  } catch {
    // Already closed: nothing left to release.
  }
}

function fail(message: string, code = 1): never {
  console.error(`lp_server: ${message}`);
  Deno.exit(code);
}

function parseSeconds(text: string, flag: string): number {
  const s = Number(text);
  if (!(s > 0 && s <= 86400)) {
    throw new RangeError(`Invalid ${flag} "${text}": expected seconds, more than 0`);
  }
  return s;
}

if (import.meta.main) {
  const parsed = parseProgramFlags({
    name: "lp_server",
    usage: USAGE,
    args: Deno.args,
    options: {
      host: { type: "string", default: DEFAULT_HOST },
      port: { type: "string", default: String(DEFAULT_LP_PORT) },
      name: { type: "string", default: DEFAULT_NAME },
      heartbeat: { type: "string", default: String(DEFAULT_HEARTBEAT_S) },
      "ack-timeout": { type: "string", default: String(DEFAULT_ACK_TIMEOUT_S) },
      "no-hello": { type: "boolean" },
    },
    read: (values) => {
      const port = parsePort(values.port);
      const options: LpServerOptions = {
        name: values.name,
        heartbeatMs: parseSeconds(values.heartbeat, "--heartbeat") * 1000,
        ackTimeoutMs: parseSeconds(values["ack-timeout"], "--ack-timeout") * 1000,
        hello: !values["no-hello"],
      };
      return { host: values.host, port, options };
    },
    log: console.log,
    error: console.error,
  });
  if ("exitCode" in parsed) Deno.exit(parsed.exitCode);
  const { host, port, options } = parsed.flags;

  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ hostname: host, port });
  } catch (err) {
    fail(errorMessage(err, `cannot listen on ${formatHostPort({ hostname: host, port })}`));
  }
  // Before announcing the port: a signal sent as soon as it is printed must be caught.
  const shutdown = new AbortController();
  const stop = () => shutdown.abort();
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, stop);
  console.log(`Listening on ${formatHostPort(listener.addr)}`);
  if (isLoopback(host)) console.log(LOOPBACK_HINT);

  const server = new LpServer({ ...options, signal: shutdown.signal });
  // The console is optional: its end (stdin is /dev/null or a closed pipe) leaves the server up.
  runConsole(readLines(Deno.stdin), server, { log: console.log, quit: stop })
    .catch((err) => console.error(`lp_server: console: ${errorMessage(err)}`));
  try {
    await server.serve(listener, shutdown.signal);
    console.log("Server stopped");
  } catch (err) {
    fail(errorMessage(err, "server failed"));
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, stop);
  }
  // The console may still be waiting for a line that will never come.
  Deno.exit(0);
}

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
 * With `--tls` the same frames travel inside TLS: each client's handshake is finished before it
 * becomes a client (lib/tls/server.ts), and the certificate is made once and kept in the
 * storage folder, or read from `--cert` and `--key` (docs/TLS.md).
 *
 * Run it:   deno task lp-server [--host 127.0.0.1] [--port 4579] [--heartbeat 10] [--tls]
 * Then:     deno task lp-client [--tls]      (console commands here: list, kick <id>, quit)
 *
 * @module
 */

import { errorMessage } from "../../lib/cli/cli.ts";
import { type Frame, Kind, makeFrame, ProtocolError, Status } from "../../lib/wire/frame.ts";
import { parsePort } from "../../lib/net/host_port.ts";
import { readLines } from "../../lib/net/lines.ts";
import { acceptEach } from "../../lib/net/accept_loop.ts";
import { runServerMain } from "../../lib/net/server_main.ts";
import { DEFAULT_HOST } from "../../lib/cli/server_cli.ts";
import { ClientTable, type LpClient } from "../../lib/lp/client_table.ts";
import { runConsole } from "../../lib/lp/server_console.ts";
import {
  type ClientInfo,
  DEFAULT_LP_PORT,
  type ListReply,
  LP_ALPN,
  lpPayload,
  LpType,
  type MessageReply,
  noticeOf,
  parseMessageRequest,
  refusal,
  reply,
  REQUEST_TYPES,
  statusName,
  type TimeReply,
} from "../../lib/lp/protocol.ts";
import { english, type Reason, reason, reasonOf } from "../../lib/lp/reason.ts";
import { lpText as text } from "../../lib/lp/text.ts";
import { formatTimestamp } from "../../lib/cli/timestamp.ts";
import type { Credentials } from "../../lib/tls/certificate.ts";
import { admitTls, listenTls } from "../../lib/tls/server.ts";
import { readTlsFlags, serverCredentials, TLS_FLAGS } from "../../lib/tls/server_credentials.ts";
import { tlsText } from "../../lib/tls/text.ts";

/**
 * Seconds between a client's heartbeats. A client silent for three intervals is evicted: one
 * lost heartbeat is bad luck, three in a row is a pulled cable or a frozen program.
 */
export const DEFAULT_HEARTBEAT_S = 10;

/**
 * How long a forwarded message waits for its target's acknowledgement. A live client acks at
 * once; five seconds covers a slow link without keeping the sender waiting long.
 */
export const DEFAULT_ACK_TIMEOUT_S = 5;

/** Encodes the time reply: made once, not once a millisecond. */
const ENCODER = new TextEncoder();

/** The server's answer to `N`, unless `--name` says otherwise. */
export const DEFAULT_NAME = "LP lab server";

/** Where the server keeps what it keeps: its TLS certificate and key, made on the first start. */
export const DEFAULT_STORAGE = "storage/lp-server";

/** The `--help` text, worded once the language is known. */
const usage = () =>
  text("serverUsage", {
    host: DEFAULT_HOST,
    port: DEFAULT_LP_PORT,
    name: DEFAULT_NAME,
    heartbeat: DEFAULT_HEARTBEAT_S,
    ackTimeout: DEFAULT_ACK_TIMEOUT_S,
    storage: DEFAULT_STORAGE,
  });

/** What {@linkcode LpServer} needs to know. */
export interface LpServerOptions {
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

/**
 * The LP server: listen, serve each client in its own read loop, answer by the table below.
 *
 * @remarks
 * A malformed frame or a vanished peer ends only that client's loop, never the accept loop.
 * Requests are answered in arrival order, except `M`, which waits for its target's
 * acknowledgement without holding up the sender's other requests.
 */
export class LpServer {
  /** The connected clients, and the frames, forwards and hang-ups in flight for them. */
  readonly clients: ClientTable;
  /** The answer to `N`. */
  readonly name: string;
  readonly #heartbeatMs: number;
  readonly #hello: boolean;
  readonly #log: (line: string) => void;
  /** The last `T` reply payload, and the `Date.now()` it was made at (see timePayload). */
  #timeBytes = new Uint8Array(0);
  #timeAt = -1;

  /** @param options Name, timings, log; the signal is given to {@linkcode LpServer.serve}. */
  constructor(options: LpServerOptions = {}) {
    this.name = options.name ?? DEFAULT_NAME;
    this.#heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_S * 1000;
    this.#hello = options.hello ?? true;
    const log = options.log ?? console.log;
    this.#log = (line) => log(`${formatTimestamp()} ${line}`);
    this.clients = new ClientTable({
      log,
      heartbeatMs: this.#heartbeatMs,
      ackTimeoutMs: options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_S * 1000,
    });
  }

  /**
   * Accept and serve clients until the signal aborts, then say goodbye to each and return.
   *
   * @param listener A bound TCP or TLS listener; closed before this returns.
   * @param signal Ends the server.
   * @throws {Error} When accepting fails for a reason other than shutdown.
   */
  async serve(
    listener: Deno.Listener<Deno.TcpConn | Deno.TlsConn>,
    signal?: AbortSignal,
  ): Promise<void> {
    const goodbye = () => this.clients.closeAll(noticeOf(reason("shutting-down")));
    signal?.addEventListener("abort", goodbye, { once: true });
    try {
      const serve = (conn: Deno.TcpConn | Deno.TlsConn, stop: AbortSignal) =>
        this.#serveClient(conn, stop);
      await acceptEach(listener, serve, { signal, log: this.#log });
    } finally {
      signal?.removeEventListener("abort", goodbye);
      goodbye(); // also when accepting failed
      await this.clients.settled(); // forwards end once settled, hang-ups at their deadline
    }
  }

  /** @returns The connected clients, for a list response or the console. */
  list(): ClientInfo[] {
    return this.clients.list();
  }

  /**
   * Disconnect a client, telling it why.
   *
   * @param id The client's id.
   * @returns Whether there was such a client.
   */
  kick(id: number): boolean {
    const client = this.clients.get(id);
    if (!client) return false;
    this.clients.say(client, text("logKicked"));
    this.clients.closeAfter(client, noticeOf(reason("kicked-out")));
    return true;
  }

  /** The per-client loop: greet, read frames and answer each, until either side hangs up. */
  async #serveClient(conn: Deno.TcpConn | Deno.TlsConn, signal: AbortSignal): Promise<void> {
    // Over TLS the handshake comes first: a peer that fails it costs one log line, not a client.
    if (!await admitTls(conn, { log: this.#log, signal, protocol: LP_ALPN })) return;
    const client = this.clients.add(conn);
    if (!client) return;
    if (this.#hello) {
      // The greeting in English and as a code: each client words it in its user's language.
      const welcome = reason("welcome-client", { name: this.name, id: client.id });
      const hello = { clientId: client.id, heartbeat: this.#heartbeatMs / 1000 };
      this.clients.send(client, noticeOf(welcome, Status.Ok, hello));
    }
    try {
      while (!client.closing) {
        // A client that sends faster than it reads its answers is not read until it catches up.
        if (this.clients.behind(client)) {
          await this.clients.catchUp(client);
          continue;
        }
        let frame: Frame | null;
        try {
          frame = await client.fc.read();
        } catch (err) {
          if (client.closing) break;
          if (!(err instanceof ProtocolError)) {
            return this.clients.say(client, text("logDropped", { why: errorMessage(err) }));
          }
          // A TLS client on this plain port: its hello is not a frame, and no frame reaches it.
          if (client.opening.looksLikeTls()) {
            return this.clients.say(client, tlsText("tlsOnPlainPort"));
          }
          // The stream has lost its frame boundaries: say why, then hang up.
          this.clients.say(client, text("logMalformed", { why: err.message }));
          const request = makeFrame(Kind.Request, "?");
          const why = reason("malformed-frame", { why: err.message });
          this.clients.closeAfter(client, refuse(request, Status.BadFrame, why));
          break;
        }
        if (frame === null) return;
        if (client.closing) break; // being hung up: the frame is dropped
        client.lastSeen = Date.now();
        this.#answer(client, frame);
      }
      // We are hanging up: drop what the client still sends until it closes, or the hang-up's
      // deadline closes the connection.
      await client.fc.discardInput();
    } finally {
      await this.clients.remove(client); // no write left running on the closed socket
    }
  }

  /** Answer one frame from a client, by {@linkcode HANDLERS}. */
  #answer(client: LpClient, frame: Frame): void {
    if (frame.kind === Kind.Response) {
      // The only response a client sends: the acknowledgement of a forwarded message.
      if (frame.type === LpType.Message) client.deliveries.get(frame.id)?.(frame.status);
      return;
    }
    if (frame.kind === Kind.Indication || !REQUEST_TYPES.has(frame.type)) {
      const code = frame.kind === Kind.Indication ? "unknown-indication" : "unknown-type";
      const why = reason(code, { type: frame.type });
      return this.clients.send(client, refuse(frame, Status.UnknownType, why));
    }
    let payload: unknown;
    try {
      payload = lpPayload(frame);
    } catch (err) {
      return this.clients.send(client, refuseFor(frame, Status.BadPayload, err));
    }
    HANDLERS[frame.type]?.(this, client, frame, payload);
  }

  /**
   * The `T` reply's payload, `{ time }` as JSON bytes. Requests that arrive in the same
   * millisecond share one payload (the bytes are only ever copied, never changed).
   *
   * @returns The payload.
   */
  timePayload(): Uint8Array {
    const now = Date.now();
    if (now !== this.#timeAt) {
      const time: TimeReply = { time: new Date(now).toISOString() };
      this.#timeBytes = ENCODER.encode(JSON.stringify(time));
      this.#timeAt = now;
    }
    return this.#timeBytes;
  }
}

/**
 * A refusal that says why twice: in English for anyone's client, and as a code and values for
 * a client that words it in its user's language.
 */
function refuse(request: Frame, status: number, why: Reason): Frame {
  return refusal(request, status, english(why), why);
}

/** A refusal for a failed check: its reason when it has one, else its message alone. */
function refuseFor(request: Frame, status: number, err: unknown): Frame {
  const why = reasonOf(err);
  return why ? refuse(request, status, why) : refusal(request, status, errorMessage(err));
}

/** Answers one request; the frame's payload is already checked to be well-formed JSON. */
type Handler = (server: LpServer, client: LpClient, request: Frame, payload: unknown) => void;

/** The requests, one line each; docs/PROTOCOL.md has their payloads. */
const HANDLERS: Record<string, Handler> = {
  [LpType.Time]: (s, client, req) => s.clients.send(client, reply(req, s.timePayload())),
  [LpType.Name]: (s, client, req) => s.clients.send(client, reply(req, { name: s.name })),
  [LpType.List]: (s, client, req) => {
    const list: ListReply = { you: client.id, clients: s.list() };
    s.clients.send(client, reply(req, list));
  },
  [LpType.Heartbeat]: (s, client, req) => s.clients.send(client, reply(req)),
  [LpType.Quit]: (s, client, req) => {
    s.clients.say(client, text("logQuits"));
    s.clients.closeAfter(client, reply(req));
  },
  [LpType.Message]: (s, client, req, payload) => s.clients.track(forward(s, client, req, payload)),
};

/** `M`: forward a message and answer the sender once the target has acked, or failed to. */
async function forward(s: LpServer, sender: LpClient, request: Frame, payload: unknown) {
  let to: number, message: string;
  try {
    ({ to, text: message } = parseMessageRequest(payload));
  } catch (err) {
    const status = err instanceof RangeError ? Status.TooLarge : Status.BadPayload;
    return s.clients.send(sender, refuseFor(request, status, err));
  }
  const target = s.clients.get(to);
  if (!target || target.closing) {
    s.clients.say(sender, text("logNoSuchClient", { to }));
    return s.clients.send(
      sender,
      refuse(request, Status.NotFound, reason("no-such-client", { id: to })),
    );
  }
  const { address, port } = sender;
  const status = await s.clients.deliver(target, { from: sender.id, address, port, text: message });
  s.clients.say(
    sender,
    status === Status.Ok
      ? text("logDelivered", { to })
      : text("logUndelivered", { to, status: statusName(status) }),
  );
  if (sender.closing) return;
  const answer: MessageReply = { to };
  s.clients.send(
    sender,
    status === Status.Ok
      ? reply(request, answer)
      : refuse(request, status, s.clients.undelivered(to, status)),
  );
}

function parseSeconds(value: string, flag: string): number {
  const s = Number(value);
  if (!(s > 0 && s <= 86400)) throw new RangeError(text("badSeconds", { flag, text: value }));
  return s;
}

if (import.meta.main) {
  let credentials: Credentials | undefined;
  Deno.exit(
    await runServerMain({
      name: "lp_server",
      usage,
      args: Deno.args,
      options: {
        host: { type: "string", default: DEFAULT_HOST },
        port: { type: "string", default: String(DEFAULT_LP_PORT) },
        name: { type: "string", default: DEFAULT_NAME },
        heartbeat: { type: "string", default: String(DEFAULT_HEARTBEAT_S) },
        "ack-timeout": { type: "string", default: String(DEFAULT_ACK_TIMEOUT_S) },
        "no-hello": { type: "boolean" },
        ...TLS_FLAGS,
        storage: { type: "string", default: DEFAULT_STORAGE },
      },
      read: (values) => ({
        host: values.host,
        port: parsePort(values.port),
        name: values.name,
        heartbeatMs: parseSeconds(values.heartbeat, "--heartbeat") * 1000,
        ackTimeoutMs: parseSeconds(values["ack-timeout"], "--ack-timeout") * 1000,
        hello: !values["no-hello"],
        storage: values.storage,
        ...readTlsFlags(values),
      }),
      prepare: async (flags) => {
        if (flags.tls) credentials = await serverCredentials(flags, "lp-server", console.log);
      },
      listen: ({ host, port }) =>
        credentials
          ? listenTls({ hostname: host, port, credentials, protocol: LP_ALPN })
          : Deno.listen({ hostname: host, port }),
      describe: () =>
        credentials &&
        tlsText("certServing", { protocol: LP_ALPN, fingerprint: credentials.fingerprint }),
      serve: async (listener, options, shutdown) => {
        const server = new LpServer(options);
        // The console is optional: its end (stdin is /dev/null or a closed pipe) leaves the
        // server up; its "quit" stops the server as Ctrl-C does.
        runConsole(readLines(Deno.stdin), server, { log: console.log, quit: () => shutdown.stop() })
          .catch((err) =>
            console.error(`lp_server: ${text("consoleFailed", { why: errorMessage(err) })}`)
          );
        await server.serve(listener, shutdown.signal);
      },
      log: console.log,
      error: console.error,
    }),
  );
}

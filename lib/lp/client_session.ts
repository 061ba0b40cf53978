/**
 * The LP client's connection: a {@linkcode RequestSession} that knows what the LP server's
 * indications mean (a forwarded message to acknowledge, a notice such as the hello), and the
 * first exchange that tells an LP server from a server of another kind. Over TCP, or over TLS
 * (lib/tls/client.ts decides whether to trust the server's certificate).
 *
 * @module
 */

import { errorMessage } from "../cli/cli.ts";
import { type Frame, Kind, makeFrame, ProtocolError, Status } from "../wire/frame.ts";
import { formatHostPort } from "../net/host_port.ts";
import { RequestError, RequestSession } from "../net/request_session.ts";
import { connectTls, type TlsClientOptions, WrongProtocolError } from "../tls/client.ts";
import { OpeningBytes } from "../tls/opening_bytes.ts";
import {
  errorText,
  LP_ALPN,
  LP_MAX_PAYLOAD,
  lpPayload,
  LpType,
  type MessageIndication,
  type Notice,
  parseMessageIndication,
  parseNotice,
  statusName,
} from "./protocol.ts";
import { lpText as text } from "./text.ts";

/**
 * Heartbeat interval until the server's hello says what it expects. Well under the server's
 * default interval, so a server that sends no hello does not evict us.
 */
export const DEFAULT_HEARTBEAT_MS = 5000;

/**
 * How long a request waits for its response. Longer than the server's acknowledgement
 * timeout (5 s), so a message's own failure report arrives before we give up on it.
 */
export const REQUEST_TIMEOUT_MS = 10_000;

/** Longest wait for a new server's first answer, in {@linkcode greet}. */
export const ANSWER_TIMEOUT_MS = REQUEST_TIMEOUT_MS;

/** Something the server sent that nobody asked for. */
export type LpEvent =
  | { kind: "message"; message: MessageIndication }
  | { kind: "notice"; notice: Notice }
  | { kind: "other"; frame: Frame };

/** What {@linkcode LpSession} needs besides the connection; durations in milliseconds. */
export interface SessionOptions {
  /** Called for every indication, in arrival order. */
  onEvent?: (event: LpEvent) => void;
  /** Heartbeat interval before the hello (default {@linkcode DEFAULT_HEARTBEAT_MS}). */
  heartbeatMs?: number;
  /** See {@linkcode REQUEST_TIMEOUT_MS}. */
  requestTimeoutMs?: number;
  /** Connect over TLS, trusting the server's certificate as these say. */
  tls?: Omit<TlsClientOptions, "protocol">;
}

/**
 * One connection to an LP server: requests matched to responses by id, indications handed
 * to a callback, forwarded messages acknowledged, heartbeats sent.
 *
 * @example
 * ```ts ignore
 * const session = await LpSession.connect("127.0.0.1", 4579, { onEvent: console.log });
 * const response = await session.request(LpType.Time);
 * await session.quit();
 * ```
 */
export class LpSession extends RequestSession {
  /** The server, as `host:port`. */
  readonly server: string;
  /** The id the server gave us, once its hello has arrived. */
  clientId: number | undefined;
  /** Over TLS, why its certificate was trusted (lib/tls/client.ts); undefined over TCP. */
  trust: string | undefined;
  readonly #onEvent: (event: LpEvent) => void;
  /** The server's first bytes: TLS records, when a plain client reached a TLS server. */
  readonly #opening: OpeningBytes;

  /**
   * Connect to a server.
   *
   * @param hostname The server's address or name.
   * @param port Its port.
   * @param options Callbacks, timings, and TLS.
   * @returns The session.
   * @throws {Error} When the connection cannot be made, or (over TLS) the server is not
   *   trusted or speaks another protocol: a message in one line.
   */
  static async connect(
    hostname: string,
    port: number,
    options: SessionOptions = {},
  ): Promise<LpSession> {
    const server = formatHostPort({ hostname, port });
    if (!options.tls) return new LpSession(await Deno.connect({ hostname, port }), server, options);
    const { conn, trust } = await connectTls(hostname, port, { ...options.tls, protocol: LP_ALPN })
      .catch((err) => {
        if (!(err instanceof WrongProtocolError)) throw err;
        throw new Error(
          err.theirs === "chat/1"
            ? text("isChatServerTls")
            : text("notLpServerTls", { why: err.message }),
        );
      });
    const session = new LpSession(conn, server, options);
    session.trust = trust;
    return session;
  }

  /**
   * @param conn A connected socket, TCP or TLS; the session owns it from now on.
   * @param server How to name the server in messages.
   * @param options Callbacks and timings.
   */
  constructor(conn: Deno.TcpConn | Deno.TlsConn, server: string, options: SessionOptions = {}) {
    // Requests are small and answered at once: do not let Nagle's algorithm hold them back.
    // (Over TLS it was turned off on the socket before TLS started: lib/tls/client.ts.)
    if ("setNoDelay" in conn) conn.setNoDelay(true);
    const opening = new OpeningBytes(conn);
    super(opening, {
      heartbeatType: LpType.Heartbeat,
      heartbeatMs: options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
      requestTimeoutMs: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
      maxPayload: LP_MAX_PAYLOAD,
      // The server's reason in our language, and the status by its name: "...（NotFound）".
      refusalText: (response) =>
        text("refusal", { error: errorText(response), status: statusName(response.status) }),
    });
    this.server = server;
    this.#onEvent = options.onEvent ?? (() => {});
    this.#opening = opening;
  }

  /** @returns Whether the server answered with TLS records: a TLS server, reached without TLS. */
  answeredWithTls(): boolean {
    return this.#opening.looksLikeTls();
  }

  /** Say goodbye with `Q`, wait a little for the answer, then close. */
  quit(): Promise<void> {
    return this.goodbye(LpType.Quit);
  }

  protected override onIndication(frame: Frame): void {
    try {
      if (frame.type === LpType.Message) {
        const message = parseMessageIndication(lpPayload(frame));
        // Acknowledge first: the sender is told "delivered" only once we have it.
        this.send(makeFrame(Kind.Response, LpType.Message, { id: frame.id })).catch(() => {});
        return this.#onEvent({ kind: "message", message });
      }
      if (frame.type === LpType.Notice) {
        const notice = parseNotice(lpPayload(frame));
        if (notice.clientId !== undefined) this.clientId = notice.clientId;
        // The hello tells how often the server wants to hear from us at least; twice as often
        // leaves room for a heartbeat delayed by a busy machine.
        if (notice.heartbeat !== undefined) this.heartbeatEvery(notice.heartbeat * 500);
        return this.#onEvent({ kind: "notice", notice });
      }
    } catch {
      // A malformed indication is shown raw below rather than ending the session.
    }
    this.#onEvent({ kind: "other", frame });
  }
}

/**
 * The first exchange after connecting: a heartbeat, which every LP server answers at once.
 *
 * @remarks
 * The server sends its hello before it reads anything, so by the time this answer arrives the
 * hello has been shown: the output reads the same on every run. A server of another kind is
 * found out here, before the user is asked anything: it answers nothing (a line-based server
 * waits for a newline that never comes), sends bytes that are not an LP frame, or speaks LP
 * frames but not this protocol. The chat server is such a one: it sends no hello and answers
 * the heartbeat (both protocols have `H`), but it does not know the name request `N`, which
 * every LP server answers. So when no hello came, `N` is asked once to tell them apart.
 *
 * @param session A session just connected.
 * @param timeoutMs Longest wait for each answer (default {@linkcode ANSWER_TIMEOUT_MS}).
 * @throws {RequestError} When no answer comes in time, or the server is not an LP server.
 */
export async function greet(session: LpSession, timeoutMs = ANSWER_TIMEOUT_MS): Promise<void> {
  let outcome = await answerWithin(session, LpType.Heartbeat, timeoutMs);
  if (outcome === "ok" && session.clientId === undefined) {
    // No hello: an LP server started with --no-hello, or a chat server.
    outcome = await answerWithin(session, LpType.Name, timeoutMs);
    if (outcome instanceof RequestError && outcome.status === Status.UnknownType) {
      throw new RequestError(Status.UnknownType, text("isChatServer", { server: session.server }));
    }
  }
  if (outcome === "ok") return;
  if (session.answeredWithTls()) {
    throw new RequestError(Status.BadFrame, text("lpSpeaksTls", { server: session.server }));
  }
  if (session.failure instanceof ProtocolError) {
    const why = session.failure.message;
    throw new RequestError(Status.BadFrame, text("notLpServer", { server: session.server, why }));
  }
  if (
    outcome === "late" || (outcome instanceof RequestError && outcome.status === Status.Timeout)
  ) {
    const seconds = timeoutMs / 1000;
    throw new RequestError(
      Status.Timeout,
      text("noFirstAnswer", { server: session.server, seconds }),
    );
  }
  throw outcome;
}

/**
 * {@linkcode greet}, but closing the session when the server is not one to talk to: the
 * programs show the reason and carry on, or end.
 *
 * @param session A session just connected.
 * @param timeoutMs Longest wait for each answer (default {@linkcode ANSWER_TIMEOUT_MS}).
 * @returns `null` when the server is an LP server; otherwise why not, once the session is closed.
 */
export async function greetOrClose(
  session: LpSession,
  timeoutMs?: number,
): Promise<string | null> {
  try {
    await greet(session, timeoutMs);
    return null;
  } catch (err) {
    session.close();
    await session.closed;
    return errorMessage(err);
  }
}

/** Send a request and wait for its answer: `"ok"`, `"late"`, or what it failed with. */
async function answerWithin(
  session: LpSession,
  type: LpType,
  timeoutMs: number,
): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => timer = setTimeout(resolve, timeoutMs, "late"));
  const answered = session.request(type).then(() => "ok" as const, (err) => err);
  try {
    return await Promise.race([answered, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Lab: a custom protocol — the LP menu client.
 *
 * A background reader takes every frame off the connection: a response goes to whoever sent
 * the request with the same id (so requests can overlap, and a burst of them can be written
 * without waiting), an indication (a message from another client, a server notice) is shown
 * at once, even in the middle of a prompt. Heartbeats tell the server we are still here.
 *
 * Run it (with `deno task lp-server` running):   deno task lp-client
 * Scripted:   deno task lp-client --connect 127.0.0.1:4579 --do time,name,list,msg:2:hello
 * Receive:    deno task lp-client --connect 127.0.0.1:4579 --listen
 * Burst:      deno task lp-client --connect 127.0.0.1:4579 --repeat 100
 *
 * @module
 */

import { createInterface, type Interface } from "node:readline";
import process from "node:process";
import { errorMessage, parseProgramFlags, UsageError } from "../../lib/cli/cli.ts";
import { type Frame, Kind, makeFrame, ProtocolError, Status } from "../../lib/wire/frame.ts";
import { FrameConnection } from "../../lib/wire/frame_connection.ts";
import { formatHostPort, parseHostPort, parseRemotePort } from "../../lib/net/host_port.ts";
import { type LineEditor, openTerminalEditor } from "../../lib/cli/line_editor.ts";
import {
  DEFAULT_LP_PORT,
  errorText,
  formatClientTable,
  LP_MAX_PAYLOAD,
  lpPayload,
  lpRequest,
  LpType,
  type MessageIndication,
  nextId,
  type Notice,
  parseListReply,
  parseMessageIndication,
  parseMessageRequest,
  parseNameReply,
  parseNotice,
  parseTimeReply,
  statusName,
} from "../../lib/lp/protocol.ts";
import { formatTimestamp } from "../../lib/cli/timestamp.ts";

/**
 * Seconds between heartbeats until the server's hello says what it expects. Well under the
 * server's default interval, so a server that sends no hello does not evict us.
 */
export const DEFAULT_HEARTBEAT_S = 5;

/**
 * How long a request waits for its response. Longer than the server's acknowledgement
 * timeout (5 s), so a message's own failure report arrives before we give up on it.
 */
export const REQUEST_TIMEOUT_MS = 10_000;

/** Most requests in flight at once: every 16-bit id but 0. */
export const MAX_PENDING = 0xffff;

/** Why a session ended when the server closed it cleanly. */
const SERVER_CLOSED = "the server closed the connection";

const USAGE =
  `Usage: deno task lp-client [--connect HOST:PORT] [--do ACTIONS] [--repeat N] [--listen]

The LP protocol client. With no options, a numbered menu: connect, disconnect, time, name,
client list, send a message, exit. It reads the menu choices from a pipe as well.

Options:
  --connect HOST:PORT  connect at once (port ${DEFAULT_LP_PORT} if omitted)
  --do ACTIONS         run actions, print the results and exit: a comma-separated list of
                       time, name, list, msg:ID:TEXT  (TEXT cannot contain a comma)
  --repeat N           write N time requests back-to-back without waiting, then report how
                       many responses came back and how long it took
  --listen             stay connected and print incoming messages until the server closes
                       or Ctrl-C (after --do and --repeat, if given)
  -h, --help           show this help`;

/** Something the server sent that nobody asked for. */
export type LpEvent =
  | { kind: "message"; message: MessageIndication }
  | { kind: "notice"; notice: Notice }
  | { kind: "other"; frame: Frame };

/** A request failed: the server said no, or did not answer. */
export class RequestError extends Error {
  /** The response's status, or `Timeout` when no response came. */
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

/** What {@linkcode LpSession} needs besides the connection. */
export interface SessionOptions {
  /** Called for every indication, in arrival order. */
  onEvent?: (event: LpEvent) => void;
  /** Heartbeat interval before the hello (default {@linkcode DEFAULT_HEARTBEAT_S} s). */
  heartbeatMs?: number;
  /** See {@linkcode REQUEST_TIMEOUT_MS}. */
  requestTimeoutMs?: number;
}

interface Pending {
  resolve: (frame: Frame) => void;
  reject: (err: Error) => void;
  /** The request's letter, for the timeout message. */
  type: LpType;
  /** The `performance.now()` after which the request has timed out. */
  deadline: number;
}

/**
 * One connection to an LP server: requests matched to responses by id, indications handed
 * to a callback, forwarded messages acknowledged, heartbeats sent.
 */
export class LpSession {
  /** The server, as `host:port`. */
  readonly server: string;
  /** Resolves with the reason once the connection has ended; never rejects. */
  readonly closed: Promise<string>;
  /** Responses whose id matched no pending request (always 0 against a correct server). */
  unexpected = 0;
  /** The id the server gave us, once its hello has arrived. */
  clientId: number | undefined;
  /** Why reading failed, such as a {@linkcode ProtocolError} from a server of another kind. */
  failure: unknown;
  readonly #fc: FrameConnection;
  readonly #pending = new Map<number, Pending>();
  readonly #onEvent: (event: LpEvent) => void;
  readonly #requestTimeoutMs: number;
  #lastId = 0;
  /** The one timer for request timeouts, armed for the oldest pending request. */
  #timeout: ReturnType<typeof setTimeout> | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #ended = false;
  #closing = false;

  /**
   * Connect to a server.
   *
   * @param hostname The server's address or name.
   * @param port Its port.
   * @param options Callbacks and timings.
   * @returns The session.
   * @throws {Error} When the connection cannot be made.
   */
  static async connect(
    hostname: string,
    port: number,
    options: SessionOptions = {},
  ): Promise<LpSession> {
    const conn = await Deno.connect({ hostname, port });
    return new LpSession(conn, formatHostPort({ hostname, port }), options);
  }

  /**
   * @param conn A connected socket; the session owns it from now on.
   * @param server How to name the server in messages.
   * @param options Callbacks and timings.
   */
  constructor(conn: Deno.TcpConn, server: string, options: SessionOptions = {}) {
    // Requests are small and answered at once: do not let Nagle's algorithm hold them back.
    conn.setNoDelay(true);
    this.#fc = new FrameConnection(conn, { maxPayload: LP_MAX_PAYLOAD });
    this.server = server;
    this.#onEvent = options.onEvent ?? (() => {});
    this.#requestTimeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    this.#startHeartbeat(options.heartbeatMs ?? DEFAULT_HEARTBEAT_S * 1000);
    this.closed = this.#readLoop();
  }

  /**
   * Send a request and wait for the response with its id.
   *
   * @param type The request letter.
   * @param payload The JSON payload, if any.
   * @returns The response, whose status is `Ok`.
   * @throws {RequestError} When the status is not `Ok`, or no response comes in time.
   * @throws {Error} When the connection is closed.
   */
  request(type: LpType, payload?: unknown): Promise<Frame> {
    if (this.#ended) return Promise.reject(new Error("Not connected"));
    let id: number;
    try {
      id = nextId(this.#lastId, (n) => this.#pending.has(n));
    } catch (err) {
      return Promise.reject(err);
    }
    this.#lastId = id;
    const reply = new Promise<Frame>((resolve, reject) => {
      const deadline = performance.now() + this.#requestTimeoutMs;
      this.#pending.set(id, { resolve, reject, type, deadline });
    });
    this.#armTimeout();
    this.#fc.write(lpRequest(type, id, payload)).catch((err) => {
      this.#settle(id, (p) => p.reject(new Error(errorMessage(err, "cannot send"))));
    });
    return reply.then((frame) => {
      if (frame.status !== Status.Ok) {
        throw new RequestError(frame.status, `${errorText(frame)} (${statusName(frame.status)})`);
      }
      return frame;
    });
  }

  /** Say goodbye with `Q`, wait for the answer (or the close), then close. */
  async quit(): Promise<void> {
    try {
      await this.request(LpType.Quit);
    } catch {
      // Gone already, or no answer: we are leaving either way.
    }
    this.close();
    await this.closed;
  }

  /** Close the connection at once; pending requests fail. */
  close(): void {
    this.#closing = true;
    this.#stopHeartbeat();
    clearTimeout(this.#timeout); // the reader fails every pending request once it sees the close
    this.#timeout = undefined;
    this.#fc.close();
  }

  #settle(id: number, action: (p: Pending) => void): boolean {
    const p = this.#pending.get(id);
    if (!p) return false;
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
    if (this.#timeout !== undefined || this.#ended) return;
    const oldest = this.#pending.values().next();
    if (oldest.done) return;
    this.#timeout = setTimeout(() => {
      this.#timeout = undefined;
      const now = performance.now();
      for (const [id, p] of this.#pending) {
        if (p.deadline > now) break;
        const seconds = this.#requestTimeoutMs / 1000;
        this.#settle(id, () => {
          p.reject(
            new RequestError(Status.Timeout, `No answer to "${p.type}" within ${seconds} s`),
          );
        });
      }
      this.#armTimeout();
    }, Math.max(0, oldest.value.deadline - performance.now()));
  }

  #startHeartbeat(ms: number): void {
    this.#stopHeartbeat();
    this.#heartbeat = setInterval(() => {
      this.request(LpType.Heartbeat).catch(() => {
        // A missed heartbeat shows up as the server closing; nothing to tell the user here.
      });
    }, ms);
  }

  #stopHeartbeat(): void {
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }

  async #readLoop(): Promise<string> {
    let reason = SERVER_CLOSED;
    try {
      for (let frame = await this.#fc.read(); frame; frame = await this.#fc.read()) {
        if (frame.kind === Kind.Response) {
          if (!this.#settle(frame.id, (p) => p.resolve(frame!))) this.unexpected++;
        } else if (frame.kind === Kind.Indication) {
          this.#onIndication(frame);
        }
      }
    } catch (err) {
      if (!this.#closing) this.failure = err;
      reason = this.#closing ? "closed" : `connection lost: ${errorMessage(err)}`;
    }
    this.#ended = true;
    this.#stopHeartbeat();
    clearTimeout(this.#timeout); // every pending request is settled just below
    this.#timeout = undefined;
    this.#fc.close();
    for (const id of [...this.#pending.keys()]) {
      this.#settle(id, (p) => p.reject(new Error(endLine(reason))));
    }
    return reason;
  }

  #onIndication(frame: Frame): void {
    try {
      if (frame.type === LpType.Message) {
        const message = parseMessageIndication(lpPayload(frame));
        // Acknowledge first: the sender is told "delivered" only once we have it.
        const ack = makeFrame(Kind.Response, LpType.Message, { id: frame.id });
        this.#fc.write(ack).catch(() => {});
        return this.#onEvent({ kind: "message", message });
      }
      if (frame.type === LpType.Notice) {
        const notice = parseNotice(lpPayload(frame));
        if (notice.clientId !== undefined) this.clientId = notice.clientId;
        // The hello tells how often the server wants to hear from us at least; twice as often
        // leaves room for a heartbeat delayed by a busy machine.
        if (notice.heartbeat !== undefined && !this.#ended) {
          this.#startHeartbeat(notice.heartbeat * 500);
        }
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
 * @param timeoutMs Longest wait for each answer (default {@linkcode REQUEST_TIMEOUT_MS}).
 * @throws {RequestError} When no answer comes in time, or the server is not an LP server.
 */
export async function greet(session: LpSession, timeoutMs = REQUEST_TIMEOUT_MS): Promise<void> {
  let outcome = await answerWithin(session, LpType.Heartbeat, timeoutMs);
  if (outcome === "ok" && session.clientId === undefined) {
    // No hello: an LP server started with --no-hello, or a chat server.
    outcome = await answerWithin(session, LpType.Name, timeoutMs);
    if (outcome instanceof RequestError && outcome.status === Status.UnknownType) {
      throw new RequestError(
        Status.UnknownType,
        `${session.server} is a chat server, not an LP server (try deno task chat-client)`,
      );
    }
  }
  if (outcome === "ok") return;
  if (session.failure instanceof ProtocolError) {
    throw new RequestError(
      Status.BadFrame,
      `${session.server} is not an LP server (${session.failure.message})`,
    );
  }
  if (
    outcome === "late" || (outcome instanceof RequestError && outcome.status === Status.Timeout)
  ) {
    throw new RequestError(
      Status.Timeout,
      `no answer from ${session.server} within ${timeoutMs / 1000} s (is it an LP server?)`,
    );
  }
  throw outcome;
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

/** One thing `--do` or the menu can ask the server. */
export type Action =
  | { op: "time" }
  | { op: "name" }
  | { op: "list" }
  | { op: "msg"; to: number; text: string };

/**
 * Parse the `--do` list.
 *
 * @param text Such as `time,name,list,msg:2:hello there`.
 * @returns The actions, in order.
 * @throws {UsageError} When an action is unknown or malformed.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(parseActions("time,msg:2:a:b"), [
 *   { op: "time" }, { op: "msg", to: 2, text: "a:b" },
 * ]);
 * ```
 */
export function parseActions(text: string): Action[] {
  return text.split(",").map((word): Action => {
    const w = word.trim();
    if (w === "time" || w === "name" || w === "list") return { op: w };
    const m = /^msg:(\d+):(.+)$/s.exec(w);
    if (m) return { op: "msg", to: Number(m[1]), text: m[2] };
    throw new UsageError(`Unknown action "${w}": expected time, name, list or msg:ID:TEXT`);
  });
}

/**
 * Carry out one action.
 *
 * @param session The connection.
 * @param action What to do.
 * @returns The lines to show the user.
 * @throws {RequestError} When the server says no or does not answer.
 */
export async function runAction(session: LpSession, action: Action): Promise<string[]> {
  switch (action.op) {
    case "time": {
      const { time } = parseTimeReply(lpPayload(await session.request(LpType.Time)));
      return [`Server time: ${formatTimestamp(new Date(time))}`];
    }
    case "name": {
      const { name } = parseNameReply(lpPayload(await session.request(LpType.Name)));
      return [`Server name: ${name}`];
    }
    case "list": {
      const { you, clients } = parseListReply(lpPayload(await session.request(LpType.List)));
      return [
        `Connected clients (${clients.length}):`,
        ...formatClientTable(clients, you, (iso) => formatTimestamp(new Date(iso))),
      ];
    }
    case "msg":
      try {
        // Checked here as the server checks it: a text over the limit is not sent at all (past
        // the frame limit, the server would take it for a malformed frame and hang up).
        const message = parseMessageRequest({ to: action.to, text: action.text });
        await session.request(LpType.Message, message);
      } catch (err) {
        if (!(err instanceof Error)) throw err;
        const status = err instanceof RequestError
          ? err.status
          : err instanceof RangeError
          ? Status.TooLarge
          : Status.Gone;
        throw new RequestError(status, `Message to client ${action.to} not sent: ${err.message}`);
      }
      return [`Message delivered to client ${action.to}`];
  }
}

/** What {@linkcode timeBurst} measured. */
export interface BurstResult {
  sent: number;
  /** Responses that came back with a request's id and status `Ok`. */
  received: number;
  /** Requests that got no response, or an error. */
  failed: number;
  /** From the first write to the last response. */
  elapsedMs: number;
}

/**
 * The lab's experiment: write `count` time requests back-to-back, without waiting for any
 * answer, then collect every response by its id.
 *
 * @param session The connection.
 * @param count How many, 1 to {@linkcode MAX_PENDING}.
 * @returns How many came back, and how long it took.
 */
export async function timeBurst(session: LpSession, count: number): Promise<BurstResult> {
  const start = performance.now();
  const replies = [];
  for (let i = 0; i < count; i++) replies.push(session.request(LpType.Time));
  const results = await Promise.allSettled(replies);
  const elapsedMs = performance.now() - start;
  const received = results.filter((r) => r.status === "fulfilled").length;
  return { sent: count, received, failed: count - received, elapsedMs };
}

/**
 * Describe an indication in one line.
 *
 * @param event The indication.
 * @returns The line to show.
 */
export function describeEvent(event: LpEvent): string {
  switch (event.kind) {
    case "message": {
      const { from, address, port, text } = event.message;
      return `Message from client ${from} (${
        formatHostPort({ hostname: address, port })
      }): ${text}`;
    }
    case "notice":
      return `Server: ${event.notice.text}`;
    case "other":
      return `Server sent an indication of unknown type "${event.frame.type}"`;
  }
}

/**
 * The line shown when a session ends. A clean close reads as it does in the TCP and chat
 * clients.
 *
 * @param reason What {@linkcode LpSession.closed} resolved with.
 * @returns The line.
 */
export function endLine(reason: string): string {
  return reason === SERVER_CLOSED ? "The server closed the connection." : `Disconnected: ${reason}`;
}

/** How the menu talks to the user: a terminal with prompts, a pipe, or a test. */
export interface MenuIO {
  /**
   * Show a prompt and read the answer.
   *
   * @returns The line, or `null` at the end of input.
   */
  ask(prompt: string): Promise<string | null>;
  /** Show a line, even while a prompt is waiting. */
  print(line: string): void;
}

const MENU = [
  "",
  "  1) Connect",
  "  2) Disconnect",
  "  3) Server time",
  "  4) Server name",
  "  5) Client list",
  "  6) Send a message",
  "  7) Exit",
];

/** What {@linkcode runMenu} needs besides the user. */
export interface MenuOptions {
  /** Open a session; indications must go to `onEvent`. */
  connect: (hostname: string, port: number, options: SessionOptions) => Promise<LpSession>;
  /** A session to start with (from `--connect`). */
  session?: LpSession;
  /** Suggested at the IP prompt (default 127.0.0.1). */
  defaultHost?: string;
  /** Longest wait for a new server's first answer (default {@linkcode REQUEST_TIMEOUT_MS}). */
  greetTimeoutMs?: number;
}

/**
 * The seed's numbered menu, until 7 or the end of input.
 *
 * @param io The user.
 * @param options How to connect, and perhaps an open session.
 */
export async function runMenu(io: MenuIO, options: MenuOptions): Promise<void> {
  const defaultHost = options.defaultHost ?? "127.0.0.1";
  let session: LpSession | undefined;
  const adopt = (s: LpSession) => {
    session = s;
    s.closed.then((reason) => {
      if (session !== s) return;
      session = undefined;
      io.print(endLine(reason));
    });
  };
  if (options.session) adopt(options.session);
  const onEvent = (event: LpEvent) => io.print(describeEvent(event));
  const needSession = (): LpSession | undefined => {
    if (!session) io.print("Not connected: choose 1 to connect first.");
    return session;
  };
  const run = async (s: LpSession, action: Action) => {
    try {
      for (const line of await runAction(s, action)) io.print(line);
    } catch (err) {
      io.print(err instanceof Error ? err.message : String(err));
    }
  };

  for (const line of MENU) io.print(line);
  while (true) {
    const choice = await io.ask("Choose 1-7: ");
    if (choice === null) break;
    const c = choice.trim();
    if (c === "7") break;
    if (c === "1") {
      if (session) {
        io.print(`Already connected to ${session.server}; choose 2 to disconnect first.`);
        continue;
      }
      const hostAnswer = await io.ask(`Server IP [${defaultHost}]: `);
      if (hostAnswer === null) break;
      const portAnswer = await io.ask(`Port [${DEFAULT_LP_PORT}]: `);
      if (portAnswer === null) break;
      const host = hostAnswer.trim() || defaultHost;
      let port = DEFAULT_LP_PORT;
      try {
        if (portAnswer.trim() !== "") port = parseRemotePort(portAnswer.trim());
      } catch (err) {
        io.print(errorMessage(err)); // such as port 0: no server listens there
        continue;
      }
      let s: LpSession;
      try {
        s = await options.connect(host, port, { onEvent });
      } catch (err) {
        io.print(
          errorMessage(err, `Cannot connect to ${formatHostPort({ hostname: host, port })}`),
        );
        continue;
      }
      io.print(`Connected to ${s.server}`);
      // Wait for the server's first answer, so its hello is shown before the next prompt.
      try {
        await greet(s, options.greetTimeoutMs);
      } catch (err) {
        s.close();
        await s.closed;
        const text = errorMessage(err);
        io.print(text.charAt(0).toUpperCase() + text.slice(1));
        continue;
      }
      adopt(s);
    } else if (c === "2") {
      const s = needSession();
      if (!s) continue;
      session = undefined;
      await s.quit();
      io.print(`Disconnected from ${s.server}`);
    } else if (c === "3" || c === "4" || c === "5") {
      const s = needSession();
      if (s) await run(s, { op: c === "3" ? "time" : c === "4" ? "name" : "list" });
    } else if (c === "6") {
      const s = needSession();
      if (!s) continue;
      const idAnswer = await io.ask("Client id: ");
      if (idAnswer === null) break;
      // Checked before the message is asked for, so a typo does not cost typing the text.
      const idText = idAnswer.trim();
      const to = Number(idText);
      if (!/^\d{1,9}$/.test(idText) || to < 1) {
        io.print(`Invalid client id "${idText}": expected a number such as 1 (5 lists them)`);
        continue;
      }
      const text = await io.ask("Message: ");
      if (text === null) break;
      if (text === "") io.print("Not sent: the message is empty");
      else await run(s, { op: "msg", to, text });
    } else if (c === "") {
      continue; // Enter alone: just ask again
    } else {
      io.print(`Unknown choice "${c}"; choose a number from 1 to 7.`);
      for (const line of MENU) io.print(line);
    }
  }
  if (session) {
    const s = session;
    session = undefined;
    await s.quit();
  }
  io.print("Bye");
}

/**
 * The menu's I/O on a terminal: prompts, line editing, and indications printed above the
 * prompt, which is then redrawn with what was typed so far.
 *
 * @param editor The line editor reading the keyboard (lib/cli/line_editor.ts).
 * @returns The I/O.
 */
export function editorIO(editor: LineEditor): MenuIO {
  const lines = editor[Symbol.asyncIterator]();
  return {
    async ask(prompt) {
      editor.setPrompt(prompt);
      editor.prompt();
      const next = await lines.next();
      if (next.done) {
        // Ctrl-D or Ctrl-C left the cursor after the prompt: end that line first.
        editor.leaveLine();
        return null;
      }
      return next.value;
    },
    print(line) {
      editor.print(line);
    },
  };
}

/**
 * The menu's I/O on a pipe: no prompt is left waiting; each answer is echoed after its prompt,
 * so the output reads like a terminal session.
 *
 * @param rl A readline interface on stdin.
 * @returns The I/O.
 */
export function readlineIO(rl: Interface): MenuIO {
  const lines = rl[Symbol.asyncIterator]();
  return {
    async ask(prompt) {
      const next = await lines.next();
      if (next.done) return null;
      console.log(`${prompt}${next.value}`);
      return next.value;
    },
    print(line) {
      console.log(line);
    },
  };
}

function fail(message: string, code = 1): never {
  console.error(`lp_client: ${message}`);
  Deno.exit(code);
}

/** Wait for Ctrl-C (or SIGTERM) or the end of the session, whichever is first. */
async function stayConnected(session: LpSession): Promise<void> {
  let wake: () => void = () => {};
  const interrupted = new Promise<void>((resolve) => wake = resolve);
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, wake);
  // Only now: a Ctrl-C sent as soon as this is printed must be caught.
  console.log("Waiting for messages (Ctrl-C to stop)");
  try {
    const how = await Promise.race([session.closed, interrupted.then(() => null)]);
    if (how === null) await session.quit();
    else console.log(endLine(how));
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, wake);
  }
}

if (import.meta.main) {
  const parsed = parseProgramFlags({
    name: "lp_client",
    usage: USAGE,
    args: Deno.args,
    options: {
      connect: { type: "string" },
      do: { type: "string" },
      repeat: { type: "string" },
      listen: { type: "boolean" },
    },
    read: (values) => {
      const target = values.connect === undefined
        ? undefined
        : parseHostPort(values.connect, DEFAULT_LP_PORT);
      const actions: Action[] = values.do === undefined ? [] : parseActions(values.do);
      let repeat = 0;
      if (values.repeat !== undefined) {
        repeat = Number(values.repeat);
        if (!/^\d+$/.test(values.repeat) || repeat < 1 || repeat > MAX_PENDING) {
          throw new RangeError(`Invalid --repeat "${values.repeat}": expected 1 to ${MAX_PENDING}`);
        }
      }
      const listen = values.listen ?? false;
      if (!target && (actions.length > 0 || repeat > 0 || listen)) {
        throw new UsageError("--do, --repeat and --listen need --connect HOST:PORT");
      }
      return { target, actions, repeat, listen };
    },
    log: console.log,
    error: console.error,
  });
  if ("exitCode" in parsed) Deno.exit(parsed.exitCode);
  const { target, actions, repeat, listen } = parsed.flags;

  const scripted = actions.length > 0 || repeat > 0 || listen;
  let io: MenuIO | undefined;
  let input: { close(): void } | undefined;
  if (!scripted) {
    if (Deno.stdin.isTerminal()) {
      // Ctrl-C at a prompt exits like choice 7, as Ctrl-D does (the editor's default).
      const editor = openTerminalEditor();
      input = editor;
      io = editorIO(editor);
    } else {
      const rl = createInterface({ input: process.stdin, terminal: false });
      input = rl;
      io = readlineIO(rl);
    }
  }
  const print = (line: string) => io ? io.print(line) : console.log(line);
  const onEvent = (event: LpEvent) => print(describeEvent(event));

  let session: LpSession | undefined;
  if (target) {
    const server = formatHostPort(target);
    try {
      session = await LpSession.connect(target.hostname, target.port, { onEvent });
    } catch (err) {
      fail(errorMessage(err, `cannot connect to ${server}`));
    }
    print(`Connected to ${server}`);
    try {
      await greet(session);
    } catch (err) {
      session.close();
      await session.closed;
      session = undefined;
      // Scripted, there is nothing more to do; the menu says so and carries on, unconnected.
      if (scripted) fail(errorMessage(err));
      const text = errorMessage(err);
      print(text.charAt(0).toUpperCase() + text.slice(1));
    }
  }

  if (!scripted) {
    await runMenu(io!, { connect: LpSession.connect, session });
    input!.close();
    Deno.exit(0);
  }

  const s = session!;
  for (const action of actions) {
    try {
      for (const line of await runAction(s, action)) console.log(line);
    } catch (err) {
      s.close();
      fail(err instanceof Error ? err.message : String(err));
    }
  }
  if (repeat > 0) {
    const r = await timeBurst(s, repeat);
    const matched = r.received === r.sent && s.unexpected === 0 ? ", every id matched" : "";
    console.log(
      `${r.sent} time requests written back-to-back: ${r.received} responses${matched}, ` +
        `${r.failed} failed, in ${r.elapsedMs.toFixed(1)} ms`,
    );
    if (r.received !== r.sent) {
      s.close();
      fail(`${r.sent - r.received} of ${r.sent} requests got no response`);
    }
  }
  if (listen) {
    await stayConnected(s);
  } else {
    await s.quit();
  }
  Deno.exit(0);
}

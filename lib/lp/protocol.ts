/**
 * The LP lab protocol on the LP frame: which type letters exist, what each payload holds, and
 * how both sides build and check them. No I/O and no printing, so the server, the client and
 * the tests share one definition of every message.
 *
 * | type | request (client → server)  | response (server → client)      | indication            |
 * | ---- | -------------------------- | ------------------------------- | --------------------- |
 * | `T`  | time, no payload           | `{time}` (ISO 8601, UTC)        |                       |
 * | `N`  | name, no payload           | `{name}`                        |                       |
 * | `L`  | client list, no payload    | `{you, clients: [...]}`         |                       |
 * | `M`  | `{to, text}`               | `{to}` once the target acked    | `{from, address, port, text}`; the target acks with a response echoing the id |
 * | `H`  | heartbeat, no payload      | no payload                      |                       |
 * | `Q`  | quit, no payload           | no payload, then the server closes |                    |
 * | `S`  |                            |                                 | `{text, clientId?, heartbeat?}` server notice |
 *
 * Every response with a status other than `Ok` carries `{error}`, a sentence for the user.
 *
 * @module
 */

import { type Frame, payloadJson, Status } from "../wire/frame.ts";
import { indication } from "../wire/messages.ts";

// The message builders both protocols share: request, reply, refusal, indication.
export { indication, refusal, reply, request } from "../wire/messages.ts";

/** The LP server's port: the one the lab handout uses. */
export const DEFAULT_LP_PORT = 4579;

/**
 * Largest LP payload. Every LP payload is a short JSON object (the longest is a client list),
 * so 64 KiB is plenty and keeps a peer announcing a huge length from making us buffer it.
 */
export const LP_MAX_PAYLOAD = 64 * 1024;

/** Longest message text, in characters: a chat line, not a file. */
export const MAX_TEXT_LENGTH = 4000;

/**
 * The type letters. LP owns T N L M Q; H and S mean the same in the chat protocol.
 */
export const LpType = {
  /** Request the server's time. */
  Time: "T",
  /** Request the server's name. */
  Name: "N",
  /** Request the list of connected clients. */
  List: "L",
  /** Request: send a message to a client id. Indication: a message for you. */
  Message: "M",
  /** Heartbeat request: "I am still here". */
  Heartbeat: "H",
  /** Request to leave; the server answers, then closes. */
  Quit: "Q",
  /** Server notice indication, such as the hello or "shutting down". */
  Notice: "S",
} as const;
/** One of the values of {@linkcode LpType}. */
export type LpType = typeof LpType[keyof typeof LpType];

/** The request types a server answers. */
export const REQUEST_TYPES: ReadonlySet<string> = new Set(["T", "N", "L", "M", "H", "Q"]);

/** Response to `T`. */
export interface TimeReply {
  /** The server's clock, ISO 8601 in UTC, such as `2026-03-01T10:15:30.123Z`. */
  time: string;
}

/** Response to `N`. */
export interface NameReply {
  name: string;
}

/** One client in the server's table. */
export interface ClientInfo {
  /** The id the server gave it, counting up from 1. */
  id: number;
  /** Its IP address as the server sees it. */
  address: string;
  /** Its TCP port as the server sees it. */
  port: number;
  /** When it connected, ISO 8601 in UTC. */
  connectedAt: string;
  /** When the server last heard from it, ISO 8601 in UTC. */
  lastSeen: string;
}

/** Response to `L`. */
export interface ListReply {
  /** The id of the client that asked. */
  you: number;
  /** Every connected client, by id. */
  clients: ClientInfo[];
}

/** Payload of an `M` request. */
export interface MessageRequest {
  /** The target's client id. */
  to: number;
  /** The text, 1 to {@linkcode MAX_TEXT_LENGTH} characters. */
  text: string;
}

/** Payload of a successful `M` response. */
export interface MessageReply {
  /** The target that acknowledged. */
  to: number;
}

/** Payload of an `M` indication: a message from another client. */
export interface MessageIndication {
  /** The sender's client id. */
  from: number;
  /** The sender's IP address as the server sees it. */
  address: string;
  /** The sender's TCP port as the server sees it. */
  port: number;
  text: string;
}

/** Payload of an `S` indication. */
export interface Notice {
  /** What the server has to say, such as `shutting down`. */
  text: string;
  /** In the hello only: the id the server gave you. */
  clientId?: number;
  /** In the hello only: the heartbeat interval in seconds the server expects. */
  heartbeat?: number;
}

/** Payload of every response whose status is not `Ok`. */
export interface ErrorReply {
  error: string;
}

/**
 * Build a server notice.
 *
 * @param notice The notice.
 * @param status Why, when the notice ends the connection (default `Ok`).
 * @returns An `S` indication with id 0.
 */
export function notice(payload: Notice, status: number = Status.Ok): Frame {
  return indication(LpType.Notice, payload, { status });
}

/**
 * Name a status code, for logs and error lines.
 *
 * @param status A status byte.
 * @returns Its name in {@linkcode Status}, such as `NotFound`, or `status 99`.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(statusName(4), "NotFound");
 * equal(statusName(99), "status 99");
 * ```
 */
export function statusName(status: number): string {
  for (const [name, value] of Object.entries(Status)) if (value === status) return name;
  return `status ${status}`;
}

/**
 * The next free 16-bit id after `previous`. Ids run 1 to 65535 and wrap around; 0 is left for
 * frames that answer nothing. An id still waiting for its answer is skipped, so two pending
 * requests never share one.
 *
 * @param previous The last id handed out (0 at the start).
 * @param inUse Whether an id is still pending.
 * @returns The id to use.
 * @throws {RangeError} When all 65535 ids are pending.
 *
 * @example Wrap around, skipping a pending id
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(nextId(65535, (id) => id === 1), 2);
 * ```
 */
export function nextId(previous: number, inUse: (id: number) => boolean): number {
  let id = previous;
  for (let tries = 0; tries < 0xffff; tries++) {
    id = id >= 0xffff ? 1 : id + 1;
    if (!inUse(id)) return id;
  }
  throw new RangeError("All 65535 ids are waiting for an answer");
}

/**
 * Read a frame's JSON payload, treating an empty payload as `{}`.
 *
 * @param frame The frame.
 * @returns The parsed JSON.
 * @throws {ProtocolError} When the payload is not valid UTF-8 JSON.
 */
export function lpPayload(frame: Frame): unknown {
  return frame.payload.length === 0 ? {} : payloadJson(frame);
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

function field<T>(
  obj: Record<string, unknown>,
  name: string,
  check: (v: unknown) => v is T,
  expected: string,
  what: string,
): T {
  const v = obj[name];
  if (!check(v)) throw new TypeError(`${what}: "${name}" must be ${expected}`);
  return v;
}

const isString = (v: unknown): v is string => typeof v === "string";
const isId = (v: unknown): v is number =>
  typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= Number.MAX_SAFE_INTEGER;
const isPort = (v: unknown): v is number =>
  typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 65535;

/**
 * Check an `M` request payload.
 *
 * @param value The parsed JSON.
 * @returns The request.
 * @throws {TypeError} When a field is missing or of the wrong type.
 * @throws {RangeError} When the text is empty or over {@linkcode MAX_TEXT_LENGTH}.
 *
 * @example
 * ```ts
 * import { deepStrictEqual, throws } from "node:assert/strict";
 * deepStrictEqual(parseMessageRequest({ to: 2, text: "hi" }), { to: 2, text: "hi" });
 * throws(() => parseMessageRequest({ to: "2", text: "hi" }), TypeError);
 * ```
 */
export function parseMessageRequest(value: unknown): MessageRequest {
  const what = "M request";
  const obj = record(value, what);
  const to = field(obj, "to", isId, "a client id (a whole number from 1)", what);
  const text = field(obj, "text", isString, "a string", what);
  if (text.length === 0) throw new RangeError("The message text is empty");
  if (text.length > MAX_TEXT_LENGTH) {
    throw new RangeError(`The message text is over ${MAX_TEXT_LENGTH} characters`);
  }
  return { to, text };
}

/**
 * Check an `M` indication payload.
 *
 * @param value The parsed JSON.
 * @returns The message.
 * @throws {TypeError} When a field is missing or of the wrong type.
 */
export function parseMessageIndication(value: unknown): MessageIndication {
  const what = "M indication";
  const obj = record(value, what);
  return {
    from: field(obj, "from", isId, "a client id", what),
    address: field(obj, "address", isString, "a string", what),
    port: field(obj, "port", isPort, "a port number", what),
    text: field(obj, "text", isString, "a string", what),
  };
}

/**
 * Check an `S` indication payload.
 *
 * @param value The parsed JSON.
 * @returns The notice.
 * @throws {TypeError} When `text` is missing or a field is of the wrong type.
 */
export function parseNotice(value: unknown): Notice {
  const what = "S indication";
  const obj = record(value, what);
  const notice: Notice = { text: field(obj, "text", isString, "a string", what) };
  if (obj.clientId !== undefined) notice.clientId = field(obj, "clientId", isId, "an id", what);
  if (obj.heartbeat !== undefined) {
    const isSeconds = (v: unknown): v is number => typeof v === "number" && v > 0;
    notice.heartbeat = field(obj, "heartbeat", isSeconds, "a positive number", what);
  }
  return notice;
}

/**
 * Check a `T` response payload.
 *
 * @param value The parsed JSON.
 * @returns The reply.
 * @throws {TypeError} When `time` is not a date string.
 */
export function parseTimeReply(value: unknown): TimeReply {
  const obj = record(value, "T response");
  const time = field(obj, "time", isString, "a string", "T response");
  if (Number.isNaN(Date.parse(time))) throw new TypeError(`T response: bad time "${time}"`);
  return { time };
}

/**
 * Check an `N` response payload.
 *
 * @param value The parsed JSON.
 * @returns The reply.
 * @throws {TypeError} When `name` is not a string.
 */
export function parseNameReply(value: unknown): NameReply {
  const obj = record(value, "N response");
  return { name: field(obj, "name", isString, "a string", "N response") };
}

/**
 * Check an `L` response payload.
 *
 * @param value The parsed JSON.
 * @returns The reply.
 * @throws {TypeError} When a field is missing or of the wrong type.
 */
export function parseListReply(value: unknown): ListReply {
  const what = "L response";
  const obj = record(value, what);
  const you = field(obj, "you", isId, "a client id", what);
  const list = obj.clients;
  if (!Array.isArray(list)) throw new TypeError(`${what}: "clients" must be an array`);
  const clients = list.map((item): ClientInfo => {
    const c = record(item, `${what} client`);
    return {
      id: field(c, "id", isId, "a client id", what),
      address: field(c, "address", isString, "a string", what),
      port: field(c, "port", isPort, "a port number", what),
      connectedAt: field(c, "connectedAt", isString, "a string", what),
      lastSeen: field(c, "lastSeen", isString, "a string", what),
    };
  });
  return { you, clients };
}

/**
 * Read the reason out of a failure response, whatever shape its payload has.
 *
 * @param frame A response with a status other than `Ok`.
 * @returns Its `error` text, or the status name when there is none.
 */
export function errorText(frame: Frame): string {
  try {
    const value = lpPayload(frame);
    const error = (value as Record<string, unknown> | null)?.error;
    if (typeof error === "string" && error !== "") return error;
  } catch {
    // A broken error payload still has a status worth reporting.
  }
  return statusName(frame.status);
}

/**
 * Lay out a client list as an aligned table, the same in the server console and the client.
 *
 * @param clients The clients.
 * @param you The reader's own id, marked `(you)`.
 * @param toLocal How to show a timestamp; the raw ISO text by default.
 * @returns The lines: a header, then one line per client.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * const t = "2026-01-01T00:00:00.000Z";
 * const lines = formatClientTable(
 *   [{ id: 1, address: "127.0.0.1", port: 5000, connectedAt: t, lastSeen: t }], 1, () => "t");
 * deepStrictEqual(lines[1], "   1  127.0.0.1         5000  t  (you)");
 * ```
 */
export function formatClientTable(
  clients: readonly ClientInfo[],
  you?: number,
  toLocal: (iso: string) => string = (iso) => iso,
): string[] {
  const lines = [
    `${"id".padStart(4)}  ${"address".padEnd(15)}  ${"port".padStart(5)}  connected since`,
  ];
  for (const c of clients) {
    const mark = c.id === you ? "  (you)" : "";
    lines.push(
      `${String(c.id).padStart(4)}  ${c.address.padEnd(15)}  ${String(c.port).padStart(5)}  ` +
        `${toLocal(c.connectedAt)}${mark}`,
    );
  }
  return lines;
}

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
 * | `S`  |                            |                                 | `{text, code?, params?, clientId?, heartbeat?}` server notice |
 *
 * Every response with a status other than `Ok` carries `{error}`, an English sentence, and,
 * from this server, `{code, params}`: the same said exactly, for a client to word in its user's
 * language (lib/lp/reason.ts). A notice's `text` is English too, and its `code` and `params`
 * say it exactly.
 *
 * @module
 */

import { type Frame, payloadJson, Status } from "../wire/frame.ts";
import { indication, type Reason } from "../wire/messages.ts";
import { displayWidth, padEndToWidth, padStartToWidth } from "../cli/display_width.ts";
import { english, failure, type LpCode, reason, reasonIn, wordPayload } from "./reason.ts";
import { lpText as text } from "./text.ts";

// The message builders both protocols share: request, reply, refusal, indication.
export { indication, refusal, reply, request } from "../wire/messages.ts";

/** The LP server's port: the one the lab handout uses. */
export const DEFAULT_LP_PORT = 4579;

/** LP's name inside TLS (ALPN), so a client of another protocol is told at the handshake. */
export const LP_ALPN = "lp/1";

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
  /** What the server has to say, in English, such as `shutting down`. */
  text: string;
  /** The same, exactly, such as `shutting-down`: a client words it in its user's language. */
  code?: string;
  /** The values the code's sentence needs. */
  params?: Record<string, string | number>;
  /** In the hello only: the id the server gave you. */
  clientId?: number;
  /** In the hello only: the heartbeat interval in seconds the server expects. */
  heartbeat?: number;
}

/** Payload of every response whose status is not `Ok`. */
export interface ErrorReply {
  /** Why, in English. */
  error: string;
  /** The same, exactly, such as `no-such-client` (sent by this server, optional for others). */
  code?: string;
  /** The values the code's sentence needs. */
  params?: Record<string, string | number>;
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
 * Build a server notice that says a reason: its English sentence as `text`, and the reason.
 *
 * @param said The code and values, from {@linkcode reason}.
 * @param status Why, when the notice ends the connection (default `Ok`).
 * @param extra More fields, such as the hello's `clientId` and `heartbeat`.
 * @returns An `S` indication with id 0.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { payloadJson } from "../wire/frame.ts";
 * import { reason } from "./reason.ts";
 * deepStrictEqual(payloadJson(noticeOf(reason("shutting-down"))), {
 *   text: "shutting down", code: "shutting-down", params: {},
 * });
 * ```
 */
export function noticeOf(
  said: Reason,
  status: number = Status.Ok,
  extra: Omit<Notice, "text" | "code" | "params"> = {},
): Frame {
  return notice({ text: english(said), ...extra, code: said.code, params: said.params }, status);
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
 * @throws {TypeError} When the payload is not valid UTF-8 JSON (code `payload-not-json`).
 */
export function lpPayload(frame: Frame): unknown {
  if (frame.payload.length === 0) return {};
  try {
    return payloadJson(frame);
  } catch {
    throw failure(TypeError, reason("payload-not-json", { type: frame.type }));
  }
}

/** The payload as an object; its type letter names it in the error. */
function record(value: unknown, type: LpType): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw failure(TypeError, reason("payload-not-object", { type }));
  }
  return value as Record<string, unknown>;
}

/** The codes that say which kind of value a field must hold. */
type FieldCode = LpCode & `field-not-${"id" | "string" | "port" | "seconds"}`;

function field<T>(
  obj: Record<string, unknown>,
  name: string,
  check: (v: unknown) => v is T,
  code: FieldCode,
): T {
  const v = obj[name];
  if (!check(v)) throw failure(TypeError, reason(code, { field: name }));
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
  const obj = record(value, LpType.Message);
  const to = field(obj, "to", isId, "field-not-id");
  const text = field(obj, "text", isString, "field-not-string");
  if (text.length === 0) throw failure(RangeError, reason("text-empty"));
  if (text.length > MAX_TEXT_LENGTH) {
    throw failure(RangeError, reason("text-too-long", { max: MAX_TEXT_LENGTH }));
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
  const obj = record(value, LpType.Message);
  return {
    from: field(obj, "from", isId, "field-not-id"),
    address: field(obj, "address", isString, "field-not-string"),
    port: field(obj, "port", isPort, "field-not-port"),
    text: field(obj, "text", isString, "field-not-string"),
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
  const obj = record(value, LpType.Notice);
  const notice: Notice = { text: field(obj, "text", isString, "field-not-string") };
  if (obj.clientId !== undefined) notice.clientId = field(obj, "clientId", isId, "field-not-id");
  if (obj.heartbeat !== undefined) {
    const isSeconds = (v: unknown): v is number => typeof v === "number" && v > 0;
    notice.heartbeat = field(obj, "heartbeat", isSeconds, "field-not-seconds");
  }
  // The code is optional (another server may send none): a malformed one is left out.
  const said = reasonIn(obj);
  if (said) Object.assign(notice, said);
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
  const obj = record(value, LpType.Time);
  const time = field(obj, "time", isString, "field-not-string");
  if (Number.isNaN(Date.parse(time))) {
    throw failure(TypeError, reason("field-not-time", { field: "time", value: time }));
  }
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
  const obj = record(value, LpType.Name);
  return { name: field(obj, "name", isString, "field-not-string") };
}

/**
 * Check an `L` response payload.
 *
 * @param value The parsed JSON.
 * @returns The reply.
 * @throws {TypeError} When a field is missing or of the wrong type.
 */
export function parseListReply(value: unknown): ListReply {
  const obj = record(value, LpType.List);
  const you = field(obj, "you", isId, "field-not-id");
  const list = obj.clients;
  if (!Array.isArray(list)) {
    throw failure(TypeError, reason("field-not-list", { field: "clients" }));
  }
  const clients = list.map((item): ClientInfo => {
    const c = record(item, LpType.List);
    return {
      id: field(c, "id", isId, "field-not-id"),
      address: field(c, "address", isString, "field-not-string"),
      port: field(c, "port", isPort, "field-not-port"),
      connectedAt: field(c, "connectedAt", isString, "field-not-string"),
      lastSeen: field(c, "lastSeen", isString, "field-not-string"),
    };
  });
  return { you, clients };
}

/**
 * Read the reason out of a failure response, whatever shape its payload has, in this program's
 * language: its `code` and `params` when the code is known, else its English `error`.
 *
 * @param frame A response with a status other than `Ok`.
 * @returns The reason, or the status name when the payload gives none.
 */
export function errorText(frame: Frame): string {
  try {
    const value = lpPayload(frame);
    const error = (value as Record<string, unknown> | null)?.error;
    if (typeof error === "string" && error !== "") return wordPayload(value, error);
  } catch {
    // A broken error payload still has a status worth reporting.
  }
  return statusName(frame.status);
}

/**
 * Lay out a client list as a table, the same in the server console and the client. Columns line
 * up by display width, so the Chinese headings take their two columns a character.
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
  const rows = clients.map((c) => [String(c.id), c.address, String(c.port)]);
  const heading = [text("columnId"), text("columnAddress"), text("columnPort")];
  // An IPv4 address fits in 15 columns; a longer one (IPv6) widens its column.
  const minimum = [4, 15, 5];
  const widths = minimum.map((min, i) =>
    Math.max(min, ...[heading, ...rows].map((row) => displayWidth(row[i])))
  );
  const line = ([id, address, port]: string[], rest: string) =>
    `${padStartToWidth(id, widths[0])}  ${padEndToWidth(address, widths[1])}  ` +
    `${padStartToWidth(port, widths[2])}  ${rest}`;
  return [
    line(heading, text("columnSince")),
    ...clients.map((c, i) => {
      const mark = c.id === you ? `  ${text("you")}` : "";
      return line(rows[i], `${toLocal(c.connectedAt)}${mark}`);
    }),
  ];
}

/**
 * The chat room's protocol on the LP frame: which type letter means what, what each payload
 * holds, and the checks both sides apply. It does no I/O, so every rule here is testable alone.
 *
 * Requests (kind 1) are answered by a response (kind 2) with the same id and a
 * {@linkcode Status}; a refusal carries `{ error, code, params }`: the English sentence, and the
 * code and values a client words in its own language (lib/chat/reason.ts). News nobody asked
 * for, such as another user's message, is an indication (kind 3). A file transfer is named by the
 * id of the request that started it: its data chunks (`D`) and its end (`E`) carry that id. See
 * docs/PROTOCOL.md.
 *
 * @module
 */

import { type Frame, Kind, payloadJson, Status } from "../wire/frame.ts";
import { indication } from "../wire/messages.ts";
import { lang } from "../cli/i18n.ts";
import { english, readReason, type Reason, reasonError, sentence } from "./reason.ts";
import { chatText } from "./text.ts";

// The message builders both protocols share, under the names the chat code uses.
export { indication, refusal, reply, request } from "../wire/messages.ts";
import { formatTimestamp } from "../cli/timestamp.ts";

/** The chat server's TCP port. */
export const DEFAULT_PORT = 15004;

/** The chat's name inside TLS (ALPN), so a client of another protocol is told at the handshake. */
export const CHAT_ALPN = "chat/1";

/**
 * Seconds between heartbeats of an idle client. Ten seconds notices a dead peer within half a
 * minute while costing nothing worth measuring.
 */
export const DEFAULT_HEARTBEAT_SECONDS = 10;

/** Heartbeat intervals of silence after which the server evicts a client. */
export const MISSED_HEARTBEATS = 3;

/** Longest user name, in characters: enough for a full name, short enough for a chat line. */
export const MAX_USER_NAME = 32;

/**
 * Longest chat message in UTF-8 bytes. A long paragraph fits; a flood of maximal messages still
 * fills a slow client's bounded queue in a few hundred messages rather than one.
 */
export const MAX_TEXT_BYTES = 8 * 1024;

/** The type letters of the chat protocol. `H` and `S` mean the same as in the LP protocol. */
export const ChatType = {
  /** Request: I am alive (sent by an idle client). Response: ok, `{ heartbeat }` seconds. */
  Heartbeat: "H",
  /** Indication: a notice from the server, `{ text, code, params, time? }`; its status says why. */
  Notice: "S",
  /** Request: join as `{ name }`. Indication: someone joined. */
  Join: "J",
  /** Request: leave. Indication: someone left or was disconnected. */
  Leave: "B",
  /** Request: say `{ text }` to everyone. Indication: a chat line. */
  Chat: "C",
  /** Request: say `{ to, text }` to one user. Indication: a private line. */
  Private: "P",
  /** Request: who is online. */
  Who: "W",
  /** Request: a page of history, `{ before?, search?, limit? }`; ok `{ messages }`. */
  History: "Y",
  /** Request: register `{ name, password }`; ok `{ name, token }`. */
  Register: "R",
  /** Request: end every session token of my account. */
  Logout: "O",
  /** Request: I received offline message `{ id }`. Indication: `{ id, to, time }` was delivered. */
  Delivered: "K",
  /** Request: the shared files. */
  Files: "F",
  /** Request: start an upload `{ name, size }`. Indication: a file was uploaded. */
  Upload: "U",
  /** Indication: raw bytes of the transfer named by the frame id. */
  Data: "D",
  /** Request (upload) or indication (download): the transfer is complete, `{ sha256 }`. */
  End: "E",
  /** Request: download `{ name }`. */
  Get: "G",
  /** Indication: the transfer named by the frame id is abandoned, `{ error? }`. */
  Cancel: "X",
} as const;

/**
 * A refused request: the status says what kind of failure, the reason says exactly what, and the
 * message says it in this program's language.
 */
export class ChatError extends Error {
  /** One of {@linkcode Status}. */
  readonly status: number;
  /** Why, as a code and values: what the refusal carries, for the client to word. */
  readonly reason: Reason;

  /**
   * @param status Why, as a status code.
   * @param said Why, as a code and values (see `reason()` in lib/chat/reason.ts).
   */
  constructor(status: number, said: Reason) {
    super(sentence(lang(), said) ?? said.code);
    this.name = "ChatError";
    this.status = status;
    this.reason = said;
  }
}

/** A user in the room. */
export interface UserInfo {
  /** The name as the user chose it. */
  name: string;
  /** When they joined, in the server's time. */
  since: string;
  /** Whether they joined as a guest (a server with accounts says; absent from one without). */
  guest?: boolean;
}

/** A shared file. */
export interface FileInfo {
  /** The stored name. */
  name: string;
  /** Bytes. */
  size: number;
  /** Who uploaded it, or `null` when the server was restarted since. */
  uploader: string | null;
  /** When it was stored, in the server's time. */
  time: string;
}

/** The server's answer to a join. */
export interface Welcome {
  /** The name as stored (trimmed). */
  name: string;
  /** The server's time. */
  time: string;
  /** Everyone online, the new user included. */
  users: string[];
  /** The server's heartbeat interval in seconds; the client should send at least this often. */
  heartbeat: number;
  /**
   * Whether we joined as a guest rather than logged in to an account; absent from a server
   * without accounts.
   */
  guest?: boolean;
  /** A session token, after a login with a password. */
  token?: string;
}

/**
 * What the server tells a client without being asked. A leaving's `reason` and a notice's
 * `text` are the server's English; `why` is the same as a code and values, from a server that
 * sends them (`null` otherwise), for the client to word in its user's language.
 *
 * A server that keeps history gives each remembered event its `id` (increasing), and marks the
 * ones it replays (after a join, or in a `Y` page) with `history: true`; both are absent from a
 * server without history, and from notices and deliveries.
 */
export type ChatEvent =
  & (
    | { type: "joined"; time: string; name: string }
    | { type: "left"; time: string; name: string; reason: string; why: Reason | null }
    | { type: "chat"; time: string; from: string; text: string }
    | {
      type: "private";
      time: string;
      from: string;
      to: string;
      text: string;
      /** The sender's copy of a message kept for an account that is away. */
      stored?: boolean;
      /** A message kept while we were away, at our login: to be acknowledged with `K`. */
      offline?: boolean;
    }
    | { type: "uploaded"; time: string; from: string; name: string; size: number }
    | { type: "notice"; time: string | null; text: string; status: number; why: Reason | null }
    /** A private message we sent while its recipient was away reached them (`message` is its id). */
    | { type: "delivered"; time: string; to: string; message: number; text?: string }
  )
  & { id?: number; history?: boolean };

/**
 * Build a notice from the server: an `S` indication whose status says why.
 *
 * @param status Why, as a status code.
 * @param said What to tell the user, as a code and values.
 * @param time The server's time (now when omitted).
 * @returns The frame, with payload `{ time, text, code, params }`: `text` in English.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { Status } from "../wire/frame.ts";
 * equal(notice(Status.ServerError, { code: "shutting-down" }).type, "S");
 * ```
 */
export function notice(status: number, said: Reason, time: string = formatTimestamp()): Frame {
  const { code, params = {} } = said;
  return indication(ChatType.Notice, { time, text: english(said), code, params }, { status });
}

/**
 * Read a payload as a JSON object.
 *
 * @param frame The frame.
 * @returns The object (empty when the payload is empty).
 * @throws {TypeError} When the payload is not a JSON object.
 */
export function payloadObject(frame: Frame): Record<string, unknown> {
  if (frame.payload.length === 0) return {};
  let value: unknown;
  try {
    value = payloadJson(frame);
  } catch {
    throw reasonError(TypeError, "payload-not-json", { type: frame.type });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw reasonError(TypeError, "payload-not-object", { type: frame.type });
  }
  return value as Record<string, unknown>;
}

/**
 * Read a string field.
 *
 * @param obj The payload.
 * @param key The field.
 * @returns Its value.
 * @throws {TypeError} When it is missing or not a string.
 */
export function stringField(obj: Record<string, unknown>, key: string): string {
  const value = obj[key];
  if (typeof value !== "string") throw reasonError(TypeError, "field-not-string", { field: key });
  return value;
}

/**
 * Read a byte count or similar whole number.
 *
 * @param obj The payload.
 * @param key The field.
 * @returns Its value.
 * @throws {TypeError} When it is missing or not a non-negative safe integer.
 */
export function sizeField(obj: Record<string, unknown>, key: string): number {
  const value = obj[key];
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw reasonError(TypeError, "field-not-size", { field: key });
  }
  return value as number;
}

// C0 and C1 control characters and DEL: they would break lines on everyone's terminal, or
// forge a line ("\n12:00:00 admin: ...").
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// deno-lint-ignore no-control-regex
const CONTROL_ALL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Characters a user name may hold, after RFC 8265's IdentifierClass: letters, combining marks
 * and decimal digits of any script, and the printable ASCII symbols. Spaces are out (they would
 * make "/msg NAME text" ambiguous), and so are other symbols, punctuation and emoji.
 */
const NAME_CHARS = /^[\p{L}\p{Mn}\p{Mc}\p{Nd}\x21-\x7e]+$/u;

/**
 * Characters that show nothing or change how the rest of a line is drawn: format characters
 * (zero-width spaces and joiners, the bidirectional controls U+200E, U+202A-U+202E,
 * U+2066-U+2069), and every other default-ignorable code point (Hangul fillers, variation
 * selectors). With them "ali\u200bce" looks exactly like "alice" (UTS 39, section 3.1).
 */
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}\p{Bidi_Control}]/u;
const INVISIBLE_ALL = new RegExp(INVISIBLE.source, "gu");

/**
 * Quote a name for an error or a log line, with control and invisible characters spelled out,
 * so a refused name shows what was wrong with it and cannot reverse the rest of the line.
 *
 * @param name Any text.
 * @returns It in double quotes, such as `"ali\u200Bce"`.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(quoteName("ali\u200bce"), '"ali\\u200Bce"');
 * ```
 */
export function quoteName(name: string): string {
  return JSON.stringify(name).replace(
    INVISIBLE_ALL,
    (c) => `\\u${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`,
  );
}

/**
 * Scripts that may be mixed in one name: UTS 39's "highly restrictive" level. A name's letters
 * come from one script (digits and ASCII symbols go with any), or from Latin, Han and the
 * Japanese kana, or Latin, Han and Hangul, or Latin, Han and Bopomofo. Anything else mixed, such
 * as Cyrillic "а" inside Latin "alice", is refused.
 */
const SCRIPTS = [
  "Latin",
  "Han",
  "Hiragana",
  "Katakana",
  "Hangul",
  "Bopomofo",
  "Cyrillic",
  "Greek",
  "Armenian",
  "Georgian",
  "Arabic",
  "Hebrew",
  "Thai",
  "Devanagari",
  "Bengali",
  "Tamil",
].map((name) => ({ name, test: new RegExp(`\\p{Script=${name}}`, "u") }));
const CJK_SETS = [
  new Set(["Latin", "Han", "Hiragana", "Katakana"]),
  new Set(["Latin", "Han", "Hangul"]),
  new Set(["Latin", "Han", "Bopomofo"]),
];

/** The scripts of a name's letters ("Other" for a script not listed), digits and ASCII aside. */
function scriptsOf(name: string): Set<string> {
  const found = new Set<string>();
  for (const ch of name) {
    if (!/\p{L}/u.test(ch)) continue;
    found.add(SCRIPTS.find((s) => s.test.test(ch))?.name ?? `Other:${ch}`);
  }
  return found;
}

function mixesScripts(name: string): boolean {
  const scripts = scriptsOf(name);
  if (scripts.size <= 1) return false;
  return !CJK_SETS.some((allowed) => [...scripts].every((s) => allowed.has(s)));
}

/**
 * Check a user name and put it in its stored form.
 *
 * @remarks
 * The rule, as docs/PROTOCOL.md states it: trimmed, then Unicode NFC; 1 to
 * {@linkcode MAX_USER_NAME} code points; only letters, combining marks, digits and printable
 * ASCII (no spaces); no invisible or direction-changing character; letters of one script (or
 * Latin and Han with kana, Hangul or Bopomofo); not starting with a combining mark. Two names
 * are the same name when their {@linkcode nameKey}s are equal.
 *
 * @param raw What the user typed.
 * @returns The name, trimmed and in Unicode NFC.
 * @throws {TypeError} When it breaks a rule; the message says which.
 *
 * @example
 * ```ts
 * import { deepStrictEqual, throws } from "node:assert/strict";
 * deepStrictEqual(checkUserName("  alice "), "alice");
 * throws(() => checkUserName("a b"), TypeError);
 * throws(() => checkUserName("ali\u200bce"), TypeError);
 * ```
 */
export function checkUserName(raw: unknown): string {
  if (typeof raw !== "string") throw reasonError(TypeError, "name-not-text");
  const name = raw.trim().normalize("NFC");
  if (name === "") throw reasonError(TypeError, "name-empty");
  if ([...name].length > MAX_USER_NAME) {
    throw reasonError(TypeError, "name-too-long", { name, max: MAX_USER_NAME });
  }
  // The sentences show the name with invisible and control characters spelled out.
  if (INVISIBLE.test(name)) throw reasonError(TypeError, "name-invisible", { name });
  if (/\s/.test(name) || CONTROL.test(name)) throw reasonError(TypeError, "name-spaces", { name });
  if (!NAME_CHARS.test(name) || /^\p{M}/u.test(name)) {
    throw reasonError(TypeError, "name-characters", { name });
  }
  if (mixesScripts(name)) throw reasonError(TypeError, "name-mixed-scripts", { name });
  return name;
}

/**
 * The key under which a name is unique: names that differ only in case or width are one name.
 *
 * @remarks
 * NFKC folds compatibility forms ("ａｌｉｃｅ" in fullwidth letters, the ligature "ﬁ") into
 * their plain letters, and lower case folds case: RFC 8265's width and case mapping.
 *
 * @param name A checked name.
 * @returns Its key.
 */
export function nameKey(name: string): string {
  return name.normalize("NFKC").toLowerCase().normalize("NFC");
}

const encoder = new TextEncoder();

/**
 * Check a chat message.
 *
 * @param raw The text from the payload.
 * @returns The text.
 * @throws {TypeError} When it is empty or has control characters (it must be one line).
 * @throws {RangeError} When it is over {@linkcode MAX_TEXT_BYTES}.
 */
export function checkText(raw: unknown): string {
  if (typeof raw !== "string") throw reasonError(TypeError, "text-not-text");
  if (raw.trim() === "") throw reasonError(TypeError, "text-empty");
  if (CONTROL.test(raw.replaceAll("\t", " "))) throw reasonError(TypeError, "text-not-one-line");
  const bytes = encoder.encode(raw).length;
  if (bytes > MAX_TEXT_BYTES) {
    throw reasonError(RangeError, "text-too-long", { bytes, limit: MAX_TEXT_BYTES });
  }
  return raw;
}

/**
 * Make text from a peer safe to print on one terminal line.
 *
 * @param text Any text.
 * @returns The text with control characters shown as `?`.
 */
export function printable(text: string): string {
  return text.replace(CONTROL_ALL, "?");
}

/**
 * Read a join response.
 *
 * @param frame A successful `J` response.
 * @returns The welcome.
 * @throws {TypeError} When the payload does not fit.
 */
export function parseWelcome(frame: Frame): Welcome {
  const obj = payloadObject(frame);
  const users = obj.users;
  if (!Array.isArray(users) || !users.every((u) => typeof u === "string")) {
    throw reasonError(TypeError, "field-not-names", { field: "users" });
  }
  const heartbeat = obj.heartbeat;
  if (typeof heartbeat !== "number" || !(heartbeat > 0)) {
    throw reasonError(TypeError, "field-not-seconds", { field: "heartbeat" });
  }
  return {
    name: stringField(obj, "name"),
    time: stringField(obj, "time"),
    users,
    heartbeat,
    ...(typeof obj.guest === "boolean" && { guest: obj.guest }),
    ...(typeof obj.token === "string" && { token: obj.token }),
  };
}

/**
 * Read the server's heartbeat interval from an `H` response.
 *
 * @param frame A successful `H` response.
 * @returns The interval in seconds, or `null` when the server did not say.
 */
export function parseHeartbeat(frame: Frame): number | null {
  const seconds = payloadObject(frame).heartbeat;
  return typeof seconds === "number" && seconds > 0 ? seconds : null;
}

/**
 * Read a `W` response.
 *
 * @param frame A successful `W` response.
 * @returns The users online.
 */
export function parseUsers(frame: Frame): UserInfo[] {
  const list = payloadObject(frame).users;
  if (!Array.isArray(list)) throw reasonError(TypeError, "field-not-list", { field: "users" });
  return list.map((u) => ({
    name: stringField(u, "name"),
    since: stringField(u, "since"),
    ...(typeof u.guest === "boolean" && { guest: u.guest }),
  }));
}

/**
 * Read an `F` response.
 *
 * @param frame A successful `F` response.
 * @returns The shared files.
 */
export function parseFiles(frame: Frame): FileInfo[] {
  const list = payloadObject(frame).files;
  if (!Array.isArray(list)) throw reasonError(TypeError, "field-not-list", { field: "files" });
  return list.map((f) => ({
    name: stringField(f, "name"),
    size: sizeField(f, "size"),
    uploader: typeof f.uploader === "string" ? f.uploader : null,
    time: stringField(f, "time"),
  }));
}

const ROOM_EVENTS = new Set<string>([
  ChatType.Join,
  ChatType.Leave,
  ChatType.Chat,
  ChatType.Private,
  ChatType.Upload,
  ChatType.Notice,
]);

/**
 * Read an indication about the room.
 *
 * @param frame An indication of type `J`, `B`, `C`, `P`, `U`, `S` or `K`.
 * @returns The event, or `null` for a type that is not about the room.
 * @throws {TypeError} When the payload does not fit its type.
 */
export function parseEvent(frame: Frame): ChatEvent | null {
  if (frame.kind !== Kind.Indication) return null;
  if (frame.type === ChatType.Delivered) return readDelivered(payloadObject(frame));
  if (!ROOM_EVENTS.has(frame.type)) return null;
  return readEvent(frame.type, payloadObject(frame), frame.status);
}

/**
 * Read a `Y` response: a page of history, oldest first, each event marked `history: true`. An
 * entry of a kind this client does not know (a newer server's) is left out.
 *
 * @param frame A successful `Y` response, `{ messages: [{ type, id, time, ...payload }] }`.
 * @returns The events.
 * @throws {TypeError} When the payload or one of its events does not fit.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { Kind, makeFrame } from "../wire/frame.ts";
 * const page = makeFrame(Kind.Response, "Y", {
 *   payload: { messages: [{ type: "C", id: 7, time: "t", from: "bob", text: "hi" }] },
 * });
 * deepStrictEqual(parseHistory(page), [
 *   { type: "chat", time: "t", from: "bob", text: "hi", id: 7, history: true },
 * ]);
 * ```
 */
export function parseHistory(frame: Frame): ChatEvent[] {
  const list = payloadObject(frame).messages;
  if (!Array.isArray(list)) throw reasonError(TypeError, "field-not-list", { field: "messages" });
  const events: ChatEvent[] = [];
  for (const entry of list) {
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      throw reasonError(TypeError, "field-not-list", { field: "messages" });
    }
    const type = entry.type;
    if (typeof type !== "string" || type === ChatType.Notice || !ROOM_EVENTS.has(type)) continue;
    const event = readEvent(type, entry, Status.Ok);
    if (event !== null) events.push({ ...event, history: true });
  }
  return events;
}

/** An event from its type letter and payload; `id` and `history` only when the server sent them. */
function readEvent(type: string, obj: Record<string, unknown>, status: number): ChatEvent | null {
  const event = readEventFields(type, obj, status);
  if (event === null || event.type === "notice" || event.type === "delivered") return event;
  const { id, history } = obj;
  return {
    ...event,
    ...(typeof id === "number" && Number.isSafeInteger(id) && { id }),
    ...(history === true && { history }),
  };
}

/**
 * Read a `K` indication: `{ id, to, time }`, a private message we left for an account that was
 * away has reached it.
 */
function readDelivered(obj: Record<string, unknown>): ChatEvent {
  return {
    type: "delivered",
    time: stringField(obj, "time"),
    to: stringField(obj, "to"),
    message: sizeField(obj, "id"),
  };
}

function readEventFields(
  type: string,
  obj: Record<string, unknown>,
  status: number,
): ChatEvent | null {
  const time = () => stringField(obj, "time");
  switch (type) {
    case ChatType.Join:
      return { type: "joined", time: time(), name: stringField(obj, "name") };
    case ChatType.Leave:
      return {
        type: "left",
        time: time(),
        name: stringField(obj, "name"),
        reason: stringField(obj, "reason"),
        why: readReason(obj),
      };
    case ChatType.Chat:
      return {
        type: "chat",
        time: time(),
        from: stringField(obj, "from"),
        text: stringField(obj, "text"),
      };
    case ChatType.Private:
      return {
        type: "private",
        time: time(),
        from: stringField(obj, "from"),
        to: stringField(obj, "to"),
        text: stringField(obj, "text"),
        ...(obj.stored === true && { stored: true }),
        ...(obj.offline === true && { offline: true }),
      };
    case ChatType.Upload:
      return {
        type: "uploaded",
        time: time(),
        from: stringField(obj, "from"),
        name: stringField(obj, "name"),
        size: sizeField(obj, "size"),
      };
    case ChatType.Notice:
      return {
        type: "notice",
        time: typeof obj.time === "string" ? obj.time : null,
        text: stringField(obj, "text"),
        status,
        why: readReason(obj),
      };
  }
  return null;
}

/**
 * The error text of a refusal, as the server wrote it (English from ours); a client words the
 * refusal's code itself (see `refusalLine` in lib/chat/format.ts).
 *
 * @param frame A response with a status other than ok.
 * @returns Its `error` field, or a generic text naming the status.
 */
export function refusalText(frame: Frame): string {
  try {
    const error = payloadObject(frame).error;
    if (typeof error === "string") return error;
  } catch {
    // Fall through to the generic text.
  }
  const name = Object.entries(Status).find(([, v]) => v === frame.status)?.[0] ?? "unknown";
  return chatText("requestRefused", { status: frame.status, name });
}

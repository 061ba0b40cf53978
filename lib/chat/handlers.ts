/**
 * The chat room's commands, one function each: what the server does with each request a member
 * sends. File transfers are in `transfers.ts`; the table that maps type letters to these is in
 * the server program.
 *
 * @module
 */

import { join as joinPath } from "node:path";
import { type Frame, Kind, Status } from "../wire/frame.ts";
import { isTempName } from "../files/file_chunk.ts";
import { errorMessage } from "../cli/cli.ts";
import { formatTimestamp } from "../cli/timestamp.ts";
import {
  ChatError,
  ChatType,
  checkText,
  checkUserName,
  type FileInfo,
  indication,
  payloadObject,
  quoteName,
  refusal,
  reply,
  sizeField,
  stringField,
} from "./protocol.ts";
import { english, isDiskFull, reason, reasonOf } from "./reason.ts";
import type { Credentials, Identity } from "./accounts.ts";
import type { RoomEvent } from "./history.ts";
import { chatText as text } from "./text.ts";
import type { Room } from "./room.ts";
import type { Session } from "./session.ts";

/** What a handler tells the reader: `"leave"` when the member asked to leave. */
export type Outcome = void | "leave";

/**
 * A command: handles one frame from one member. A thrown `ChatError`, `TypeError` or
 * `RangeError` becomes a refusal with the matching status.
 */
export type Handler = (room: Room, session: Session, frame: Frame) => Outcome | Promise<Outcome>;

/** Most files listed in one reply, so the reply stays well under the 1 MiB frame limit. */
const MAX_LISTED = 1000;

/** Longest piece of a chat message copied into the server log. */
const LOG_TEXT_CHARS = 200;

/** A server's table of commands, by type letter. */
export interface Commands {
  /** Every request type the server answers. */
  requests: Record<string, Handler>;
  /** Indications a client may send. */
  indications: Record<string, Handler>;
  /** Requests a client may send before it has joined. */
  beforeJoin: ReadonlySet<string>;
}

/**
 * Handle one frame. A refused request gets a response with the status and
 * `{ error, code, params }` (the English sentence, and the code and values a client words in
 * its own language); an unknown request type gets {@linkcode Status.UnknownType}; neither closes
 * the connection.
 *
 * @param commands The server's table of commands.
 * @param room The room.
 * @param session Who sent the frame.
 * @param frame The frame.
 * @returns `"leave"` when the member asked to leave.
 */
export async function handleFrame(
  commands: Commands,
  room: Room,
  session: Session,
  frame: Frame,
): Promise<Outcome> {
  if (frame.kind === Kind.Response) return; // the server asks nothing, so expects no answer
  const isRequest = frame.kind === Kind.Request;
  // Chat lines and private messages are answered once stored, while the next ones are read;
  // anything else waits for them, so every request is answered in the order it came. A member
  // with many bytes in flight waits too: its messages reach the room (and its own queue, which
  // back-pressure watches) before more of them are read.
  const pipelined = isRequest && STORED_IN_FLIGHT.has(frame.type);
  if (!pipelined || session.storingBytes > MAX_STORING_BYTES) await session.whenStored();
  const handler = (isRequest ? commands.requests : commands.indications)[frame.type];
  if (handler === undefined) {
    if (isRequest) {
      const why = reason("unknown-type", { type: frame.type });
      room.deliver(session, refusal(frame, Status.UnknownType, english(why), why));
    }
    return;
  }
  try {
    if (isRequest && session.name === null && !commands.beforeJoin.has(frame.type)) {
      throw new ChatError(Status.BadState, reason("not-joined"));
    }
    return await handler(room, session, frame);
  } catch (err) {
    const status = err instanceof ChatError
      ? err.status
      : err instanceof TypeError
      ? Status.BadPayload
      : err instanceof RangeError
      ? Status.TooLarge
      : Status.ServerError;
    // Our own checks say exactly what went wrong; anything else is the server's failure.
    let said = reasonOf(err);
    if (status === Status.ServerError) {
      const why = errorMessage(err);
      said = isDiskFull(err) ? reason("disk-full") : reason("server-error", { why });
      room.say(text("logFailed", { name: session.label, why: text("server-error", { why }) }));
    }
    if (!isRequest) return;
    const error = said ? english(said) : errorMessage(err);
    room.deliver(session, refusal(frame, status, error, said ?? undefined));
  }
}

/** `H`: the interval tells a client that has not joined yet how often to send. */
export const heartbeat: Handler = (room, session, req) => {
  room.deliver(session, reply(req, { heartbeat: room.settings.heartbeatSeconds }));
};

/** `J`: take a name, welcome the member, and tell everyone else. */
export const join: Handler = async (room, session, req) => {
  if (session.name !== null) {
    throw new ChatError(Status.BadState, reason("already-joined", { name: session.name }));
  }
  const obj = payloadObject(req);
  const raw = obj.name;
  let name: string;
  let identity: Identity;
  try {
    name = checkUserName(raw);
    // A registered name needs its password or token; a guest takes a name no account owns.
    identity = room.accounts
      ? await room.accounts.login(name, credentials(obj, session), hostOf(session.peer))
      : { name, guest: true };
    name = identity.name;
    room.join(session, name);
    session.guest = identity.guest;
  } catch (err) {
    // Logged, so the operator can tell why someone never appears in the room.
    const tried = typeof raw === "string" ? quoteName(forLog(raw)) : text("logNonTextName");
    room.say(text("logCannotJoin", { peer: session.peer, tried, why: errorMessage(err) }));
    throw err;
  }
  const time = formatTimestamp();
  const { heartbeatSeconds } = room.settings;
  const { guest } = identity;
  const token = handOver(session, identity.token);
  // The room adds `users`, the names of everyone here, from bytes it keeps encoded.
  room.deliverWithNames(
    session,
    reply(req, { name, time, heartbeat: heartbeatSeconds, guest, token }),
  );
  // What was said before: the newest messages, or what a reconnecting member missed; then
  // the private messages that waited for this account, with their original time.
  const waiting = guest ? [] : room.offline?.pendingFor(name) ?? [];
  const skip = new Set(waiting.map((w) => w.id));
  for (const past of room.history?.replay(name, afterField(obj), skip) ?? []) {
    room.deliver(session, past);
  }
  for (const { frame } of waiting) room.deliver(session, frame);
  room.say(text("logJoined", { name, peer: session.peer, n: room.online }));
  // Everyone but the newcomer, who learns it from the reply.
  await room.announce(
    { kind: "join", from: name, text: "", extra: { guest } },
    (time) => indication(ChatType.Join, { time, name, guest }),
    session,
  );
};

/** `B`: answer, then the reader hangs up. */
export const leave: Handler = (room, session, req) => {
  room.deliver(session, reply(req));
  session.endReason ??= reason("left-room");
  return "leave";
};

/** `C`: a line to everyone, the sender included. */
export const chat: Handler = (room, session, req) => {
  const line = checkText(payloadObject(req).text);
  session.spend(req.payload.length);
  session.spendMessage(room.settings.maxRate ?? 0);
  const from = session.name!;
  // Stored before anyone is told, and acknowledged only once stored: nothing acknowledged is
  // lost. The member's next lines are read meanwhile, so a turn's lines share one commit.
  afterStore(room, session, req, record(room, { kind: "chat", from, text: line }), (said) => {
    room.broadcast(said.frame);
    room.deliver(session, reply(req, { time: said.time, id: said.id }));
    room.say(text("logChat", { name: from, text: forLog(line) }));
  });
};

/**
 * Payload bytes of one member's messages that may wait for their commit at once: hundreds of
 * ordinary lines share a commit, while a flood of long lines still meets back-pressure and
 * flood pacing a few lines at a time.
 */
const MAX_STORING_BYTES = 64 * 1024;

/** Request types answered once stored, while the member's next frames are read. */
const STORED_IN_FLIGHT: ReadonlySet<string> = new Set([ChatType.Chat, ChatType.Private]);

/** What storing a message gives: its indication, time and id (no id when nothing is stored). */
type Stored = { frame: Frame; time: string; id?: number };

/** Store an event if the room remembers, else make its indication with the time now. */
function record(room: Room, event: RoomEvent): Promise<Stored> {
  if (room.history) return room.history.record(event);
  const { kind, from, to, text } = event;
  return Promise.resolve(
    kind === "private"
      ? live(ChatType.Private, { from, to, text })
      : live(ChatType.Chat, { from, text }),
  );
}

/**
 * Run a message's next step once it is stored, without holding up the member's next frame; a
 * failure to store is the request's refusal, in its place in the order.
 */
function afterStore(
  room: Room,
  session: Session,
  req: Frame,
  stored: Promise<Stored>,
  then: (said: Stored) => void,
): void {
  session.storing(
    stored.then(then, (err) => {
      const why = reason("server-error", { why: errorMessage(err) });
      room.say(text("logFailed", { name: session.label, why: english(why) }));
      room.deliver(session, refusal(req, Status.ServerError, english(why), why));
    }),
    req.payload.length,
  );
}

/** `P`: a line to one member, and a copy to the sender. */
export const privateChat: Handler = (room, session, req) => {
  const obj = payloadObject(req);
  const to = stringField(obj, "to");
  const said = checkText(obj.text);
  const target = room.find(to);
  if (target === undefined) {
    // An account that is away: the message waits for its next login.
    const account = room.accounts?.account(to);
    if (account === undefined || room.offline === null) {
      throw new ChatError(Status.NotFound, reason("no-such-user", { name: to }));
    }
    session.spend(req.payload.length);
    session.spendMessage(room.settings.maxRate ?? 0);
    const [from, away] = [session.name!, account.name];
    afterStore(room, session, req, room.offline.store(from, away, said), ({ frame, time, id }) => {
      room.deliver(session, frame);
      room.deliver(session, reply(req, { time, id, stored: true }));
      room.say(text("logStoredFor", { from, to: away, n: [...said].length }));
    });
    return;
  }
  session.spend(req.payload.length);
  session.spendMessage(room.settings.maxRate ?? 0);
  const [from, toName] = [session.name!, target.name!];
  const stored = record(room, { kind: "private", from, to: toName, text: said });
  afterStore(room, session, req, stored, ({ frame, time, id }) => {
    // Gone while it was being stored: it is kept, and will be shown in their history.
    if (target.name !== null) room.deliver(target, frame);
    if (target !== session) room.deliver(session, frame);
    room.deliver(session, reply(req, { time, id }));
    // The text is private: the log says only that it was sent.
    room.say(text("logPrivate", { from, to: toName, n: [...said].length }));
  });
};

/** `W`: who is online, and since when. */
/**
 * `Y`: a page of history, `{ before?, search?, limit? }` (limit 50 by default).
 */
export const history: Handler = (room, session, req) => {
  const obj = payloadObject(req);
  const limit = obj.limit === undefined ? DEFAULT_PAGE : sizeField(obj, "limit");
  const before = obj.before === undefined ? undefined : sizeField(obj, "before");
  const search = obj.search === undefined ? undefined : stringField(obj, "search");
  const messages = room.history?.page(session.name!, { before, search, limit }) ?? [];
  room.deliver(session, reply(req, { messages }));
};

/**
 * `R`: register a name with a password: the member's own name if it joined as a guest, or any
 * free name before joining. Ok `{ name, token }` (a browser's token goes to its cookie).
 */
export const register: Handler = async (room, session, req) => {
  const obj = payloadObject(req);
  const name = checkUserName(obj.name ?? session.name);
  const password = stringField(obj, "password");
  const holder = room.find(name);
  if (session.name !== null && holder !== session) {
    throw new ChatError(Status.BadState, reason("register-own-name", { name: session.name }));
  }
  if (holder !== undefined && holder !== session) {
    throw new ChatError(Status.Taken, reason("name-taken", { name, other: holder.name! }));
  }
  if (room.accounts === null) throw new ChatError(Status.BadState, reason("accounts-off"));
  const account = await room.accounts.register(name, password);
  if (session.name !== null) session.guest = false;
  room.deliver(
    session,
    reply(req, { name: account.name, token: handOver(session, account.token) }),
  );
  room.say(text("logRegistered", { name: account.name, peer: session.peer }));
};

/** `O`: end every session token of the member's account (a reload asks for the password). */
export const logout: Handler = (room, session, req) => {
  if (session.guest || room.accounts === null) {
    throw new ChatError(Status.BadState, reason("not-logged-in"));
  }
  room.accounts.logout(session.name!);
  if (session.member.cookieLogin) session.member.cookieLogin.token = undefined;
  room.deliver(session, reply(req));
};

/** `K`: the member received an offline message; its sender, if online, is told. */
export const delivered: Handler = (room, session, req) => {
  const id = sizeField(payloadObject(req), "id");
  const sender = room.offline?.delivered(id, session.name!);
  room.deliver(session, reply(req));
  if (sender === undefined || sender === null) return;
  const from = sender.from === null ? undefined : room.find(sender.from);
  const time = formatTimestamp();
  if (from) room.deliver(from, indication(ChatType.Delivered, { id, to: session.name, time }));
};

/**
 * A login's password or token, from a `J` payload; a browser that gives neither logs in with
 * the token its cookie holds, if any.
 */
function credentials(obj: Record<string, unknown>, session: Session): Credentials {
  const password = obj.password === undefined ? undefined : stringField(obj, "password");
  const token = obj.token === undefined ? undefined : stringField(obj, "token");
  if (password === undefined && token === undefined) {
    return { token: session.member.cookieLogin?.token };
  }
  return { password, token };
}

/**
 * Where a new session token goes: into the reply, or, for a browser, into its cookie login
 * (the page fetches it as an `HttpOnly` cookie, so its script never holds it).
 *
 * @returns The token for the reply, or `undefined`.
 */
function handOver(session: Session, token: string | undefined): string | undefined {
  const cookie = session.member.cookieLogin;
  if (cookie === undefined || token === undefined) return token;
  cookie.token = token;
  return undefined;
}

/** The host part of `host:port` (or `[v6]:port`). */
function hostOf(peer: string): string {
  return peer.replace(/:\d+$/, "");
}

/** The last message id a reconnecting member saw, from its `J` payload. */
function afterField(obj: Record<string, unknown>): number | undefined {
  return obj.after === undefined ? undefined : sizeField(obj, "after");
}

/** An indication of something not stored: the time is now, and there is no id. */
function live(
  type: string,
  payload: Record<string, unknown>,
): { frame: Frame; time: string; id: undefined } {
  const time = formatTimestamp();
  return { frame: indication(type, { time, ...payload }), time, id: undefined };
}

/** Messages in a page of history when the request does not say. */
const DEFAULT_PAGE = 50;

export const who: Handler = (room, session, req) => {
  const users = room.members().map((m) => ({ name: m.name, since: m.since, guest: m.guest }));
  room.deliver(session, reply(req, { users }));
};

/** `F`: the shared files, at most {@linkcode MAX_LISTED} of them. */
export const files: Handler = async (room, session, req) => {
  const list = await listFiles(room);
  const more = Math.max(0, list.length - MAX_LISTED);
  room.deliver(session, reply(req, { files: list.slice(0, MAX_LISTED), more }));
};

/**
 * List the storage folder: sizes from the disk, uploader and time from the room's file store
 * when it recorded the upload, else the modification time and an unknown uploader.
 */
async function listFiles(room: Room): Promise<FileInfo[]> {
  const { storage } = room.settings;
  const found: FileInfo[] = [];
  for await (const entry of Deno.readDir(storage)) {
    if (!entry.isFile || isTempName(entry.name) || entry.name.startsWith(".")) continue;
    const stat = await Deno.stat(joinPath(storage, entry.name)).catch(() => null);
    if (stat === null) continue; // removed while listing
    const meta = room.files.lookup(entry.name);
    found.push({
      name: entry.name,
      size: stat.size,
      uploader: meta?.uploader ?? null,
      time: meta?.time ?? formatTimestamp(stat.mtime ?? new Date()),
    });
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Shorten a peer's text for the log.
 *
 * @param line Any text.
 * @returns It, or its first {@linkcode LOG_TEXT_CHARS} characters and its length.
 */
export function forLog(line: string): string {
  const chars = [...line];
  return chars.length <= LOG_TEXT_CHARS
    ? line
    : text("logCut", { text: chars.slice(0, LOG_TEXT_CHARS).join(""), n: chars.length });
}

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
import { english, reason, reasonOf } from "./reason.ts";
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
      said = reason("server-error", { why });
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
  const raw = payloadObject(req).name;
  let name: string;
  try {
    name = checkUserName(raw);
    room.join(session, name);
  } catch (err) {
    // Logged, so the operator can tell why someone never appears in the room.
    const tried = typeof raw === "string" ? quoteName(forLog(raw)) : text("logNonTextName");
    room.say(text("logCannotJoin", { peer: session.peer, tried, why: errorMessage(err) }));
    throw err;
  }
  const time = formatTimestamp();
  const users = room.members().map((m) => m.name);
  const { heartbeatSeconds } = room.settings;
  room.deliver(session, reply(req, { name, time, users, heartbeat: heartbeatSeconds }));
  // What was said before: the newest messages, or what a reconnecting member missed.
  for (const past of room.history?.replay(name, afterField(payloadObject(req))) ?? []) {
    room.deliver(session, past);
  }
  room.say(text("logJoined", { name, peer: session.peer, n: room.members().length }));
  // Everyone but the newcomer, who learns it from the reply.
  await room.announce(
    { kind: "join", from: name, text: "" },
    (time) => indication(ChatType.Join, { time, name }),
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
export const chat: Handler = async (room, session, req) => {
  const line = checkText(payloadObject(req).text);
  session.spend(req.payload.length);
  const from = session.name!;
  // Stored before anyone is told, and acknowledged only once stored: nothing acknowledged is lost.
  const { frame, time, id } = room.history
    ? await room.history.record({ kind: "chat", from, text: line })
    : live(ChatType.Chat, { from, text: line });
  room.broadcast(frame);
  room.deliver(session, reply(req, { time, id }));
  room.say(text("logChat", { name: session.name!, text: forLog(line) }));
};

/** `P`: a line to one member, and a copy to the sender. */
export const privateChat: Handler = async (room, session, req) => {
  const obj = payloadObject(req);
  const to = stringField(obj, "to");
  const said = checkText(obj.text);
  const target = room.find(to);
  if (target === undefined) {
    throw new ChatError(Status.NotFound, reason("no-such-user", { name: to }));
  }
  session.spend(req.payload.length);
  const [from, toName] = [session.name!, target.name!];
  const { frame, time, id } = room.history
    ? await room.history.record({ kind: "private", from, to: toName, text: said })
    : live(ChatType.Private, { from, to: toName, text: said });
  // Gone while it was being stored: it is kept, and will be shown in their history.
  if (target.name !== null) room.deliver(target, frame);
  if (target !== session) room.deliver(session, frame);
  room.deliver(session, reply(req, { time, id }));
  // The text is private: the log says only that it was sent.
  const n = [...said].length;
  room.say(text("logPrivate", { from, to: toName, n }));
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
  const users = room.members().map((m) => ({ name: m.name, since: m.since }));
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

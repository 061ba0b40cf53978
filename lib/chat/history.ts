/**
 * What the room remembers: every chat line, private message, arrival, departure and upload,
 * stored in the server's database before anyone is told, so a message the server acknowledged
 * survives a crash; and replayed to whoever joins, so a newcomer sees what was said before and a
 * member that reconnects gets exactly what it missed.
 *
 * Each remembered event goes out as the indication it always was (`C`, `P`, `J`, `B`, `U`), with
 * its `id` added; a replayed one also has `history: true`.
 *
 * @module
 */

import type { Frame } from "../wire/frame.ts";
import { formatTimestamp } from "../cli/timestamp.ts";
import type { ChatDb, MessageKind, StoredMessage } from "../store/chat_db.ts";
import { ChatType, indication, nameKey } from "./protocol.ts";

/** Most messages one `Y` request or one join's replay returns. */
export const MAX_HISTORY_PAGE = 500;

/** An event to remember and announce. */
export interface RoomEvent {
  kind: MessageKind;
  /** Who: the speaker, the one who joined or left, the uploader. */
  from: string;
  /** The recipient of a private message. */
  to?: string;
  /** A chat line or private message; for a departure the English reason; for an upload the name. */
  text: string;
  /** What else the indication carries: a departure's code, an upload's size. */
  extra?: Record<string, unknown>;
}

/** The indication type letter of each kind of remembered event. */
const TYPES: Record<MessageKind, string> = {
  chat: ChatType.Chat,
  private: ChatType.Private,
  join: ChatType.Join,
  leave: ChatType.Leave,
  upload: ChatType.Upload,
  notice: ChatType.Chat,
};

/**
 * The indication's payload for a remembered event, as members get it live.
 *
 * @param m The stored event.
 * @returns The type letter and payload.
 */
export function eventPayload(m: StoredMessage): { type: string; payload: Record<string, unknown> } {
  const time = formatTimestamp(new Date(m.time));
  const base = { id: m.id, time };
  switch (m.kind) {
    case "private":
      return { type: TYPES.private, payload: { ...base, from: m.from, to: m.to, text: m.text } };
    case "join":
      return { type: TYPES.join, payload: { ...base, name: m.from, ...m.extra } };
    case "leave":
      return { type: TYPES.leave, payload: { ...base, name: m.from, reason: m.text, ...m.extra } };
    case "upload":
      return { type: TYPES.upload, payload: { ...base, from: m.from, name: m.text, ...m.extra } };
    default:
      return { type: TYPES.chat, payload: { ...base, from: m.from, text: m.text } };
  }
}

/** The room's memory, over the server's database. */
export class RoomHistory {
  readonly #db: ChatDb;
  /** How many past messages a newcomer is shown. */
  readonly replayCount: number;

  /**
   * @param db The open database.
   * @param replayCount How many past messages a newcomer is shown (`--history`).
   */
  constructor(db: ChatDb, replayCount: number) {
    this.#db = db;
    this.replayCount = replayCount;
  }

  /**
   * Store an event; resolves once it is committed, with the indication to send.
   *
   * @param event What happened.
   * @param time When, by the server's clock (default now).
   * @returns The indication, with the event's `id` and `time`, and those two.
   */
  async record(
    event: RoomEvent,
    time = new Date(),
  ): Promise<{ frame: Frame; id: number; time: string }> {
    const id = await this.#db.append({
      kind: event.kind,
      from: event.from,
      fromKey: nameKey(event.from),
      to: event.to ?? null,
      toKey: event.to === undefined ? null : nameKey(event.to),
      text: event.text,
      extra: event.extra ?? null,
      time: time.getTime(),
    });
    const { type, payload } = eventPayload({
      id,
      time: time.getTime(),
      kind: event.kind,
      from: event.from,
      fromKey: null,
      to: event.to ?? null,
      toKey: null,
      text: event.text,
      extra: event.extra ?? null,
    });
    return { frame: indication(type, payload), id, time: payload.time as string };
  }

  /**
   * What a member who just joined is shown: everything after the last id it saw, or else the
   * newest {@linkcode replayCount} messages; private messages only its own.
   *
   * @param name The member's name.
   * @param after The last id it saw before a reconnect, if any.
   * @param skip Ids it gets otherwise (its offline messages, delivered next).
   * @returns The indications, oldest first, each marked `history: true`.
   */
  replay(name: string, after?: number, skip: ReadonlySet<number> = new Set()): Frame[] {
    const viewer = nameKey(name);
    const found = after === undefined
      ? this.#db.recent(this.replayCount, viewer)
      : this.#db.since(after, MAX_HISTORY_PAGE, viewer);
    return found.filter((m) => !skip.has(m.id)).map((m) => {
      const { type, payload } = eventPayload(m);
      return indication(type, { ...payload, history: true });
    });
  }

  /**
   * A page of history for `/history` or `/search`.
   *
   * @param name Who asks: private messages only their own.
   * @param query `before` an id, or words to `search` for; `limit` at most {@linkcode MAX_HISTORY_PAGE}.
   * @returns The events, oldest first, each as `{ type, ...payload }`.
   */
  page(
    name: string,
    query: { before?: number; search?: string; limit: number },
  ): Record<string, unknown>[] {
    const viewer = nameKey(name);
    const limit = Math.min(query.limit, MAX_HISTORY_PAGE);
    const found = query.search !== undefined
      ? this.#db.search(query.search, limit, viewer)
      : query.before !== undefined
      ? this.#db.before(query.before, limit, viewer)
      : this.#db.recent(limit, viewer);
    return found.map((m) => {
      const { type, payload } = eventPayload(m);
      return { type, ...payload };
    });
  }
}

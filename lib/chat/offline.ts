/**
 * Private messages for accounts that are away (QQ's 离线消息): stored, delivered with their
 * original time at the recipient's next login, and acknowledged by the recipient's client, at
 * which point the sender is told "delivered".
 *
 * @module
 */

import type { Frame } from "../wire/frame.ts";
import type { ChatDb, StoredMessage } from "../store/chat_db.ts";
import { ChatType, indication, nameKey } from "./protocol.ts";
import { eventPayload } from "./history.ts";

/** The room's box of waiting private messages, over its database. */
export class OfflineBox {
  readonly #db: ChatDb;

  /** @param db The open database. */
  constructor(db: ChatDb) {
    this.#db = db;
  }

  /**
   * Keep a private message for an account that is away.
   *
   * @param from The sender's name.
   * @param to The account's name.
   * @param text The message.
   * @returns The sender's copy (a `P` indication with `stored: true`), its id and time, once
   *   committed.
   */
  async store(
    from: string,
    to: string,
    text: string,
  ): Promise<{ frame: Frame; id: number; time: string }> {
    const now = Date.now();
    const id = await this.#db.append({
      kind: "private",
      from,
      fromKey: nameKey(from),
      to,
      toKey: nameKey(to),
      text,
      time: now,
    });
    this.#db.storeOffline(id, nameKey(to));
    const { payload } = eventPayload(stored(id, now, from, to, text));
    return {
      frame: indication(ChatType.Private, { ...payload, stored: true }),
      id,
      time: payload.time as string,
    };
  }

  /**
   * The messages waiting for an account, oldest first, as `P` indications with their original
   * time and `offline: true`. They stay waiting until the client acknowledges each (`K`).
   *
   * @param name The account's name.
   * @returns Each message's id and indication.
   */
  pendingFor(name: string): { id: number; frame: Frame }[] {
    return this.#db.pendingFor(nameKey(name)).map((m) => {
      const { type, payload } = eventPayload(m);
      return { id: m.id, frame: indication(type, { ...payload, offline: true }) };
    });
  }

  /**
   * The recipient's client has the message.
   *
   * @param id The message's id.
   * @param name The recipient's name.
   * @returns The message, the first time it is acknowledged; `null` after (or for a message
   *   that was never waiting for this account).
   */
  delivered(id: number, name: string): StoredMessage | null {
    if (!this.#db.markDelivered(id, nameKey(name))) return null;
    return this.#db.message(id) ?? null;
  }
}

/** A stored message as reads return it, for the sender's copy. */
function stored(id: number, time: number, from: string, to: string, text: string): StoredMessage {
  return { id, time, kind: "private", from, fromKey: null, to, toKey: null, text, extra: null };
}

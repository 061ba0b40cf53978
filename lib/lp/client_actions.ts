/**
 * What the LP client can ask the server, from its menu or from `--do`, and the lines it shows
 * for the answers and for the server's indications. Also the lab's experiment: a burst of
 * requests written without waiting, every response matched by its id.
 *
 * @module
 */

import { UsageError } from "../cli/cli.ts";
import { formatTimestamp } from "../cli/timestamp.ts";
import { Status } from "../wire/frame.ts";
import { formatHostPort } from "../net/host_port.ts";
import { RequestError } from "../net/request_session.ts";
import {
  formatClientTable,
  lpPayload,
  LpType,
  parseListReply,
  parseMessageRequest,
  parseNameReply,
  parseTimeReply,
} from "./protocol.ts";
import type { LpEvent, LpSession } from "./client_session.ts";
import { wordPayload } from "./reason.ts";
import { lpText as text } from "./text.ts";

/** Most requests in flight at once: every 16-bit id but 0. */
export const MAX_PENDING = 0xffff;

/**
 * Read `--repeat`'s count.
 *
 * @param value As typed.
 * @returns The count, 1 to {@linkcode MAX_PENDING}.
 * @throws {RangeError} When it is not such a number.
 */
export function parseRepeat(value: string): number {
  const count = Number(value);
  if (!/^\d+$/.test(value) || count < 1 || count > MAX_PENDING) {
    throw new RangeError(text("badRepeat", { text: value, max: MAX_PENDING }));
  }
  return count;
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
 * @param list Such as `time,name,list,msg:2:hello there`.
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
export function parseActions(list: string): Action[] {
  return list.split(",").map((word): Action => {
    const w = word.trim();
    if (w === "time" || w === "name" || w === "list") return { op: w };
    const m = /^msg:(\d+):(.+)$/s.exec(w);
    if (m) return { op: "msg", to: Number(m[1]), text: m[2] };
    throw new UsageError(text("unknownAction", { action: w }));
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
      const { time } = await answer(session, LpType.Time, parseTimeReply);
      return [text("serverTime", { time: formatTimestamp(new Date(time)) })];
    }
    case "name": {
      const { name } = await answer(session, LpType.Name, parseNameReply);
      return [text("serverName", { name })];
    }
    case "list": {
      const { you, clients } = await answer(session, LpType.List, parseListReply);
      return [
        text("clientsHeading", { n: clients.length }),
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
        throw new RequestError(status, text("notSent", { id: action.to, why: err.message }));
      }
      return [text("delivered", { id: action.to })];
  }
}

/** Ask, and read the answer; a malformed one fails as the server's fault, said so. */
async function answer<T>(
  session: LpSession,
  type: LpType,
  parse: (value: unknown) => T,
): Promise<T> {
  const response = await session.request(type);
  try {
    return parse(lpPayload(response));
  } catch (err) {
    if (!(err instanceof Error)) throw err;
    throw new RequestError(Status.BadPayload, text("badAnswer", { why: err.message }));
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
      const { from, address, port, text: message } = event.message;
      const peer = formatHostPort({ hostname: address, port });
      return text("messageFrom", { from, peer, text: message });
    }
    case "notice":
      // Worded from its code in our language; the English text for a code we do not know.
      return text("serverSays", { text: wordPayload(event.notice, event.notice.text) });
    case "other":
      return text("unknownIndication", { type: event.frame.type });
  }
}

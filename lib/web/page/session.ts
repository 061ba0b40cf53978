/**
 * Being in the room, across dropped connections: join with a name (and a password for a
 * registered one), and when the connection drops or the server restarts, reconnect by itself
 * with a growing delay and join again with the same name and `after` = the last event id seen,
 * so the server sends exactly what was missed (docs/PROTOCOL.md, History). Events already seen
 * are never shown twice.
 *
 * A login stays with the browser, not with this script: right after a join with a password the
 * page asks the server to keep it (`POST /session`), which sets an `HttpOnly` cookie holding the
 * session token; every later join (a reconnect, a reload) sends no password and the server logs
 * in with the cookie. The token never reaches this code (docs/PROTOCOL.md, "Staying logged
 * in").
 *
 * @module
 */

import { type Frame, Status } from "../../wire/frame.ts";
import {
  type ChatEvent,
  ChatType,
  parseEvent,
  parseWelcome,
  payloadObject,
  refusalText,
  type Welcome,
} from "../../chat/protocol.ts";
import { readReason, type Reason } from "../../chat/reason.ts";
import { Connection } from "./connection.ts";

/**
 * First wait before reconnecting. Small, so a server that restarts in a second or two is back
 * in the room within a few seconds.
 */
export const RETRY_FIRST_MS = 250;
/**
 * Longest wait between attempts: a restarted server is noticed within about 4 s however long
 * it was away, while a server that stays away is asked only every few seconds.
 */
export const RETRY_MAX_MS = 4000;

/** What the status line shows. */
export type SessionState =
  | { state: "connecting" }
  | { state: "joined"; name: string; again: boolean }
  | { state: "waiting"; ms: number; taken: boolean }
  | { state: "reconnecting" };

/** What the page hears from the session. */
export interface SessionEvents {
  /** The connection's state changed. */
  state(state: SessionState): void;
  /** Joined (again, after a reconnect: `again`), with the server's welcome. */
  joined(welcome: Welcome, again: boolean): void;
  /**
   * Joined as an account: the browser keeps the login (`kept`), so a reload joins without the
   * password; or it could not keep it.
   */
  loggedIn(name: string, kept: boolean): void;
  /** Something happened in the room; each event once, in order. */
  event(event: ChatEvent): void;
  /**
   * The session is over and will not reconnect: the join was refused, the user left (`null`),
   * the server could not be reached for the first join, or it turned us out for good (kicked,
   * banned).
   */
  ended(why: EndReason | null): void;
}

/** Why a session ended: the server's words (a code and its English), or no server at all. */
export type EndReason =
  | { reason: Reason | null; english: string }
  | "unreachable";

/**
 * A refused request's reason, for wording in the user's language, and its English.
 *
 * @param frame A response with a status other than ok.
 * @returns The code and values (when the server sent them) and the English sentence.
 */
export function readRefusal(
  frame: Frame,
): { reason: Reason | null; english: string } {
  let reason: Reason | null = null;
  try {
    reason = readReason(payloadObject(frame));
  } catch {
    // Not a JSON object: the English (or the status) is all there is.
  }
  return { reason, english: refusalText(frame) };
}

/** Notices after which reconnecting would only be turned away again. */
const FINAL_NOTICES = new Set(["kicked-out", "account-banned"]);

/**
 * Times a join that resumes a kept login (after a reload) is tried again while the name is
 * still taken: the page before the reload may hold it until the server hears it close.
 */
const RESUME_TAKEN_TRIES = 3;

/**
 * Ask the server to keep this browser's login as `name` in its `HttpOnly` cookie (`POST`), or
 * to forget the login it keeps (`DELETE`).
 *
 * @returns Whether it did.
 */
async function sessionCookie(method: "POST" | "DELETE", name = ""): Promise<boolean> {
  try {
    const query = method === "POST" ? `?${new URLSearchParams({ name })}` : "";
    // The server takes these only with this page's Origin. Under the page's
    // `Referrer-Policy: no-referrer` the Fetch standard sends `Origin: null` with a POST (not
    // every browser does); the request's own policy keeps the real one.
    const res = await fetch(`/session${query}`, { method, referrerPolicy: "same-origin" });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false; // the server is gone: the next join asks again
  }
}

/** A name in the room, kept across connections. */
export class Session {
  readonly #url: string;
  readonly #events: SessionEvents;
  #conn: Connection | null = null;
  #name = "";
  /** The password typed, until the browser keeps the login (then the cookie logs in). */
  #password: string | undefined;
  /** Joining a kept login after a reload: a name still taken is tried again, a few times. */
  #resume = false;
  #takenTries = 0;
  #lastId: number | undefined;
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #over = false;
  #joinedOnce = false;
  #taken = false;
  #lastNotice: { why: Reason | null; text: string } | null = null;

  /**
   * @param url The WebSocket URL, `ws://HOST/ws`.
   * @param events Who hears what happens.
   */
  constructor(url: string, events: SessionEvents) {
    this.#url = url;
    this.#events = events;
  }

  /** The connection while joined, else `null`. */
  get connection(): Connection | null {
    return this.#conn;
  }

  /** The name we joined as, in the server's spelling. */
  get name(): string {
    return this.#name;
  }

  /**
   * Join for the first time.
   *
   * @param name The name typed, or the one whose login the browser keeps.
   * @param password The password typed, or empty: a guest, or a login the browser keeps.
   * @param resume Whether this joins a kept login after a reload.
   */
  async start(name: string, password: string, resume = false): Promise<void> {
    this.#name = name;
    this.#password = password === "" ? undefined : password;
    this.#resume = resume;
    this.#events.state({ state: "connecting" });
    await this.#attemptJoin(false);
  }

  /**
   * Log out: the server ends every session of the account (`O`: this browser's and any other),
   * the browser drops its cookie, and the page leaves the room.
   */
  async logout(): Promise<void> {
    this.#over = true;
    await this.#conn?.request(ChatType.Logout).catch(() => {});
    await sessionCookie("DELETE");
    await this.leave();
  }

  /** Leave the room: `B`, then close; no reconnecting. */
  async leave(): Promise<void> {
    this.#over = true;
    clearTimeout(this.#timer);
    const conn = this.#conn;
    if (conn) await conn.request(ChatType.Leave).catch(() => {});
    conn?.close();
    this.#events.ended(null);
  }

  /** Try at once rather than at the end of the current wait (the network came back). */
  retryNow(): void {
    if (this.#over || this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#attemptJoin(true);
  }

  async #attemptJoin(again: boolean): Promise<void> {
    this.#timer = undefined;
    if (again) this.#events.state({ state: "reconnecting" });
    let conn: Connection;
    try {
      conn = await Connection.open(this.#url, {
        indication: (frame) => this.#indication(frame),
        closed: () => this.#closed(conn),
      });
    } catch {
      if (!this.#joinedOnce) return this.#end("unreachable");
      return this.#retry();
    }
    this.#lastNotice = null;
    let answer: Frame;
    try {
      answer = await conn.request(ChatType.Join, this.#joinPayload(again));
      if (answer.status === Status.Ok) {
        return this.#welcome(conn, parseWelcome(answer), again);
      }
    } catch {
      return conn.close(); // closed before answering, or a garbled answer: #closed decides
    }
    const tryAgain = this.#joinedOnce
      ? again
      : this.#resume && ++this.#takenTries < RESUME_TAKEN_TRIES;
    if (answer.status === Status.Taken && tryAgain) {
      // Our old connection (or the page before a reload) may still hold the name until the
      // server notices it is gone.
      this.#taken = true;
      return conn.close();
    }
    this.#end(readRefusal(answer));
    conn.close();
  }

  #joinPayload(again: boolean): Record<string, unknown> {
    // Without a password, the server logs in with the browser's cookie if it keeps one.
    const payload: Record<string, unknown> = { name: this.#name };
    if (this.#password !== undefined) payload.password = this.#password;
    if (again && this.#lastId !== undefined) payload.after = this.#lastId;
    return payload;
  }

  #welcome(conn: Connection, welcome: Welcome, again: boolean): void {
    this.#conn = conn;
    this.#joinedOnce = true;
    this.#attempt = 0;
    this.#name = welcome.name;
    conn.keepAlive(welcome.heartbeat);
    this.#events.joined(welcome, again);
    this.#events.state({ state: "joined", name: welcome.name, again });
    if (welcome.guest === false) this.#keepLogin(welcome.name);
  }

  /** Have the browser keep a login made with the password, then forget the password. */
  async #keepLogin(name: string): Promise<void> {
    if (this.#password === undefined) return this.#events.loggedIn(name, true); // by cookie
    const kept = await sessionCookie("POST", name);
    if (kept) this.#password = undefined;
    this.#events.loggedIn(name, kept);
  }

  #indication(frame: Frame): void {
    let event: ChatEvent | null;
    try {
      event = parseEvent(frame);
    } catch {
      return; // a malformed event from a newer server: nothing to show
    }
    if (event === null) return;
    if (event.type === "private" && event.offline && event.id !== undefined) {
      // A message kept while we were away: say we have it, or it comes again next login.
      this.#conn?.request(ChatType.Delivered, { id: event.id }).catch(() => {});
    } else if (event.id !== undefined) {
      if (this.#lastId !== undefined && event.id <= this.#lastId) return; // seen already
      this.#lastId = event.id;
    }
    if (event.type === "notice") {
      this.#lastNotice = { why: event.why, text: event.text };
    }
    this.#events.event(event);
  }

  #closed(conn: Connection | undefined): void {
    if (conn !== undefined && conn !== this.#conn && this.#conn !== null) {
      return;
    }
    this.#conn = null;
    if (this.#over) return;
    const notice = this.#lastNotice;
    // Turned out for good, or never let in (a full server says so before closing).
    if (
      notice && (!this.#joinedOnce || FINAL_NOTICES.has(notice.why?.code ?? ""))
    ) {
      return this.#end({ reason: notice.why, english: notice.text });
    }
    if (!this.#joinedOnce && !this.#taken) return this.#end("unreachable");
    this.#retry();
  }

  #retry(): void {
    if (this.#over || this.#timer !== undefined) return;
    const taken = this.#taken;
    this.#taken = false;
    const full = Math.min(RETRY_FIRST_MS * 2 ** this.#attempt, RETRY_MAX_MS);
    // Up to a fifth less, so pages that lost the same server do not all return at once.
    const ms = Math.round(full * (1 - Math.random() * 0.2));
    this.#attempt++;
    this.#events.state({ state: "waiting", ms, taken });
    this.#timer = setTimeout(() => this.#attemptJoin(true), ms);
  }

  #end(why: EndReason): void {
    if (this.#over) return;
    this.#over = true;
    clearTimeout(this.#timer);
    this.#events.ended(why);
  }
}

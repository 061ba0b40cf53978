/**
 * The chat room: who is in it, the shared files' records, and how news reaches everyone.
 *
 * @module
 */

import { encodeFrame, type Frame, Status } from "../wire/frame.ts";
import { FrameArena } from "../wire/frame_arena.ts";
import { formatTimestamp } from "../cli/timestamp.ts";
import { formatBytes } from "../cli/units.ts";
import { ChatError, ChatType, indication, MISSED_HEARTBEATS, nameKey, notice } from "./protocol.ts";
import type { FileStore } from "./file_store.ts";
import { Session } from "./session.ts";
import type { Member } from "./member.ts";

/** What the room needs to know: its limits, its storage, and where its log goes. */
export interface RoomSettings {
  /** Where each log line goes, already timestamped. */
  log: (line: string) => void;
  /** Folder for uploaded files. */
  storage: string;
  /** Clients at once, joined or not. */
  maxClients: number;
  /** Largest upload in bytes. */
  maxFileSize: number;
  /** Heartbeat interval in seconds. */
  heartbeatSeconds: number;
  /** Seconds a connection may stay without joining. */
  joinTimeoutSeconds: number;
  /** Bytes of messages a client may fall behind. */
  maxQueueBytes: number;
}

/**
 * The room.
 *
 * @remarks
 * Sending never waits: a frame is encoded once and the same bytes are queued for every
 * member. A member whose queue is full is disconnected on the spot, so one stalled reader
 * costs the room at most its queue's bytes. The room knows its members only as
 * {@linkcode Member}s, whatever carries their frames.
 *
 * @example
 * ```ts ignore
 * const room = new Room(settings, new MemoryFileStore());
 * const session = room.admit(new TcpMember(conn, limits));
 * room.broadcast(indication(ChatType.Chat, { time, from: "alice", text: "hi" }));
 * ```
 */
export class Room {
  /** Every session, joined or not. */
  readonly sessions = new Set<Session>();
  readonly #byName = new Map<string, Session>();
  /** Who uploaded each file, and when. */
  readonly files: FileStore;
  readonly settings: RoomSettings;
  /** Log a line, timestamped. */
  readonly say: (text: string) => void;
  /** The server is stopping: no one is admitted, and leaving is not announced. */
  closing = false;
  readonly #arena = new FrameArena();

  /**
   * @param settings Limits, storage folder and log.
   * @param files Where the uploads' records are kept.
   */
  constructor(settings: RoomSettings, files: FileStore) {
    this.settings = settings;
    this.files = files;
    this.say = (text) => settings.log(`${formatTimestamp()} ${text}`);
  }

  /** Whether a new connection must be turned away. */
  isFull(): boolean {
    return this.sessions.size >= this.settings.maxClients || this.closing;
  }

  /**
   * Let a member in (not yet joined: it has no name).
   *
   * @param member What carries its frames.
   * @returns Its session.
   */
  admit(member: Member): Session {
    const session = new Session(member);
    this.sessions.add(session);
    this.say(
      `${session.peer} connected (${this.sessions.size}/${this.settings.maxClients} connections)`,
    );
    return session;
  }

  /** Joined members. */
  members(): Session[] {
    return [...this.#byName.values()];
  }

  /**
   * Find a joined member.
   *
   * @param name A user name, in any case or width.
   * @returns The session, or `undefined` when no one of that name is online.
   */
  find(name: string): Session | undefined {
    return this.#byName.get(nameKey(name));
  }

  /**
   * Give a session its name.
   *
   * @param session The session.
   * @param name A checked name.
   * @throws {ChatError} With {@linkcode Status.Taken} when someone online has that name.
   */
  join(session: Session, name: string): void {
    const other = this.find(name);
    if (other) {
      throw new ChatError(
        Status.Taken,
        `The name "${name}" is taken (as "${other.name}"); choose another`,
      );
    }
    session.name = name;
    session.since = formatTimestamp();
    this.#byName.set(nameKey(name), session);
  }

  /**
   * Take a session out of the room as soon as it is ending: its place and its name are free at
   * once, and the room is told, though its connection may take a moment more to close. Safe to
   * call more than once.
   *
   * @param session The session.
   */
  release(session: Session): void {
    if (!this.sessions.delete(session)) return;
    const reason = session.endReason ?? "disconnected";
    if (session.name === null) {
      this.say(`${session.peer} ${reason}`);
      return;
    }
    this.#byName.delete(nameKey(session.name));
    this.say(`${session.name} ${reason} (${this.members().length} online)`);
    if (!this.closing) {
      this.broadcast(
        indication(ChatType.Leave, { time: formatTimestamp(), name: session.name, reason }),
      );
    }
  }

  /**
   * Remove a session whose reader has ended: abandon its transfers, close it, release it, and
   * wait for its last write and its background tasks.
   *
   * @param session The session.
   */
  async remove(session: Session): Promise<void> {
    for (const [id, upload] of session.uploads) {
      session.uploads.delete(id);
      await upload.rx.abort(); // a half-received file leaves nothing behind
      this.say(`${session.label}'s upload of "${upload.rx.name}" abandoned`);
    }
    for (const download of session.downloads.values()) download.cancelled = true;
    session.end(session.endReason ?? "disconnected");
    this.release(session);
    await session.member.finished;
    await Promise.all(session.tasks);
  }

  /**
   * Queue a frame for every joined member.
   *
   * @param frame The frame.
   * @param except A member not to send it to.
   */
  broadcast(frame: Frame, except?: Session): void {
    const bytes = this.#arena.encode(frame); // once, however many members
    const buffer = bytes.buffer; // looked up once, not per member: see docs/PERFORMANCE.md
    // Not copied first: delivering never changes the map (a slow member is only closed here;
    // it leaves the map later, when its reader ends).
    for (const member of this.#byName.values()) {
      if (member !== except) this.#deliverBytes(member, bytes, buffer);
    }
  }

  /**
   * Queue a frame for one session.
   *
   * @param session The session.
   * @param frame The frame.
   */
  deliver(session: Session, frame: Frame): void {
    this.#deliverBytes(session, encodeFrame(frame));
  }

  #deliverBytes(session: Session, bytes: Uint8Array, buffer = bytes.buffer): void {
    if (session.member.send(bytes, buffer) || session.endReason !== null) return;
    const queued = formatBytes(session.member.queuedBytes);
    this.say(`${session.label} is not reading (${queued} queued): disconnecting`);
    session.dismiss(
      notice(Status.Slow, `Disconnected: you did not read what was sent (${queued} waiting)`),
      `was disconnected (too slow: ${queued} waiting to be read)`,
    );
    this.release(session);
  }

  /**
   * Close every connection that has been silent too long, or has not joined in time. A client
   * held back by back-pressure counts as heard while it reads our replies.
   *
   * @param now `Date.now()`.
   */
  sweep(now: number): void {
    for (const session of this.sessions) {
      if (session.endReason !== null) continue;
      const why = this.#overdue(session, now);
      if (why === null) continue;
      session.dismiss(notice(Status.Timeout, `Disconnected: ${why.text}`), why.reason);
      this.release(session);
    }
  }

  /** Why a session is to be closed now (the notice's words and the room's), or `null`. */
  #overdue(session: Session, now: number): { text: string; reason: string } | null {
    const { heartbeatSeconds, joinTimeoutSeconds } = this.settings;
    if (session.name === null && now - session.connectedAt > joinTimeoutSeconds * 1000) {
      const reason = `did not join within ${joinTimeoutSeconds} s`;
      return { text: reason, reason };
    }
    const heard = session.paused
      ? Math.max(session.lastHeard, session.member.lastProgress)
      : session.lastHeard;
    if (now - heard <= heartbeatSeconds * 1000 * MISSED_HEARTBEATS) return null;
    const seconds = Math.round((now - heard) / 100) / 10;
    return session.paused
      ? {
        text: `you read nothing for ${seconds} s`,
        reason: `was disconnected (read nothing for ${seconds} s)`,
      }
      : {
        text: `no heartbeat for ${seconds} s`,
        reason: `timed out (no heartbeat for ${seconds} s)`,
      };
  }

  /** Tell everyone the server is stopping and close every connection once told. */
  async shutdown(): Promise<void> {
    this.closing = true;
    const goodbye = notice(Status.ServerError, "Server is shutting down. Goodbye!");
    await Promise.all([...this.sessions].map((session) => {
      this.deliver(session, goodbye);
      return session.endAfterFlush("left: server shutting down");
    }));
  }
}

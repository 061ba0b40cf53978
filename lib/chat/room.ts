/**
 * The chat room: who is in it, the shared files' records, and how news reaches everyone.
 *
 * @module
 */

import { encodeFrame, type Frame, Status } from "../wire/frame.ts";
import { FrameArena } from "../wire/frame_arena.ts";
import { EncodedList, frameWithList } from "../wire/json_list.ts";
import { formatTimestamp } from "../cli/timestamp.ts";
import { formatBytes } from "../cli/units.ts";
import { lang } from "../cli/i18n.ts";
import { ChatError, ChatType, indication, MISSED_HEARTBEATS, nameKey, notice } from "./protocol.ts";
import { english, type Reason, reason, sentence } from "./reason.ts";
import { chatText as text } from "./text.ts";
import type { FileStore } from "./file_store.ts";
import type { RoomEvent, RoomHistory } from "./history.ts";
import type { Accounts } from "./accounts.ts";
import type { OfflineBox } from "./offline.ts";
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
  /** Most bytes of stored files in all (`--max-storage`); absent: keep 1 GiB of the disk free. */
  maxStorageBytes?: number;
  /** Most bytes of stored files per uploader (`--user-quota`); absent: no limit. */
  userQuotaBytes?: number;
  /** Chat messages a member may send per second, after a burst of twice that (`--max-rate`). */
  maxRate?: number;
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
  /** The joined members' names, in the order they joined, kept encoded for join replies. */
  readonly #names = new EncodedList();
  /** Who uploaded each file, and when. */
  readonly files: FileStore;
  /** What the room remembers, or `null` when it remembers nothing (`--history 0`). */
  readonly history: RoomHistory | null;
  /** Who owns which name, or `null` with `--auth off`. */
  readonly accounts: Accounts | null;
  /** Private messages waiting for accounts that are away, or `null` with `--auth off`. */
  readonly offline: OfflineBox | null;
  readonly settings: RoomSettings;
  /** Log a line, timestamped. */
  readonly say: (text: string) => void;
  /** The server is stopping: no one is admitted, and leaving is not announced. */
  closing = false;
  readonly #arena = new FrameArena();

  /**
   * @param settings Limits, storage folder and log.
   * @param files Where the uploads' records are kept.
   * @param stores Where messages are remembered, accounts kept, and private messages wait for
   *   those away; each `null` (the default) when the room does without.
   */
  constructor(
    settings: RoomSettings,
    files: FileStore,
    stores: {
      history?: RoomHistory | null;
      accounts?: Accounts | null;
      offline?: OfflineBox | null;
    } = {},
  ) {
    this.settings = settings;
    this.files = files;
    this.history = stores.history ?? null;
    this.accounts = stores.accounts ?? null;
    this.offline = stores.offline ?? null;
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
    const [n, max] = [this.sessions.size, this.settings.maxClients];
    this.say(text("logConnected", { peer: session.peer, n, max }));
    return session;
  }

  /** Joined members. */
  members(): Session[] {
    return [...this.#byName.values()];
  }

  /**
   * How many have joined. Asked at every join and leave: counting through
   * {@linkcode Room.members} built an array of everyone just to read its length.
   */
  get online(): number {
    return this.#byName.size;
  }

  /** The names of everyone joined, in the order they joined. */
  *names(): Generator<string> {
    for (const session of this.#byName.values()) yield session.name!;
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
      throw new ChatError(Status.Taken, reason("name-taken", { name, other: other.name! }));
    }
    session.name = name;
    session.since = formatTimestamp();
    this.#byName.set(nameKey(name), session);
    this.#names.add(name);
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
    const said = session.endReason ?? reason("connection-closed");
    const why = sentence(lang(), said) ?? said.code;
    if (session.name === null) {
      this.say(text("logPeerEnded", { peer: session.peer, reason: why }));
      return;
    }
    const name = session.name;
    this.#byName.delete(nameKey(name));
    this.#names.stale();
    this.say(text("logLeft", { name, reason: why, n: this.online }));
    if (!this.closing) {
      // The reason in English for other people's clients, and as a code for ours.
      const { code, params } = said;
      void this.announce(
        { kind: "leave", from: name, text: english(said), extra: { code, params } },
        (time) => indication(ChatType.Leave, { time, name, reason: english(said), code, params }),
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
      this.say(text("logUploadAbandoned", { name: session.label, file: upload.rx.name }));
    }
    for (const download of session.downloads.values()) download.cancelled = true;
    session.end(session.endReason ?? reason("connection-closed"));
    this.release(session);
    await session.member.finished;
    await Promise.all(session.tasks);
  }

  /**
   * Tell every member (but one) of an event, after storing it when the room remembers: then
   * the indication carries the event's `id`, and goes out only once the event is committed.
   *
   * @param event What happened.
   * @param live The indication when nothing is stored, given the time to show.
   * @param except A member not to tell, such as the one who joined.
   * @returns When it has been sent (or storing it failed, which is logged).
   */
  async announce(
    event: RoomEvent,
    live: (time: string) => Frame,
    except?: Session,
  ): Promise<void> {
    if (this.history === null) {
      this.broadcast(live(formatTimestamp()), except);
      return;
    }
    try {
      this.broadcast((await this.history.record(event)).frame, except);
    } catch (err) {
      this.say(text("logNotStored", { why: err instanceof Error ? err.message : String(err) }));
      this.broadcast(live(formatTimestamp()), except);
    }
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

  /**
   * Queue a frame whose JSON object gains a `users` field: the names of everyone joined, in
   * the order they joined (a join reply).
   *
   * @remarks
   * The room keeps that list encoded, and every reply shares its bytes. When 10,000 members
   * join one after another, listing and encoding everyone for each reply made 750 MB of reply
   * bytes alone, and doubled the server's memory per member (docs/PERFORMANCE.md).
   *
   * @param session The session.
   * @param frame The frame, its payload a JSON object without `users`.
   */
  deliverWithNames(session: Session, frame: Frame): void {
    const pieces = frameWithList(frame, "users", this.#names.open(this.names()));
    if (!session.member.sendPieces(pieces)) this.#tooSlow(session);
  }

  #deliverBytes(session: Session, bytes: Uint8Array, buffer = bytes.buffer): void {
    if (!session.member.send(bytes, buffer)) this.#tooSlow(session);
  }

  /** Drop a member whose queue is full. */
  #tooSlow(session: Session): void {
    if (session.endReason !== null) return;
    const queued = formatBytes(session.member.queuedBytes);
    this.say(text("logNotReading", { name: session.label, queued }));
    session.dismiss(
      notice(Status.Slow, reason("too-slow", { queued })),
      reason("dropped-slow", { queued }),
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
      session.dismiss(notice(Status.Timeout, why.notice), why.reason);
      this.release(session);
    }
  }

  /** Why a session is to be closed now (what it is told, and the room), or `null`. */
  #overdue(session: Session, now: number): { notice: Reason; reason: Reason } | null {
    const { heartbeatSeconds, joinTimeoutSeconds } = this.settings;
    if (session.name === null && now - session.connectedAt > joinTimeoutSeconds * 1000) {
      const seconds = joinTimeoutSeconds;
      return {
        notice: reason("join-deadline", { seconds }),
        reason: reason("join-timeout", { seconds }),
      };
    }
    const heard = session.paused
      ? Math.max(session.lastHeard, session.member.lastProgress)
      : session.lastHeard;
    if (now - heard <= heartbeatSeconds * 1000 * MISSED_HEARTBEATS) return null;
    const seconds = Math.round((now - heard) / 100) / 10;
    return session.paused
      ? {
        notice: reason("read-nothing", { seconds }),
        reason: reason("read-timeout", { seconds }),
      }
      : {
        notice: reason("no-heartbeat", { seconds }),
        reason: reason("heartbeat-timeout", { seconds }),
      };
  }

  /** Tell everyone the server is stopping and close every connection once told. */
  async shutdown(): Promise<void> {
    this.closing = true;
    const goodbye = notice(Status.ServerError, reason("shutting-down"));
    await Promise.all([...this.sessions].map((session) => {
      this.deliver(session, goodbye);
      return session.endAfterFlush(reason("left-shutdown"));
    }));
  }
}

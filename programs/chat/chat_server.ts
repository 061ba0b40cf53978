/**
 * Lab: a chat room with file sharing — the server.
 *
 * Every client is one TCP connection carrying LP frames both ways: requests with their
 * responses, news from the room, and file chunks that interleave with chat because a transfer
 * keeps only a few chunks in flight. The room never waits for a client: each has a queue
 * bounded in bytes, written by its own task, and a client that cannot keep up is dropped.
 * Files are received into a temporary file, checked against their SHA-256, and only then
 * appear under their (safe, never overwritten) name.
 *
 * Run it:   deno task chat-server [--port 15004] [--max-clients 5] [--heartbeat 10]
 * Then, in other terminals:   deno task chat-client --name alice
 *
 * File metadata: the uploader and time of each upload are kept in memory. After a restart
 * the files are listed from the storage folder, with their modification time and the uploader
 * shown as unknown.
 *
 * @module
 */

import { createInterface } from "node:readline";
import process from "node:process";
import { join } from "node:path";
import { errorMessage, parseProgramFlags } from "../../lib/cli/cli.ts";
import {
  encodeFrame,
  type Frame,
  HEADER_SIZE,
  Kind,
  ProtocolError,
  Status,
  writeHeader,
} from "../../lib/wire/frame.ts";
import { writeAll } from "../../lib/wire/bytes.ts";
import { withDeadline } from "../../lib/net/deadline.ts";
import { FrameConnection } from "../../lib/wire/frame_connection.ts";
import {
  DEFAULT_CHUNK_SIZE,
  FileReceiver,
  IntegrityError,
  isTempName,
  openChunks,
  safeName,
} from "../../lib/files/file_chunk.ts";
import { formatHostPort, isLoopback, parsePort } from "../../lib/net/host_port.ts";
import { LOOPBACK_HINT, turnLog } from "../../lib/cli/server_cli.ts";
import { formatTimestamp } from "../../lib/cli/timestamp.ts";
import {
  ChatError,
  ChatType,
  checkText,
  checkUserName,
  DEFAULT_HEARTBEAT_SECONDS,
  DEFAULT_PORT,
  type FileInfo,
  indication,
  MISSED_HEARTBEATS,
  nameKey,
  payloadObject,
  printable,
  quoteName,
  refusal,
  reply,
  sizeField,
  stringField,
} from "../../lib/chat/protocol.ts";
import { FrameArena, Outbox } from "../../lib/net/outbox.ts";
import { formatBytes, parseByteSize, parseSeconds } from "../../lib/cli/units.ts";

/** Loopback by default, so a first run is not reachable from the network by surprise. */
export const DEFAULT_HOST = "127.0.0.1";

/** Clients at once: a small room, as the lab asks; `--max-clients` changes it. */
export const DEFAULT_MAX_CLIENTS = 5;

/** Largest upload accepted: 1 GiB, refused up front rather than after the bytes arrive. */
export const DEFAULT_MAX_FILE_SIZE = 1024 ** 3;

/** Where uploads are stored, relative to the working folder (the task may write only there). */
export const DEFAULT_STORAGE = "storage/server";

/**
 * Bytes of messages a client may fall behind before it is dropped. 1 MiB is thousands of chat
 * lines: only a client that has stopped reading gets there.
 */
export const DEFAULT_MAX_QUEUE = 1024 * 1024;

/**
 * Seconds a connection may stay without joining. Until it joins it holds one of the
 * `--max-clients` places, so silent connections must not hold them for long.
 */
export const DEFAULT_JOIN_TIMEOUT = 10;

/**
 * Bytes of file chunks in flight per client: four 256 KiB chunks (a 1 MiB piece of the file).
 * Enough to keep the link busy while the next piece is read and hashed (with two, a download
 * ran about 5 % slower); small enough that a chat line queued behind them goes out within about
 * a millisecond on loopback.
 */
const FLOW_WINDOW = 4 * (256 * 1024 + 64);

/**
 * Chat bytes one member may send per second, after a burst of {@linkcode FLOOD_BURST}: a flood
 * of long lines is slowed to a pace that members reading at an ordinary speed keep up with,
 * rather than filling their queues until they are dropped. Thousands of lines a second of
 * normal chat never reach it.
 */
const FLOOD_BYTES_PER_SECOND = 2 * 1024 * 1024;
const FLOOD_BURST = 512 * 1024;

/** How long a goodbye (a shutdown notice, a leave's reply) may take to flush before closing. */
const FAREWELL_MS = 2000;

/** Most files listed in one reply, so the reply stays well under the 1 MiB frame limit. */
const MAX_LISTED = 1000;

/** Longest piece of a chat message copied into the server log. */
const LOG_TEXT_CHARS = 200;

const USAGE = `Usage: deno task chat-server [options]

A chat room with file sharing. Type "quit" (or press Ctrl-C) to tell every client and stop.

Options:
  --host HOST            address to listen on (default ${DEFAULT_HOST}; 0.0.0.0 accepts LAN clients)
  --port PORT            port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
  --max-clients N        clients at once; the next is told the server is full (default ${DEFAULT_MAX_CLIENTS})
  --max-file-size SIZE   largest upload, such as 500M or 1G (default 1G)
  --storage DIR          folder for uploaded files (default ${DEFAULT_STORAGE}; the task may
                         read and write only there)
  --heartbeat SECONDS    clients send a heartbeat this often; one silent for ${MISSED_HEARTBEATS}
                         intervals is evicted (default ${DEFAULT_HEARTBEAT_SECONDS}; fractions allowed)
  --join-timeout SECONDS
                         a connection that has not joined by then is closed, so it does not
                         keep a place in the room (default ${DEFAULT_JOIN_TIMEOUT})
  --max-queue SIZE       bytes a client may fall behind before it is dropped (default 1M); a
                         client with half that unread is not read from until it catches up
  -h, --help             show this help`;

/** What {@linkcode runChatServer} needs besides the listener. */
export interface ChatServerOptions {
  /** Aborting it tells every client, closes every connection, and ends the server. */
  signal?: AbortSignal;
  /** Where each log line goes, already timestamped (default `console.log`). */
  log?: (line: string) => void;
  /** Folder for uploaded files; created if missing. */
  storage?: string;
  /** Clients at once. */
  maxClients?: number;
  /** Largest upload in bytes. */
  maxFileSize?: number;
  /** Heartbeat interval in seconds. */
  heartbeatSeconds?: number;
  /** Seconds a connection may stay without joining. */
  joinTimeoutSeconds?: number;
  /** Bytes of messages a client may fall behind. */
  maxQueueBytes?: number;
}

type Settings = Required<Omit<ChatServerOptions, "signal">>;

/** Who uploaded a stored file, and when. */
interface FileMeta {
  uploader: string;
  time: string;
}

/** One connected client: its connection, its queue, and what it is doing. */
class Session {
  readonly fc: FrameConnection;
  readonly peer: string;
  readonly outbox: Outbox;
  name: string | null = null;
  since = "";
  readonly connectedAt = Date.now();
  lastHeard = Date.now();
  /** Its requests are not being read, because it has not read our replies (back-pressure). */
  paused = false;
  /** Chat bytes it may send at once; refilled over time (see FLOOD_BYTES_PER_SECOND). */
  #floodBudget = FLOOD_BURST;
  #floodAt = Date.now();
  readonly uploads = new Map<number, { rx: FileReceiver; started: number }>();
  readonly downloads = new Map<number, { cancelled: boolean }>();
  readonly tasks = new Set<Promise<void>>();
  /** Why the session ended, as the room is told ("left", "timed out ..."); first one wins. */
  endReason: string | null = null;

  constructor(conn: Deno.TcpConn, maxQueueBytes: number) {
    this.fc = new FrameConnection(conn);
    this.peer = formatHostPort(conn.remoteAddr as Deno.NetAddr);
    this.outbox = new Outbox(
      (bytes) => writeAll(conn, bytes),
      { maxQueuedBytes: maxQueueBytes, flowWindowBytes: FLOW_WINDOW },
      (err) => this.end(`lost connection (${errorMessage(err)})`),
    );
  }

  /** The name for the log: the user name once joined, the address before. */
  get label(): string {
    return this.name ?? this.peer;
  }

  /** Close now, dropping anything queued. */
  end(reason: string): void {
    this.endReason ??= reason;
    this.outbox.close();
    this.fc.close();
  }

  /**
   * Drop the client, telling it why: what it has not read yet is dropped and `notice` goes out
   * instead, after the write in progress (see {@linkcode Session.endAfterFlush}).
   */
  dismiss(notice: Frame, reason: string): void {
    if (this.endReason !== null) return;
    this.outbox.farewell(encodeFrame(notice));
    this.track(this.endAfterFlush(reason));
  }

  /**
   * Hang up politely: once what is queued is written, half-close, and close when the client has
   * closed too, all within {@linkcode FAREWELL_MS}. Meanwhile the reader drops whatever the
   * client still sends (see {@linkcode FrameConnection.discardInput}), so its last frame is
   * not destroyed by a reset. A client that reads nothing is closed at the deadline.
   */
  async endAfterFlush(reason: string): Promise<void> {
    this.endReason ??= reason;
    const deadline = Date.now() + FAREWELL_MS;
    if (await withDeadline(this.outbox.drained(), FAREWELL_MS)) {
      await this.fc.closeWrite();
      await withDeadline(this.outbox.finished, deadline - Date.now()); // closed by the reader
    }
    this.end(reason);
  }

  /** Count `bytes` of chat sent to the room against the flood budget. */
  spend(bytes: number): void {
    this.#refill();
    this.#floodBudget -= bytes;
  }

  /** How long to wait before reading its next request, so it stays within the flood budget. */
  floodWaitMs(): number {
    this.#refill();
    return this.#floodBudget >= 0 ? 0 : (-this.#floodBudget / FLOOD_BYTES_PER_SECOND) * 1000;
  }

  #refill(): void {
    const now = Date.now();
    const earned = ((now - this.#floodAt) / 1000) * FLOOD_BYTES_PER_SECOND;
    this.#floodBudget = Math.min(FLOOD_BURST, this.#floodBudget + earned);
    this.#floodAt = now;
  }

  /** Run a background task for this session; it is awaited before the session is gone. */
  track(task: Promise<void>): void {
    const p = task.catch(() => {}).finally(() => this.tasks.delete(p));
    this.tasks.add(p);
  }
}

/**
 * The room: who is in it, the shared files' metadata, and how news reaches everyone.
 *
 * @remarks
 * Sending never waits: a frame is encoded once and the same bytes are queued for every
 * member. A member whose queue is full is disconnected on the spot, so one stalled reader
 * costs the room at most its queue's bytes.
 */
class Room {
  readonly sessions = new Set<Session>();
  readonly #byName = new Map<string, Session>();
  readonly files = new Map<string, FileMeta>();
  readonly settings: Settings;
  readonly say: (text: string) => void;
  closing = false;
  readonly #arena = new FrameArena();

  constructor(settings: Settings) {
    this.settings = settings;
    this.say = (text) => settings.log(`${formatTimestamp()} ${text}`);
  }

  /** Joined members. */
  members(): Session[] {
    return [...this.#byName.values()];
  }

  find(name: string): Session | undefined {
    return this.#byName.get(nameKey(name));
  }

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

  /** Queue a frame for every joined member, but `except`. */
  broadcast(frame: Frame, except?: Session): void {
    const bytes = this.#arena.encode(frame); // once, however many members
    const buffer = bytes.buffer; // looked up once: per member it was a tenth of a broadcast
    // Not copied first: delivering never changes the map (a slow member is only closed here;
    // it leaves the map later, when its reader ends).
    for (const member of this.#byName.values()) {
      if (member !== except) this.#deliverBytes(member, bytes, buffer);
    }
  }

  /** Queue a frame for one session. */
  deliver(session: Session, frame: Frame): void {
    this.#deliverBytes(session, encodeFrame(frame));
  }

  #deliverBytes(session: Session, bytes: Uint8Array, buffer = bytes.buffer): void {
    if (session.outbox.push(bytes, buffer) || session.endReason !== null) return;
    const queued = formatBytes(session.outbox.queuedBytes);
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
   */
  sweep(now: number): void {
    const { heartbeatSeconds, joinTimeoutSeconds } = this.settings;
    const silentLimitMs = heartbeatSeconds * 1000 * MISSED_HEARTBEATS;
    for (const session of this.sessions) {
      if (session.endReason !== null) continue;
      if (session.name === null && now - session.connectedAt > joinTimeoutSeconds * 1000) {
        const reason = `did not join within ${joinTimeoutSeconds} s`;
        session.dismiss(notice(Status.Timeout, `Disconnected: ${reason}`), reason);
        this.release(session);
        continue;
      }
      const heard = session.paused
        ? Math.max(session.lastHeard, session.outbox.lastProgress)
        : session.lastHeard;
      if (now - heard <= silentLimitMs) continue;
      const seconds = Math.round((now - heard) / 100) / 10;
      const reason = session.paused
        ? `was disconnected (read nothing for ${seconds} s)`
        : `timed out (no heartbeat for ${seconds} s)`;
      const text = session.paused
        ? `Disconnected: you read nothing for ${seconds} s`
        : `Disconnected: no heartbeat for ${seconds} s`;
      session.dismiss(notice(Status.Timeout, text), reason);
      this.release(session);
    }
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

/**
 * Serve the chat room until the signal aborts.
 *
 * @remarks
 * One task per connection reads frames and handles them in order; each connection's writer
 * is a separate task (see {@linkcode Outbox}). A failure on one connection is logged and
 * ends only that connection.
 *
 * @param listener A bound TCP listener; closed when this returns.
 * @param options Limits, storage folder, log and shutdown signal.
 * @throws {Error} When the storage folder cannot be created.
 */
export async function runChatServer(
  listener: Deno.TcpListener,
  options: ChatServerOptions = {},
): Promise<void> {
  const { signal } = options;
  const settings: Settings = {
    log: options.log ?? console.log,
    storage: options.storage ?? DEFAULT_STORAGE,
    maxClients: options.maxClients ?? DEFAULT_MAX_CLIENTS,
    maxFileSize: options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE,
    heartbeatSeconds: options.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS,
    joinTimeoutSeconds: options.joinTimeoutSeconds ?? DEFAULT_JOIN_TIMEOUT,
    maxQueueBytes: options.maxQueueBytes ?? DEFAULT_MAX_QUEUE,
  };
  await Deno.mkdir(settings.storage, { recursive: true });
  const room = new Room(settings);
  const connections = new Set<Promise<void>>();
  const stopAccepting = () => closeQuietly(listener);
  signal?.addEventListener("abort", stopAccepting, { once: true });
  // Often enough that a deadline is kept to within a tenth of it (and a second at most).
  const shortest = Math.min(settings.heartbeatSeconds, settings.joinTimeoutSeconds) * 1000;
  const sweeper = setInterval(
    () => room.sweep(Date.now()),
    Math.max(20, Math.min(1000, shortest / 10)),
  );
  try {
    while (!signal?.aborted) {
      let conn: Deno.TcpConn;
      try {
        conn = await listener.accept();
      } catch (err) {
        if (signal?.aborted || err instanceof Deno.errors.BadResource) break;
        room.say(`accept failed: ${errorMessage(err)}`);
        continue;
      }
      const served: Promise<void> = serveConnection(room, conn)
        .catch((err) => room.say(`connection error: ${errorMessage(err)}`))
        .finally(() => connections.delete(served));
      connections.add(served);
    }
  } finally {
    signal?.removeEventListener("abort", stopAccepting);
    clearInterval(sweeper);
    closeQuietly(listener);
    room.say("shutting down: telling every client");
    await room.shutdown();
    await Promise.all(connections);
  }
}

/** Serve one connection: refuse it if the room is full, else read and handle its frames. */
async function serveConnection(room: Room, conn: Deno.TcpConn): Promise<void> {
  // Chat lines are small and latency matters more than packet count; the outbox already
  // coalesces whatever is queued into one write.
  conn.setNoDelay(true);
  conn.setKeepAlive(true);
  const { maxClients, maxQueueBytes } = room.settings;
  if (room.sessions.size >= maxClients || room.closing) {
    const peer = formatHostPort(conn.remoteAddr as Deno.NetAddr);
    // tcp-server-pool-reject's words: both servers count connections, joined or not.
    const text =
      `Server is full (${maxClients}/${maxClients} client${maxClients === 1 ? "" : "s"}). ` +
      "Please try again later.";
    room.say(`${peer} refused: ${text}`);
    // Half-close after the notice and read until the client closes: closing on its unread
    // join request would reset the connection and destroy the notice.
    const fc = new FrameConnection(conn);
    if (await withDeadline(writeAll(conn, encodeFrame(notice(Status.Full, text))), FAREWELL_MS)) {
      await fc.closeWrite();
      await withDeadline(fc.discardInput(), FAREWELL_MS);
    }
    fc.close();
    return;
  }

  const session = new Session(conn, maxQueueBytes);
  room.sessions.add(session);
  room.say(`${session.peer} connected (${room.sessions.size}/${maxClients} connections)`);
  try {
    await readFrames(room, session);
  } finally {
    for (const [id, upload] of session.uploads) {
      session.uploads.delete(id);
      await upload.rx.abort(); // a half-received file leaves nothing behind
      room.say(`${session.label}'s upload of "${upload.rx.name}" abandoned`);
    }
    for (const download of session.downloads.values()) download.cancelled = true;
    session.end(session.endReason ?? "disconnected");
    room.release(session);
    await session.outbox.finished;
    await Promise.all(session.tasks);
  }
}

/** Read frames until the client leaves, the connection fails, or the server ends it. */
async function readFrames(room: Room, session: Session): Promise<void> {
  const { maxQueueBytes } = room.settings;
  while (session.endReason === null) {
    // Back-pressure: a client that sends faster than it reads its replies is not read from
    // until it has caught up, so its requests wait in its own socket, not in our memory, and
    // it is never dropped for sending fast. One that stops reading altogether is still dropped.
    if (session.outbox.messageBytes > maxQueueBytes / 2) {
      session.paused = true;
      await session.outbox.messagesBelow(maxQueueBytes / 4);
      session.paused = false;
      continue;
    }
    const floodWait = session.floodWaitMs(); // a few milliseconds at most: one line's worth
    if (floodWait > 0) await new Promise((resolve) => setTimeout(resolve, floodWait));
    let frame: Frame | null;
    try {
      frame = await session.fc.read();
    } catch (err) {
      if (session.endReason !== null) break; // we are closing it
      if (err instanceof ProtocolError) {
        room.say(`${session.label} sent a malformed frame: ${err.message}`);
        room.deliver(session, notice(Status.BadFrame, `Malformed frame: ${err.message}`));
        session.track(session.endAfterFlush("was disconnected (malformed frame)"));
        room.release(session);
        break;
      }
      session.endReason = `lost connection (${errorMessage(err)})`;
      return;
    }
    if (frame === null) {
      session.endReason ??= "disconnected";
      return;
    }
    if (session.endReason !== null) break; // dismissed meanwhile: the frame is dropped
    session.lastHeard = Date.now();
    if (await handleFrame(room, session, frame) === "leave") {
      session.track(session.endAfterFlush("left"));
      room.release(session);
    }
  }
  // We are hanging up: drop what the client still sends until it closes, or the hang-up's
  // deadline closes the connection.
  await session.fc.discardInput();
}

type Outcome = void | "leave";
type Handler = (room: Room, session: Session, frame: Frame) => Outcome | Promise<Outcome>;

/** Requests a client may send before it has joined. */
const BEFORE_JOIN = new Set<string>([ChatType.Heartbeat, ChatType.Join, ChatType.Leave]);

/**
 * Handle one frame. A refused request gets a response with the status and `{ error }`; an
 * unknown request type gets {@linkcode Status.UnknownType}; neither closes the connection.
 */
async function handleFrame(room: Room, session: Session, frame: Frame): Promise<Outcome> {
  if (frame.kind === Kind.Response) return; // the server asks nothing, so expects no answer
  const isRequest = frame.kind === Kind.Request;
  const handler = (isRequest ? REQUESTS : INDICATIONS)[frame.type];
  if (handler === undefined) {
    if (isRequest) {
      room.deliver(
        session,
        refusal(frame, Status.UnknownType, `Unknown request type "${frame.type}"`),
      );
    }
    return;
  }
  try {
    if (isRequest && session.name === null && !BEFORE_JOIN.has(frame.type)) {
      throw new ChatError(Status.BadState, "Join the room first");
    }
    return await handler(room, session, frame);
  } catch (err) {
    const [status, text] = err instanceof ChatError
      ? [err.status, err.message]
      : err instanceof TypeError
      ? [Status.BadPayload, err.message]
      : err instanceof RangeError
      ? [Status.TooLarge, err.message]
      : [Status.ServerError, `Server error: ${errorMessage(err)}`];
    if (status === Status.ServerError) room.say(`${session.label}: ${text}`);
    if (isRequest) room.deliver(session, refusal(frame, status, text));
  }
}

/** Every request type: one command, one place. */
const REQUESTS: Record<string, Handler> = {
  [ChatType.Heartbeat](room, session, req) {
    // The interval tells a client that has not joined yet how often to send.
    room.deliver(session, reply(req, { heartbeat: room.settings.heartbeatSeconds }));
  },

  [ChatType.Join](room, session, req) {
    if (session.name !== null) {
      throw new ChatError(Status.BadState, `Already joined as "${session.name}"`);
    }
    const raw = payloadObject(req).name;
    let name: string;
    try {
      name = checkUserName(raw);
      room.join(session, name);
    } catch (err) {
      // Logged, so the operator can tell why someone never appears in the room.
      const tried = typeof raw === "string" ? quoteName(forLog(raw)) : "a non-text name";
      room.say(`${session.peer} cannot join as ${tried}: ${errorMessage(err)}`);
      throw err;
    }
    const time = formatTimestamp();
    room.deliver(
      session,
      reply(req, {
        name,
        time,
        users: room.members().map((m) => m.name),
        heartbeat: room.settings.heartbeatSeconds,
      }),
    );
    // Everyone but the newcomer, who learns it from the reply.
    room.broadcast(indication(ChatType.Join, { time, name }), session);
    room.say(`${name} joined from ${session.peer} (${room.members().length} online)`);
  },

  [ChatType.Leave](room, session, req) {
    room.deliver(session, reply(req));
    session.endReason ??= "left";
    return "leave";
  },

  [ChatType.Chat](room, session, req) {
    const text = checkText(payloadObject(req).text);
    const time = formatTimestamp();
    session.spend(req.payload.length);
    room.broadcast(indication(ChatType.Chat, { time, from: session.name, text }));
    room.deliver(session, reply(req, { time }));
    room.say(`${session.name}: ${forLog(text)}`);
  },

  [ChatType.Private](room, session, req) {
    const obj = payloadObject(req);
    const to = stringField(obj, "to");
    const text = checkText(obj.text);
    const target = room.find(to);
    if (target === undefined) {
      throw new ChatError(Status.NotFound, `No user "${printable(to)}" is online`);
    }
    const time = formatTimestamp();
    session.spend(req.payload.length);
    const line = indication(ChatType.Private, { time, from: session.name, to: target.name, text });
    room.deliver(target, line);
    if (target !== session) room.deliver(session, line);
    room.deliver(session, reply(req, { time }));
    // The text is private: the log says only that it was sent.
    room.say(`${session.name} -> ${target.name}: private message (${[...text].length} characters)`);
  },

  [ChatType.Who](room, session, req) {
    const users = room.members().map((m) => ({ name: m.name, since: m.since }));
    room.deliver(session, reply(req, { users }));
  },

  async [ChatType.Files](room, session, req) {
    const files = await listFiles(room);
    const more = Math.max(0, files.length - MAX_LISTED);
    room.deliver(session, reply(req, { files: files.slice(0, MAX_LISTED), more }));
  },

  async [ChatType.Upload](room, session, req) {
    const obj = payloadObject(req);
    const name = stringField(obj, "name");
    const size = sizeField(obj, "size");
    const { maxFileSize, storage } = room.settings;
    if (size > maxFileSize) {
      throw new ChatError(
        Status.TooLarge,
        `"${printable(name)}" is ${formatBytes(size)}; the server accepts files up to ` +
          formatBytes(maxFileSize),
      );
    }
    if (session.uploads.has(req.id) || session.downloads.has(req.id)) {
      throw new ChatError(Status.BadState, `Transfer id ${req.id} is already in use`);
    }
    let rx: FileReceiver;
    try {
      rx = await FileReceiver.open(storage, name, size);
    } catch (err) {
      if (err instanceof TypeError) {
        throw new ChatError(Status.BadPayload, `Unsafe file name ${JSON.stringify(name)}`);
      }
      throw err;
    }
    session.uploads.set(req.id, { rx, started: Date.now() });
    room.deliver(session, reply(req, { name: rx.name }));
    room.say(`${session.name} is uploading "${rx.name}" (${formatBytes(size)})`);
  },

  async [ChatType.End](room, session, req) {
    const upload = session.uploads.get(req.id);
    if (upload === undefined) {
      throw new ChatError(Status.NotFound, `No upload with id ${req.id} in progress`);
    }
    session.uploads.delete(req.id);
    const sha256 = stringField(payloadObject(req), "sha256");
    let stored: string;
    try {
      stored = await upload.rx.finish(sha256); // on failure it removes the temporary file
    } catch (err) {
      room.say(`${session.name}'s upload of "${upload.rx.name}" failed: ${errorMessage(err)}`);
      if (err instanceof IntegrityError) throw new ChatError(Status.Integrity, err.message);
      throw err;
    }
    const time = formatTimestamp();
    room.files.set(stored, { uploader: session.name!, time });
    const size = upload.rx.size;
    room.deliver(session, reply(req, { name: stored, size }));
    room.broadcast(indication(ChatType.Upload, { time, from: session.name, name: stored, size }));
    const seconds = ((Date.now() - upload.started) / 1000).toFixed(1);
    room.say(`${session.name} uploaded "${stored}" (${formatBytes(size)} in ${seconds} s)`);
  },

  async [ChatType.Get](room, session, req) {
    const name = stringField(payloadObject(req), "name");
    const path = await findFile(room.settings.storage, name);
    if (path === null) {
      throw new ChatError(Status.NotFound, `No file "${printable(name)}" on the server`);
    }
    if (session.uploads.has(req.id) || session.downloads.has(req.id)) {
      throw new ChatError(Status.BadState, `Transfer id ${req.id} is already in use`);
    }
    const source = await openChunks(path);
    const transfer = { cancelled: false };
    session.downloads.set(req.id, transfer);
    room.deliver(session, reply(req, { name, size: source.size }));
    room.say(`${session.name} is downloading "${name}" (${formatBytes(source.size)})`);
    session.track(sendFile(room, session, req.id, source, transfer));
  },
};

/** Indications a client may send: chunks of its upload, and cancelling a transfer. */
const INDICATIONS: Record<string, Handler> = {
  async [ChatType.Data](room, session, frame) {
    const upload = session.uploads.get(frame.id);
    if (upload === undefined) return; // cancelled or refused: the rest of its chunks are dropped
    try {
      if (frame.payload.length > DEFAULT_CHUNK_SIZE) {
        throw new RangeError(
          `A chunk of ${frame.payload.length} bytes; the limit is ${DEFAULT_CHUNK_SIZE}`,
        );
      }
      await upload.rx.write(frame.payload);
    } catch (err) {
      session.uploads.delete(frame.id);
      await upload.rx.abort();
      room.deliver(
        session,
        indication(ChatType.Cancel, { error: errorMessage(err) }, { id: frame.id }),
      );
      room.say(`${session.label}'s upload of "${upload.rx.name}" failed: ${errorMessage(err)}`);
    }
  },

  async [ChatType.Cancel](room, session, frame) {
    const upload = session.uploads.get(frame.id);
    if (upload !== undefined) {
      session.uploads.delete(frame.id);
      await upload.rx.abort();
      room.say(`${session.label} cancelled the upload of "${upload.rx.name}"`);
    }
    const download = session.downloads.get(frame.id);
    if (download !== undefined) download.cancelled = true;
  },
};

/**
 * Stream a file to one client: each chunk waits for room in the client's small window, so the
 * download runs at the client's pace and its chat lines go out between chunks.
 */
async function sendFile(
  room: Room,
  session: Session,
  id: number,
  source: Awaited<ReturnType<typeof openChunks>>,
  transfer: { cancelled: boolean },
): Promise<void> {
  try {
    for await (const chunk of source) {
      if (transfer.cancelled) break; // leaving the loop closes the file
      // The header apart from the chunk, which goes out from the file's buffer as it is.
      const header = new Uint8Array(HEADER_SIZE);
      writeHeader(indication(ChatType.Data, chunk, { id }), header);
      await session.outbox.pushFlow([header, chunk]);
    }
    if (transfer.cancelled) {
      room.say(`${session.label}'s download of "${source.name}" stopped`);
      return;
    }
    room.deliver(session, indication(ChatType.End, { sha256: source.sha256() }, { id }));
    room.say(`${session.label} downloaded "${source.name}"`);
  } catch (err) {
    room.deliver(session, indication(ChatType.Cancel, { error: errorMessage(err) }, { id }));
    room.say(`${session.label}'s download of "${source.name}" failed: ${errorMessage(err)}`);
  } finally {
    session.downloads.delete(id);
  }
}

/**
 * List the storage folder: sizes from the disk, uploader and time from memory when this run
 * of the server received the file, else the modification time and an unknown uploader.
 */
async function listFiles(room: Room): Promise<FileInfo[]> {
  const { storage } = room.settings;
  const files: FileInfo[] = [];
  for await (const entry of Deno.readDir(storage)) {
    if (!entry.isFile || isTempName(entry.name) || entry.name.startsWith(".")) continue;
    const stat = await Deno.stat(join(storage, entry.name)).catch(() => null);
    if (stat === null) continue; // removed while listing
    const meta = room.files.get(entry.name);
    files.push({
      name: entry.name,
      size: stat.size,
      uploader: meta?.uploader ?? null,
      time: meta?.time ?? formatTimestamp(stat.mtime ?? new Date()),
    });
  }
  return files.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The path of a stored file, or `null`. Only names that are already safe are looked up, so a
 * request can never reach outside the folder or see a transfer in progress.
 */
async function findFile(storage: string, name: string): Promise<string | null> {
  let safe: string;
  try {
    safe = safeName(name);
  } catch {
    return null;
  }
  if (safe !== name || isTempName(name)) return null;
  const path = join(storage, name);
  const stat = await Deno.stat(path).catch(() => null);
  return stat?.isFile ? path : null;
}

function forLog(text: string): string {
  const chars = [...text];
  return chars.length <= LOG_TEXT_CHARS
    ? text
    : `${chars.slice(0, LOG_TEXT_CHARS).join("")}... (${chars.length} characters)`;
}

/** A notice from the server: an `S` indication whose status says why. */
function notice(status: number, text: string): Frame {
  return indication(ChatType.Notice, { time: formatTimestamp(), text }, { status });
}

function closeQuietly(resource: { close(): void }): void {
  try {
    resource.close();
  } catch {
    // Already closed: nothing left to release.
  }
}

/** Whether this process may read and write `dir`; Deno asks the user on a terminal. */
function mayUse(dir: string): boolean {
  return (["read", "write"] as const).every((name) =>
    Deno.permissions.requestSync({ name, path: dir }).state === "granted"
  );
}

function fail(message: string, code = 1): never {
  console.error(`chat_server: ${message}`);
  Deno.exit(code);
}

if (import.meta.main) {
  const parsed = parseProgramFlags({
    name: "chat_server",
    usage: USAGE,
    args: Deno.args,
    options: {
      host: { type: "string", default: DEFAULT_HOST },
      port: { type: "string", default: String(DEFAULT_PORT) },
      "max-clients": { type: "string", default: String(DEFAULT_MAX_CLIENTS) },
      "max-file-size": { type: "string", default: "1G" },
      storage: { type: "string", default: DEFAULT_STORAGE },
      heartbeat: { type: "string", default: String(DEFAULT_HEARTBEAT_SECONDS) },
      "join-timeout": { type: "string", default: String(DEFAULT_JOIN_TIMEOUT) },
      "max-queue": { type: "string", default: "1M" },
    },
    read: (values) => {
      const port = parsePort(values.port);
      const maxClients = Number(values["max-clients"]);
      if (!Number.isSafeInteger(maxClients) || maxClients < 1) {
        throw new RangeError(
          `Invalid --max-clients "${values["max-clients"]}": expected 1 or more`,
        );
      }
      const options: ChatServerOptions = {
        maxClients,
        maxFileSize: parseByteSize(values["max-file-size"]),
        storage: values.storage,
        heartbeatSeconds: parseSeconds(values.heartbeat),
        joinTimeoutSeconds: parseSeconds(values["join-timeout"], "--join-timeout"),
        maxQueueBytes: parseByteSize(values["max-queue"]),
      };
      return { host: values.host, port, options };
    },
    log: console.log,
    error: console.error,
  });
  if ("exitCode" in parsed) Deno.exit(parsed.exitCode);
  const { host, port, options } = parsed.flags;

  // A folder the task's permissions do not cover would otherwise end in Deno's advice to add a
  // flag, which a `deno task` user cannot do. On a terminal Deno asks first.
  if (!mayUse(options.storage!)) {
    fail(
      `the task may read and write only under ${DEFAULT_STORAGE}; use --storage inside it, ` +
        "or run with deno run --allow-read=DIR --allow-write=DIR",
    );
  }

  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ hostname: host, port });
  } catch (err) {
    fail(errorMessage(err, `cannot listen on ${formatHostPort({ hostname: host, port })}`));
  }
  try {
    await Deno.mkdir(options.storage!, { recursive: true });
  } catch (err) {
    fail(errorMessage(err, `cannot create the storage folder "${options.storage}"`));
  }

  // Before announcing the port: a signal sent as soon as it is printed must be caught.
  const shutdown = new AbortController();
  const stop = () => shutdown.abort();
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, stop);
  // The console: "quit" stops the server. End of input does not, so it can run detached.
  // The room's log lines wait for the end of each turn (see turnLog): flushed before any other
  // output, so nothing comes out of order.
  const log = turnLog(console.log);
  const console_ = createInterface({ input: process.stdin, terminal: false });
  console_.on("line", (line) => {
    if (line.trim() === "quit") stop();
    else if (line.trim() !== "") log('Type "quit" to stop the server.');
  });

  console.log(`Listening on ${formatHostPort(listener.addr as Deno.NetAddr)}`);
  if (isLoopback(host)) console.log(LOOPBACK_HINT);
  console.log(`Storing files in ${options.storage}; type "quit" or press Ctrl-C to stop`);

  let code = 0;
  try {
    await runChatServer(listener, { ...options, log, signal: shutdown.signal });
    log.flush();
    console.log("Server stopped");
  } catch (err) {
    log.flush();
    console.error(`chat_server: ${errorMessage(err, "server failed")}`);
    code = 1;
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, stop);
    console_.close();
  }
  // The console may still be waiting on standard input, which would keep the process alive.
  Deno.exit(code);
}

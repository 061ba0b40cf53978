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
 * Read it in order: listen and accept, admit or turn away, the per-member loop, the table of
 * commands (lib/chat/handlers.ts, lib/chat/transfers.ts), the main block. The room itself is
 * lib/chat/room.ts; it sees each client only as a Member (lib/chat/tcp_member.ts over TCP).
 *
 * Run it:   deno task chat-server [--port 15004] [--max-clients 5] [--heartbeat 10]
 * Then, in other terminals:   deno task chat-client --name alice
 *
 * @module
 */

import { join as joinPath } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { consoleCommand } from "../../lib/chat/server_console.ts";
import process from "node:process";
import { errorMessage } from "../../lib/cli/cli.ts";
import { runServerMain, StartError } from "../../lib/net/server_main.ts";
import { acceptEach } from "../../lib/net/accept_loop.ts";
import { encodeFrame, ProtocolError, Status } from "../../lib/wire/frame.ts";
import { formatHostPort, parsePort } from "../../lib/net/host_port.ts";
import { turnLog } from "../../lib/cli/server_cli.ts";
import { parseByteSize, parseSeconds } from "../../lib/cli/units.ts";
import { lang } from "../../lib/cli/i18n.ts";
import {
  ChatType,
  DEFAULT_HEARTBEAT_SECONDS,
  DEFAULT_PORT,
  MISSED_HEARTBEATS,
  notice,
} from "../../lib/chat/protocol.ts";
import { Room, type RoomSettings } from "../../lib/chat/room.ts";
import { FAREWELL_MS, type Session } from "../../lib/chat/session.ts";
import { TcpMember, turnAway } from "../../lib/chat/tcp_member.ts";
import { DbFileStore } from "../../lib/chat/file_store.ts";
import { RoomHistory } from "../../lib/chat/history.ts";
import { Accounts, AUTH_MODES, type AuthMode } from "../../lib/chat/accounts.ts";
import { OfflineBox } from "../../lib/chat/offline.ts";
import { ChatDb, DbError } from "../../lib/store/chat_db.ts";
import * as chat from "../../lib/chat/handlers.ts";
import { type Commands, handleFrame } from "../../lib/chat/handlers.ts";
import * as transfers from "../../lib/chat/transfers.ts";
import { reason, sentence, serverFull } from "../../lib/chat/reason.ts";
import { chatText as text } from "../../lib/chat/text.ts";

/** Loopback by default, so a first run is not reachable from the network by surprise. */
export const DEFAULT_HOST = "127.0.0.1";
/** Clients at once: a small room, as the lab asks; `--max-clients` changes it. */
export const DEFAULT_MAX_CLIENTS = 5;
/** Largest upload accepted: 1 GiB, refused up front rather than after the bytes arrive. */
export const DEFAULT_MAX_FILE_SIZE = 1024 ** 3;
/** Where uploads are stored, relative to the working folder (the task may write only there). */
export const DEFAULT_STORAGE = "storage/server";
/** Bytes a client may fall behind before it is dropped: only one that stopped reading gets there. */
export const DEFAULT_MAX_QUEUE = 1024 * 1024;
/** Seconds a connection may stay without joining: until then it holds one of the places. */
export const DEFAULT_JOIN_TIMEOUT = 10;
/** Messages a newcomer is shown from the room's history: about a screenful and a half. */
export const DEFAULT_HISTORY = 50;
/** The most `--history` takes: the largest page one read returns. */
const MAX_HISTORY = 500;
/**
 * The database's file in the storage folder. Its leading dot keeps it, and SQLite's `-wal`
 * file beside it, out of the file list and out of reach of any upload or download: the server
 * never makes or looks up a shared file's name that starts with a dot.
 */
export const DATABASE_FILE = ".chat.db";

/**
 * Bytes of file chunks in flight per client: four 256 KiB chunks, enough to keep the link busy
 * while the next piece is read and hashed, few enough that a chat line queued behind them goes
 * out within about a millisecond (see docs/PERFORMANCE.md).
 */
const FLOW_WINDOW = 4 * (256 * 1024 + 64);

/** What {@linkcode runChatServer} needs besides the listener; every field has a default. */
export interface ChatServerOptions extends Partial<RoomSettings> {
  /** Aborting it tells every client, closes every connection, and ends the server. */
  signal?: AbortSignal;
  /**
   * The room's database, which the server closes when it ends; by default it opens
   * {@linkcode DATABASE_FILE} in the storage folder.
   */
  db?: ChatDb;
  /** Messages a newcomer is shown; 0 stores none (default {@linkcode DEFAULT_HISTORY}). */
  history?: number;
  /** Accounts: `off`, `optional` (the default: guests on free names) or `required`. */
  auth?: AuthMode;
  /**
   * The operator's console: where its lines come from (the server's stdin), and what `quit`
   * does. Its commands are in lib/chat/server_console.ts.
   */
  console?: { input: Pick<Interface, "on" | "off">; quit: () => void };
}

/**
 * Serve the chat room until the signal aborts.
 *
 * @remarks
 * One task per connection reads frames and handles them in order; each connection's writer
 * is a separate task (see `Outbox`). A failure on one connection is logged and ends only that
 * connection.
 *
 * @param listener A bound TCP listener; closed when this returns.
 * @param options Limits, storage folder, log and shutdown signal.
 * @throws {Error} When the storage folder cannot be created.
 */
export async function runChatServer(
  listener: Deno.TcpListener,
  { signal, db, history = DEFAULT_HISTORY, auth = "optional", ...options }: ChatServerOptions = {},
): Promise<void> {
  const storage = options.storage ?? DEFAULT_STORAGE;
  await Deno.mkdir(storage, { recursive: true });
  const database = db ?? openDatabase(storage);
  using _closed = { [Symbol.dispose]: () => database.close() }; // after every goodbye
  const room = new Room(
    {
      log: options.log ?? console.log,
      storage,
      maxClients: options.maxClients ?? DEFAULT_MAX_CLIENTS,
      maxFileSize: options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE,
      heartbeatSeconds: options.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS,
      joinTimeoutSeconds: options.joinTimeoutSeconds ?? DEFAULT_JOIN_TIMEOUT,
      maxQueueBytes: options.maxQueueBytes ?? DEFAULT_MAX_QUEUE,
      maxStorageBytes: options.maxStorageBytes,
      userQuotaBytes: options.userQuotaBytes,
      maxRate: options.maxRate ?? 0,
    },
    new DbFileStore(database),
    {
      history: history > 0 ? new RoomHistory(database, history) : null,
      accounts: auth === "off" ? null : new Accounts(database, auth),
      offline: auth === "off" ? null : new OfflineBox(database),
    },
  );
  const { heartbeatSeconds, joinTimeoutSeconds } = room.settings;
  // Often enough that a deadline is kept to within a tenth of it (and a second at most).
  const shortest = Math.min(heartbeatSeconds, joinTimeoutSeconds) * 1000;
  const sweeper = setInterval(
    () => room.sweep(Date.now()),
    Math.max(20, Math.min(1000, shortest / 10)),
  );
  // On shutdown the accept loop stops taking clients and waits for every connection to end;
  // the room tells each member and closes it once told.
  let goodbyes: Promise<void> = Promise.resolve();
  const stop = () => {
    room.say(text("logShuttingDown"));
    goodbyes = room.shutdown();
  };
  signal?.addEventListener("abort", stop, { once: true });
  // The console: `users`, `kick`, `ban`, `history`… End of input does not stop the server, so
  // it can run detached.
  const command = (line: string) => {
    const { lines, quit } = consoleCommand(line, { room, db: database });
    for (const out of lines) room.settings.log(out);
    if (quit) options.console?.quit();
  };
  options.console?.input.on("line", command);
  try {
    await acceptEach(listener, (conn) => serveConnection(room, conn), {
      signal,
      log: (line) => room.say(line),
    });
  } finally {
    signal?.removeEventListener("abort", stop);
    options.console?.input.off("line", command);
    clearInterval(sweeper);
    await goodbyes;
  }
}

/** Serve one connection: turn it away if the room is full, else read and handle its frames. */
async function serveConnection(room: Room, conn: Deno.TcpConn): Promise<void> {
  // Chat lines are small and latency matters more than packet count; the outbox already
  // coalesces whatever is queued into one write.
  conn.setNoDelay(true);
  conn.setKeepAlive(true);
  const { maxClients, maxQueueBytes } = room.settings;
  if (room.isFull()) {
    // tcp-server-pool-reject's words: both servers count connections, joined or not. The
    // notice carries them as a code, for the client to say in its user's language.
    const full = serverFull(maxClients);
    const peer = formatHostPort(conn.remoteAddr as Deno.NetAddr);
    room.say(text("logRefused", { peer, why: sentence(lang(), full)! }));
    await turnAway(conn, encodeFrame(notice(Status.Full, full)), FAREWELL_MS);
    return;
  }
  const member = new TcpMember(conn, {
    maxQueuedBytes: maxQueueBytes,
    flowWindowBytes: FLOW_WINDOW,
  });
  const session = room.admit(member);
  try {
    await readFrames(room, session);
  } finally {
    await room.remove(session);
  }
}

/** Read frames until the client leaves, the connection fails, or the server ends it. */
async function readFrames(room: Room, session: Session): Promise<void> {
  try {
    while (true) {
      const frame = await session.member.read();
      if (frame === null) break; // the client closed
      if (session.endReason !== null) break; // dismissed meanwhile: the frame is dropped
      session.lastHeard = Date.now();
      if (await handleFrame(COMMANDS, room, session, frame) === "leave") {
        session.track(session.endAfterFlush(reason("left-room")));
        room.release(session);
      }
      await keepPace(room, session);
      if (session.endReason !== null) break;
    }
  } catch (err) {
    if (session.endReason !== null) {
      // We are closing it: the read failed because of that.
    } else if (err instanceof ProtocolError) {
      room.say(text("logMalformed", { name: session.label, why: err.message }));
      room.deliver(
        session,
        notice(Status.BadFrame, reason("malformed-frame", { why: err.message })),
      );
      session.track(session.endAfterFlush(reason("dropped-malformed")));
      room.release(session);
    } else {
      session.endReason = reason("connection-lost", { why: errorMessage(err) });
      return;
    }
  }
  if (session.endReason === null) {
    session.endReason = reason("connection-closed"); // the client closed
    return;
  }
  // We are hanging up: drop what the client still sends until it closes, or the hang-up's
  // deadline closes the connection.
  await session.member.discardInput();
}

/**
 * Wait before reading the next request if the client is ahead. Back-pressure: a client that
 * sends faster than it reads its replies is not read from until it has caught up, so its
 * requests wait in its own socket, not in our memory. Flood pacing: a member over its chat
 * budget waits a few milliseconds (one line's worth).
 */
async function keepPace(room: Room, session: Session): Promise<void> {
  const { maxQueueBytes } = room.settings;
  while (session.endReason === null && session.member.messageBytes > maxQueueBytes / 2) {
    session.paused = true;
    await session.member.messagesBelow(maxQueueBytes / 4);
    session.paused = false;
  }
  const floodWait = session.floodWaitMs();
  if (floodWait > 0) await new Promise((resolve) => setTimeout(resolve, floodWait));
  // --max-rate: over it, the next message waits its turn; a member held back for
  // FLOOD_LIMIT_MS without a break is told and disconnected, before its flood costs anyone else.
  const rate = room.settings.maxRate ?? 0;
  const rateWait = session.rateWaitMs(rate);
  if (rateWait === 0) return;
  if (session.heldBackMs() > FLOOD_LIMIT_MS) {
    room.say(text("logFlooding", { name: session.label, rate }));
    session.dismiss(
      notice(Status.RateLimited, reason("flood-disconnect", { rate })),
      reason("dropped-flooding"),
    );
    room.release(session);
    return;
  }
  await new Promise((resolve) => setTimeout(resolve, rateWait));
}

/** How long a member may be held back by `--max-rate` without a break before it is dropped. */
const FLOOD_LIMIT_MS = 5_000;

/** The commands, by type letter: one command, one place (each is a function in lib/chat/). */
const COMMANDS: Commands = {
  requests: {
    [ChatType.Heartbeat]: chat.heartbeat,
    [ChatType.Join]: chat.join,
    [ChatType.Leave]: chat.leave,
    [ChatType.Chat]: chat.chat,
    [ChatType.Private]: chat.privateChat,
    [ChatType.Who]: chat.who,
    [ChatType.History]: chat.history,
    [ChatType.Register]: chat.register,
    [ChatType.Logout]: chat.logout,
    [ChatType.Delivered]: chat.delivered,
    [ChatType.Files]: chat.files,
    [ChatType.Upload]: transfers.upload,
    [ChatType.End]: transfers.endUpload,
    [ChatType.Get]: transfers.download,
  },
  // Indications a client may send: chunks of its upload, and cancelling a transfer.
  indications: {
    [ChatType.Data]: transfers.receiveChunk,
    [ChatType.Cancel]: transfers.cancel,
  },
  beforeJoin: new Set([ChatType.Heartbeat, ChatType.Join, ChatType.Leave, ChatType.Register]),
};

/** Whether this process may read and write `dir`; Deno asks the user on a terminal. */
function mayUse(dir: string): boolean {
  return (["read", "write"] as const).every((name) =>
    Deno.permissions.requestSync({ name, path: dir }).state === "granted"
  );
}

/**
 * Open the room's database in the storage folder, or say in one line why not: another server
 * has it, or it is damaged or newer than this server. The file is never changed then.
 *
 * @param storage The storage folder.
 * @returns The open database.
 * @throws {StartError} When it cannot be used.
 */
function openDatabase(storage: string): ChatDb {
  const file = joinPath(storage, DATABASE_FILE);
  try {
    return ChatDb.open(file);
  } catch (err) {
    if (!(err instanceof DbError)) throw err;
    const key = { locked: "dbLocked", corrupt: "dbCorrupt", newer: "dbNewer", io: "dbIo" } as const;
    const why = err.cause instanceof Error ? errorMessage(err.cause) : err.message;
    throw new StartError(text(key[err.code], { file, why }));
  }
}

/** `--max-rate`: messages a second, 0 for no limit. */
function parseRate(value: string): number {
  const rate = /^\d{1,6}$/.test(value) ? Number(value) : NaN;
  if (Number.isNaN(rate)) throw new RangeError(text("badRate", { value }));
  return rate;
}

/** The room's settings from the command line. */
function readOptions(
  values: Record<string, string>,
): ChatServerOptions & { storage: string } {
  const maxClients = Number(values["max-clients"]);
  if (!Number.isSafeInteger(maxClients) || maxClients < 1) {
    throw new RangeError(text("badMaxClients", { value: values["max-clients"] }));
  }
  const history = /^\d{1,3}$/.test(values.history) ? Number(values.history) : NaN;
  if (!(history <= MAX_HISTORY)) {
    throw new RangeError(text("badHistory", { value: values.history, max: MAX_HISTORY }));
  }
  const auth = values.auth as AuthMode;
  if (!AUTH_MODES.includes(auth)) throw new RangeError(text("badAuth", { value: values.auth }));
  return {
    auth,
    history,
    maxClients,
    maxFileSize: parseByteSize(values["max-file-size"]),
    storage: values.storage,
    heartbeatSeconds: parseSeconds(values.heartbeat),
    joinTimeoutSeconds: parseSeconds(values["join-timeout"], "--join-timeout"),
    maxQueueBytes: parseByteSize(values["max-queue"]),
    maxStorageBytes: values["max-storage"] === undefined
      ? undefined
      : parseByteSize(values["max-storage"]),
    userQuotaBytes: values["user-quota"] === undefined
      ? undefined
      : parseByteSize(values["user-quota"]),
    maxRate: parseRate(values["max-rate"]),
  };
}

/**
 * Check that the task may use the storage folder, and make it. A folder the task's permissions
 * do not cover would otherwise end in Deno's advice to add a flag, which a `deno task` user
 * cannot do; on a terminal Deno asks first.
 */
async function prepareStorage(storage: string): Promise<void> {
  if (!mayUse(storage)) {
    throw new StartError(text("storageOutside", { dir: DEFAULT_STORAGE }));
  }
  try {
    await Deno.mkdir(storage, { recursive: true });
  } catch (err) {
    throw new StartError(errorMessage(err, text("cannotCreateStorage", { dir: storage })));
  }
}

/** What `--help` prints, in the user's language (the `--lang` and `--help` lines follow it). */
const usage = () =>
  text("serverUsage", {
    host: DEFAULT_HOST,
    port: DEFAULT_PORT,
    maxClients: DEFAULT_MAX_CLIENTS,
    storage: DEFAULT_STORAGE,
    missed: MISSED_HEARTBEATS,
    heartbeat: DEFAULT_HEARTBEAT_SECONDS,
    joinTimeout: DEFAULT_JOIN_TIMEOUT,
    history: DEFAULT_HISTORY,
  });

if (import.meta.main) {
  // The room's log lines wait for the end of each turn (see turnLog), and are flushed before
  // any other output, so nothing comes out of order.
  const log = turnLog(console.log);
  Deno.exit(
    await runServerMain({
      name: "chat_server",
      usage,
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
        "max-storage": { type: "string" },
        "user-quota": { type: "string" },
        "max-rate": { type: "string", default: "0" },
        history: { type: "string", default: String(DEFAULT_HISTORY) },
        auth: { type: "string", default: "optional" },
      },
      read: (values) => ({
        host: values.host,
        port: parsePort(values.port),
        ...readOptions(values),
      }),
      // The database is opened before the port, so a second server on the same folder stops
      // at once with the reason, instead of listening and then failing.
      prepare: async (flags) => {
        await prepareStorage(flags.storage);
        flags.db = openDatabase(flags.storage);
      },
      listen: ({ host, port }) => Deno.listen({ hostname: host, port }),
      describe: ({ storage }) => text("serverStoring", { dir: storage }),
      serve: async (listener, options, shutdown) => {
        // The console: "quit" stops the server. End of input does not, so it can run detached.
        const input = createInterface({ input: process.stdin, terminal: false });
        const operator = { input, quit: () => shutdown.stop() };
        try {
          await runChatServer(listener, {
            ...options,
            log,
            signal: shutdown.signal,
            console: operator,
          });
        } finally {
          log.flush();
          input.close();
        }
      },
      log: console.log,
      error: console.error,
    }),
  );
}

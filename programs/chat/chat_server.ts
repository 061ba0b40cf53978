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

import { createInterface } from "node:readline";
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
import { MemoryFileStore } from "../../lib/chat/file_store.ts";
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
  { signal, ...options }: ChatServerOptions = {},
): Promise<void> {
  const room = new Room({
    log: options.log ?? console.log,
    storage: options.storage ?? DEFAULT_STORAGE,
    maxClients: options.maxClients ?? DEFAULT_MAX_CLIENTS,
    maxFileSize: options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE,
    heartbeatSeconds: options.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS,
    joinTimeoutSeconds: options.joinTimeoutSeconds ?? DEFAULT_JOIN_TIMEOUT,
    maxQueueBytes: options.maxQueueBytes ?? DEFAULT_MAX_QUEUE,
  }, new MemoryFileStore());
  const { storage, heartbeatSeconds, joinTimeoutSeconds } = room.settings;
  await Deno.mkdir(storage, { recursive: true });
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
  try {
    await acceptEach(listener, (conn) => serveConnection(room, conn), {
      signal,
      log: (line) => room.say(line),
    });
  } finally {
    signal?.removeEventListener("abort", stop);
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
}

/** The commands, by type letter: one command, one place (each is a function in lib/chat/). */
const COMMANDS: Commands = {
  requests: {
    [ChatType.Heartbeat]: chat.heartbeat,
    [ChatType.Join]: chat.join,
    [ChatType.Leave]: chat.leave,
    [ChatType.Chat]: chat.chat,
    [ChatType.Private]: chat.privateChat,
    [ChatType.Who]: chat.who,
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
  beforeJoin: new Set([ChatType.Heartbeat, ChatType.Join, ChatType.Leave]),
};

/** Whether this process may read and write `dir`; Deno asks the user on a terminal. */
function mayUse(dir: string): boolean {
  return (["read", "write"] as const).every((name) =>
    Deno.permissions.requestSync({ name, path: dir }).state === "granted"
  );
}

/** The room's settings from the command line. */
function readOptions(values: Record<string, string>): ChatServerOptions & { storage: string } {
  const maxClients = Number(values["max-clients"]);
  if (!Number.isSafeInteger(maxClients) || maxClients < 1) {
    throw new RangeError(text("badMaxClients", { value: values["max-clients"] }));
  }
  return {
    maxClients,
    maxFileSize: parseByteSize(values["max-file-size"]),
    storage: values.storage,
    heartbeatSeconds: parseSeconds(values.heartbeat),
    joinTimeoutSeconds: parseSeconds(values["join-timeout"], "--join-timeout"),
    maxQueueBytes: parseByteSize(values["max-queue"]),
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
      },
      read: (values) => ({
        host: values.host,
        port: parsePort(values.port),
        ...readOptions(values),
      }),
      prepare: ({ storage }) => prepareStorage(storage),
      listen: ({ host, port }) => Deno.listen({ hostname: host, port }),
      describe: ({ storage }) => text("serverStoring", { dir: storage }),
      serve: async (listener, options, shutdown) => {
        // The console: "quit" stops the server. End of input does not, so it can run detached.
        const input = createInterface({ input: process.stdin, terminal: false });
        input.on("line", (line) => {
          if (line.trim() === "quit") shutdown.stop();
          else if (line.trim() !== "") log(text("typeQuit"));
        });
        try {
          await runChatServer(listener, { ...options, log, signal: shutdown.signal });
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

/**
 * Lab: a chat room with file sharing — the server.
 *
 * Every client is one TCP connection carrying LP frames both ways: requests with their
 * responses, news from the room, and file chunks that interleave with chat because a transfer
 * keeps only a few chunks in flight. The room never waits for a client: each has a queue
 * bounded in bytes, written by its own task, and a client that cannot keep up is dropped.
 * Files are received into a temporary file, checked against their SHA-256, and only then
 * appear under their (safe, never overwritten) name. What the room says is stored in an
 * embedded SQLite database before anyone hears it, so a newcomer sees the history and an
 * acknowledged message survives a crash (lib/chat/history.ts); names can belong to accounts
 * (lib/chat/accounts.ts). The command line and the database's opening are in
 * lib/chat/server_flags.ts.
 *
 * Browsers join the same room: a second port serves the page, and each browser is a member
 * whose frames travel in WebSocket messages (lib/web/, docs/PROTOCOL.md).
 *
 * With `--tls` both ports speak TLS with one certificate, made on the first start and kept in
 * the storage folder (or read from `--cert` and `--key`): the chat port checks each client's
 * handshake before it takes a place (lib/tls/server.ts), the page is https and its WebSocket
 * wss (docs/TLS.md).
 *
 * Read it in order: listen and accept, admit or turn away, the per-member loop, the table of
 * commands (lib/chat/handlers.ts, lib/chat/transfers.ts), the main block. The room itself is
 * lib/chat/room.ts; it sees each client only as a Member (lib/chat/tcp_member.ts over TCP,
 * lib/web/ws_member.ts over WebSocket).
 *
 * Run it:   deno task chat-server [--port 15004] [--web-port 15080] [--max-clients 5] [--tls]
 * Then, in other terminals:   deno task chat-client --name alice [--tls]
 * Or open http://127.0.0.1:15080/ (https:// with --tls) in a browser.
 *
 * @module
 */

import { createInterface, type Interface } from "node:readline";
import { consoleCommand } from "../../lib/chat/server_console.ts";
import process from "node:process";
import { errorMessage } from "../../lib/cli/cli.ts";
import { runServerMain } from "../../lib/net/server_main.ts";
import { acceptEach } from "../../lib/net/accept_loop.ts";
import { encodeFrame, ProtocolError, Status } from "../../lib/wire/frame.ts";
import { formatHostPort, parsePort } from "../../lib/net/host_port.ts";
import { turnLog } from "../../lib/cli/server_cli.ts";
import { lang } from "../../lib/cli/i18n.ts";
import { CHAT_ALPN, ChatType, DEFAULT_HEARTBEAT_SECONDS, notice } from "../../lib/chat/protocol.ts";
import { Room, type RoomSettings } from "../../lib/chat/room.ts";
import { FAREWELL_MS, type Session } from "../../lib/chat/session.ts";
import type { Member } from "../../lib/chat/member.ts";
import { TcpMember, turnAway } from "../../lib/chat/tcp_member.ts";
import type { WebServer } from "../../lib/web/web_server.ts";
import { DbFileStore } from "../../lib/chat/file_store.ts";
import { RoomHistory } from "../../lib/chat/history.ts";
import { Accounts, type AuthMode } from "../../lib/chat/accounts.ts";
import { OfflineBox } from "../../lib/chat/offline.ts";
import type { ChatDb } from "../../lib/store/chat_db.ts";
import {
  DEFAULT_HISTORY,
  DEFAULT_JOIN_TIMEOUT,
  DEFAULT_MAX_CLIENTS,
  DEFAULT_MAX_FILE_SIZE,
  DEFAULT_MAX_QUEUE,
  DEFAULT_STORAGE,
  openDatabase,
  openWeb,
  prepareStorage,
  readOptions,
  SERVER_OPTIONS,
  usage,
} from "../../lib/chat/server_flags.ts";
import * as chat from "../../lib/chat/handlers.ts";
import { type Commands, handleFrame } from "../../lib/chat/handlers.ts";
import * as transfers from "../../lib/chat/transfers.ts";
import { reason, sentence, serverFull } from "../../lib/chat/reason.ts";
import { chatText as text } from "../../lib/chat/text.ts";
import type { Credentials } from "../../lib/tls/certificate.ts";
import { admitTls, listenTls } from "../../lib/tls/server.ts";
import { readTlsFlags, serverCredentials } from "../../lib/tls/server_credentials.ts";
import { tlsText } from "../../lib/tls/text.ts";

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
   * does. Its commands are in lib/chat/server_console.ts. Give it paused: it is resumed once
   * its lines have somewhere to go, so a line typed (or piped) early is not lost.
   */
  console?: { input: Pick<Interface, "on" | "off" | "resume">; quit: () => void };
  /** The web page's server, already bound (lib/web/web_server.ts); none: terminals only. */
  web?: WebServer;
}

/**
 * Serve the chat room until the signal aborts.
 *
 * @remarks
 * One task per connection reads frames and handles them in order; each connection's writer
 * is a separate task (see `Outbox`). A failure on one connection is logged and ends only that
 * connection.
 *
 * @param listener A bound TCP or TLS listener; closed when this returns.
 * @param options Limits, storage folder, log and shutdown signal.
 * @throws {Error} When the storage folder cannot be created.
 */
export async function runChatServer(
  listener: Deno.Listener<Deno.TcpConn | Deno.TlsConn>,
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
  options.console?.input.resume();
  // Browsers: the same room, each member served as a TCP one is (serveMember below).
  const browsers = options.web?.serve({
    room,
    limits: { maxQueuedBytes: room.settings.maxQueueBytes, flowWindowBytes: FLOW_WINDOW },
    serveMember: (member) => serveMember(room, member),
    sha256Of: (name) => database.fileInfo(name),
    signal,
  });
  try {
    await acceptEach(listener, (conn, stop) => serveConnection(room, conn, stop), {
      signal,
      log: (line) => room.say(line),
    });
  } finally {
    signal?.removeEventListener("abort", stop);
    options.console?.input.off("line", command);
    clearInterval(sweeper);
    await goodbyes;
    await browsers;
  }
}

/** Serve one connection: turn it away if the room is full, else read and handle its frames. */
async function serveConnection(
  room: Room,
  conn: Deno.TcpConn | Deno.TlsConn,
  signal: AbortSignal,
): Promise<void> {
  // Over TLS the handshake comes first: a peer that fails it costs one log line, not a place.
  if (!await admitTls(conn, { log: (line) => room.say(line), signal, protocol: CHAT_ALPN })) return;
  // Chat lines are small and latency matters more than packet count; the outbox already
  // coalesces whatever is queued into one write. (A TLS connection accepted by Deno.listenTls
  // offers no way to set either.)
  if ("setNoDelay" in conn) {
    conn.setNoDelay(true);
    conn.setKeepAlive(true);
  }
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
  const limits = { maxQueuedBytes: maxQueueBytes, flowWindowBytes: FLOW_WINDOW };
  await serveMember(room, new TcpMember(conn, limits));
}

/** Serve one member, over TCP or WebSocket alike: admit it, handle its frames, remove it. */
async function serveMember(room: Room, member: Member): Promise<void> {
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
    } else if (err instanceof ProtocolError && session.member.openedWithTls?.()) {
      // A TLS client on this plain port. The notice's bytes are no TLS record: its client
      // says that this server does not speak TLS.
      room.deliver(session, notice(Status.BadFrame, reason("dropped-tls")));
      session.track(session.endAfterFlush(reason("dropped-tls")));
      room.release(session);
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

if (import.meta.main) {
  // The room's log lines wait for the end of each turn (see turnLog), and are flushed before
  // any other output, so nothing comes out of order.
  const log = turnLog(console.log);
  Deno.exit(
    await runServerMain({
      name: "chat_server",
      usage,
      args: Deno.args,
      options: SERVER_OPTIONS,
      read: (values) => ({
        host: values.host,
        port: parsePort(values.port),
        ...readOptions(values),
        tls: readTlsFlags(values),
        db: undefined as ChatDb | undefined,
        web: undefined as WebServer | undefined,
        credentials: undefined as Credentials | undefined,
      }),
      // The database is opened before the port, so a second server on the same folder stops
      // at once with the reason, instead of listening and then failing; the web page's port
      // too, so that one in use is said in one line.
      // With --tls, the certificate is made (or read) before either port opens, and kept beside
      // the database.
      prepare: async (flags) => {
        await prepareStorage(flags.storage);
        flags.db = openDatabase(flags.storage);
        if (flags.tls.tls) {
          const { host, storage } = flags;
          flags.credentials = await serverCredentials(
            { ...flags.tls, host, storage },
            "chat-server",
            console.log,
          );
        }
        if (flags.webPort !== null) {
          flags.web = openWeb(flags.host, flags.webPort, flags.credentials);
        }
      },
      listen: ({ host, port, credentials }) =>
        credentials
          ? listenTls({ hostname: host, port, credentials, protocol: CHAT_ALPN })
          : Deno.listen({ hostname: host, port }),
      describe: ({ storage, web, credentials }) =>
        [
          text("serverStoring", { dir: storage }),
          ...credentials
            ? [
              tlsText("certServing", { protocol: CHAT_ALPN, fingerprint: credentials.fingerprint }),
            ]
            : [],
          ...web ? [web.describe()] : [],
        ].join("\n"),
      serve: async (listener, options, shutdown) => {
        // The console: "quit" stops the server. End of input does not, so it can run detached.
        // Paused until the room is ready for its lines (runChatServer resumes it).
        const input = createInterface({ input: process.stdin, terminal: false }).pause();
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

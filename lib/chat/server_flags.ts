/**
 * chat-server's command line: its defaults, its flags, how they are checked, and what must be
 * ready before it listens (the storage folder and the room's database). The program,
 * programs/chat/chat_server.ts, keeps the lesson: listen, admit, the per-member loop, the
 * commands.
 *
 * @module
 */

import { join as joinPath } from "node:path";
import { errorMessage, type FlagValues } from "../cli/cli.ts";
import { parseByteSize, parseSeconds } from "../cli/units.ts";
import { StartError } from "../net/server_main.ts";
import { formatHostPort, parsePort } from "../net/host_port.ts";
import { WebServer } from "../web/web_server.ts";
import type { Credentials } from "../tls/certificate.ts";
import { TLS_FLAGS } from "../tls/server_credentials.ts";
import { ChatDb, DbError } from "../store/chat_db.ts";
import { AUTH_MODES, type AuthMode } from "./accounts.ts";
import { DEFAULT_HEARTBEAT_SECONDS, DEFAULT_PORT, MISSED_HEARTBEATS } from "./protocol.ts";
import type { RoomSettings } from "./room.ts";
import { chatText as text } from "./text.ts";

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
/** The web page's port: the chat port's neighbourhood, easy to type on a phone. */
export const DEFAULT_WEB_PORT = 15080;
/** Messages a newcomer is shown from the room's history: about a screenful and a half. */
export const DEFAULT_HISTORY = 50;
/** The most `--history` takes: the largest page one read returns. */
export const MAX_HISTORY = 500;
/**
 * The database's file in the storage folder. Its leading dot keeps it, and SQLite's `-wal`
 * file beside it, out of the file list and out of reach of any upload or download: the server
 * never makes or looks up a shared file's name that starts with a dot.
 */
export const DATABASE_FILE = ".chat.db";

/** The room's settings as the flags give them, with what the server itself adds. */
export interface ServerSettings extends Partial<RoomSettings> {
  storage: string;
  /** Messages a newcomer is shown; 0 stores none. */
  history: number;
  /** Accounts: `off`, `optional` or `required`. */
  auth: AuthMode;
  /** The web page's port (0: any free one), or `null` for none (`--no-web`). */
  webPort: number | null;
}

/** chat-server's flags, as `parseArgs` takes them. */
export const SERVER_OPTIONS = {
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
  // No default: it follows --port when --port is 0 (see readOptions).
  "web-port": { type: "string" },
  "no-web": { type: "boolean", default: false },
  ...TLS_FLAGS,
} as const;

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
export function openDatabase(storage: string): ChatDb {
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
export function readOptions(
  values: FlagValues<typeof SERVER_OPTIONS>,
): ServerSettings {
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
    // A server asked for any free chat port gets any free web port too, so that two of them
    // (tests, the demo, the benchmark) never both ask for 15080.
    webPort: values["no-web"]
      ? null
      : parsePort(values["web-port"] ?? (values.port === "0" ? "0" : String(DEFAULT_WEB_PORT))),
  };
}

/**
 * Make the web page and bind its port, or say in one line why not: the port is in use, or the
 * page's code cannot be served.
 *
 * @param host The address to listen on.
 * @param port The web port; 0 picks a free one.
 * @param credentials With `--tls`: the chat port's certificate, for https and wss.
 * @returns The web server, answering 503 until the room starts.
 * @throws {StartError} When it cannot start.
 */
export function openWeb(host: string, port: number, credentials?: Credentials): WebServer {
  try {
    return WebServer.listen(host, port, credentials);
  } catch (err) {
    const why = errorMessage(err);
    if (!(err instanceof Error) || !(err.name in Deno.errors)) {
      throw new StartError(text("webBrokenPage", { why })); // the page's own code
    }
    const address = formatHostPort({ hostname: host, port });
    const key = err instanceof Deno.errors.AddrInUse ? "webPortInUse" : "webCannotListen";
    throw new StartError(text(key, { address, why }));
  }
}

/**
 * Check that the task may use the storage folder, and make it. A folder the task's permissions
 * do not cover would otherwise end in Deno's advice to add a flag, which a `deno task` user
 * cannot do; on a terminal Deno asks first.
 */
export async function prepareStorage(storage: string): Promise<void> {
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
export const usage = (): string =>
  text("serverUsage", {
    host: DEFAULT_HOST,
    port: DEFAULT_PORT,
    maxClients: DEFAULT_MAX_CLIENTS,
    storage: DEFAULT_STORAGE,
    missed: MISSED_HEARTBEATS,
    heartbeat: DEFAULT_HEARTBEAT_SECONDS,
    joinTimeout: DEFAULT_JOIN_TIMEOUT,
    history: DEFAULT_HISTORY,
    webPort: DEFAULT_WEB_PORT,
  });

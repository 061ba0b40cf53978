/**
 * What the terminal chat client's commands share: the room they act on, and the steps of the
 * account and history commands (`/login`, `/register`, `/history`, `/search`) that take more
 * than a line. The program, programs/chat/chat_client.ts, keeps the lesson: connect, join, the
 * command table, leave.
 *
 * @module
 */

import { errorMessage } from "../cli/cli.ts";
import { cliText } from "../cli/text.ts";
import { resolveUserPath, type UserFolders, userFolders } from "../files/user_path.ts";
import { RequestError } from "../net/request_session.ts";
import { Status } from "../wire/frame.ts";
import type { ByteStream } from "../wire/frame_connection.ts";
import type { ChatClient } from "./client_session.ts";
import { enterRoom, JoinError } from "./join.ts";
import type { ChatEvent } from "./protocol.ts";
import { errorLine, failureLine, type HistoryBlock, historyLines, lowerFirst } from "./format.ts";
import type { ChatUi, ClientInput, RoomLines, Transfers } from "./terminal_ui.ts";
import { chatText as text } from "./text.ts";

/**
 * Most bytes read from a password file: more than the longest password a server takes (1 KiB)
 * and its line end, so a wrong file given by mistake is not read whole.
 */
const MAX_PASSWORD_FILE_BYTES = 4096;

/**
 * What the client (`runChatClient` in programs/chat/chat_client.ts) needs besides the
 * connection and the input.
 */
export interface ChatClientOptions {
  /** Where output goes. */
  ui: ChatUi;
  /** The user name; asked for when absent or taken. */
  name?: string;
  /**
   * The password to log in with at once (from `--password-file`); a wrong one ends the joining.
   * Absent: the password is asked for when the server says the name needs one.
   */
  password?: string;
  /** Folder for downloads (created when the first download starts). */
  downloads?: string;
  /** Heartbeat interval when idle, in milliseconds (the server's is used when shorter). */
  heartbeatMs?: number;
  /** Aborting it leaves at once, as Ctrl-C does. */
  signal?: AbortSignal;
  /** How to name the server in errors, such as `127.0.0.1:15004` (default "the server"). */
  server?: string;
  /** Longest wait for the server's first answers (default 10 s: see lib/chat/join.ts). */
  answerTimeoutMs?: number;
  /** Connect again, for a user slower to choose a name than the server's join deadline. */
  reconnect?: () => Promise<ByteStream>;
  /** The user's folder and home, for typed paths; absent, a path is used as typed. */
  folders?: UserFolders;
}

/** What the commands share while the user is in the room. */
export interface Room {
  /** The connection in use: a `/login` replaces it. */
  client: ChatClient;
  /** A client on a new connection, made as the first one was (see `EnterOptions.open`). */
  readonly open: (conn: ByteStream) => ChatClient;
  readonly ui: ChatUi;
  readonly lines: RoomLines;
  readonly input: ClientInput;
  readonly transfers: Transfers;
  readonly options: ChatClientOptions;
}

/**
 * Ask for a secret on the next line: a password, not shown as it is typed on a terminal.
 *
 * @returns It; `null` when the input ended, the user pressed Ctrl-C, or the server closed
 *   instead (the loop then sees the same and ends).
 */
export async function askSecret(room: Room, question: string): Promise<string | null> {
  if (room.ui.askSecret) room.ui.askSecret(question);
  else room.ui.ask(question);
  const event = await room.input.next();
  return event.from === "user" ? event.line : null;
}

/**
 * `/login`: join again as an account on a new connection, and leave the old one once the new
 * one is in. Reconnecting (rather than logging in on the same connection) keeps to the
 * protocol's one join per connection, and it is the same path as a first join: a wrong
 * password is asked again, up to three times; until the login succeeds the user stays in
 * the room as they were.
 */
export async function logIn(room: Room, name: string, password: string): Promise<void> {
  const { reconnect, server } = room.options;
  const where = cliText("cannotConnect", { address: server ?? text("theServer") });
  let entered: Awaited<ReturnType<typeof enterRoom>>;
  try {
    if (reconnect === undefined) throw new Deno.errors.NotConnected(cliText("notConnected"));
    const conn = await reconnect();
    entered = await enterRoom(room.open(conn), {
      ...room.options,
      input: room.input,
      open: room.open,
      name,
      login: { password, fixed: false },
    });
  } catch (err) {
    room.input.watch(room.client.closed);
    const line = err instanceof JoinError ? err.message : errorMessage(err, where);
    return room.ui.print(errorLine(line));
  }
  if ("end" in entered) return room.input.watch(room.client.closed);
  const old = room.client;
  room.client = entered.client;
  entered.client.ping().catch(() => {}).then(() => room.lines.endReplay());
  await old.leave();
}

/** Why an account command failed: a server that does not know it keeps no accounts. */
export function accountsFailure(err: unknown): string {
  const unknown = err instanceof RequestError && err.status === Status.UnknownType;
  return unknown ? errorLine(text("noAccountsServer")) : failureLine(err);
}

/** A page of history, after whatever the join replayed. */
export function printHistory(room: Room, block: HistoryBlock, events: ChatEvent[]): void {
  room.lines.endReplay();
  historyLines(block, events).forEach((line) => room.ui.print(line));
}

/** Why `/history` or `/search` failed: a server that does not know `Y` keeps no history. */
export function historyFailure(err: unknown): string {
  const unknown = err instanceof RequestError && err.status === Status.UnknownType;
  return unknown ? errorLine(text("noHistoryServer")) : failureLine(err);
}

/**
 * The password on the first line of a file (`--password-file`): a file only its owner can read
 * keeps the password out of the command line, where `ps` shows it to every user.
 *
 * @param typed The path as given, from the user's folder.
 * @returns The password.
 * @throws {Error} When the file cannot be read, or its first line is empty.
 */
export async function readPassword(typed: string): Promise<string> {
  let bytes: Uint8Array;
  try {
    using file = await Deno.open(resolveUserPath(typed, userFolders()));
    const buffer = new Uint8Array(MAX_PASSWORD_FILE_BYTES);
    let length = 0;
    while (length < buffer.length) {
      const n = await file.read(buffer.subarray(length));
      if (n === null) break;
      length += n;
    }
    bytes = buffer.subarray(0, length);
  } catch (err) {
    const why = lowerFirst(errorMessage(err));
    throw new Error(text("passwordFileUnreadable", { path: typed, why }));
  }
  const password = new TextDecoder().decode(bytes).split(/\r?\n/)[0];
  if (password === "") throw new Error(text("passwordFileEmpty", { path: typed }));
  return password;
}

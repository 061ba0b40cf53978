/**
 * Lab: a chat room with file sharing — the client.
 *
 * One connection carries everything: your commands go out as requests, the room's news
 * arrives as indications at any moment, and a file moves as a series of chunk frames. One task
 * reads frames and another reads your keyboard, so messages keep flowing both ways during a
 * transfer; incoming lines are printed above the prompt without breaking what you are typing.
 * The protocol side is lib/chat/client_session.ts; this file is the conversation with the user:
 * make sure the server is a chat server, join, then run each typed command from a table.
 * A server that keeps history replays what was said before you came, shown set apart from the
 * live lines, and `/history` and `/search` ask it for more. A server with accounts asks for the
 * password of a registered name (typed without echo, or read from `--password-file`); a guest
 * can `/register` its name or `/login` to an account, and a private message to an account
 * that is away waits for its next login, when its sender hears that it was delivered.
 * With `--tls` the same frames travel inside TLS, once the server's certificate is trusted
 * (lib/chat/client_connect.ts, docs/TLS.md).
 *
 * Run it (with `deno task chat-server` running):   deno task chat-client --name alice
 * Then type a line to talk to everyone, or /help for the commands. To log in without typing:
 * deno task chat-client --name alice --password-file secret.txt
 * Over TLS (chat-server --tls):   deno task chat-client --name alice --tls
 *
 * @module
 */

import { basename, join } from "node:path";
import { errorMessage, parseProgramFlags } from "../../lib/cli/cli.ts";
import { cliText } from "../../lib/cli/text.ts";
import { parseSeconds } from "../../lib/cli/units.ts";
import { resolveUserPath, userFolders } from "../../lib/files/user_path.ts";
import { formatHostPort, parseRemotePort } from "../../lib/net/host_port.ts";
import type { ByteStream } from "../../lib/wire/frame_connection.ts";
import { readTrustFlags } from "../../lib/tls/client.ts";
import { type ChatTlsOptions, connectChat } from "../../lib/chat/client_connect.ts";
import { DEFAULT_HEARTBEAT_SECONDS, DEFAULT_PORT, printable } from "../../lib/chat/protocol.ts";
import { ChatClient, SeenIds, StoredTexts } from "../../lib/chat/client_session.ts";
import { type ClientEnd, enterRoom, JoinError, sessionEnd } from "../../lib/chat/join.ts";
import { type Command, helpLines, parseCommand } from "../../lib/chat/commands.ts";
import {
  errorLine,
  failureLine,
  formatFiles,
  lowerFirst,
  notSentLine,
  onlineLine,
  transferLabel,
} from "../../lib/chat/format.ts";
import { chatText as text } from "../../lib/chat/text.ts";
import {
  accountsFailure,
  askSecret,
  type ChatClientOptions,
  historyFailure,
  logIn,
  printHistory,
  readPassword,
  type Room,
} from "../../lib/chat/client_room.ts";
import { ClientInput, openConsole, RoomLines, Transfers } from "../../lib/chat/terminal_ui.ts";

export type { ChatClientOptions };

/** Where downloads go, relative to the working folder (the task may write only there). */
export const DEFAULT_DOWNLOADS = "storage/downloads";

/** What `--help` prints, in the user's language (the `--lang` and `--help` lines follow it). */
const usage = () =>
  [
    text("clientUsage", {
      port: DEFAULT_PORT,
      downloads: DEFAULT_DOWNLOADS,
      heartbeat: DEFAULT_HEARTBEAT_SECONDS,
    }),
    text("usagePasswordFile"),
  ].join("\n");

/**
 * Join the room and run the user's commands until they leave or the server closes.
 *
 * @param conn A connected stream; closed before this returns.
 * @param typed The typed lines: the name when asked for, then commands.
 * @param options Where output goes, the name, the downloads folder, the stop signal.
 * @returns How the session ended.
 * @throws {JoinError} When the room cannot be joined: the server is full, does not answer, or
 *   does not speak the chat protocol.
 */
export async function runChatClient(
  conn: ByteStream,
  typed: AsyncIterable<string> | Iterable<string>,
  options: ChatClientOptions,
): Promise<ClientEnd> {
  const { ui } = options;
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_SECONDS * 1000;
  const lines = new RoomLines(ui);
  // Every connection of this run shares the ids seen: joining again asks for what came after
  // the last of them, so nothing is shown twice or lost. It shares the private messages left
  // for accounts that were away too, to say which one was delivered.
  const seen = new SeenIds();
  const stored = new StoredTexts();
  let active: ChatClient | null = null;
  const open = (conn: ByteStream): ChatClient => {
    const client: ChatClient = new ChatClient(conn, (event) => lines.event(event), heartbeatMs, {
      seen,
      stored,
      // Said in the reader, before the history the server sends right after the welcome.
      onJoined: ({ time, name, users }, resumed) => {
        // A /login's connection takes over: the one before it shows nothing more.
        active?.mute();
        active = client;
        lines.resumed = resumed;
        ui.prompt("> ");
        ui.print(text("welcome", { time, name, n: users.length, users: nameList(users) }));
      },
    });
    return client;
  };
  const input = new ClientInput(typed, options.signal);
  const { password } = options;
  const login = password === undefined ? undefined : { password, fixed: true };
  const entered = await enterRoom(open(conn), { ...options, input, open, login });
  if ("end" in entered) return entered.end;
  const { client } = entered;
  // The server sends the history right after the welcome; a heartbeat's answer comes after the
  // last of it. A server without history sends none, and the answer shows nothing.
  client.ping().catch(() => {}).then(() => lines.endReplay());
  return await runCommands({
    client,
    open,
    ui,
    lines,
    input,
    transfers: new Transfers(ui),
    options,
  });
}

/** The room: each typed line runs its command, until the user leaves or the server closes. */
async function runCommands(room: Room): Promise<ClientEnd> {
  while (true) {
    room.ui.prompt("> ");
    const event = await room.input.next();
    if (event.from === "server") {
      room.lines.endReplay();
      await room.transfers.settled();
      return await sessionEnd(room.client, room.ui, room.options.server);
    }
    if (event.from === "stop") return await leave(room, true);
    if (event.line === null) return await leave(room, false);
    const command = parseCommand(event.line);
    if (command.kind === "exit") return await leave(room, true);
    const run = COMMANDS[command.kind] as (room: Room, command: Command) => Promise<void> | void;
    await run(room, command);
  }
}

/** Names in a line, as the language lists them: `alice, bob` or `alice、bob`. */
function nameList(names: string[]): string {
  return names.map(printable).join(text("listSeparator"));
}

type Handler<K extends Command["kind"]> = (
  room: Room,
  command: Extract<Command, { kind: K }>,
) => Promise<void> | void;

// What each command does. A line to say is not awaited: the next can go out at once, and the
// answer only matters if it fails. One the server would refuse (too long) is not sent at all.
const COMMANDS: { [K in Exclude<Command["kind"], "exit">]: Handler<K> } = {
  none: () => {},
  help: (room) => helpLines().forEach((line) => room.ui.print(line)),
  invalid: (room, { message }) => room.ui.print(errorLine(message)),
  say: (room, { text }) =>
    void room.client.say(text).catch((err) => room.ui.print(notSentLine(err))),
  msg: (room, { to, text: said }) =>
    void room.client.whisper(to, said).then(
      // An account that is away: kept for its next login (the copy above says so too).
      ({ stored }) => stored && room.ui.print(text("storedFor", { name: printable(to) })),
      (err) => room.ui.print(notSentLine(err)),
    ),
  who: (room) =>
    room.client.who().then(
      (users) => room.ui.print(onlineLine(users)),
      (err) => room.ui.print(failureLine(err)),
    ),
  history: (room, { limit }) =>
    room.client.earlier(limit).then(
      (events) => printHistory(room, { kind: "earlier" }, events),
      (err) => room.ui.print(historyFailure(err)),
    ),
  search: (room, { words }) =>
    room.client.search(words).then(
      (events) => printHistory(room, { kind: "search", words }, events),
      (err) => room.ui.print(historyFailure(err)),
    ),
  register: async (room) => {
    const welcome = room.client.welcome;
    if (welcome?.guest === undefined) return room.ui.print(errorLine(text("noAccountsServer")));
    const name = printable(welcome.name);
    if (!welcome.guest) return room.ui.print(errorLine(text("name-registered", { name })));
    const password = await askSecret(room, text("askNewPassword", { name }));
    if (password === null) return;
    const again = await askSecret(room, text("askPasswordAgain"));
    if (again === null) return;
    if (again !== password) return room.ui.print(errorLine(text("passwordsDiffer")));
    await room.client.register(password).then(
      (registered) => room.ui.print(text("registered", { name: printable(registered) })),
      (err) => room.ui.print(accountsFailure(err)),
    );
  },
  login: async (room, { name }) => {
    if (room.client.welcome?.guest === undefined) {
      return room.ui.print(errorLine(text("noAccountsServer")));
    }
    // Transfers run on this connection, which the login replaces.
    if (room.transfers.size > 0) return room.ui.print(errorLine(text("loginWaitTransfers")));
    const password = await askSecret(room, text("askPassword", { name: printable(name) }));
    if (password !== null) await logIn(room, name, password);
  },
  logout: (room) =>
    room.client.logout().then(
      () => room.ui.print(text("loggedOut", { name: printable(room.client.welcome!.name) })),
      (err) => room.ui.print(accountsFailure(err)),
    ),
  list: (room) =>
    room.client.files().then(
      (files) => formatFiles(files).forEach((line) => room.ui.print(line)),
      (err) => room.ui.print(failureLine(err)),
    ),
  upload: (room, { path: typed }) => {
    let path = typed;
    try {
      if (room.options.folders) path = resolveUserPath(typed, room.options.folders);
    } catch (err) {
      const cannot = text("cannotUpload", { path: typed });
      return room.ui.print(errorLine(cannot + lowerFirst(errorMessage(err))));
    }
    room.transfers.start(
      transferLabel("upload", basename(path)),
      (onProgress) => room.client.upload(path, onProgress),
      (r, summary) => text("uploaded", { path: typed, name: printable(r.name), summary }),
      // The path tried, in full: "not found" alone does not say where it looked.
      (err) => failureLine(err, text("cannotUpload", { path })),
    );
  },
  download: (room, { name }) => {
    const folder = room.options.downloads ?? DEFAULT_DOWNLOADS;
    room.transfers.start(
      transferLabel("download", name),
      async (onProgress) => {
        await Deno.mkdir(folder, { recursive: true });
        return await room.client.download(name, folder, onProgress);
      },
      (r, summary) =>
        text("downloaded", { name: printable(name), path: join(folder, r.name), summary }),
      (err) => failureLine(err, text("cannotDownload", { name: printable(name) })),
    );
  },
};

/**
 * Leave the room. `/exit` and Ctrl-C cancel transfers in progress; the end of input first waits
 * for them, so a piped script can upload and then end.
 */
async function leave(room: Room, cancel: boolean): Promise<ClientEnd> {
  const { transfers, client } = room;
  if (!cancel && transfers.size > 0) {
    room.ui.print(text("waitingTransfers", { n: transfers.size }));
    await Promise.race([transfers.settled(), client.closed, room.input.stopped]);
  }
  transfers.leaving = true;
  await client.cancelTransfers();
  // Leaving closes the connection, which also ends a transfer the server has not yet
  // answered (so it could not be cancelled above).
  await client.leave();
  await transfers.settled();
  return "left";
}

function fail(message: string, code = 1): never {
  console.error(`chat_client: ${message}`);
  Deno.exit(code);
}

if (import.meta.main) {
  const parsed = parseProgramFlags({
    name: "chat_client",
    usage,
    args: Deno.args,
    options: {
      name: { type: "string" },
      "password-file": { type: "string" },
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: String(DEFAULT_PORT) },
      downloads: { type: "string", default: DEFAULT_DOWNLOADS },
      heartbeat: { type: "string", default: String(DEFAULT_HEARTBEAT_SECONDS) },
      tls: { type: "boolean" },
      ca: { type: "string" },
      fingerprint: { type: "string" },
      trust: { type: "boolean" },
    },
    read: (values) => {
      const tls = readTrustFlags(values); // --ca, --fingerprint and --trust imply --tls
      return {
        host: values.host,
        port: parseRemotePort(values.port),
        name: values.name,
        passwordFile: values["password-file"],
        downloads: values.downloads,
        heartbeatMs: parseSeconds(values.heartbeat) * 1000,
        tls,
      };
    },
    log: console.log,
    error: console.error,
  });
  if ("exitCode" in parsed) Deno.exit(parsed.exitCode);
  const { host, port, name, passwordFile, downloads, heartbeatMs } = parsed.flags;
  // Whether to trust a new server's certificate is asked on a terminal only, with Deno's own
  // one-line question, before the room's console opens.
  const tls: ChatTlsOptions | undefined = parsed.flags.tls && {
    ...parsed.flags.tls,
    ask: Deno.stdin.isTerminal()
      ? (question) => Promise.resolve(prompt(question.trimEnd()))
      : undefined,
    say: console.log,
  };
  // Read before connecting: a file that is not there is said at once, in one line.
  const password = passwordFile === undefined
    ? undefined
    : await readPassword(passwordFile).catch((err) => fail(errorMessage(err)));

  // Checked before connecting: otherwise the first download would end in Deno's advice to add
  // a flag, which a `deno task` user cannot do. On a terminal Deno asks first.
  if (Deno.permissions.requestSync({ name: "write", path: downloads }).state !== "granted") {
    fail(text("downloadsOutside", { dir: DEFAULT_DOWNLOADS }));
  }
  const server = formatHostPort({ hostname: host, port });
  const { conn, trust } = await connectChat(host, port, tls)
    .catch((err) => fail(errorMessage(err, cliText("cannotConnect", { address: server }))));

  // A terminal gets a prompt, line editing and live progress; a pipe gets plain lines.
  // Ctrl-C leaves cleanly: the editor reports it on a terminal, the signal does otherwise.
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  const { ui, lines, close } = openConsole(onSigint, console.log);
  Deno.addSignalListener("SIGINT", onSigint);
  ui.print(trust ? text("connectedToTls", { server, trust }) : text("connectedTo", { server }));

  let end: ClientEnd = "dropped";
  let failure: string | null = null;
  try {
    end = await runChatClient(conn, lines, {
      ui,
      name,
      password,
      downloads,
      heartbeatMs,
      signal: stop.signal,
      server,
      folders: userFolders(),
      // The certificate is known by now: a new connection asks nothing.
      reconnect: () => connectChat(host, port, tls).then((c) => c.conn),
    });
  } catch (err) {
    failure = err instanceof JoinError
      ? err.message
      : errorMessage(err, text("connectionFailed", { server }));
  } finally {
    Deno.removeSignalListener("SIGINT", onSigint);
    close();
  }
  if (failure !== null) console.error(`chat_client: ${failure}`);
  // Standard input may still be open (a terminal, or a pipe that has not ended).
  Deno.exit(end === "left" || end === "server closed" ? 0 : 1);
}

/**
 * Lab: a chat room with file sharing — the client.
 *
 * One connection carries everything: your commands go out as requests, the room's news
 * arrives as indications at any moment, and a file moves as a series of chunk frames. One task
 * reads frames and another reads your keyboard, so messages keep flowing both ways during a
 * transfer; incoming lines are printed above the prompt without breaking what you are typing.
 *
 * Run it (with `deno task chat-server` running):   deno task chat-client --name alice
 * Then type a line to talk to everyone, or /help for the commands.
 *
 * @module
 */

import { createInterface } from "node:readline";
import process from "node:process";
import { basename, join } from "node:path";
import { errorMessage, parseProgramFlags } from "../../lib/cli/cli.ts";
import { type ByteStream, FrameConnection } from "../../lib/wire/frame_connection.ts";
import { type Frame, Kind, ProtocolError, Status } from "../../lib/wire/frame.ts";
import { FileReceiver, openChunks } from "../../lib/files/file_chunk.ts";
import { formatHostPort, parseRemotePort } from "../../lib/net/host_port.ts";
import { formatTimestamp } from "../../lib/cli/timestamp.ts";
import { type LineEditor, openTerminalEditor } from "../../lib/cli/line_editor.ts";
import { displayWidth, padEndToWidth } from "../../lib/cli/display_width.ts";
import { resolveUserPath, type UserFolders } from "../../lib/files/user_path.ts";
import {
  ChatError,
  type ChatEvent,
  ChatType,
  checkText,
  DEFAULT_HEARTBEAT_SECONDS,
  DEFAULT_PORT,
  type FileInfo,
  indication,
  parseEvent,
  parseFiles,
  parseHeartbeat,
  parseUsers,
  parseWelcome,
  payloadObject,
  printable,
  refusalText,
  request,
  sizeField,
  stringField,
  type UserInfo,
  type Welcome,
} from "../../lib/chat/protocol.ts";
import {
  formatBytes,
  formatProgress,
  formatSummary,
  parseSeconds,
  type Progress,
} from "../../lib/cli/units.ts";

/** Where downloads go, relative to the working folder (the task may write only there). */
export const DEFAULT_DOWNLOADS = "storage/downloads";

/** How long to wait for the server to acknowledge a leave before closing anyway. */
const LEAVE_MS = 2000;

/** Fastest redraw of a live progress line: smooth to the eye, cheap for the terminal. */
const PROGRESS_MS = 100;

/**
 * How long the first heartbeat and the join wait for their answers. A chat server answers at
 * once; ten seconds covers a slow link, yet a server of another kind (which never answers)
 * does not leave the user waiting forever.
 */
export const ANSWER_TIMEOUT_MS = 10_000;

const HELP = [
  "Commands:",
  "  <text>                  say it to everyone (start with // to send a leading /)",
  "  /msg <user> <text>      say it to one user only",
  "  /who                    who is online",
  "  /file list              shared files: name, size, uploader, time",
  "  /file upload <path>     share a file",
  "  /file download <name>   fetch a shared file into the downloads folder",
  "  /help                   this list",
  "  /exit                   leave (so do Ctrl-D and Ctrl-C)",
];

const USAGE = `Usage: deno task chat-client [--name NAME] [--host HOST] [--port PORT]

Joins a chat room: type a line to talk to everyone, /help for the commands.

Options:
  --name NAME            user name (asked for when missing or taken)
  --host HOST            server address (default 127.0.0.1)
  --port PORT            server port (default ${DEFAULT_PORT})
  --downloads DIR        folder for downloads (default ${DEFAULT_DOWNLOADS}; the task may write
                         only there)
  --heartbeat SECONDS    heartbeat interval when idle (default ${DEFAULT_HEARTBEAT_SECONDS}, or
                         the server's if shorter)
  -h, --help             show this help`;

/**
 * The room could not be joined: the server turned us away, did not answer, or does not speak
 * the chat protocol. The message is the one line to show.
 */
export class JoinError extends Error {
  /** @param message Why, for the user. */
  constructor(message: string) {
    super(message);
    this.name = "JoinError";
  }
}

/** A transfer's result. */
export interface TransferResult {
  /** The name it was stored under (on the server for an upload, locally for a download). */
  name: string;
  /** Bytes. */
  size: number;
}

type ProgressFn = (done: number, total: number) => void;

interface Pending {
  resolve(frame: Frame): void;
  reject(err: unknown): void;
  /** Runs in the reader before the next frame is read, such as opening a download's file. */
  before?: (frame: Frame) => Promise<void>;
}

interface Download {
  rx: FileReceiver;
  onProgress?: ProgressFn;
  resolve(stored: string): void;
  reject(err: unknown): void;
}

const notConnected = () => new ChatError(Status.Gone, "Not connected to the server");

/**
 * Upload chunks handed to the connection before the oldest must be in the kernel's hands: four
 * 256 KiB chunks, so the next piece is read and hashed while the last ones go out, and a chat
 * line sent meanwhile still waits behind a millisecond of file at most.
 */
const UPLOAD_WINDOW = 4;

/**
 * The protocol side of the chat client: requests and their responses, the room's events,
 * heartbeats, and file transfers. It prints nothing; events go to the callback.
 *
 * @example
 * ```ts ignore
 * const client = new ChatClient(await Deno.connect({ port: 15004 }), (e) => console.log(e));
 * await client.join("alice");
 * await client.say("hello");
 * await client.leave();
 * ```
 */
export class ChatClient {
  readonly #fc: FrameConnection;
  readonly #onEvent: (event: ChatEvent) => void;
  readonly #pending = new Map<number, Pending>();
  /** Ids of transfers in progress: their chunks and end carry them, so no request reuses them. */
  readonly #reserved = new Set<number>();
  readonly #downloads = new Map<number, Download>();
  readonly #uploads = new Map<number, { cancelled: string | null }>();
  readonly #closed: Promise<void>;
  #nextId = 1;
  #ended = false;
  #sentSinceTick = false;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  /** Why reading failed, such as a {@linkcode ProtocolError} from a server of another kind. */
  failure: unknown;
  /**
   * Whether an LP server's hello came: the same frames, another protocol. It is not passed on
   * as an event (it would read as a notice from the room).
   */
  lpHello = false;

  /**
   * Start reading from the server.
   *
   * @param conn A connected stream.
   * @param onEvent Called for every event from the room, in order.
   */
  constructor(conn: ByteStream, onEvent: (event: ChatEvent) => void) {
    this.#fc = new FrameConnection(conn);
    this.#onEvent = onEvent;
    this.#closed = this.#readLoop();
  }

  /** Resolves once the connection is closed and every transfer is cleaned up. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /**
   * Send a heartbeat whenever nothing else was sent for a whole interval.
   *
   * @param seconds The interval.
   */
  startHeartbeat(seconds: number): void {
    clearInterval(this.#heartbeat);
    if (this.#ended) return;
    this.#heartbeat = setInterval(() => {
      if (!this.#sentSinceTick) this.request(ChatType.Heartbeat).catch(() => {});
      this.#sentSinceTick = false;
    }, seconds * 1000);
  }

  /**
   * Send a request and wait for its response.
   *
   * @param type The type letter.
   * @param payload JSON payload, if any.
   * @param options A fixed id (a transfer's), and a hook run in the reader on the response.
   * @returns The successful response.
   * @throws {ChatError} When the server refuses, or the connection closes first.
   */
  async request(
    type: string,
    payload?: unknown,
    options: { id?: number; before?: Pending["before"] } = {},
  ): Promise<Frame> {
    if (this.#ended) throw notConnected();
    const id = options.id ?? this.#allocId();
    const answered = new Promise<Frame>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, before: options.before });
    });
    this.#send(request(type, id, payload)).catch((err) => {
      this.#pending.get(id)?.reject(err);
      this.#pending.delete(id);
    });
    const frame = await answered;
    if (frame.status !== Status.Ok) throw new ChatError(frame.status, refusalText(frame));
    return frame;
  }

  /**
   * Join the room.
   *
   * @param name The user name.
   * @returns The server's welcome.
   * @throws {ChatError} With {@linkcode Status.Taken} or {@linkcode Status.BadPayload}.
   */
  async join(name: string): Promise<Welcome> {
    return parseWelcome(await this.request(ChatType.Join, { name }));
  }

  /**
   * Say something to everyone (the server sends it back to us too, with its time).
   *
   * @param text The message.
   * @throws {RangeError} Before anything is sent, when it is over the chat's limit of 8 KiB:
   *   the server would refuse it, or, past its frame limit, hang up on us.
   * @throws {TypeError} Before anything is sent, when it is empty or not one line.
   * @throws {ChatError} When the server refuses it.
   */
  async say(text: string): Promise<void> {
    await this.request(ChatType.Chat, { text: checkText(text) });
  }

  /**
   * Say something to one user.
   *
   * @param to The user's name.
   * @param text The message, checked as {@linkcode say} checks it.
   */
  async whisper(to: string, text: string): Promise<void> {
    await this.request(ChatType.Private, { to, text: checkText(text) });
  }

  /** Who is online. */
  async who(): Promise<UserInfo[]> {
    return parseUsers(await this.request(ChatType.Who));
  }

  /** The shared files. */
  async files(): Promise<FileInfo[]> {
    return parseFiles(await this.request(ChatType.Files));
  }

  /**
   * Upload a file, streaming it chunk by chunk.
   *
   * @remarks
   * At most {@linkcode UPLOAD_WINDOW} chunks wait to be written at a time, so a chat message
   * sent meanwhile waits behind a few chunks at most.
   *
   * @param path The local file.
   * @param onProgress Called after each chunk.
   * @returns The name the server stored it under, and its size.
   * @throws {Deno.errors.NotFound | Deno.errors.PermissionDenied | TypeError} Before anything
   *   is sent, when the path is missing, unreadable or not a file.
   * @throws {ChatError} When the server refuses it or the transfer is cancelled.
   */
  async upload(path: string, onProgress?: ProgressFn): Promise<TransferResult> {
    // Check locally first: a bad path is the user's mistake, not the server's business.
    const stat = await Deno.stat(path);
    if (!stat.isFile) throw new TypeError(`"${basename(path)}" is a folder, not a file`);
    (await Deno.open(path, { read: true })).close();
    const id = this.#allocId();
    const state = { cancelled: null as string | null };
    this.#reserved.add(id);
    this.#uploads.set(id, state);
    let accepted = false;
    try {
      await this.request(ChatType.Upload, { name: basename(path), size: stat.size }, { id });
      accepted = true;
      // Opened only now: a source that is never read would keep its file open.
      const source = await openChunks(path);
      if (source.size !== stat.size) {
        throw new TypeError(`"${basename(path)}" changed while starting`);
      }
      let sent = 0;
      const inFlight: { written: Promise<void>; bytes: number }[] = [];
      const oldestWritten = async () => {
        const { written, bytes } = inFlight.shift()!;
        await written;
        sent += bytes;
        onProgress?.(sent, source.size);
      };
      for await (const chunk of source) {
        if (state.cancelled !== null) throw new ChatError(Status.Gone, state.cancelled);
        const written = this.#send(indication(ChatType.Data, chunk, { id }));
        written.catch(() => {}); // awaited in turn below; a failure must not go unhandled meanwhile
        inFlight.push({ written, bytes: chunk.length });
        if (inFlight.length >= UPLOAD_WINDOW) await oldestWritten();
      }
      while (inFlight.length > 0) await oldestWritten();
      const end = await this.request(ChatType.End, { sha256: source.sha256() }, { id });
      accepted = false;
      const obj = payloadObject(end);
      return { name: stringField(obj, "name"), size: sizeField(obj, "size") };
    } catch (err) {
      // Tell the server to drop what it has; it may have cancelled already, or be gone.
      if (accepted && !this.#ended) {
        this.#send(indication(ChatType.Cancel, undefined, { id })).catch(() => {});
      }
      throw err;
    } finally {
      this.#uploads.delete(id);
      this.#reserved.delete(id);
    }
  }

  /**
   * Download a shared file into a folder, through a verified temporary file.
   *
   * @param name The name as the file list shows it.
   * @param dir The folder (it must exist).
   * @param onProgress Called after each chunk.
   * @returns The local name (numbered if the name was taken) and size.
   * @throws {ChatError} With {@linkcode Status.NotFound} when there is no such file.
   */
  async download(name: string, dir: string, onProgress?: ProgressFn): Promise<TransferResult> {
    const id = this.#allocId();
    this.#reserved.add(id);
    let size = 0;
    const stored = new Promise<string>((resolve, reject) => {
      // Runs in the reader, before the first chunk is read: the file is open when it arrives.
      const before = async (frame: Frame) => {
        if (frame.status !== Status.Ok) return;
        size = sizeField(payloadObject(frame), "size");
        try {
          const rx = await FileReceiver.open(dir, name, size);
          this.#downloads.set(id, { rx, onProgress, resolve, reject });
        } catch (err) {
          this.#send(indication(ChatType.Cancel, undefined, { id })).catch(() => {});
          throw err;
        }
      };
      this.request(ChatType.Get, { name }, { id, before }).catch(reject);
    });
    try {
      return { name: await stored, size };
    } finally {
      this.#reserved.delete(id);
    }
  }

  /** Stop every transfer in progress; each one's promise rejects. */
  async cancelTransfers(): Promise<void> {
    for (const upload of this.#uploads.values()) upload.cancelled = "Cancelled";
    for (const [id, download] of this.#downloads) {
      this.#downloads.delete(id);
      if (!this.#ended) this.#send(indication(ChatType.Cancel, undefined, { id })).catch(() => {});
      await download.rx.abort();
      download.reject(new ChatError(Status.Gone, "Cancelled"));
    }
  }

  /**
   * Leave the room: the server answers, then closes the connection.
   *
   * @param ms Longest wait for the answer.
   */
  async leave(ms = LEAVE_MS): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((resolve) => timer = setTimeout(resolve, ms));
    try {
      await Promise.race([this.request(ChatType.Leave).catch(() => {}), late]);
    } finally {
      clearTimeout(timer);
    }
    await this.close();
  }

  /** Close the connection and wait until everything is cleaned up. */
  async close(): Promise<void> {
    clearInterval(this.#heartbeat);
    this.#fc.close();
    await this.#closed;
  }

  #send(frame: Frame): Promise<void> {
    if (this.#ended) return Promise.reject(notConnected());
    this.#sentSinceTick = true;
    return this.#fc.write(frame);
  }

  #allocId(): number {
    for (let tries = 0; tries < 0xffff; tries++) {
      const id = this.#nextId;
      this.#nextId = id === 0xffff ? 1 : id + 1;
      if (!this.#pending.has(id) && !this.#reserved.has(id)) return id;
    }
    throw new RangeError("Every request id is in use");
  }

  async #readLoop(): Promise<void> {
    try {
      for (let frame = await this.#fc.read(); frame !== null; frame = await this.#fc.read()) {
        await this.#dispatch(frame);
      }
    } catch (err) {
      // A reset or a malformed stream ends the session like a close does.
      this.failure = err;
    } finally {
      this.#ended = true;
      clearInterval(this.#heartbeat);
      this.#fc.close();
      for (const p of this.#pending.values()) p.reject(notConnected());
      this.#pending.clear();
      for (const upload of this.#uploads.values()) upload.cancelled = "Connection closed";
      for (const download of this.#downloads.values()) {
        await download.rx.abort(); // a half-downloaded file leaves nothing behind
        download.reject(notConnected());
      }
      this.#downloads.clear();
    }
  }

  async #dispatch(frame: Frame): Promise<void> {
    if (frame.kind === Kind.Response) {
      const pending = this.#pending.get(frame.id);
      if (pending === undefined) return;
      this.#pending.delete(frame.id);
      try {
        await pending.before?.(frame);
        pending.resolve(frame);
      } catch (err) {
        pending.reject(err);
      }
      return;
    }
    if (frame.kind === Kind.Request) return; // the server asks nothing of us
    if (isLpHello(frame)) {
      this.lpHello = true;
      return;
    }
    switch (frame.type) {
      case ChatType.Data:
        return await this.#onChunk(frame);
      case ChatType.End:
        return await this.#onEnd(frame);
      case ChatType.Cancel:
        return await this.#onCancel(frame);
    }
    let event: ChatEvent | null;
    try {
      event = parseEvent(frame);
    } catch {
      return; // a malformed event is skipped, not fatal
    }
    if (event !== null) this.#onEvent(event);
  }

  async #onChunk(frame: Frame): Promise<void> {
    const download = this.#downloads.get(frame.id);
    if (download === undefined) return; // cancelled: its last chunks are still arriving
    try {
      await download.rx.write(frame.payload);
      download.onProgress?.(download.rx.received, download.rx.size);
    } catch (err) {
      await this.#failDownload(frame.id, err);
    }
  }

  async #onEnd(frame: Frame): Promise<void> {
    const download = this.#downloads.get(frame.id);
    if (download === undefined) return;
    this.#downloads.delete(frame.id);
    try {
      download.resolve(await download.rx.finish(stringField(payloadObject(frame), "sha256")));
    } catch (err) {
      download.reject(err); // finish() has removed the temporary file
    }
  }

  async #onCancel(frame: Frame): Promise<void> {
    let reason = "Cancelled by the server";
    try {
      reason = stringField(payloadObject(frame), "error");
    } catch {
      // Keep the generic reason.
    }
    const upload = this.#uploads.get(frame.id);
    if (upload !== undefined) upload.cancelled = reason;
    if (this.#downloads.has(frame.id)) {
      await this.#failDownload(frame.id, new ChatError(Status.Gone, reason), false);
    }
  }

  async #failDownload(id: number, err: unknown, tellServer = true): Promise<void> {
    const download = this.#downloads.get(id);
    if (download === undefined) return;
    this.#downloads.delete(id);
    if (tellServer) this.#send(indication(ChatType.Cancel, undefined, { id })).catch(() => {});
    await download.rx.abort();
    download.reject(err);
  }
}

/**
 * Whether a frame is the hello an LP server sends on connect: an `S` notice carrying the
 * client's id. A chat server sends nothing before it is asked, and its notices carry no id.
 */
function isLpHello(frame: Frame): boolean {
  if (frame.kind !== Kind.Indication || frame.type !== ChatType.Notice) return false;
  try {
    return typeof payloadObject(frame).clientId === "number";
  } catch {
    return false;
  }
}

/** A command typed by the user. */
export type Command =
  | { kind: "none" }
  | { kind: "say"; text: string }
  | { kind: "msg"; to: string; text: string }
  | { kind: "who" }
  | { kind: "list" }
  | { kind: "upload"; path: string }
  | { kind: "download"; name: string }
  | { kind: "help" }
  | { kind: "exit" }
  | { kind: "invalid"; message: string };

/**
 * Read one typed line as a command.
 *
 * @param line What the user typed.
 * @returns The command; a line not starting with `/` is something to say.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(parseCommand("/msg bob hi there"), { kind: "msg", to: "bob", text: "hi there" });
 * deepStrictEqual(parseCommand("hello"), { kind: "say", text: "hello" });
 * ```
 */
export function parseCommand(line: string): Command {
  const trimmed = line.trim();
  if (trimmed === "") return { kind: "none" };
  if (trimmed.startsWith("//")) return { kind: "say", text: trimmed.slice(1) };
  if (!trimmed.startsWith("/")) return { kind: "say", text: line.trimEnd() };
  const [word, ...rest] = trimmed.split(/\s+/);
  const args = trimmed.slice(word.length).trim();
  switch (word.toLowerCase()) {
    case "/exit":
    case "/quit":
      return { kind: "exit" };
    case "/help":
      return { kind: "help" };
    case "/who":
      return { kind: "who" };
    case "/msg": {
      const text = args.slice(rest[0]?.length ?? 0).trim();
      if (rest.length < 2 || text === "") {
        return { kind: "invalid", message: "Usage: /msg <user> <text>" };
      }
      return { kind: "msg", to: rest[0], text };
    }
    case "/file": {
      const sub = (rest[0] ?? "").toLowerCase();
      const target = unquote(args.slice(rest[0]?.length ?? 0).trim());
      if (sub === "list") return { kind: "list" };
      if (sub === "upload" && target !== "") return { kind: "upload", path: target };
      if (sub === "download" && target !== "") return { kind: "download", name: target };
      return {
        kind: "invalid",
        message: "Usage: /file list | /file upload <path> | /file download <name>",
      };
    }
    default:
      return { kind: "invalid", message: `Unknown command ${word}; /help lists them` };
  }
}

function unquote(text: string): string {
  const m = /^(["'])(.*)\1$/.exec(text);
  return m ? m[2] : text;
}

/**
 * The line shown for an event: the server's time first, as every line of the room has.
 *
 * @param event The event.
 * @returns One printable line.
 */
export function formatEvent(event: ChatEvent): string {
  const p = printable;
  switch (event.type) {
    case "joined":
      return `${p(event.time)} *** ${p(event.name)} joined`;
    case "left":
      return `${p(event.time)} *** ${p(event.name)} ${p(event.reason)}`;
    case "chat":
      return `${p(event.time)} ${p(event.from)}: ${p(event.text)}`;
    case "private":
      return `${p(event.time)} ${p(event.from)} -> ${p(event.to)} (private): ${p(event.text)}`;
    case "uploaded":
      return `${p(event.time)} *** ${p(event.from)} uploaded ${p(event.name)} ` +
        `(${formatBytes(event.size)})`;
    case "notice":
      return `${p(event.time ?? formatTimestamp())} *** ${p(event.text)}`;
  }
}

/**
 * The file list as lines: name, size, uploader and time, in columns.
 *
 * @param files The list.
 * @returns The lines.
 */
export function formatFiles(files: readonly FileInfo[]): string[] {
  if (files.length === 0) return ["No files on the server yet."];
  const rows = files.map((f) => [
    printable(f.name),
    formatBytes(f.size),
    f.uploader === null ? "(uploader unknown)" : `by ${printable(f.uploader)}`,
    printable(f.time),
  ]);
  // Padded by the columns a terminal gives each cell, not by string length: "报告.pdf" is 6
  // characters but 8 columns wide, and padEnd would push its size out of line.
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => displayWidth(r[c]))));
  return [
    `Files on the server (${files.length}):`,
    ...rows.map((r) =>
      `  ${r.map((cell, c) => c < 3 ? padEndToWidth(cell, widths[c]) : cell).join("  ")}`
    ),
  ];
}

/** Where the client's output goes: a terminal with a prompt, a pipe, or a demo's transcript. */
export interface ChatUi {
  /** Print one whole line (above the prompt, on a terminal). */
  print(line: string): void;
  /** Show the prompt for the next command; a no-op without a terminal. */
  prompt(text: string): void;
  /** Ask a question, such as the user name: a prompt on a terminal, a line otherwise. */
  ask(question: string): void;
  /** Show live transfer progress (`null` when none). Absent: one summary line per transfer. */
  progress?: (text: string | null) => void;
  /** Take the prompt away for good: the session is over. */
  end?: () => void;
}

/** What {@linkcode runChatClient} needs besides the connection and the input. */
export interface ChatClientOptions {
  /** Where output goes. */
  ui: ChatUi;
  /** The user name; asked for when absent or taken. */
  name?: string;
  /** Folder for downloads (created when the first download starts). */
  downloads?: string;
  /** Heartbeat interval when idle, in seconds (the server's is used when shorter). */
  heartbeatSeconds?: number;
  /** Aborting it leaves at once, as Ctrl-C does. */
  signal?: AbortSignal;
  /** How to name the server in errors, such as `127.0.0.1:15004` (default "the server"). */
  server?: string;
  /** See {@linkcode ANSWER_TIMEOUT_MS}. */
  answerTimeoutMs?: number;
  /**
   * Connect again, for a user who took longer to choose a name than the server's join deadline
   * (the server closes a connection that has not joined in time). Absent: such a close ends the
   * session.
   */
  reconnect?: () => Promise<ByteStream>;
  /**
   * The user's own folder and home, for the paths they type: `/file upload notes.txt` means the
   * notes.txt in the folder they started from, `~/notes.txt` the one in their home. Absent: a
   * path is used as typed, relative to this process's working folder.
   */
  folders?: UserFolders;
}

/** How a session ended: the user left, the server shut down, or it dropped us. */
export type ClientEnd = "left" | "server closed" | "dropped";

/**
 * Join the room and run the user's commands until they leave or the server closes.
 *
 * @remarks
 * Chat lines are sent without waiting for their answers; uploads and downloads run in the
 * background. `/exit` and the signal cancel transfers in progress; end of input first waits
 * for them, so a piped script can upload and then end.
 *
 * @param conn A connected stream; closed before this returns.
 * @param input The typed lines: the name when asked for, then commands.
 * @param options Where output goes, the name, the downloads folder, the stop signal.
 * @returns How the session ended.
 * @throws {JoinError} When the room cannot be joined: the server is full, does not answer, or
 *   does not speak the chat protocol.
 */
export async function runChatClient(
  conn: ByteStream,
  input: AsyncIterable<string> | Iterable<string>,
  options: ChatClientOptions,
): Promise<ClientEnd> {
  const { ui, signal, downloads = DEFAULT_DOWNLOADS, server = "the server" } = options;
  const answerMs = options.answerTimeoutMs ?? ANSWER_TIMEOUT_MS;
  let lastNotice: Extract<ChatEvent, { type: "notice" }> | null = null;
  let welcome: Welcome | null = null;
  const ownHeartbeat = options.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS;
  const connectClient = (conn: ByteStream) => {
    const client = new ChatClient(conn, (event) => {
      if (event.type === "notice") lastNotice = event;
      // Being turned away is an error for the caller to report, not a line of the room; and
      // the join deadline passing while the user types a name is handled below.
      const status = event.type === "notice" ? event.status : Status.Ok;
      if (status === Status.Full || (status === Status.Timeout && welcome === null)) return;
      ui.print(formatEvent(event));
    });
    client.startHeartbeat(ownHeartbeat);
    return client;
  };
  let client = connectClient(conn);
  // One heartbeat at once: its answer gives the server's interval, which matters while the
  // user is still typing a name (the server evicts silent connections, joined or not).
  const firstAnswer = client.request(ChatType.Heartbeat).then((frame) => {
    const seconds = parseHeartbeat(frame);
    if (seconds !== null && seconds < ownHeartbeat) client.startHeartbeat(seconds);
  });

  // Three things can happen next: a typed line, the server closing, or Ctrl-C.
  const lines = toAsyncIterator(input);
  let typed: Promise<IteratorResult<string>> | null = null;
  let closed = client.closed.then(() => ({ from: "server" as const }));
  const stopped = new Promise<{ from: "stop" }>((resolve) => {
    if (signal?.aborted) resolve({ from: "stop" });
    signal?.addEventListener("abort", () => resolve({ from: "stop" }), { once: true });
  });
  const next = async () => {
    typed ??= lines.next();
    const event = await Promise.race([
      typed.then((r) => ({ from: "user" as const, r })),
      closed,
      stopped,
    ]);
    if (event.from === "user") typed = null;
    return event;
  };

  const serverEnded = (): ClientEnd => {
    const notice = lastNotice as Extract<ChatEvent, { type: "notice" }> | null;
    if (notice?.status === Status.Full) throw new JoinError(printable(notice.text));
    if (notice?.status === Status.ServerError) return "server closed";
    if (welcome === null && client.failure instanceof ProtocolError) {
      throw new JoinError(`${server} is not a chat server (${client.failure.message})`);
    }
    ui.print("The server closed the connection.");
    return "dropped";
  };

  /**
   * Wait for an answer the room cannot be joined without, but not forever: a server of another
   * kind may never answer. `null` means Ctrl-C came first.
   */
  const bounded = async <T>(reply: Promise<T>): Promise<{ value: T } | null> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((resolve) => timer = setTimeout(resolve, answerMs, "late"));
    try {
      const r = await Promise.race([reply.then((value) => ({ value })), late, stopped]);
      if (r === "late") {
        await client.close();
        throw new JoinError(
          `no answer from ${server} within ${answerMs / 1000} s (is it a chat server?)`,
        );
      }
      return "value" in r ? r : null;
    } finally {
      clearTimeout(timer);
    }
  };
  const notChat = async (): Promise<never> => {
    await client.close();
    throw new JoinError(
      client.lpHello
        ? `${server} is an LP server, not a chat server (try deno task lp-client)`
        : `${server} does not speak the chat protocol (is it an LP server?)`,
    );
  };

  // The heartbeat's answer first: the server is a chat server, and it has room for us, before
  // the user is asked for a name. An LP server answers the heartbeat too, but greets first: its
  // hello has been read by the time the answer comes.
  try {
    const answered = await bounded(firstAnswer);
    if (client.lpHello) await notChat();
    if (answered === null) {
      await client.close();
      return "left";
    }
  } catch (err) {
    if (err instanceof JoinError) throw err;
    if (client.lpHello) await notChat();
    if (err instanceof ChatError && err.status === Status.UnknownType) await notChat();
    if (!(err instanceof ChatError) || err.status === Status.Gone) {
      await client.closed;
      return serverEnded();
    }
    // Any other refusal of a heartbeat is not worth stopping for; the join will tell.
  }

  // Join, asking for another name for as long as the server refuses it.
  let name = options.name;
  while (welcome === null) {
    if (name === undefined) {
      ui.ask("Your name: ");
      let event = await next();
      if (event.from === "server") {
        // Too long at the prompt: the server frees the place of a connection that has not
        // joined in time. Wait for the name, then connect again to join with it.
        const notice = lastNotice as Extract<ChatEvent, { type: "notice" }> | null; // set meanwhile
        if (notice?.status !== Status.Timeout || !options.reconnect) return serverEnded();
        closed = new Promise(() => {}); // the old connection's close is no news any more
        event = await next();
        if (event.from === "user" && !event.r.done) {
          client = connectClient(await options.reconnect());
          closed = client.closed.then(() => ({ from: "server" as const }));
          lastNotice = null;
        }
      }
      if (event.from !== "user" || event.r.done) {
        await client.close();
        return "left";
      }
      name = event.r.value;
    }
    try {
      const joined = await bounded(client.join(name));
      if (joined === null) {
        await client.close();
        return "left";
      }
      welcome = joined.value;
    } catch (err) {
      if (err instanceof JoinError) throw err;
      // An LP server, say: it knows the heartbeat, but not the join.
      if (err instanceof ChatError && err.status === Status.UnknownType) await notChat();
      if (!(err instanceof ChatError) || err.status === Status.Gone) {
        await client.closed;
        return serverEnded();
      }
      ui.print(errorLine(err.message));
      name = undefined;
    }
  }
  client.startHeartbeat(Math.min(ownHeartbeat, welcome.heartbeat));
  ui.prompt("> ");
  ui.print(
    `${welcome.time} *** You joined as ${welcome.name}. Online (${welcome.users.length}): ` +
      `${welcome.users.map(printable).join(", ")}. Type /help for commands.`,
  );

  const transfers = new Set<Promise<void>>();
  const live = new Map<number, string>();
  let liveId = 0;
  const track = (task: Promise<void>) => {
    const t = task.finally(() => transfers.delete(t));
    transfers.add(t);
  };
  const report = (err: unknown, what: string) =>
    ui.print(errorLine(`${what}${err instanceof ChatError ? err.message : errorMessage(err)}`));
  /** A chat line that failed: refused by the server, or by the check before sending. */
  const notSent = (err: unknown) =>
    err instanceof ChatError
      ? report(err, "")
      : ui.print(errorLine(`not sent: ${lowerFirst(errorMessage(err))}`));

  /** Run one transfer in the background, with live progress or a final summary line. */
  const transfer = (
    label: string,
    run: (onProgress: ProgressFn) => Promise<TransferResult>,
    done: (result: TransferResult, summary: string) => string,
    what: string,
  ) => {
    const key = ++liveId;
    const started = Date.now();
    let drawn = 0;
    const onProgress: ProgressFn = (bytes, total) => {
      if (!ui.progress || Date.now() - drawn < PROGRESS_MS) return;
      drawn = Date.now();
      live.set(key, formatProgress(label, { done: bytes, total, elapsedMs: drawn - started }));
      ui.progress([...live.values()].join(" | "));
    };
    track(
      run(onProgress).then(
        (result) => {
          const p: Progress = { done: result.size, total: result.size, elapsedMs: 0 };
          p.elapsedMs = Date.now() - started;
          ui.print(done(result, formatSummary(p)));
        },
        (err) => leaving ? ui.print(`${label}: cancelled`) : report(err, what),
      ).finally(() => {
        live.delete(key);
        ui.progress?.(live.size > 0 ? [...live.values()].join(" | ") : null);
      }),
    );
  };

  let leaving = false;
  const leave = async (cancel: boolean): Promise<ClientEnd> => {
    if (!cancel && transfers.size > 0) {
      const n = transfers.size;
      ui.print(`Waiting for ${n} transfer${n === 1 ? "" : "s"} to finish...`);
      await Promise.race([Promise.all(transfers), closed, stopped]);
    }
    leaving = true;
    await client.cancelTransfers();
    // Leaving closes the connection, which also ends a transfer the server has not yet
    // answered (so it could not be cancelled above).
    await client.leave();
    await Promise.all(transfers);
    return "left";
  };

  while (true) {
    ui.prompt("> ");
    const event = await next();
    if (event.from === "server") {
      await Promise.all(transfers);
      return serverEnded();
    }
    if (event.from === "stop") return await leave(true);
    if (event.r.done) return await leave(false);
    const command = parseCommand(event.r.value);
    switch (command.kind) {
      case "none":
        break;
      case "exit":
        return await leave(true);
      case "help":
        for (const line of HELP) ui.print(line);
        break;
      case "invalid":
        ui.print(errorLine(command.message));
        break;
      case "say":
        // Not awaited: the next line can go out at once; the answer only matters if it fails.
        // A line the server would refuse (too long, say) is not sent at all.
        client.say(command.text).catch(notSent);
        break;
      case "msg":
        client.whisper(command.to, command.text).catch(notSent);
        break;
      case "who":
        await client.who().then(
          (users) =>
            ui.print(`Online (${users.length}): ${users.map((u) => printable(u.name)).join(", ")}`),
          (err) => report(err, ""),
        );
        break;
      case "list":
        await client.files().then(
          (files) => formatFiles(files).forEach((line) => ui.print(line)),
          (err) => report(err, ""),
        );
        break;
      case "upload": {
        const typed = command.path;
        let path: string;
        try {
          path = options.folders ? resolveUserPath(typed, options.folders) : typed;
        } catch (err) {
          ui.print(errorLine(`cannot upload "${typed}": ${lowerFirst(errorMessage(err))}`));
          break;
        }
        transfer(
          `upload ${basename(path)}`,
          (onProgress) => client.upload(path, onProgress),
          (r, summary) => `Uploaded ${typed} as ${printable(r.name)}: ${summary}`,
          // The path tried, in full: "not found" alone does not say where it looked.
          `cannot upload "${path}": `,
        );
        break;
      }
      case "download": {
        const name = command.name;
        transfer(
          `download ${name}`,
          async (onProgress) => {
            await Deno.mkdir(downloads, { recursive: true });
            return await client.download(name, downloads, onProgress);
          },
          (r, summary) => `Downloaded ${printable(name)} to ${join(downloads, r.name)}: ${summary}`,
          `cannot download "${name}": `,
        );
        break;
      }
    }
  }
}

/**
 * A local error line, worded as every other: `error: ` and then lowercase, as in
 * `error: cannot download "a.txt": …`. A leading word in capitals (`SHA-256`) stays as it is.
 */
function errorLine(text: string): string {
  return `error: ${lowerFirst(text)}`;
}

/** A sentence made to follow a colon: "The message" becomes "the message", "SHA-256" stays. */
function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? text[0].toLowerCase() + text.slice(1) : text;
}

function toAsyncIterator(input: AsyncIterable<string> | Iterable<string>): AsyncIterator<string> {
  if (Symbol.asyncIterator in input) return input[Symbol.asyncIterator]();
  const sync = input[Symbol.iterator]();
  return { next: () => Promise.resolve(sync.next()) };
}

/**
 * Output for a terminal: each line is printed above the prompt, which is then redrawn with
 * whatever the user had typed, so incoming messages never break the line being typed.
 *
 * @param editor The line editor reading the keyboard (lib/cli/line_editor.ts).
 * @returns The UI.
 */
export function terminalUi(editor: LineEditor): ChatUi {
  let prompt = ""; // none until the name is asked for
  let status: string | null = null;
  const redraw = () => {
    editor.setPrompt(status === null ? prompt : `[${status}] ${prompt}`);
    editor.prompt();
  };
  return {
    print(line) {
      editor.print(line);
    },
    prompt(text) {
      prompt = text;
      redraw();
    },
    ask(question) {
      prompt = question;
      redraw();
    },
    progress(text) {
      status = text;
      editor.setPrompt(status === null ? prompt : `[${status}] ${prompt}`);
    },
    end() {
      // Leave the line empty for the shell's prompt, rather than a dangling "> " above it.
      prompt = "";
      status = null;
      editor.hide();
      editor.setPrompt("");
    },
  };
}

/**
 * Output for a pipe or a file: plain lines, no prompt, one summary line per transfer.
 *
 * @param print Where lines go (default `console.log`).
 * @returns The UI.
 */
export function plainUi(print: (line: string) => void = console.log): ChatUi {
  return { print, prompt() {}, ask: print };
}

function fail(message: string, code = 1): never {
  console.error(`chat_client: ${message}`);
  Deno.exit(code);
}

/**
 * The folder the user started in and their home, for the paths they type. `deno task` runs
 * the program in the project's folder and says where the user was in `INIT_CWD`; `deno run`
 * runs it where the user is. Each variable is read only when the task grants it
 * (`--allow-env=INIT_CWD,HOME`), so that Deno never stops to ask.
 */
function userFolders(): UserFolders {
  const env = (name: string) =>
    Deno.permissions.querySync({ name: "env", variable: name }).state === "granted"
      ? Deno.env.get(name)
      : undefined;
  return { cwd: env("INIT_CWD") || Deno.cwd(), home: env("HOME") || undefined };
}

if (import.meta.main) {
  const parsed = parseProgramFlags({
    name: "chat_client",
    usage: USAGE,
    args: Deno.args,
    options: {
      name: { type: "string" },
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: String(DEFAULT_PORT) },
      downloads: { type: "string", default: DEFAULT_DOWNLOADS },
      heartbeat: { type: "string", default: String(DEFAULT_HEARTBEAT_SECONDS) },
    },
    read: (values) => ({
      host: values.host,
      port: parseRemotePort(values.port),
      name: values.name,
      downloads: values.downloads,
      heartbeatSeconds: parseSeconds(values.heartbeat),
    }),
    log: console.log,
    error: console.error,
  });
  if ("exitCode" in parsed) Deno.exit(parsed.exitCode);
  const { host, port, name, downloads, heartbeatSeconds } = parsed.flags;

  // Checked before connecting: otherwise the first download would end in Deno's advice to add
  // a flag, which a `deno task` user cannot do. On a terminal Deno asks first.
  if (Deno.permissions.requestSync({ name: "write", path: downloads }).state !== "granted") {
    fail(
      `the task may write only under ${DEFAULT_DOWNLOADS}; use --downloads inside it, ` +
        "or run with deno run --allow-write=DIR",
    );
  }

  const server = formatHostPort({ hostname: host, port });
  let conn: Deno.TcpConn;
  try {
    conn = await Deno.connect({ hostname: host, port });
  } catch (err) {
    fail(errorMessage(err, `cannot connect to ${server}`));
  }
  conn.setNoDelay(true);
  conn.setKeepAlive(true);

  // A terminal gets a prompt, line editing and live progress; a pipe gets plain lines.
  // Ctrl-C leaves cleanly: the editor reports it on a terminal, the signal does otherwise.
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  const editor = Deno.stdin.isTerminal() ? openTerminalEditor({ onInterrupt: onSigint }) : null;
  const rl = editor ? null : createInterface({ input: process.stdin, terminal: false });
  const ui = editor ? terminalUi(editor) : plainUi();
  Deno.addSignalListener("SIGINT", onSigint);
  ui.print(`Connected to ${server}`);

  let end: ClientEnd = "dropped";
  let failure: string | null = null;
  try {
    end = await runChatClient(conn, editor ?? rl!, {
      ui,
      name,
      downloads,
      heartbeatSeconds,
      signal: stop.signal,
      server,
      folders: userFolders(),
      reconnect: async () => {
        const again = await Deno.connect({ hostname: host, port });
        again.setNoDelay(true);
        again.setKeepAlive(true);
        return again;
      },
    });
  } catch (err) {
    failure = err instanceof JoinError
      ? err.message
      : errorMessage(err, `connection to ${server} failed`);
  } finally {
    Deno.removeSignalListener("SIGINT", onSigint);
    ui.end?.();
    editor?.close();
    rl?.close();
  }
  if (failure !== null) console.error(`chat_client: ${failure}`);
  // Standard input may still be open (a terminal, or a pipe that has not ended).
  Deno.exit(end === "left" || end === "server closed" ? 0 : 1);
}

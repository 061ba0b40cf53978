/**
 * The protocol side of the chat client: a {@linkcode RequestSession} that joins the room, says
 * things, asks who is online and which files are shared, and moves files chunk by chunk. It
 * prints nothing; the room's events go to a callback.
 *
 * @module
 */

import { basename } from "node:path";
import { type Frame, Kind, Status } from "../wire/frame.ts";
import type { ByteStream } from "../wire/frame_connection.ts";
import { OpeningBytes } from "../tls/opening_bytes.ts";
import { FileReceiver, openChunks } from "../files/file_chunk.ts";
import { RequestError, RequestSession } from "../net/request_session.ts";
import { cliText } from "../cli/text.ts";
import {
  type ChatEvent,
  ChatType,
  checkText,
  DEFAULT_HEARTBEAT_SECONDS,
  type FileInfo,
  indication,
  parseEvent,
  parseFiles,
  parseHeartbeat,
  parseHistory,
  parseUsers,
  parseWelcome,
  payloadObject,
  sizeField,
  stringField,
  type UserInfo,
  type Welcome,
} from "./protocol.ts";
import { readReason } from "./reason.ts";
import { refusalLine, serverSays } from "./format.ts";
import { chatText as text } from "./text.ts";

/**
 * Upload chunks handed to the connection before the oldest must be in the kernel's hands: four
 * 256 KiB chunks, so the next piece is read and hashed while the last ones go out, and a chat
 * line sent meanwhile still waits behind a millisecond of file at most.
 */
const UPLOAD_WINDOW = 4;

/** A transfer's result. */
export interface TransferResult {
  /** The name it was stored under (on the server for an upload, locally for a download). */
  name: string;
  /** Bytes. */
  size: number;
}

/** Called as a transfer moves on: bytes done so far, of the total. */
export type ProgressFn = (done: number, total: number) => void;

interface Download {
  rx: FileReceiver;
  onProgress?: ProgressFn;
  resolve(stored: string): void;
  reject(err: unknown): void;
}

/**
 * The ids of the room's events a client has seen, kept across its connections in one run: a
 * rejoin asks for what came after the newest, so nothing is shown twice or lost, and
 * `/history` asks for what came before the oldest, so each page goes further back.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * const seen = new SeenIds();
 * seen.note(40, true);
 * seen.note(45, false);
 * equal(seen.last, 45);
 * equal(seen.oldest, 40);
 * ```
 */
export class SeenIds {
  /** The newest id of any indication, `null` before the first (or from a server without history). */
  last: number | null = null;
  /** The oldest id shown, `null` before the first. */
  oldest: number | null = null;

  /**
   * Note an event's id.
   *
   * @param id The id.
   * @param history Whether it came as history. A live event lowers `oldest` only when nothing
   *   was shown before it: a private message kept for us while we were away keeps its original,
   *   older id, and `/history` must not skip what lies between.
   */
  note(id: number, history: boolean): void {
    this.last = this.last === null ? id : Math.max(this.last, id);
    if (history || this.oldest === null) {
      this.oldest = this.oldest === null ? id : Math.min(this.oldest, id);
    }
  }
}

/**
 * A join the server refused, with the code it gave: a client asks for a password on
 * `password-needed`, and asks again on `login-failed` but not on `account-banned`.
 */
export class JoinRefused extends RequestError {
  /** The refusal's code, such as `login-failed`; `null` from a server that sends none. */
  readonly code: string | null;

  /**
   * @param err The refusal.
   * @param code Its code.
   */
  constructor(err: RequestError, code: string | null) {
    super(err.status, err.message);
    this.name = "JoinRefused";
    this.code = code;
  }
}

/**
 * Most texts of messages kept for accounts that are away remembered at once, to say which one
 * was delivered: a user who leaves thousands unread costs no more than this.
 */
const MAX_STORED_TEXTS = 1000;

/**
 * The private messages this run left for accounts that were away, by id: when one is
 * delivered, its line quotes it.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * const kept = new StoredTexts();
 * kept.add(7, "see you");
 * equal(kept.take(7), "see you");
 * equal(kept.take(7), undefined);
 * ```
 */
export class StoredTexts {
  readonly #texts = new Map<number, string>();

  /**
   * @param id The message's id.
   * @param text What it said.
   */
  add(id: number, text: string): void {
    this.#texts.set(id, text);
    if (this.#texts.size > MAX_STORED_TEXTS) this.#texts.delete(this.#texts.keys().next().value!);
  }

  /**
   * @param id The message's id.
   * @returns What it said, once; `undefined` when not known.
   */
  take(id: number): string | undefined {
    const text = this.#texts.get(id);
    this.#texts.delete(id);
    return text;
  }
}

/** What a {@linkcode ChatClient} shares with the clients before and after it in one run. */
export interface ChatClientLinks {
  /** The ids seen so far (default: a new, empty record). */
  seen?: SeenIds;
  /** The messages left for accounts that were away (default: a new, empty record). */
  stored?: StoredTexts;
  /**
   * Called in the reader as soon as a join is accepted, before any event that follows it (the
   * history the server replays next): the place to say "you joined".
   *
   * @param welcome The server's welcome.
   * @param resumed Whether the join asked for what came after the last id seen.
   */
  onJoined?: (welcome: Welcome, resumed: boolean) => void;
}

/**
 * One connection to the chat room.
 *
 * @example
 * ```ts ignore
 * const client = new ChatClient(await Deno.connect({ port: 15004 }), (e) => console.log(e));
 * await client.join("alice");
 * await client.say("hello");
 * await client.leave();
 * ```
 */
export class ChatClient extends RequestSession {
  /**
   * Whether an LP server's hello came: the same frames, another protocol. It is not passed on
   * as an event (it would read as a notice from the room).
   */
  lpHello = false;
  /** The welcome, once joined. */
  welcome: Welcome | null = null;
  /** The server's last notice: its last word before it closes says why (full, shutting down). */
  lastNotice: Extract<ChatEvent, { type: "notice" }> | null = null;
  /** The ids seen, on this connection and the ones before it. */
  readonly seen: SeenIds;
  readonly #stored: StoredTexts;
  /** The codes of refused joins, by request id, read by {@linkcode ChatClient.join}. */
  readonly #joinRefusals: Map<number, string | null>;
  /** Set once another connection has taken over: this one's events are no longer shown. */
  #muted = false;
  readonly #onEvent: (event: ChatEvent) => void;
  readonly #onJoined: ChatClientLinks["onJoined"];
  readonly #heartbeatMs: number;
  readonly #downloads = new Map<number, Download>();
  /** Uploads in progress, and why each was cancelled (`null` while it goes on). */
  readonly #uploads = new Map<number, { cancelled: string | null }>();
  /** The server's first bytes: TLS records, when a plain client reached a TLS server. */
  readonly #opening: OpeningBytes;

  /**
   * Start reading from the server, and heartbeats.
   *
   * @param conn A connected stream; the client owns it from now on.
   * @param onEvent Called for every event from the room, in order.
   * @param heartbeatMs Heartbeat interval while idle, unless the server's is shorter (default:
   *   the protocol's).
   * @param links The ids seen by the connections before this one, and what to call on joining.
   */
  constructor(
    conn: ByteStream,
    onEvent: (event: ChatEvent) => void,
    heartbeatMs = DEFAULT_HEARTBEAT_SECONDS * 1000,
    links: ChatClientLinks = {},
  ) {
    // A refusal's code is worded in the user's language, its English kept for unknown codes. A
    // refused join's code is kept too: it decides whether to ask for a password.
    const joinRefusals = new Map<number, string | null>();
    const refusalText = (frame: Frame) => {
      if (frame.type === ChatType.Join) joinRefusals.set(frame.id, refusalCode(frame));
      return refusalLine(frame);
    };
    const opening = new OpeningBytes(conn);
    super(opening, { heartbeatType: ChatType.Heartbeat, heartbeatMs, refusalText });
    this.#opening = opening;
    this.#joinRefusals = joinRefusals;
    this.#onEvent = onEvent;
    this.#heartbeatMs = heartbeatMs;
    this.seen = links.seen ?? new SeenIds();
    this.#stored = links.stored ?? new StoredTexts();
    this.#onJoined = links.onJoined;
  }

  /** @returns Whether the server answered with TLS records: a TLS server, reached without TLS. */
  answeredWithTls(): boolean {
    return this.#opening.looksLikeTls();
  }

  /**
   * Send a heartbeat now. Its answer says the server is there, and how often it wants to hear
   * from us: it evicts connections that stay silent, joined or not.
   *
   * @throws {RequestError} When the server refuses it or is gone.
   */
  async ping(): Promise<void> {
    this.#adoptHeartbeat(parseHeartbeat(await this.request(ChatType.Heartbeat)));
  }

  /**
   * Join the room. After an earlier connection of this run saw the room's events, the join asks
   * for exactly those after the newest it saw (`after`); otherwise the server replays its
   * newest. A server without history ignores `after` and replays nothing.
   *
   * @param name The user name.
   * @param password Log in to the account of that name; absent, join as a guest unless the
   *   server asks for the password.
   * @returns The server's welcome.
   * @throws {JoinRefused} With `Taken` or `BadPayload`; `AuthRequired` when the name needs a
   *   password; `AuthFailed` when the password is wrong or the account banned; `BadState`
   *   (`accounts-off`) when a password was given but the server took us as a guest.
   */
  async join(name: string, password?: string): Promise<Welcome> {
    const after = this.seen.last;
    const payload = {
      name,
      ...(password !== undefined && { password }),
      ...(after !== null && { after }),
    };
    // Read in the reader: the welcome is told before the history that follows it.
    const inReader = (response: Frame) => {
      const welcome = parseWelcome(response);
      // A server without accounts (--auth off) ignores the password: that is no login.
      if (password !== undefined && welcome.guest === true) {
        return Promise.reject(
          new JoinRefused(new RequestError(Status.BadState, text("accounts-off")), "accounts-off"),
        );
      }
      this.welcome = welcome;
      this.#onJoined?.(welcome, after !== null);
      return Promise.resolve();
    };
    const id = this.reserveId();
    try {
      await this.request(ChatType.Join, payload, { id, inReader });
    } catch (err) {
      if (!(err instanceof RequestError) || err instanceof JoinRefused) throw err;
      throw new JoinRefused(err, this.#joinRefusals.get(id) ?? null);
    } finally {
      this.#joinRefusals.delete(id);
      this.releaseId(id);
    }
    const welcome = this.welcome!;
    this.#adoptHeartbeat(welcome.heartbeat);
    return welcome;
  }

  /**
   * Register a name with a password: our own name once joined as a guest (the server then
   * counts us as that account), or any free name before joining.
   *
   * @param password The password.
   * @param name The name, before joining; absent, our own.
   * @returns The name as registered.
   * @throws {RequestError} When the server refuses (taken, too short, no accounts).
   */
  async register(password: string, name?: string): Promise<string> {
    const payload = name === undefined ? { password } : { name, password };
    const registered = stringField(
      payloadObject(await this.request(ChatType.Register, payload)),
      "name",
    );
    if (this.welcome !== null && name === undefined) {
      this.welcome = { ...this.welcome, guest: false };
    }
    return registered;
  }

  /**
   * Log out: the server forgets every saved login (session token) of our account; we stay in
   * the room.
   *
   * @throws {RequestError} With `BadState` when we are a guest.
   */
  async logout(): Promise<void> {
    await this.request(ChatType.Logout);
  }

  /**
   * Stop showing this connection's events: another connection of the run has joined in its
   * place (a `/login`), and this one is about to leave.
   */
  mute(): void {
    this.#muted = true;
  }

  /**
   * A page of the room's history before the oldest event this client has shown (the newest
   * page when it has shown none); the next call goes further back.
   *
   * @param limit How many events, at most (the server allows up to 500).
   * @returns The events, oldest first, marked as history.
   * @throws {RequestError} With `UnknownType` from a server without history.
   */
  async earlier(limit: number): Promise<ChatEvent[]> {
    const before = this.seen.oldest;
    const query = before === null ? { limit } : { before, limit };
    const events = parseHistory(await this.request(ChatType.History, query));
    for (const { id } of events) if (id !== undefined) this.seen.note(id, true);
    return events;
  }

  /**
   * Search the room's history.
   *
   * @param words What to look for.
   * @returns The events that match, oldest first, marked as history.
   * @throws {RequestError} With `UnknownType` from a server without history.
   */
  async search(words: string): Promise<ChatEvent[]> {
    return parseHistory(await this.request(ChatType.History, { search: words }));
  }

  /**
   * Say something to everyone (the server sends it back to us too, with its time).
   *
   * @param text The message.
   * @throws {RangeError} Before anything is sent, when it is over the chat's limit of 8 KiB:
   *   the server would refuse it, or, past its frame limit, hang up on us.
   * @throws {TypeError} Before anything is sent, when it is empty or not one line.
   * @throws {RequestError} When the server refuses it.
   */
  async say(text: string): Promise<void> {
    await this.request(ChatType.Chat, { text: checkText(text) });
  }

  /**
   * Say something to one user.
   *
   * @param to The user's name.
   * @param text The message, checked as {@linkcode ChatClient.say} checks it.
   * @returns Whether the server kept it for an account that is away (`stored`).
   */
  async whisper(to: string, text: string): Promise<{ stored: boolean }> {
    const sent = await this.request(ChatType.Private, { to, text: checkText(text) });
    // An account that is away gets it at its next login.
    return { stored: payloadObject(sent).stored === true };
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
   * Upload a file, streaming it chunk by chunk under the id of the request that started it.
   *
   * @param path The local file.
   * @param onProgress Called after each chunk.
   * @returns The name the server stored it under, and its size.
   * @throws {Deno.errors.NotFound | Deno.errors.PermissionDenied | TypeError} Before anything
   *   is sent, when the path is missing, unreadable or not a file.
   * @throws {RequestError} When the server refuses it or the transfer is cancelled.
   */
  async upload(path: string, onProgress?: ProgressFn): Promise<TransferResult> {
    // Check locally first: a bad path is the user's mistake, not the server's business.
    const stat = await Deno.stat(path);
    if (!stat.isFile) throw new TypeError(text("isFolder", { name: basename(path) }));
    (await Deno.open(path, { read: true })).close();
    const id = this.reserveId();
    const state = { cancelled: null as string | null };
    this.#uploads.set(id, state);
    let accepted = false;
    try {
      await this.request(ChatType.Upload, { name: basename(path), size: stat.size }, { id });
      accepted = true;
      // Opened only now: a source that is never read would keep its file open.
      const source = await openChunks(path);
      if (source.size !== stat.size) {
        throw new TypeError(text("changedWhileStarting", { name: basename(path) }));
      }
      await this.#sendChunks(id, source, state, onProgress);
      const end = await this.request(ChatType.End, { sha256: source.sha256() }, { id });
      accepted = false;
      const obj = payloadObject(end);
      return { name: stringField(obj, "name"), size: sizeField(obj, "size") };
    } catch (err) {
      // Tell the server to drop what it has; it may have cancelled already, or be gone.
      if (accepted) this.#cancel(id);
      throw err;
    } finally {
      this.#uploads.delete(id);
      this.releaseId(id);
    }
  }

  /**
   * Download a shared file into a folder, through a verified temporary file.
   *
   * @param name The name as the file list shows it.
   * @param dir The folder (it must exist).
   * @param onProgress Called after each chunk.
   * @returns The local name (numbered if the name was taken) and size.
   * @throws {RequestError} With `NotFound` when there is no such file.
   */
  async download(name: string, dir: string, onProgress?: ProgressFn): Promise<TransferResult> {
    const id = this.reserveId();
    let size = 0;
    const stored = new Promise<string>((resolve, reject) => {
      // Runs in the reader, before the first chunk is read: the file is open when it arrives.
      const inReader = async (response: Frame) => {
        size = sizeField(payloadObject(response), "size");
        try {
          const rx = await FileReceiver.open(dir, name, size);
          this.#downloads.set(id, { rx, onProgress, resolve, reject });
        } catch (err) {
          this.#cancel(id);
          throw err;
        }
      };
      this.request(ChatType.Get, { name }, { id, inReader }).catch(reject);
    });
    try {
      return { name: await stored, size };
    } finally {
      this.releaseId(id);
    }
  }

  /** Stop every transfer in progress; each one's promise rejects. */
  async cancelTransfers(): Promise<void> {
    for (const upload of this.#uploads.values()) upload.cancelled = text("cancelled");
    for (const id of [...this.#downloads.keys()]) {
      this.#cancel(id);
      await this.#failDownload(id, new RequestError(Status.Gone, text("cancelled")));
    }
  }

  /**
   * Leave the room: the server answers, then closes the connection.
   *
   * @param graceMs Longest wait for the answer.
   */
  leave(graceMs?: number): Promise<void> {
    return this.goodbye(ChatType.Leave, graceMs);
  }

  /**
   * Hand chunks to the connection, at most {@linkcode UPLOAD_WINDOW} not yet written, so a
   * chat message sent meanwhile waits behind a few chunks at most.
   */
  async #sendChunks(
    id: number,
    source: AsyncIterable<Uint8Array> & { size: number },
    state: { cancelled: string | null },
    onProgress?: ProgressFn,
  ): Promise<void> {
    let sent = 0;
    const inFlight: { written: Promise<void>; bytes: number }[] = [];
    const oldestWritten = async () => {
      const { written, bytes } = inFlight.shift()!;
      await written;
      sent += bytes;
      onProgress?.(sent, source.size);
    };
    for await (const chunk of source) {
      if (state.cancelled !== null) throw new RequestError(Status.Gone, state.cancelled);
      const written = this.send(indication(ChatType.Data, chunk, { id }));
      written.catch(() => {}); // awaited in turn below; a failure must not go unhandled meanwhile
      inFlight.push({ written, bytes: chunk.length });
      if (inFlight.length >= UPLOAD_WINDOW) await oldestWritten();
    }
    while (inFlight.length > 0) await oldestWritten();
  }

  /** Heartbeat at the server's interval (in seconds) when it is shorter than ours. */
  #adoptHeartbeat(seconds: number | null): void {
    if (seconds !== null && seconds * 1000 < this.#heartbeatMs) this.heartbeatEvery(seconds * 1000);
  }

  /** Tell the server to stop a transfer; it may have stopped already, or be gone. */
  #cancel(id: number): void {
    if (!this.ended) this.send(indication(ChatType.Cancel, undefined, { id })).catch(() => {});
  }

  protected override async onIndication(frame: Frame): Promise<void> {
    if (isLpHello(frame)) {
      this.lpHello = true;
      return;
    }
    switch (frame.type) {
      case ChatType.Data:
        return await this.#onChunk(frame);
      case ChatType.End:
        return await this.#onFileEnd(frame);
      case ChatType.Cancel:
        return await this.#onCancel(frame);
    }
    if (this.#muted) return;
    let event: ChatEvent | null;
    try {
      event = parseEvent(frame);
    } catch {
      return; // a malformed event is skipped, not fatal
    }
    if (event?.type === "notice") {
      this.lastNotice = event;
      // Being turned away, or the join deadline passing, ends the joining, not a line of the
      // room: whoever joins reads it in lastNotice.
      if (event.status === Status.Full) return;
      if (event.status === Status.Timeout && this.welcome === null) return;
    }
    if (event === null) return;
    if (event.id !== undefined) {
      // A join that took over from another connection of this run (a /login) is replayed what
      // came after the last id seen when it asked; what the other connection showed meanwhile
      // is not shown twice.
      const last = this.seen.last;
      if (event.history && last !== null && event.id <= last) return;
      this.seen.note(event.id, event.history === true);
    }
    if (event.type === "private" && event.stored && event.id !== undefined) {
      this.#stored.add(event.id, event.text);
    }
    if (event.type === "delivered") {
      const said = this.#stored.take(event.message);
      if (said !== undefined) event = { ...event, text: said };
    }
    this.#onEvent(event);
    // A message kept while we were away: once shown, the server may count it delivered.
    if (event.type === "private" && event.offline && event.id !== undefined) {
      this.request(ChatType.Delivered, { id: event.id }).catch(() => {});
    }
  }

  protected override async onEnd(): Promise<void> {
    for (const upload of this.#uploads.values()) upload.cancelled = text("connectionClosed");
    for (const id of [...this.#downloads.keys()]) {
      // A half-downloaded file leaves nothing behind.
      await this.#failDownload(id, new RequestError(Status.Gone, cliText("notConnected")));
    }
  }

  async #onChunk(frame: Frame): Promise<void> {
    const download = this.#downloads.get(frame.id);
    if (download === undefined) return; // cancelled: its last chunks are still arriving
    try {
      await download.rx.write(frame.payload);
      download.onProgress?.(download.rx.received, download.rx.size);
    } catch (err) {
      this.#cancel(frame.id);
      await this.#failDownload(frame.id, err);
    }
  }

  async #onFileEnd(frame: Frame): Promise<void> {
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
    let reason = text("cancelledByServer");
    try {
      const obj = payloadObject(frame);
      reason = serverSays(readReason(obj), stringField(obj, "error"));
    } catch {
      // Keep the generic reason.
    }
    const upload = this.#uploads.get(frame.id);
    if (upload !== undefined) upload.cancelled = reason;
    await this.#failDownload(frame.id, new RequestError(Status.Gone, reason));
  }

  async #failDownload(id: number, err: unknown): Promise<void> {
    const download = this.#downloads.get(id);
    if (download === undefined) return;
    this.#downloads.delete(id);
    await download.rx.abort();
    download.reject(err);
  }
}

/** A refusal's code, if it has one. */
function refusalCode(frame: Frame): string | null {
  try {
    return readReason(payloadObject(frame))?.code ?? null;
  } catch {
    return null;
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

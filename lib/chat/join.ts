/**
 * Getting into the chat room: make sure the server is a chat server with room for us, then
 * join, asking for another name for as long as the one given is taken, and for the password
 * when the name belongs to an account. Each way this can end early (the server full, of another
 * kind, silent, or gone; a login that keeps failing; the user leaving) is a
 * {@linkcode JoinError} or a {@linkcode ClientEnd}.
 *
 * @module
 */

import { ProtocolError, Status } from "../wire/frame.ts";
import type { ByteStream } from "../wire/frame_connection.ts";
import { RequestError } from "../net/request_session.ts";
import { cliText } from "../cli/text.ts";
import { type ChatClient, JoinRefused } from "./client_session.ts";
import { errorLine, serverSays } from "./format.ts";
import { printable } from "./protocol.ts";
import { chatText as text } from "./text.ts";
import type { ChatUi, ClientInput } from "./terminal_ui.ts";

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

/**
 * How long the first heartbeat and the join wait for their answers. A chat server answers at
 * once; ten seconds covers a slow link, yet a server of another kind (which never answers)
 * does not leave the user waiting forever.
 */
export const ANSWER_TIMEOUT_MS = 10_000;

/** Times a join that crossed the server's join deadline is tried again on a new connection. */
const MAX_JOIN_RETRIES = 3;

/**
 * Wrong passwords typed before the client gives up, as `sudo` and `ssh` do: enough for a typo
 * or two, and the server's own brake (a growing wait after five) is never reached by one user.
 */
export const MAX_LOGIN_FAILURES = 3;

/** How a session ended: the user left, the server shut down, or it dropped us. */
export type ClientEnd = "left" | "server closed" | "dropped";

/** What {@linkcode enterRoom} needs besides the first connection's client. */
export interface EnterOptions {
  /** Where questions and errors go. */
  ui: ChatUi;
  /** The typed lines, the connection's close and Ctrl-C. */
  input: ClientInput;
  /** The user name; asked for when absent or taken. */
  name?: string;
  /**
   * Log in at once with this password, rather than join as a guest until the server asks for
   * one: from `--password-file` (`fixed`: a wrong one ends the joining), or just typed for
   * `/login` (a wrong one is asked again). Absent: asked for, without echo, when needed.
   */
  login?: { password: string; fixed: boolean };
  /** How to name the server in errors, such as `127.0.0.1:15004` (default "the server"). */
  server?: string;
  /** Longest wait for each answer (default {@linkcode ANSWER_TIMEOUT_MS}). */
  answerTimeoutMs?: number;
  /**
   * A client on a new connection, made as the first one was, sharing the ids of the room's
   * events it saw: joining again asks for exactly what came after them.
   */
  open: (conn: ByteStream) => ChatClient;
  /**
   * Connect again, for a user slower to choose a name than the server's join deadline (the
   * server closes a connection that has not joined in time). Absent: such a close ends it.
   */
  reconnect?: () => Promise<ByteStream>;
}

/**
 * Join the room.
 *
 * @remarks
 * A heartbeat goes first: its answer says the server is a chat server with room for us before
 * the user is asked for a name. An LP server answers it too, but greets first: its hello has
 * been read by the time the answer comes. An LP server without a hello is found out by the
 * join, which it does not know.
 *
 * @param client A client on a connection just made.
 * @param options The user, the name, the server's name, and how to connect again.
 * @returns The client that joined (a new one after a reconnect), or how it ended first.
 * @throws {JoinError} When the room cannot be joined.
 */
export async function enterRoom(
  client: ChatClient,
  options: EnterOptions,
): Promise<{ client: ChatClient } | { end: ClientEnd }> {
  options.input.watch(client.closed);
  // Any refusal of the heartbeat other than "unknown type" is not worth stopping for; the
  // join will tell.
  const pinged = await answer(client, client.ping(), options);
  if ("end" in pinged) return pinged;
  let name = options.name;
  let password = options.login?.password;
  let retries = 0;
  let failures = 0;
  while (true) {
    if (name === undefined) {
      const typed = await askLine(client, options, text("askName"), false);
      if ("end" in typed) return typed;
      ({ client, line: name } = typed);
    }
    const joined = await answer(client, client.join(name, password), options);
    if ("retry" in joined) {
      // The name went out just as the join deadline closed the connection: join anew, but
      // not forever (a deadline shorter than a round trip would close every attempt).
      if (++retries > MAX_JOIN_RETRIES) {
        throw new JoinError(text("closedBeforeJoin", { server: serverName(options.server) }));
      }
      client = options.open(await options.reconnect!());
      options.input.watch(client.closed);
      continue;
    }
    if ("end" in joined) return joined;
    if (!("refused" in joined)) return { client };
    const refused = joined.refused;
    const code = refused instanceof JoinRefused ? refused.code : null;
    if (refused.status === Status.AuthRequired && password === undefined) {
      // A registered name (or a room for accounts only): its password, then the same name.
      options.ui.print(errorLine(refused.message));
    } else if (refused.status === Status.AuthFailed && code !== "account-banned") {
      failures++;
      if (options.login?.fixed) return await giveUp(client, refused.message);
      if (failures >= MAX_LOGIN_FAILURES) {
        return await giveUp(client, text("loginGaveUp", { name: printable(name), n: failures }));
      }
      options.ui.print(errorLine(refused.message));
    } else if (refused.status === Status.AuthFailed || options.login) {
      // Banned; or a login the server could not take (no accounts, a bad name): asking again
      // would not help.
      return await giveUp(client, refused.message);
    } else {
      options.ui.print(errorLine(refused.message)); // the name is taken, say: ask again
      name = undefined;
      password = undefined;
      continue;
    }
    const typed = await askLine(
      client,
      options,
      text("askPassword", { name: printable(name) }),
      true,
    );
    if ("end" in typed) return typed;
    ({ client, line: password } = typed);
  }
}

/** Close the connection and end the joining with one line. */
async function giveUp(client: ChatClient, message: string): Promise<never> {
  await closeAndLeave(client);
  throw new JoinError(message);
}

/**
 * Wait for an answer the room cannot be joined without, and read what it means.
 *
 * @returns The answer; or the server's refusal; or how the session ended: Ctrl-C, or the
 *   server closing; or `retry` when the server closed for the join deadline and the caller can
 *   connect again.
 * @throws {JoinError} When the server is of another kind, or does not answer in time.
 */
async function answer<T>(
  client: ChatClient,
  reply: Promise<T>,
  options: EnterOptions,
): Promise<{ value: T } | { refused: RequestError } | { end: ClientEnd } | { retry: true }> {
  try {
    const answered = await answerWithin(client, reply, options);
    if (client.lpHello) return await notChat(client, serverName(options.server));
    return answered ?? { end: await closeAndLeave(client) };
  } catch (err) {
    if (err instanceof JoinError) throw err;
    // An LP server: it greets with a hello, and it knows the heartbeat but not the join.
    const unknown = err instanceof RequestError && err.status === Status.UnknownType;
    if (client.lpHello || unknown) return await notChat(client, serverName(options.server));
    if (err instanceof RequestError && err.status !== Status.Gone) return { refused: err };
    if (client.lastNotice?.status === Status.Timeout && options.reconnect) return { retry: true };
    return { end: await sessionEnd(client, options.ui, options.server) };
  }
}

/**
 * Ask for a line: a name, or a password (`secret`: not shown as it is typed). A user slow to
 * answer finds the place freed (the server closes a connection that has not joined in time):
 * wait for the answer all the same, then connect again.
 */
async function askLine(
  client: ChatClient,
  options: EnterOptions,
  question: string,
  secret: boolean,
): Promise<{ client: ChatClient; line: string } | { end: ClientEnd }> {
  if (secret && options.ui.askSecret) options.ui.askSecret(question);
  else options.ui.ask(question);
  let event = await options.input.next();
  if (event.from === "server") {
    if (client.lastNotice?.status !== Status.Timeout || !options.reconnect) {
      return { end: await sessionEnd(client, options.ui, options.server) };
    }
    options.input.watch(null); // the old connection's close is no news any more
    event = await options.input.next();
    if (event.from === "user" && event.line !== null) {
      client = options.open(await options.reconnect());
      options.input.watch(client.closed);
    }
  }
  if (event.from !== "user" || event.line === null) return { end: await closeAndLeave(client) };
  return { client, line: event.line };
}

/**
 * Wait for an answer, but not forever: a server of another kind may never answer.
 *
 * @returns The answer, or `null` when Ctrl-C came first.
 * @throws {JoinError} When no answer comes in time.
 */
async function answerWithin<T>(
  client: ChatClient,
  reply: Promise<T>,
  options: EnterOptions,
): Promise<{ value: T } | null> {
  const ms = options.answerTimeoutMs ?? ANSWER_TIMEOUT_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => timer = setTimeout(resolve, ms, "late"));
  try {
    const r = await Promise.race([reply.then((value) => ({ value })), late, options.input.stopped]);
    if (r !== "late") return "value" in r ? r : null;
    await closeAndLeave(client);
    const server = serverName(options.server);
    throw new JoinError(text("noAnswer", { server, seconds: ms / 1000 }));
  } finally {
    clearTimeout(timer);
  }
}

async function notChat(client: ChatClient, server: string): Promise<never> {
  await closeAndLeave(client);
  throw new JoinError(text(client.lpHello ? "lpServer" : "notChatProtocol", { server }));
}

/**
 * Once the server has closed: say why, or throw when that means the room cannot be joined.
 *
 * @param client The client whose connection ended (or is ending).
 * @param ui Where to say it.
 * @param server The server's name, for errors (default "the server").
 * @returns How the session ended.
 * @throws {JoinError} When the server was full, or is not a chat server.
 */
export async function sessionEnd(
  client: ChatClient,
  ui: ChatUi,
  server?: string,
): Promise<ClientEnd> {
  await client.closed;
  const notice = client.lastNotice;
  if (notice?.status === Status.Full) throw new JoinError(serverSays(notice.why, notice.text));
  if (notice?.status === Status.ServerError) return "server closed";
  if (client.welcome === null && client.failure instanceof ProtocolError) {
    // A TLS server's alert, read as if it were a frame.
    if (client.answeredWithTls()) {
      throw new JoinError(text("speaksTls", { server: serverName(server) }));
    }
    const why = client.failure.message;
    throw new JoinError(text("notChatServer", { server: serverName(server), why }));
  }
  ui.print(cliText("serverClosed"));
  return "dropped";
}

async function closeAndLeave(client: ChatClient): Promise<"left"> {
  client.close();
  await client.closed;
  return "left";
}

function serverName(server: string | undefined): string {
  return server ?? text("theServer");
}

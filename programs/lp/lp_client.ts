/**
 * Lab: a custom protocol — the LP menu client.
 *
 * A background reader takes every frame off the connection: a response goes to whoever sent
 * the request with the same id (so requests can overlap, and a burst of them can be written
 * without waiting), an indication (a message from another client, a server notice) is shown
 * at once, even in the middle of a prompt. Heartbeats tell the server we are still here. All
 * of that is the session (lib/lp/client_session.ts, on lib/net/request_session.ts); this file
 * is the menu of seven items, and the scripted modes. With `--tls` the session runs over TLS,
 * once the server's certificate is trusted (lib/tls/client.ts, docs/TLS.md).
 *
 * Run it (with `deno task lp-server` running):   deno task lp-client
 * Scripted:   deno task lp-client --connect 127.0.0.1:4579 --do time,name,list,msg:2:hello
 * Receive:    deno task lp-client --connect 127.0.0.1:4579 --listen
 * Burst:      deno task lp-client --connect 127.0.0.1:4579 --repeat 100
 * Over TLS:   deno task lp-client --tls --connect 127.0.0.1:4579 --do time   (lp-server --tls)
 *
 * @module
 */

import { errorMessage, parseProgramFlags, UsageError } from "../../lib/cli/cli.ts";
import { cliText } from "../../lib/cli/text.ts";
import { displayWidth, padEndToWidth } from "../../lib/cli/display_width.ts";
import { formatHostPort, parseHostPort, parseRemotePort } from "../../lib/net/host_port.ts";
import { endLine } from "../../lib/net/request_session.ts";
import { DEFAULT_LP_PORT } from "../../lib/lp/protocol.ts";
import {
  greetOrClose,
  type LpEvent,
  LpSession,
  type SessionOptions,
} from "../../lib/lp/client_session.ts";
import {
  type Action,
  describeEvent,
  parseActions,
  parseRepeat,
  runAction,
  timeBurst,
} from "../../lib/lp/client_actions.ts";
import { type MenuIO, openMenuIO } from "../../lib/lp/menu.ts";
import { readTrustFlags } from "../../lib/tls/client.ts";
import type { LpTable } from "../../lib/lp/reason.ts";
import { lpText as text } from "../../lib/lp/text.ts";

/** The `--help` text, worded once the language is known. */
const usage = () => text("clientUsage", { port: DEFAULT_LP_PORT });

/** The server the menu suggests: this machine. */
const DEFAULT_HOST = "127.0.0.1";

/** What {@linkcode runMenu} needs besides the user. */
export interface MenuOptions {
  /** Open a session; indications must go to `onEvent`. */
  connect: (hostname: string, port: number, options: SessionOptions) => Promise<LpSession>;
  /** A session to start with (from `--connect`). */
  session?: LpSession;
  /** Longest wait for a new server's first answer (default 10 s: see lib/lp/client_session.ts). */
  answerTimeoutMs?: number;
}

/** The menu's state: the user, the session if there is one, and how to open one. */
interface Menu {
  readonly io: MenuIO;
  readonly options: MenuOptions;
  session?: LpSession;
}

/** One item: what it is called (a key of lib/lp/text.ts), and what it does; `"exit"` ends it. */
interface MenuItem {
  key: string;
  label: keyof LpTable & `menu${string}`;
  run(menu: Menu): Promise<"exit" | void>;
}

// The seven items. Those that talk to the server need a session first.
const MENU: readonly MenuItem[] = [
  { key: "1", label: "menuConnect", run: connect },
  { key: "2", label: "menuDisconnect", run: needSession(disconnect) },
  { key: "3", label: "menuTime", run: needSession((m, s) => show(m, s, { op: "time" })) },
  { key: "4", label: "menuName", run: needSession((m, s) => show(m, s, { op: "name" })) },
  { key: "5", label: "menuList", run: needSession((m, s) => show(m, s, { op: "list" })) },
  { key: "6", label: "menuSend", run: needSession(sendMessage) },
  { key: "7", label: "menuExit", run: () => Promise.resolve("exit" as const) },
];

/**
 * The menu's lines, in the user's language: a blank line, then `  1) Connect` and so on, the
 * keys padded by display width so that every label starts in the same column.
 *
 * @returns The lines.
 */
export function menuLines(): string[] {
  const keys = MENU.map((i) => `${i.key})`);
  const width = Math.max(...keys.map(displayWidth));
  return ["", ...MENU.map((item, n) => `  ${padEndToWidth(keys[n], width)} ${text(item.label)}`)];
}

/**
 * The seed's numbered menu, until 7 or the end of input.
 *
 * @param io The user.
 * @param options How to connect, and perhaps an open session.
 */
export async function runMenu(io: MenuIO, options: MenuOptions): Promise<void> {
  const menu: Menu = { io, options };
  if (options.session) adopt(menu, options.session);
  const showMenu = () => menuLines().forEach((line) => io.print(line));
  showMenu();
  while (true) {
    const choice = await io.ask(text("choose"));
    if (choice === null) break;
    const c = choice.trim();
    if (c === "") continue; // Enter alone: just ask again
    const item = MENU.find((i) => i.key === c);
    if (item === undefined) {
      io.print(text("unknownChoice", { choice: c }));
      showMenu();
    } else if (await item.run(menu) === "exit") {
      break;
    }
  }
  const last = menu.session;
  menu.session = undefined;
  await last?.quit();
  io.print(text("bye"));
}

/** Make the session the menu's, and say so if the server ends it. */
function adopt(menu: Menu, session: LpSession): void {
  menu.session = session;
  session.closed.then((reason) => {
    if (menu.session !== session) return; // disconnected by choice
    menu.session = undefined;
    menu.io.print(endLine(reason));
  });
}

function needSession(run: (menu: Menu, session: LpSession) => Promise<"exit" | void>) {
  return (menu: Menu) => {
    if (menu.session) return run(menu, menu.session);
    menu.io.print(text("notConnected"));
    return Promise.resolve();
  };
}

async function connect(menu: Menu): Promise<"exit" | void> {
  const { io, options } = menu;
  if (menu.session) {
    return io.print(text("alreadyConnected", { server: menu.session.server }));
  }
  const hostAnswer = await io.ask(text("askHost", { host: DEFAULT_HOST }));
  if (hostAnswer === null) return "exit";
  const portAnswer = await io.ask(text("askPort", { port: DEFAULT_LP_PORT }));
  if (portAnswer === null) return "exit";
  const host = hostAnswer.trim() || DEFAULT_HOST;
  let port = DEFAULT_LP_PORT;
  try {
    if (portAnswer.trim() !== "") port = parseRemotePort(portAnswer.trim());
  } catch (err) {
    return io.print(errorMessage(err)); // such as port 0: no server listens there
  }
  let session: LpSession;
  try {
    session = await options.connect(host, port, { onEvent: (e) => io.print(describeEvent(e)) });
  } catch (err) {
    const address = formatHostPort({ hostname: host, port });
    return io.print(errorMessage(err, capitalized(cliText("cannotConnect", { address }))));
  }
  io.print(connectedLine(session));
  const error = await greetOrClose(session, options.answerTimeoutMs);
  if (error === null) adopt(menu, session);
  else io.print(capitalized(error));
}

async function disconnect(menu: Menu, session: LpSession): Promise<void> {
  menu.session = undefined;
  await session.quit();
  menu.io.print(text("disconnectedFrom", { server: session.server }));
}

async function sendMessage(menu: Menu, session: LpSession): Promise<"exit" | void> {
  const idAnswer = await menu.io.ask(text("askClientId"));
  if (idAnswer === null) return "exit";
  // Checked before the message is asked for, so a typo does not cost typing the text.
  const idText = idAnswer.trim();
  const to = Number(idText);
  if (!/^\d{1,9}$/.test(idText) || to < 1) {
    return menu.io.print(text("badClientId", { id: idText }));
  }
  const message = await menu.io.ask(text("askMessage"));
  if (message === null) return "exit";
  if (message === "") menu.io.print(text("emptyMessage"));
  else await show(menu, session, { op: "msg", to, text: message });
}

/** Run an action and print its lines, or why it failed. */
async function show(menu: Menu, session: LpSession, action: Action): Promise<void> {
  try {
    for (const line of await runAction(session, action)) menu.io.print(line);
  } catch (err) {
    menu.io.print(err instanceof Error ? err.message : String(err));
  }
}

/** "Connected to …", saying over TLS why the server's certificate was trusted. */
function connectedLine(session: LpSession): string {
  const { server, trust } = session;
  return trust === undefined
    ? text("connectedTo", { server })
    : text("connectedToTls", { server, trust });
}

/** A sentence that starts a line: "no answer from …" becomes "No answer from …". */
function capitalized(sentence: string): string {
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

function fail(message: string, code = 1): never {
  console.error(`lp_client: ${message}`);
  Deno.exit(code);
}

/** `--do`, then `--repeat`, then `--listen` or quit; a failure ends the program in one line. */
async function runScripted(
  s: LpSession,
  flags: { actions: Action[]; repeat: number; listen: boolean },
): Promise<void> {
  for (const action of flags.actions) {
    try {
      for (const line of await runAction(s, action)) console.log(line);
    } catch (err) {
      s.close();
      fail(err instanceof Error ? err.message : String(err));
    }
  }
  if (flags.repeat > 0) {
    const r = await timeBurst(s, flags.repeat);
    const matched = r.received === r.sent && s.unexpected === 0 ? text("burstMatched") : "";
    const { sent, received, failed } = r;
    const ms = r.elapsedMs.toFixed(1);
    console.log(text("burst", { sent, received, matched, failed, ms }));
    if (received !== sent) {
      s.close();
      fail(text("burstMissing", { missing: sent - received, sent }));
    }
  }
  if (flags.listen) await stayConnected(s);
  else await s.quit();
}

/** Wait for Ctrl-C (or SIGTERM) or the end of the session, whichever is first. */
async function stayConnected(session: LpSession): Promise<void> {
  let wake: () => void = () => {};
  const interrupted = new Promise<void>((resolve) => wake = resolve);
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, wake);
  // Only now: a Ctrl-C sent as soon as this is printed must be caught.
  console.log(text("waiting"));
  try {
    const how = await Promise.race([session.closed, interrupted.then(() => null)]);
    if (how === null) await session.quit();
    else console.log(endLine(how));
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, wake);
  }
}

if (import.meta.main) {
  const parsed = parseProgramFlags({
    name: "lp_client",
    usage,
    args: Deno.args,
    options: {
      connect: { type: "string" },
      do: { type: "string" },
      repeat: { type: "string" },
      listen: { type: "boolean" },
      tls: { type: "boolean" },
      ca: { type: "string" },
      fingerprint: { type: "string" },
      trust: { type: "boolean" },
    },
    read: (values) => {
      const target = values.connect === undefined
        ? undefined
        : parseHostPort(values.connect, DEFAULT_LP_PORT);
      const actions: Action[] = values.do === undefined ? [] : parseActions(values.do);
      const repeat = values.repeat === undefined ? 0 : parseRepeat(values.repeat);
      const listen = values.listen ?? false;
      if (!target && (actions.length > 0 || repeat > 0 || listen)) {
        throw new UsageError(text("needConnect"));
      }
      const scripted = actions.length > 0 || repeat > 0 || listen;
      const tls = readTrustFlags(values); // --ca, --fingerprint and --trust imply --tls
      return { target, actions, repeat, listen, scripted, tls };
    },
    log: console.log,
    error: console.error,
  });
  if ("exitCode" in parsed) Deno.exit(parsed.exitCode);
  const { target, scripted } = parsed.flags;

  // The menu reads a terminal with line editing, or a pipe; Ctrl-C at a prompt exits like 7.
  const io = scripted ? null : openMenuIO(console.log);
  const print = (line: string) => io ? io.print(line) : console.log(line);
  // Whether to trust a new server's certificate is asked on a terminal only: on a pipe, the
  // answer would be the next menu choice. `prompt` is Deno's own one-line question.
  const ask = !Deno.stdin.isTerminal()
    ? undefined
    : io
    ? (question: string) => io.ask(question)
    : (question: string) => Promise.resolve(prompt(question.trimEnd()));
  const tls = parsed.flags.tls && { ...parsed.flags.tls, ask, say: print };
  const connect: MenuOptions["connect"] = (hostname, port, options) =>
    LpSession.connect(hostname, port, { ...options, tls });

  let session: LpSession | undefined;
  if (target) {
    const server = formatHostPort(target);
    const onEvent = (e: LpEvent) => print(describeEvent(e));
    session = await connect(target.hostname, target.port, { onEvent })
      .catch((err) => fail(errorMessage(err, cliText("cannotConnect", { address: server }))));
    print(connectedLine(session));
    const error = await greetOrClose(session);
    if (error !== null) {
      // Scripted, there is nothing more to do; the menu says so and carries on, unconnected.
      if (scripted) fail(error);
      print(capitalized(error));
      session = undefined;
    }
  }

  if (io) {
    await runMenu(io, { connect, session });
    io.close();
  } else {
    await runScripted(session!, parsed.flags);
  }
  Deno.exit(0);
}

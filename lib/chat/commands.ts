/**
 * What the chat client's user can type: a line to say, or a command starting with `/`. Parsing
 * does nothing else, so every command is testable without a connection.
 *
 * @module
 */

import { displayWidth, padEndToWidth } from "../cli/display_width.ts";
import { chatText as text } from "./text.ts";

/** Events a bare `/history` shows: a screenful. */
export const DEFAULT_HISTORY = 20;

/** Most events one `/history` asks for: the server's largest page (a larger N is cut to it). */
export const MAX_HISTORY = 500;

/**
 * The list `/help` prints: each command and what it does, in two columns lined up by the
 * columns a terminal gives them (a Chinese `<用户名>` is twice as wide as its length says).
 *
 * @returns The lines.
 */
export function helpLines(): string[] {
  const rows: [string, string][] = [
    [text("cmdSay"), text("helpSay")],
    [text("cmdMsg"), text("helpMsg")],
    ["/who", text("helpWho")],
    ["/file list", text("helpList")],
    [text("cmdUpload"), text("helpUpload")],
    [text("cmdDownload"), text("helpDownload")],
    [text("cmdHistory"), text("helpHistory")],
    [text("cmdSearch"), text("helpSearch")],
    ["/register", text("helpRegister")],
    [text("cmdLogin"), text("helpLogin")],
    ["/logout", text("helpLogout")],
    ["/help", text("helpHelp")],
    ["/exit", text("helpExit")],
  ];
  const width = Math.max(...rows.map(([command]) => displayWidth(command))) + 3;
  return [
    text("helpTitle"),
    ...rows.map(([command, meaning]) => `  ${padEndToWidth(command, width)}${meaning}`),
  ];
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
  | { kind: "history"; limit: number }
  | { kind: "search"; words: string }
  | { kind: "register" }
  | { kind: "login"; name: string }
  | { kind: "logout" }
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
 * deepStrictEqual(parseCommand("/history 5"), { kind: "history", limit: 5 });
 * deepStrictEqual(parseCommand("/login bob"), { kind: "login", name: "bob" });
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
      const said = args.slice(rest[0]?.length ?? 0).trim();
      if (rest.length < 2 || said === "") {
        return { kind: "invalid", message: text("usageMsg") };
      }
      return { kind: "msg", to: rest[0], text: said };
    }
    case "/file": {
      const sub = (rest[0] ?? "").toLowerCase();
      const target = unquote(args.slice(rest[0]?.length ?? 0).trim());
      if (sub === "list") return { kind: "list" };
      if (sub === "upload" && target !== "") return { kind: "upload", path: target };
      if (sub === "download" && target !== "") return { kind: "download", name: target };
      return { kind: "invalid", message: text("usageFile") };
    }
    case "/history": {
      if (args === "") return { kind: "history", limit: DEFAULT_HISTORY };
      const limit = /^\d{1,9}$/.test(args) ? Number(args) : 0;
      if (limit < 1) return { kind: "invalid", message: text("usageHistory") };
      return { kind: "history", limit: Math.min(limit, MAX_HISTORY) };
    }
    case "/search":
      if (args === "") return { kind: "invalid", message: text("usageSearch") };
      return { kind: "search", words: args };
    // The passwords these ask for are typed on the next lines, never on the command line,
    // where the line editor's history (and a terminal's scrollback) would keep them.
    case "/register":
      return { kind: "register" };
    case "/login":
      if (rest.length !== 1) return { kind: "invalid", message: text("usageLogin") };
      return { kind: "login", name: rest[0] };
    case "/logout":
      return { kind: "logout" };
    default:
      return { kind: "invalid", message: text("unknownCommand", { word }) };
  }
}

/** A name or path typed in quotes, for one with spaces: `"a (1).txt"`. */
function unquote(typed: string): string {
  const m = /^(["'])(.*)\1$/.exec(typed);
  return m ? m[2] : typed;
}

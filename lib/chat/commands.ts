/**
 * What the chat client's user can type: a line to say, or a command starting with `/`. Parsing
 * does nothing else, so every command is testable without a connection.
 *
 * @module
 */

/** The list `/help` prints. */
export const HELP: readonly string[] = [
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

/** A name or path typed in quotes, for one with spaces: `"a (1).txt"`. */
function unquote(text: string): string {
  const m = /^(["'])(.*)\1$/.exec(text);
  return m ? m[2] : text;
}

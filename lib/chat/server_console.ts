/**
 * The chat server's operator console, typed on the server's standard input: `users`,
 * `kick NAME`, `ban NAME`, `unban NAME`, `history [N]`, `help` and `quit`. The commands are the
 * same words in every language; what they answer is in the server's.
 *
 * @module
 */

import { Status } from "../wire/frame.ts";
import { formatTimestamp } from "../cli/timestamp.ts";
import { displayWidth } from "../cli/display_width.ts";
import type { ChatDb } from "../store/chat_db.ts";
import { nameKey, notice } from "./protocol.ts";
import { reason } from "./reason.ts";
import type { Room } from "./room.ts";
import { chatText as text } from "./text.ts";

/** Messages `history` shows when not told how many. */
const DEFAULT_SHOWN = 20;
/** Most messages `history` shows. */
const MAX_SHOWN = 500;

/** What a command works on. */
interface ConsoleContext {
  room: Room;
  db: ChatDb;
}

/** The commands; `quit` is the shutdown's and handled apart. */
const COMMANDS: Record<string, (c: ConsoleContext, args: string[]) => string[]> = {
  "": () => [],
  users: ({ room, db }) => {
    const online = new Map(room.members().map((m) => [nameKey(m.name!), m]));
    const rows: string[][] = room.members().map((m) => [
      m.name!,
      m.guest ? text("consoleGuest") : text("consoleMember"),
      text("consoleOnlineSince", { time: m.since }),
    ]);
    for (const user of db.users()) {
      if (online.has(user.key)) continue;
      rows.push([
        user.name,
        user.banned ? text("consoleBanned") : text("consoleMember"),
        text("consoleOffline"),
      ]);
    }
    if (rows.length === 0) return [text("consoleNoUsers")];
    return [text("consoleUsersHeading", { n: rows.length }), ...columns(rows)];
  },
  kick: ({ room }, args) => {
    const name = args.join(" ");
    if (!name) return [text("consoleUsage", { usage: "kick NAME" })];
    return [kick(room, name) ? text("consoleKicked", { name }) : text("no-such-user", { name })];
  },
  ban: ({ room, db }, args) => {
    const name = args.join(" ");
    if (!name) return [text("consoleUsage", { usage: "ban NAME" })];
    if (!db.ban(nameKey(name))) return [text("consoleNoAccount", { name })];
    kick(room, name);
    return [text("consoleBannedNow", { name })];
  },
  unban: ({ db }, args) => {
    const name = args.join(" ");
    if (!name) return [text("consoleUsage", { usage: "unban NAME" })];
    return [
      db.unban(nameKey(name))
        ? text("consoleUnbanned", { name })
        : text("consoleNoAccount", { name }),
    ];
  },
  history: ({ db }, [arg]) => {
    const n = arg === undefined ? DEFAULT_SHOWN : Number(arg);
    if (!Number.isInteger(n) || n < 1 || n > MAX_SHOWN) {
      return [text("consoleUsage", { usage: `history [1-${MAX_SHOWN}]` })];
    }
    const shown = db.recent(n).map((m) => {
      const time = formatTimestamp(new Date(m.time));
      const who = m.to === null ? m.from ?? "" : `${m.from} → ${m.to}`;
      return `${time} [${m.kind}] ${who}: ${m.text}`;
    });
    return shown.length === 0 ? [text("consoleNoHistory")] : shown;
  },
  help: () => [text("consoleHelp")],
};

/** Disconnect a member, telling it why: the `S` notice `kicked-out`. */
function kick(room: Room, name: string): boolean {
  const member = room.find(name);
  if (member === undefined) return false;
  member.dismiss(notice(Status.Ok, reason("kicked-out")), reason("kicked-operator"));
  room.release(member);
  return true;
}

/** Rows in columns lined up by display width. */
function columns(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => displayWidth(r[i]))));
  return rows.map((r) =>
    "  " +
    r.map((cell, i) => cell + " ".repeat(widths[i] - displayWidth(cell))).join("  ").trimEnd()
  );
}

/**
 * Carry out one console command.
 *
 * @param line What the operator typed.
 * @param context The room and its database.
 * @returns The lines to show, and whether the operator asked to quit.
 */
export function consoleCommand(
  line: string,
  context: ConsoleContext,
): { lines: string[]; quit: boolean } {
  const [command = "", ...args] = line.trim().split(/\s+/);
  if (command === "quit") return { lines: [], quit: true };
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  return {
    lines: run ? run(context, args) : [text("consoleUnknown", { command })],
    quit: false,
  };
}
